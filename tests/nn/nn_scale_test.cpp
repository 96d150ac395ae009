// Large networks and long runs: the gradient cross-check of a big network on a sample of its
// parameters (against the test's own central differences), the figures read on the way of one
// training run (against training from scratch, and Mazur's published figures), and the progress
// meter (against a clock the test controls).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <sstream>

#include "nn/progress.hpp"
#include "nn/references.hpp"
#include "nn/report.hpp"
#include "nn/trainer.hpp"

namespace {

// The short form of a layered sigmoid network, inputs spread over [0, 1).
ad::nn::NetworkFile layered(std::size_t inputs, std::size_t hidden) {
  std::string values;
  for (std::size_t i = 0; i < inputs; ++i)
    values += (i ? "," : "") + std::to_string(static_cast<double>(i % 10) / 10);
  return ad::nn::parse_network_file("{\"sizes\": [" + std::to_string(inputs) + ", " +
                                        std::to_string(hidden) + ", 1], \"inputs\": [" + values +
                                        "], \"targets\": [0.3], \"train\": \"all\"}",
                                    "layered.json");
}

// The test's own reference: a plain central difference of the loss, another step and no
// extrapolation, so it shares nothing with the report's finite differences but nn::loss.
double central(const ad::nn::Network& n, const ad::nn::Topology& t, std::size_t p) {
  std::vector<double> q = n.parameters();
  const double h = 1e-5, x = q[p];
  q[p] = x + h;
  const double up = ad::nn::loss(n, t, q);
  q[p] = x - h;
  return (up - ad::nn::loss(n, t, q)) / (2 * h);
}

void expect_against_central(const ad::nn::NetworkFile& f, const ad::nn::CrossCheck& check) {
  for (const ad::nn::ParameterCheck& c : check.parameters) {
    SCOPED_TRACE(c.name);
    std::size_t p = 0;
    while (f.network.parameter_name(p) != c.name) ++p;
    EXPECT_NEAR(c.engine, central(f.network, f.topology, p), 1e-8);
    EXPECT_TRUE(c.agree) << c.verdict;
  }
}

// ---- The sampled cross-check ----

TEST(CheckSample, TheEndsOfEveryLayerAndTheRestDrawnTheSameEverywhere) {
  const ad::nn::NetworkFile f = layered(40, 30);  // 1200 + 30 weights, 31 biases
  const std::vector<std::size_t> sample = ad::nn::check_sample(f.network, f.topology, 64);
  ASSERT_EQ(sample.size(), 64u);
  EXPECT_TRUE(std::is_sorted(sample.begin(), sample.end()));
  EXPECT_EQ(std::adjacent_find(sample.begin(), sample.end()), sample.end());
  // Weights into the hidden layer 0..1199, into o1 1200..1229; biases of h 1230..1259, o1 1260.
  for (std::size_t end : {0, 1199, 1200, 1229, 1230, 1259, 1260})
    EXPECT_TRUE(std::binary_search(sample.begin(), sample.end(), end)) << end;
  EXPECT_EQ(ad::nn::check_sample(f.network, f.topology, 64), sample);  // deterministic
  // mt19937_64 is specified to the bit: the same draw on every machine and compiler.
  std::vector<std::size_t> eight{0,    1199, 1200, 1229,
                                 1230, 1259, 1260, std::mt19937_64(1)() % 1261};
  std::sort(eight.begin(), eight.end());
  EXPECT_EQ(ad::nn::check_sample(f.network, f.topology, 8), eight);
  // A network no larger than the sample is checked whole.
  EXPECT_EQ(ad::nn::check_sample(f.network, f.topology, 5000).size(), 1261u);
}

TEST(CrossCheck, AboveTheLimitASampleIsCheckedAgainstCentralDifferences) {
  const ad::nn::NetworkFile f = layered(40, 30);
  const ad::nn::CrossCheck check = ad::nn::cross_check(f.network, f.topology);
  EXPECT_TRUE(check.sampled);
  EXPECT_EQ(check.parameter_count, 1261u);
  ASSERT_EQ(check.parameters.size(), 64u);
  EXPECT_EQ(check.parameters.front().name, "w_i1_h1");
  EXPECT_EQ(check.parameters.back().name, "b_o1");
  EXPECT_TRUE(check.gradients_agree);
  expect_against_central(f, check);
  const std::string text = ad::nn::to_text(check);
  EXPECT_NE(text.find("A sample: 64 of the 1261 parameters"), std::string::npos) << text;
  EXPECT_NE(text.find("All checked gradients agree."), std::string::npos);
  EXPECT_TRUE(ad::nn::to_json(check).at("sampled").get<bool>());
  // --full-check: every parameter, with a progress report per finite difference.
  std::uint64_t reports = 0;
  const ad::nn::CrossCheck full =
      ad::nn::cross_check(f.network, f.topology,
                          {.full = true,
                           .progress = [&](std::string_view what, std::uint64_t done,
                                           std::uint64_t total, double loss) {
                             EXPECT_EQ(what, "finite differences");
                             EXPECT_TRUE(std::isnan(loss));  // not training: no loss to show
                             EXPECT_EQ(total, 1261u);
                             EXPECT_EQ(done, reports++);
                           }});
  EXPECT_FALSE(full.sampled);
  EXPECT_EQ(full.parameters.size(), 1261u);
  EXPECT_EQ(reports, 1262u);
  EXPECT_NE(ad::nn::to_text(full).find("All gradients agree."), std::string::npos);
}

// The 300×300 network of the report (90,601 parameters): a second or more under valgrind, so
// tests/memcheck.sh skips Scale.*.
TEST(Scale, A300By300NetworkIsCheckedOnASampleInAFractionOfASecond) {
  const ad::nn::NetworkFile f = layered(300, 300);
  ASSERT_EQ(f.network.parameter_count(), 90601u);
  const ad::nn::CrossCheck check = ad::nn::cross_check(f.network, f.topology);
  ASSERT_EQ(check.parameters.size(), 64u);
  EXPECT_TRUE(check.gradients_agree);
  for (const char* end :
       {"w_i1_h1", "w_i300_h300", "w_h1_o1", "w_h300_o1", "b_h1", "b_h300", "b_o1"})
    EXPECT_TRUE(std::any_of(check.parameters.begin(), check.parameters.end(), [&](const auto& c) {
      return c.name == end;
    })) << end;
  expect_against_central(f, check);
}

// ---- One training run, read on the way ----

std::string example(const std::string& name) {
  return std::string(AUTODIFF_SOURCE_DIR) + "/examples/" + name + ".json";
}

TEST(TrainAndRead, ReadingsOnTheWayAreTrainingFromScratchToTheLastBit) {
  const ad::nn::NetworkFile f = ad::nn::load_network_file(example("tutorial2"));
  const std::map<int, std::vector<std::string>> stops = {
      {1, {"E_total", "w5"}}, {7, {"out_o1"}}, {250, {"E_total", "out_h2", "w1"}}};
  std::uint64_t last = 0, calls = 0;
  double loss_at_1 = 0;
  const ad::nn::Readings readings = ad::nn::train_and_read(
      f.network, f.topology, stops,
      [&](std::string_view, std::uint64_t done, std::uint64_t total, double loss) {
        EXPECT_EQ(total, 250u);
        EXPECT_EQ(done, calls++);  // one run, never restarted: 0, 1, ..., 250
        EXPECT_EQ(std::isnan(loss), done == 0);
        if (done == 2) loss_at_1 = loss;  // the loss step 2 descended from: after 1 step
        last = done;
      });
  EXPECT_EQ(last, 250u);
  EXPECT_NEAR(loss_at_1, 0.29102777369359933, 1e-15);  // Mazur's network after one update
  for (const auto& [steps, nodes] : stops) {
    ad::Tape tape;
    ad::nn::Trainer scratch(f.network, f.topology);
    scratch.train(steps);
    const double loss = scratch.evaluate();
    const ad::nn::Reading& r = readings.at(steps);
    EXPECT_EQ(r.loss, loss) << steps;
    EXPECT_EQ(r.outputs, scratch.outputs()) << steps;
    for (const std::string& name : nodes) EXPECT_EQ(r.nodes.at(name), scratch.node(name).value());
  }
  // Mazur's updated w5 (0.35891648) and his network's exact error after one update (plain
  // Python floats: 0.29102777369359933).
  EXPECT_NEAR(readings.at(1).nodes.at("w5"), 0.35891648, 0.5e-8);
  EXPECT_NEAR(readings.at(1).loss, 0.29102777369359933, 1e-15);
}

TEST(TrainAndRead, FiguresOfManyStepCountsTakeOneRunToTheLargest) {
  ad::nn::NetworkFile f = ad::nn::load_network_file(example("tutorial2"));
  // Mazur's four training figures, and the same error asked at four more step counts.
  for (int steps : {10, 100, 1000, 5000})
    f.network.published->figures.push_back({"E_total after " + std::to_string(steps), "0.1",
                                            "E_total after " + std::to_string(steps)});
  std::uint64_t trained = 0;
  const ad::nn::Readings readings = ad::nn::train_and_read(
      f.network, f.topology, ad::nn::figure_stops(f.network),
      [&](std::string_view, std::uint64_t done, std::uint64_t, double) { trained += done > 0; });
  EXPECT_EQ(trained, 10000u);  // not 1 + 10 + 100 + 1000 + 5000 + 10000
  const auto checks = ad::nn::check_figures(f.network, f.topology, &readings);
  ASSERT_EQ(checks.size(), 10u);
  // The exact values of the published ones, as plain Python floats give them.
  EXPECT_NEAR(checks[2].exact, 0.29102777369359933, 1e-15);
  EXPECT_NEAR(checks[3].exact, 3.510187782978859e-05, 1e-15);
  EXPECT_NEAR(checks[4].exact, 0.01591362044355068, 1e-15);
  EXPECT_NEAR(checks[5].exact, 0.9840642735146238, 1e-15);
  // The same checks without the readings (check_figures trains itself) give the same numbers.
  const auto alone = ad::nn::check_figures(f.network, f.topology);
  for (std::size_t k = 0; k < checks.size(); ++k) EXPECT_EQ(checks[k].exact, alone[k].exact);
}

// ---- The progress meter ----

struct FakeClock {
  double t = 0;
  std::function<double()> now() {
    return [this] { return t; };
  }
};

TEST(ProgressMeter, AShortTaskShowsNothing) {
  FakeClock clock;
  std::ostringstream out;
  ad::nn::ProgressMeter meter(out, true, clock.now());
  meter("training steps", 0, 1000);
  for (std::uint64_t k = 1; k <= 1000; ++k) {
    clock.t = 0.0009 * static_cast<double>(k);  // 0.9 s in all
    meter("training steps", k, 1000);
  }
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressMeter, OnATerminalALineInPlaceAfterASecondThenErased) {
  FakeClock clock;
  std::ostringstream out;
  ad::nn::ProgressMeter meter(out, true, clock.now());
  meter("training steps", 0, 40);
  for (std::uint64_t k = 1; k <= 40; ++k) {
    clock.t = 0.1 * static_cast<double>(k);  // 4 s in all
    meter("training steps", k, 40);
  }
  const std::string s = out.str();
  // First drawn at 1 s (10 of 40 in 1 s: 3 s left), then at most every 0.2 s.
  EXPECT_EQ(s.substr(0, s.find("\x1b[K") + 3),
            "\rautodiff: training steps: 10 of 40 (25%), about 3 s left\x1b[K");
  EXPECT_NE(s.find("\rautodiff: training steps: 12 of 40 (30%), about 3 s left\x1b[K"),
            std::string::npos);
  EXPECT_EQ(s.find("11 of 40"), std::string::npos);  // at most five redraws a second
  EXPECT_TRUE(s.ends_with("\r\x1b[K"));              // erased at the end
  EXPECT_EQ(s.find('\n'), std::string::npos);        // no estimate: under a minute
}

// Training shows the loss its last step descended from, with 6 significant digits.
TEST(ProgressMeter, TrainingShowsTheLoss) {
  FakeClock clock;
  std::ostringstream out;
  ad::nn::ProgressMeter meter(out, true, clock.now());
  meter("training steps", 0, 40, 0.5);
  for (std::uint64_t k = 1; k <= 10; ++k) {
    clock.t = 0.1 * static_cast<double>(k);
    meter("training steps", k, 40, 0.25 / static_cast<double>(k));
  }
  EXPECT_EQ(out.str(),
            "\rautodiff: training steps: 10 of 40 (25%), loss 0.025, about 3 s left\x1b[K");
}

TEST(ProgressMeter, ALongTaskIsAnnouncedWithItsEstimateTerminalOrNot) {
  for (bool terminal : {false, true}) {
    FakeClock clock;
    std::ostringstream out;
    ad::nn::ProgressMeter meter(out, terminal, clock.now());
    meter("training steps", 0, 2147483647);
    for (std::uint64_t k = 1; k <= 3000; ++k) {
      clock.t = 1e-3 * static_cast<double>(k);  // 1,000 steps a second
      meter("training steps", k, 2147483647);
    }
    const std::string s = out.str();
    SCOPED_TRACE(s);
    // Stated once, at a quarter second: 2,147,483,647 steps at 1,000 a second.
    EXPECT_TRUE(
        s.starts_with("autodiff: 2,147,483,647 training steps will take about 24 d 20 h "
                      "(about 1,000 a second); Ctrl-C stops\n"));
    EXPECT_EQ(s.find("will take", s.find("will take") + 1), std::string::npos);
    // Off a terminal, nothing else: no escape sequences in a log file.
    EXPECT_EQ(s.find('\r') == std::string::npos, !terminal);
  }
}

TEST(ProgressMeter, Durations) {
  EXPECT_EQ(ad::nn::duration(41.4), "41 s");
  EXPECT_EQ(ad::nn::duration(185), "3 min 5 s");
  EXPECT_EQ(ad::nn::duration(4320), "1 h 12 min");
  EXPECT_EQ(ad::nn::duration(2 * 86400 + 3600), "2 d 1 h");
}

}  // namespace
