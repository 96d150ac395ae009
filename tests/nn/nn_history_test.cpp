// The training curve's parts: the stride rule of nn::History (counted by hand) and the SVG of
// nn::loss_plot (its vertices placed on the axes' closed forms, its labels, its refusals).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/history.hpp"
#include "nn/plot.hpp"

namespace {

// The steps a History of `steps` keeps when offered every step in order.
std::vector<int> kept(int steps) {
  ad::nn::History history(steps, false);
  for (int k = 0; k <= steps; ++k)
    if (history.wants(k)) history.record(k, 1.0);
  std::vector<int> v;
  for (const auto& line : history.lines()) v.push_back(line.step);
  return v;
}

TEST(HistoryLines, EveryStepUpToTenThousandThenAStrideAndTheLast) {
  EXPECT_EQ(kept(3), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(kept(10000).size(), 10001u);
  // 10,001 steps: stride ceil(10,001 / 10,000) = 2, so 0, 2, ..., 10,000 and 10,001.
  const auto odd = kept(10001);
  ASSERT_EQ(odd.size(), 5002u);
  EXPECT_EQ(odd[5000], 10000);
  EXPECT_EQ(odd.back(), 10001);
  // 1,000,000 steps: stride 100, 0 to 1,000,000 exactly: 10,001 lines, none added for the last.
  const auto million = kept(1000000);
  ASSERT_EQ(million.size(), 10001u);
  EXPECT_EQ(million[1], 100);
  EXPECT_EQ(million.back(), 1000000);
  for (int steps : {25000, 99999, 123457, 2147483}) EXPECT_LE(kept(steps).size(), 10001u) << steps;
}

TEST(HistoryLines, AStepRecordedIsNotWantedAgain) {
  ad::nn::History history(5, false);
  history.record(0, 2.0);
  EXPECT_FALSE(history.wants(0));
  EXPECT_TRUE(history.wants(1));
  EXPECT_FALSE(history.wants(6));
}

std::vector<ad::nn::HistoryLine> curve(const std::vector<double>& losses) {
  std::vector<ad::nn::HistoryLine> lines;
  for (std::size_t k = 0; k < losses.size(); ++k)
    lines.push_back({static_cast<int>(k), losses[k], {}});
  return lines;
}

// The vertices' coordinates, in order.
std::vector<std::pair<double, double>> vertices(const std::string& svg) {
  const auto begin = svg.find("points=\"") + 8;
  std::istringstream in(svg.substr(begin, svg.find('"', begin) - begin));
  std::vector<std::pair<double, double>> v;
  for (std::string p; in >> p;) v.emplace_back(std::stod(p), std::stod(p.substr(p.find(',') + 1)));
  return v;
}

// Losses 0.5, 0.05, 0.005 over steps 0..2: the loss axis runs from 10^-3 (y = 420) to 10^0
// (y = 70), a decade each 350/3 px; the step axis from 0 (x = 100) to 2 (x = 870).
TEST(LossPlot, VerticesLieOnTheAxes) {
  const std::string svg = ad::nn::loss_plot("t", curve({0.5, 0.05, 0.005}));
  const auto v = vertices(svg);
  ASSERT_EQ(v.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(v[k].first, 100 + 385.0 * static_cast<double>(k), 0.05);
    const double decades_up = std::log10(0.5 / std::pow(10.0, static_cast<double>(k))) + 3;
    EXPECT_NEAR(v[k].second, 420 - decades_up * 350 / 3, 0.05) << k;
  }
  // Decade labels 1, 10^-1, 10^-2, 10^-3, and the axes' titles.
  EXPECT_NE(svg.find(">1</text>"), std::string::npos);
  for (int e : {1, 2, 3})
    EXPECT_NE(svg.find(">10<tspan dy=\"-8\" font-size=\"14\">−" + std::to_string(e) + "</tspan>"),
              std::string::npos)
        << e;
  EXPECT_NE(svg.find(">step</text>"), std::string::npos);
  EXPECT_NE(svg.find(">loss (log scale)</text>"), std::string::npos);
  EXPECT_NE(svg.find("viewBox=\"0 0 900 500\""), std::string::npos);
}

// A run that overflows spans 309 decades (0.5 to 2e307): a label every 50, at 10^0, 10^50, ...,
// 10^300, not 309 of them.
TEST(LossPlot, ManyDecadesAreLabelledEveryFew) {
  const std::string svg = ad::nn::loss_plot("t", curve({0.5, 2e307}));
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto at = svg.find(what); at != std::string::npos; at = svg.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("font-size=\"14\">"), 6u);  // 10^50 .. 10^300 raised; 10^0 is "1"
  EXPECT_EQ(count("text-anchor=\"end\">1</text>"), 1u);
  for (int e : {50, 100, 150, 200, 250, 300})
    EXPECT_NE(svg.find("font-size=\"14\">" + std::to_string(e) + "</tspan>"), std::string::npos)
        << e;
}

TEST(LossPlot, ZeroLossesLieOnTheBottomEdgeAndAreSaid) {
  const std::string svg = ad::nn::loss_plot("t", curve({0.1, 0.0, 0.0}));
  const auto v = vertices(svg);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[1].second, 420);
  EXPECT_EQ(v[2].second, 420);
  EXPECT_NE(svg.find(">2 losses of 0 drawn on the bottom edge</text>"), std::string::npos);
  EXPECT_EQ(ad::nn::loss_plot("t", curve({0.1})).find("of 0 drawn"), std::string::npos);
}

TEST(LossPlot, TheTitleIsEscapedForXml) {
  const std::string svg = ad::nn::loss_plot("a<b & \"c\"\x1b", curve({1.0, 0.5}));
  EXPECT_NE(svg.find(">a&lt;b &amp; &quot;c&quot;\\x1b</text>"), std::string::npos);
}

TEST(LossPlot, RefusesNoLinesAndLossesThatAreNotFiniteOrNegative) {
  EXPECT_THROW(ad::nn::loss_plot("t", {}), std::invalid_argument);
  for (double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), -1.0})
    EXPECT_THROW(ad::nn::loss_plot("t", curve({1.0, bad})), std::invalid_argument) << bad;
}

}  // namespace
