#include "nn/progress.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "autodiff/text.hpp"

namespace ad::nn {
namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

constexpr double kQuiet = 1.0;       // a task shorter than this shows nothing
constexpr double kRedraw = 0.2;      // seconds between redraws of the line
constexpr double kCalibrate = 0.25;  // seconds of work an estimate is based on
constexpr double kLong = 60.0;       // a task estimated longer than this is announced

}  // namespace

std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n), s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

std::string duration(double seconds) {
  const auto s = static_cast<std::uint64_t>(std::llround(std::max(seconds, 0.0)));
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  if (s < 86400) return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
  return grouped(s / 86400) + " d " + std::to_string(s % 86400 / 3600) + " h";
}

ProgressMeter::ProgressMeter(std::ostream& out, bool terminal, std::function<double()> now)
    : out_(out), terminal_(terminal), now_(now ? std::move(now) : steady_seconds) {}

void ProgressMeter::operator()(std::string_view what, std::uint64_t done, std::uint64_t total,
                               double loss) {
  const double t = now_();
  if (done == 0 || what != task_) {  // a new task: time it from here
    task_ = what;
    start_ = t;
    drawn_ = estimated_ = false;
    if (done == 0) return;
  }
  const double elapsed = t - start_;
  if (done >= total) {
    if (drawn_) out_ << "\r\x1b[K" << std::flush;  // the line had its use: leave the terminal clean
    drawn_ = false;
    return;
  }
  const double left = elapsed / static_cast<double>(done) * static_cast<double>(total - done);
  if (!estimated_ && elapsed >= kCalibrate && elapsed + left > kLong) {
    estimated_ = true;
    if (drawn_) out_ << "\r\x1b[K";
    out_ << "autodiff: " << grouped(total) << ' ' << what << " will take about "
         << duration(elapsed + left) << " (about "
         << grouped(static_cast<std::uint64_t>(std::llround(static_cast<double>(done) / elapsed)))
         << " a second); Ctrl-C stops\n"
         << std::flush;
    drawn_ = false;
  }
  if (terminal_ && elapsed >= kQuiet && (!drawn_ || t - drawn_at_ >= kRedraw)) {
    drawn_at_ = t;
    draw(what, done, total, loss, left);
  }
}

void ProgressMeter::draw(std::string_view what, std::uint64_t done, std::uint64_t total,
                         double loss, double left) {
  const double percent = 100.0 * static_cast<double>(done) / static_cast<double>(total);
  out_ << "\rautodiff: " << what << ": " << grouped(done) << " of " << grouped(total) << " ("
       << static_cast<int>(percent) << "%), ";
  if (!std::isnan(loss)) out_ << "loss " << ad::number(loss, 6) << ", ";
  out_ << "about " << duration(left) << " left\x1b[K" << std::flush;
  drawn_ = true;
}

}  // namespace ad::nn
