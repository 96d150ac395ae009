// `autodiff net FILE --steps N --history OUT --plot OUT.svg`: the training curve against fresh
// runs of k steps (--json's loss and loss_after), the stride rule, the closed form of a diverging
// run, the file's own parameters, and the refusals (the network file, a full disk, no --steps).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/run_cli.hpp"

using cli_test::run;
using nlohmann::json;

namespace {

const std::string kTutorial2 = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json";

// A file of this test process's own: the tests of the suite run in parallel.
std::string temp(const std::string& name) {
  static int count = 0;
  return testing::TempDir() + "history_test_" + std::to_string(::getpid()) + "_" +
         std::to_string(count++) + "_" + name;
}

std::vector<json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

std::string last_text;  // the text of history_of's last file

// Runs `net FILE --steps N --history` and returns its lines; the run must succeed.
std::vector<json> history_of(const std::string& file, int steps, const std::string& extra = "") {
  const std::string out = temp("run.jsonl");
  const auto r = run("net " + file + " --steps " + std::to_string(steps) + " --history " + out +
                     extra + " --json");
  EXPECT_EQ(r.status, 0) << r.err;
  std::vector<json> lines = read_lines(out);
  last_text = cli_test::slurp(out);
  std::remove(out.c_str());
  return lines;
}

json json_run(const std::string& file, int steps) {
  const auto r = run("net " + file + " --json --steps " + std::to_string(steps));
  EXPECT_EQ(r.status, 0) << r.err;
  return json::parse(r.out);
}

// The polyline's vertices ("x,y" pairs) in an SVG written by --plot.
std::size_t polyline_points(const std::string& svg) {
  const std::string key = "<polyline ";
  EXPECT_EQ(svg.find(key, svg.find(key) + 1), std::string::npos);  // exactly one
  const auto begin = svg.find("points=\"", svg.find(key)) + 8;
  std::istringstream points(svg.substr(begin, svg.find('"', begin) - begin));
  std::size_t n = 0;
  for (std::string point; points >> point; ++n) EXPECT_NE(point.find(','), std::string::npos);
  return n;
}

// Well-formed XML: xmllint (libxml2-utils) when installed; otherwise the test checks the ends.
void expect_well_formed(const std::string& path) {
  const std::string svg = cli_test::slurp(path);
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" ")) << svg.substr(0, 80);
  EXPECT_TRUE(svg.ends_with("</svg>\n"));
  if (std::system("command -v xmllint >/dev/null 2>&1") == 0) {
    EXPECT_EQ(std::system(("xmllint --noout " + path).c_str()), 0) << path;
  }
}

TEST(History, ThreeStepsAreFourLinesStepZeroToThree) {
  const auto lines = history_of(kTutorial2, 3);
  ASSERT_EQ(lines.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(lines[k].at("step").get<int>(), k);
    EXPECT_EQ(lines[k].size(), 2u) << lines[k];  // step and loss only
  }
}

// Line k is the loss a fresh run of k steps reports, bit for bit: --json's "loss" for k = 0 (the
// loss before training) and "loss_after" for k >= 1.
TEST(History, LineKIsTheLossOfAFreshRunOfKSteps) {
  const auto lines = history_of(kTutorial2, 20);
  ASSERT_EQ(lines.size(), 21u);
  EXPECT_EQ(lines[0].at("loss").get<double>(), json_run(kTutorial2, 0).at("loss").get<double>());
  EXPECT_EQ(lines[0].at("loss").get<double>(), json_run(kTutorial2, 20).at("loss").get<double>());
  for (int k : {1, 2, 10, 20})
    EXPECT_EQ(lines[k].at("loss").get<double>(),
              json_run(kTutorial2, k).at("loss_after").get<double>())
        << k;
}

TEST(History, TenThousandStepsAreEveryStep) {
  const auto lines = history_of(kTutorial2, 10000);
  ASSERT_EQ(lines.size(), 10001u);
  for (int k = 0; k <= 10000; ++k) ASSERT_EQ(lines[k].at("step").get<int>(), k);
  EXPECT_EQ(lines.back().at("loss").get<double>(),
            json_run(kTutorial2, 10000).at("loss_after").get<double>());
}

