#include "nn/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include "autodiff/text.hpp"
#include "nn/progress.hpp"

namespace ad::nn {
namespace {

// The plotting area inside the 900 × 500 picture: room on the left for the loss labels, above
// for the title, below for the step labels and the axis title.
constexpr double kLeft = 100, kRight = 870, kTop = 70, kBottom = 420;

// A coordinate, to a tenth of a pixel.
std::string at(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

// 10^e as the label of a decade: "1", "10", then 10 with a raised exponent.
std::string decade_label(int e) {
  if (e == 0 || e == 1) return e == 0 ? "1" : "10";
  return "10<tspan dy=\"-8\" font-size=\"14\">" + std::string(e < 0 ? "−" : "") +
         std::to_string(std::abs(e)) + "</tspan>";
}

struct LossAxis {
  int lo, hi;  // decades: the axis runs from 10^lo to 10^hi
  double y(double loss) const {
    if (loss <= 0) return kBottom;
    return kBottom - (std::log10(loss) - lo) / (hi - lo) * (kBottom - kTop);
  }
};

LossAxis loss_axis(const std::vector<HistoryLine>& lines) {
  double least = 0, most = 0;
  for (const HistoryLine& line : lines) {
    if (!std::isfinite(line.loss) || line.loss < 0)
      throw std::invalid_argument("loss_plot: the loss at step " + std::to_string(line.step) +
                                  " is " + ad::number(line.loss, 6));
    if (line.loss > 0) least = least == 0 ? line.loss : std::min(least, line.loss);
    most = std::max(most, line.loss);
  }
  if (most == 0) return {-1, 0};  // every loss 0: any decade will do, they lie on its bottom edge
  const int lo = static_cast<int>(std::floor(std::log10(least)));
  const int hi = static_cast<int>(std::ceil(std::log10(most)));
  return {lo, std::max(hi, lo + 1)};
}

// The distance between labelled ticks: 1, 2 or 5 × 10^k units, the smallest giving at most
// `most` intervals over `span`.
std::uint64_t spacing(std::uint64_t span, std::uint64_t most) {
  for (std::uint64_t unit = 1;; unit *= 10)
    for (std::uint64_t m : {1, 2, 5})
      if (span <= most * m * unit) return m * unit;
}

// A grid line, a tick and a label at every decade (every few when there are many: 10^0, 10^50,
// 10^100 for a run that overflows), and the multiples 2..9 of each as short ticks when there are
// few.
std::string loss_ticks(const LossAxis& axis) {
  std::string s;
  const int decades = axis.hi - axis.lo;
  const auto every = static_cast<int>(spacing(static_cast<std::uint64_t>(decades), 10));
  for (int e = axis.lo; e <= axis.hi; ++e) {
    if (e % every != 0) continue;
    const double y = axis.y(std::pow(10.0, e));
    s += "<line x1=\"" + at(kLeft) + "\" x2=\"" + at(kRight) + "\" y1=\"" + at(y) + "\" y2=\"" +
         at(y) + "\" stroke=\"#dddddd\"/>\n";
    s += "<line x1=\"" + at(kLeft - 8) + "\" x2=\"" + at(kLeft) + "\" y1=\"" + at(y) + "\" y2=\"" +
         at(y) + "\" stroke=\"black\"/>\n";
    s += "<text x=\"" + at(kLeft - 12) + "\" y=\"" + at(y + 6) + "\" text-anchor=\"end\">" +
         decade_label(e) + "</text>\n";
    for (int m = 2; m <= 9 && decades <= 8 && e < axis.hi; ++m) {
      const double minor = axis.y(m * std::pow(10.0, e));
      s += "<line x1=\"" + at(kLeft - 4) + "\" x2=\"" + at(kLeft) + "\" y1=\"" + at(minor) +
           "\" y2=\"" + at(minor) + "\" stroke=\"black\"/>\n";
    }
  }
  return s;
}

std::string step_ticks(std::uint64_t last, double width) {
  std::string s;
  const std::uint64_t every = spacing(last, 8);
  for (std::uint64_t k = 0; k <= last; k += every) {
    const double x = kLeft + static_cast<double>(k) / static_cast<double>(last) * width;
    s += "<line x1=\"" + at(x) + "\" x2=\"" + at(x) + "\" y1=\"" + at(kBottom) + "\" y2=\"" +
         at(kBottom + 8) + "\" stroke=\"black\"/>\n";
    s += "<text x=\"" + at(x) + "\" y=\"" + at(kBottom + 28) + "\" text-anchor=\"middle\">" +
         grouped(k) + "</text>\n";
  }
  return s;
}

}  // namespace

std::string loss_plot(std::string_view title, const std::vector<HistoryLine>& lines) {
  if (lines.empty()) throw std::invalid_argument("loss_plot: no history lines");
  const LossAxis axis = loss_axis(lines);
  const auto last = static_cast<std::uint64_t>(std::max(lines.back().step, 1));
  const double width = kRight - kLeft;
  std::string s =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"500\" viewBox=\"0 0 900 "
      "500\" font-family=\"sans-serif\" font-size=\"16\">\n"
      "<rect width=\"900\" height=\"500\" fill=\"white\"/>\n";
  s += "<text x=\"" + at((kLeft + kRight) / 2) + "\" y=\"30\" text-anchor=\"middle\" " +
       "font-size=\"20\">" + ad::xml_escaped(ad::printable(title)) + "</text>\n";
  s += "<text x=\"" + at((kLeft + kRight) / 2) + "\" y=\"54\" text-anchor=\"middle\">loss " +
       ad::number(lines.front().loss, 6) + " at step " + grouped(lines.front().step) + ", " +
       ad::number(lines.back().loss, 6) + " at step " + grouped(lines.back().step) + "</text>\n";
  s += loss_ticks(axis) + step_ticks(last, width);
  s += "<rect x=\"" + at(kLeft) + "\" y=\"" + at(kTop) + "\" width=\"" + at(width) +
       "\" height=\"" + at(kBottom - kTop) + "\" fill=\"none\" stroke=\"black\"/>\n";
  s += "<text x=\"" + at((kLeft + kRight) / 2) + "\" y=\"" + at(kBottom + 62) +
       "\" text-anchor=\"middle\">step</text>\n";
  s += "<text transform=\"translate(30 " + at((kTop + kBottom) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">loss (log scale)</text>\n";
  s += "<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\" points=\"";
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    zeros += lines[i].loss == 0 ? 1 : 0;
    const double x = kLeft + static_cast<double>(lines[i].step) / static_cast<double>(last) * width;
    s += (i == 0 ? "" : " ") + at(x) + "," + at(axis.y(lines[i].loss));
  }
  s += "\"/>\n";
  if (zeros > 0)
    s += "<text x=\"" + at(kRight - 6) + "\" y=\"" + at(kBottom - 8) + "\" text-anchor=\"end\">" +
         grouped(zeros) + (zeros == 1 ? " loss" : " losses") +
         " of 0 drawn on the bottom edge</text>\n";
  return s + "</svg>\n";
}

}  // namespace ad::nn