// Beyond 10,000 steps, every ceil(N / 10,000)-th: 25,000 steps keep 0, 3, ..., 24,999 and 25,000.
TEST(History, BeyondTenThousandStepsAStrideAndTheLast) {
  const std::string svg = temp("25000.svg");
  const auto lines = history_of(kTutorial2, 25000, " --plot " + svg);
  ASSERT_EQ(lines.size(), 8335u);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    ASSERT_EQ(lines[i].at("step").get<int>(), 3 * static_cast<int>(i));
  EXPECT_EQ(lines.back().at("step").get<int>(), 25000);
  const json fresh = json_run(kTutorial2, 25000);
  EXPECT_EQ(lines.front().at("loss").get<double>(), fresh.at("loss").get<double>());
  EXPECT_EQ(lines.back().at("loss").get<double>(), fresh.at("loss_after").get<double>());
  // The picture: one vertex per line.
  expect_well_formed(svg);
  EXPECT_EQ(polyline_points(cli_test::slurp(svg)), lines.size());
  EXPECT_NE(cli_test::slurp(svg).find(">tutorial2 (Mazur)</text>"), std::string::npos);
  std::remove(svg.c_str());
}

// --history-parameters: line 0 holds the file's values, line 1 --json's parameters_after (the one
// update), in the file's order.
TEST(History, ParametersAreTheFilesThenTheUpdatedOnes) {
  const auto lines = history_of(kTutorial2, 2, " --history-parameters");
  ASSERT_EQ(lines.size(), 3u);
  const json network = json::parse(cli_test::slurp(kTutorial2));
  const json& start = lines[0].at("parameters");
  ASSERT_EQ(start.size(), 10u);  // 8 weights, 2 biases
  // In the file's order, weights then biases (json::parse sorts them: read the text).
  EXPECT_TRUE(
      last_text.starts_with("{\"step\":0,\"loss\":0.2983711087600027,\"parameters\":{\"w1\":0.15,"))
      << last_text.substr(0, 100);
  EXPECT_NE(last_text.find("\"w8\":0.55,\"b1\":0.35,\"b2\":0.6}}\n"), std::string::npos);
  for (const json& w : network.at("weights"))
    EXPECT_EQ(start.at(w.at("name").get<std::string>()).get<double>(), w.at("value").get<double>());
  for (const json& b : network.at("biases"))
    EXPECT_EQ(start.at(b.at("name").get<std::string>()).get<double>(), b.at("value").get<double>());
  EXPECT_EQ(lines[1].at("parameters"), json_run(kTutorial2, 1).at("parameters_after"));
}

// The diverging network of net_test (E = ½·49^(2k) after k steps, infinite at k = 92): the run
// fails as without --history, and the curve up to step 91 is written, its closed form.
TEST(History, ADivergedRunKeepsItsCurveUpToTheLastFiniteLoss) {
  const std::string file = temp("diverging.json");
  std::ofstream(file) << R"({
  "inputs": {"i": 1}, "targets": {"o": 1},
  "layers": [{"name": "output", "neurons": ["o"], "activation": "identity"}],
  "weights": [{"name": "w", "from": "i", "to": "o", "value": 0}],
  "loss": "half_sse", "learning_rate": 50, "train": ["w"]
})";
  const std::string out = temp("diverging.jsonl"), svg = temp("diverging.svg");
  const auto r = run("net " + file + " --steps 100 --history " + out + " --plot " + svg);
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err, "autodiff: " + file +
                       ": training diverged at step 92 with learning rate 50: the loss became "
                       "inf; try a smaller learning_rate\n");
  const auto lines = read_lines(out);
  ASSERT_EQ(lines.size(), 92u);
  for (int k = 0; k < 92; ++k) {
    const double closed = 0.5 * std::pow(49.0, 2 * k);
    EXPECT_NEAR(lines[k].at("loss").get<double>(), closed, 1e-12 * closed) << k;
  }
  expect_well_formed(svg);
  EXPECT_EQ(polyline_points(cli_test::slurp(svg)), 92u);
  for (const auto& path : {file, out, svg}) std::remove(path.c_str());
}

// The README shows examples/tutorial2_curve.svg with the command that makes it: it is that
// command's output today.
TEST(History, TheReadmesCurveIsTheProgramsOutput) {
  const std::string svg = temp("readme.svg");
  const auto r = run("net " + kTutorial2 + " --steps 10000 --plot " + svg);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(cli_test::slurp(svg),
            cli_test::slurp(std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2_curve.svg"))
      << "remake it: autodiff net examples/tutorial2.json --steps 10000 --plot "
         "examples/tutorial2_curve.svg";
  std::remove(svg.c_str());
}

TEST(History, NeverOntoTheNetworkFile) {
  const std::string file = temp("network.json");
  std::ofstream(file) << cli_test::slurp(kTutorial2);
  for (const auto& [option, what] :
       {std::pair<std::string, std::string>{"--history", "history"}, {"--plot", "plot"}}) {
    const auto r = run("net " + file + " --steps 3 " + option + " " + file);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "autodiff: " + option + " " + file + ": that is the network file " + file +
                         "; write the " + what + " to another file\n");
    EXPECT_EQ(cli_test::slurp(file), cli_test::slurp(kTutorial2));
  }
  const std::string same = temp("same");
  const auto r = run("net " + file + " --steps 3 --history " + same + " --plot " + same);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: --plot " + same +
                       ": --history writes that file already; give each "
                       "its own file\n");
  std::remove(file.c_str());
}

TEST(History, AFailedWriteIsExitFourNamingTheFile) {
  for (const std::string option : {"--history", "--plot"}) {
    auto r = run("net " + kTutorial2 + " --steps 3 " + option + " /dev/full");
    EXPECT_EQ(r.status, 4);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(r.err.starts_with("autodiff: " + option + " /dev/full: ")) << r.err;
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    const std::string missing = temp("no_such_folder/curve");
    r = run("net " + kTutorial2 + " --steps 3 " + option + " " + missing);
    EXPECT_EQ(r.status, 4);
    EXPECT_TRUE(r.err.starts_with("autodiff: " + option + " " + missing + ": ")) << r.err;
    EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
  }
}

// "-" is standard output, as for --dot: it then carries the history (or the plot) alone, the
// same bytes as the file, and the report goes to standard error; no file named "-" is made.
// One output at a time, and not with --json.
TEST(History, DashIsStandardOutput) {
  const std::string file = temp("curve.jsonl"), svg = temp("curve.svg");
  ASSERT_EQ(run("net " + kTutorial2 + " --steps 5 --history " + file + " --plot " + svg).status, 0);
  auto r = run("net " + kTutorial2 + " --steps 5 --history -");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, cli_test::slurp(file));
  EXPECT_NE(r.err.find("Cross-check of the gradients"), std::string::npos) << r.err;
  r = run("net " + kTutorial2 + " --steps 5 --plot -");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, cli_test::slurp(svg));
  EXPECT_EQ(std::system("test ! -e -"), 0);  // the tests' working folder has no file "-"
  r = run("net " + kTutorial2 + " --steps 5 --history - --plot -");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --plot -: --history - has standard output already; write one of them to a "
            "file\n");
  r = run("net " + kTutorial2 + " --steps 5 --history - --json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --history -: standard output carries the --json result; write the history "
            "to a file\n");
  std::remove(file.c_str());
  std::remove(svg.c_str());
}

TEST(History, UsageErrors) {
  auto r = run("net " + kTutorial2 + " --history " + temp("unused"));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --history records a training run: give its length with --steps N (N >= "
            "1)\n");
  r = run("net " + kTutorial2 + " --steps 0 --plot " + temp("unused.svg"));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --plot records a training run: give its length with --steps N (N >= 1)\n");
  // [10, 10, 1]: 10·10 + 10 + 10 + 1 = 121 parameters, above the 100 the history keeps.
  const std::string big = temp("big.json");
  std::ofstream(big)
      << R"({"sizes": [10, 10, 1], "inputs": [1,2,3,4,5,6,7,8,9,10], "targets": [0.3]})";
  r = run("net " + big + " --steps 3 --history " + temp("unused") + " --history-parameters");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: --history-parameters: " + big +
                       " has 121 parameters; the history keeps them for networks of at most 100 "
                       "(10,001 lines of every one would be a file nobody reads)\n");
  std::remove(big.c_str());
  r = run("net " + kTutorial2 + " --steps 3 --history-parameters");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--history-parameters requires --history"), std::string::npos) << r.err;
}

}  // namespace
