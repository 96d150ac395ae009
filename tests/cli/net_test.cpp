// `autodiff net FILE`, run end to end on a small network written here, against the closed form
// of its loss, gradients and updates: h = tanh(a·x), o = σ(b·h + c), E = ½(t − o)².
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "cli/run_cli.hpp"

using cli_test::run;
using nlohmann::json;

namespace {

constexpr double x = 0.8, t = 0.3, a0 = 0.5, b0 = -1.2, c = 0.2, rate = 0.1;

std::string write_network(const std::string& name, const std::string& weights_from = "x") {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << R"({
  "name": "closed form",
  "inputs": {"x": 0.8},
  "targets": {"o": 0.3},
  "layers": [{"name": "hidden", "neurons": ["h"], "activation": "tanh"},
             {"name": "output", "neurons": ["o"], "activation": "sigmoid"}],
  "weights": [{"name": "a", "from": ")"
                      << weights_from << R"(", "to": "h", "value": 0.5},
              {"name": "b", "from": "h", "to": "o", "value": -1.2}],
  "biases": [{"name": "c", "to": ["o"], "value": 0.2}],
  "loss": "half_sse", "learning_rate": 0.1, "train": ["a", "b"]
})";
  return path;
}

struct Closed {
  double loss, o, da, db, dc;
};
Closed closed_form(double a, double b) {
  const double h = std::tanh(a * x);
  const double o = 1 / (1 + std::exp(-(b * h + c)));
  const double delta = (o - t) * o * (1 - o);  // dE/d(net_o)
  return {0.5 * (t - o) * (t - o), o, delta * b * (1 - h * h) * x, delta * h, delta};
}

void expect_close(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 1e-14 * std::max(1.0, std::abs(expected)));
}

TEST(Net, JsonAgainstTheClosedForm) {
  const std::string file = write_network("net_test_closed.json");
  const auto r = run("net " + file + " --json --steps 3");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const json j = json::parse(r.out);
  const Closed first = closed_form(a0, b0);
  expect_close(j.at("loss").get<double>(), first.loss);
  expect_close(j.at("outputs").at("o").get<double>(), first.o);
  expect_close(j.at("gradients").at("a").get<double>(), first.da);
  expect_close(j.at("gradients").at("b").get<double>(), first.db);
  expect_close(j.at("gradients").at("c").get<double>(), first.dc);  // untrained, still given
  expect_close(j.at("parameters_after").at("a").get<double>(), a0 - rate * first.da);
  expect_close(j.at("parameters_after").at("b").get<double>(), b0 - rate * first.db);
  expect_close(j.at("parameters_after").at("c").get<double>(), c);
  // Three steps of gradient descent, by the closed form.
  double a = a0, b = b0;
  for (int step = 0; step < 3; ++step) {
    const Closed g = closed_form(a, b);
    a -= rate * g.da;
    b -= rate * g.db;
  }
  expect_close(j.at("loss_after").get<double>(), closed_form(a, b).loss);
  expect_close(j.at("outputs_after").at("o").get<double>(), closed_form(a, b).o);
  std::remove(file.c_str());
}

TEST(Net, TextReportExplainAndDot) {
  const std::string file = write_network("net_test_text.json");
  const std::string dot = testing::TempDir() + "net_test.dot";
  const auto r = run("net " + file + " --explain b --dot " + dot + " --view tape");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("All gradients agree"), std::string::npos) << r.out;
  // The paths from E to b add up to the gradient.
  char sum[64];
  std::snprintf(sum, sizeof sum, "sum over all paths: %.5f", closed_form(a0, b0).db);
  std::string expected(sum);
  if (expected.find('-') != std::string::npos) expected.replace(expected.find('-'), 1, "\u2212");
  EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
  const std::string graph = cli_test::slurp(dot);
  EXPECT_TRUE(graph.starts_with("digraph")) << graph;
  EXPECT_NE(graph.find("after update:\\n"), std::string::npos) << graph;
  std::remove(dot.c_str());
  std::remove(file.c_str());
}

TEST(Net, BadFilesAreNamedWithThePlace) {
  const std::string file = write_network("net_test_bad.json", "nowhere");
  auto r = run("net " + file);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(file + ": /weights/0/from: "), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // nothing half-run
  std::remove(file.c_str());
  r = run("net /nonexistent-directory/network.json");
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.err,
            "autodiff: /nonexistent-directory/network.json: cannot open the file: No such file or "
            "directory\n");
  r = run("net /tmp");  // a folder: it opens, but cannot be read
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.err, "autodiff: /tmp: cannot read the file: Is a directory\n");
  const std::string good = write_network("net_test_explain.json");
  r = run("net " + good + " --explain bb");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: --explain bb: not a parameter of " + good + " (did you mean 'b'?)\n");
  std::remove(good.c_str());
}

// The number at the end of the line that starts with `start` (after its last "= " or ": ").
double last_number(const std::string& out, const std::string& start) {
  const auto at = out.find("\n" + start);
  if (at == std::string::npos) return NAN;
  const std::string line = out.substr(at + 1, out.find('\n', at + 1) - at - 1);
  const auto equals = line.rfind("= "), colon = line.rfind(": ");
  const auto number = equals == std::string::npos
                          ? colon
                          : (colon == std::string::npos ? equals : std::max(equals, colon));
  return std::stod(line.substr(number + 2));
}

// `autodiff net examples/tutorial2.json --explain w5`: Mazur's one path and his figures,
// ∂E_total/∂out_o1 = 0.74136507, ∂out_o1/∂net_o1 = 0.186815602, ∂net_o1/∂w5 = out_h1 =
// 0.593269992, product 0.082167041, within one unit of the last decimal he prints.
TEST(Net, ExplainW5IsMazursPath) {
  const std::string file = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json";
  const auto r = run("net " + file + " --explain w5");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string x = r.out.substr(r.out.find("∂E_total/∂w5"));
  EXPECT_TRUE(x.starts_with("∂E_total/∂w5: 1 path from E_total to w5\n")) << x;
  EXPECT_NE(x.find("\npath 1: E_total → E1 → out_o1 → net_o1 → w5\n"), std::string::npos) << x;
  EXPECT_EQ(x.find("path 2"), std::string::npos) << x;
  EXPECT_NEAR(last_number(x, "  ∂E_total/∂out_o1 = "), 0.74136507, 1e-8) << x;
  EXPECT_NEAR(last_number(x, "  ∂out_o1/∂net_o1 = out_o1·(1 − out_o1) = "), 0.186815602, 1e-9);
  EXPECT_NEAR(last_number(x, "  ∂net_o1/∂w5 = out_h1 = "), 0.593269992, 1e-9);
  EXPECT_NEAR(last_number(x, "  product: "), 0.082167041, 1e-9);
  EXPECT_NEAR(last_number(x, "sum over all paths: "), 0.082167041, 1e-9);
  // --precision 4: Mazur's 0.74136507 to 4 significant digits.
  const auto four = run("net " + file + " --explain w5 --precision 4");
  EXPECT_NE(four.out.find("  ∂E_total/∂out_o1 = out_o1 − 0.01 = 0.7414\n"), std::string::npos)
      << four.out;
  EXPECT_EQ(run("net " + file + " --explain w5 --precision 0").status, 2);
}

// --explain w1: the tutorial's two paths, through o1 and through o2, no duplicate.
TEST(Net, ExplainW1IsTheTwoPathsThroughTheOutputs) {
  const std::string file = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json";
  const auto r = run("net " + file + " --explain w1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("∂E_total/∂w1: 2 paths"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("path 1: E_total → E1 → out_o1 → net_o1 → out_h1 → net_h1 → w1\n"),
            std::string::npos);
  EXPECT_NE(r.out.find("path 2: E_total → E2 → out_o2 → net_o2 → out_h1 → net_h1 → w1\n"),
            std::string::npos);
  EXPECT_EQ(r.out.find("path 3"), std::string::npos);
  EXPECT_NEAR(last_number(r.out, "sum over all paths: "), 0.000438568, 1e-9);
}

// --check: a derivation checked by the tutorial's own names. Mazur's ∂E_total/∂w5 =
// −(target_o1 − out_o1)·out_o1·(1 − out_o1)·out_h1 = 0.082167041 and ∂E_total/∂out_h1 =
// 0.055399425 − 0.019049119 = 0.036350306, his printed figures, agree; the reference for the
// engine's value is his figure, for the verdict his formula.
TEST(NetCheck, MazursDerivationsAgreeByHisNames) {
  const std::string file = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json";
  const auto r = run("net " + file +
                     " --json --check 'w5=-(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h1'"
                     " --check 'd E_total / d out_h1=(out_o1 - target_o1)*out_o1*(1 - out_o1)*w5"
                     " + (out_o2 - target_o2)*out_o2*(1 - out_o2)*w7'"
                     " --check 'dE_total/dw1=((out_o1 - target_o1)*out_o1*(1 - out_o1)*w5 + "
                     "(out_o2 - target_o2)*out_o2*(1 - out_o2)*w7)*out_h1*(1 - out_h1)*i1'");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const json checks = json::parse(r.out)["checks"];
  ASSERT_EQ(checks.size(), 3u);
  const double figures[] = {0.082167041, 0.036350306, 0.000438568};
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_TRUE(checks[k]["agree"].get<bool>()) << checks[k];
    EXPECT_NEAR(checks[k]["engine"].get<double>(), figures[k], 1e-9) << checks[k];
    EXPECT_NEAR(checks[k]["manual"].get<double>(), figures[k], 1e-9) << checks[k];
    EXPECT_FALSE(checks[k].contains("diagnosis"));
  }
  EXPECT_EQ(checks[0]["derivative"], "d E_total / d w5");
  EXPECT_EQ(checks[1]["derivative"], "d E_total / d out_h1");
}

// The usual slips in the same derivation, each named, with a correction that itself agrees
// (re-run through the program).
TEST(NetCheck, SlipsAreDiagnosedAndTheirCorrectionsAgree) {
  const std::string file = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json";
  const struct {
    const char* formula;
    const char* kind;
  } slips[] = {
      {"-(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h2", "swapped_name"},
      {"(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h1", "wrong_sign"},
      {"-(target_o1 - out_o1)*out_h1", "missing_factor"},
      {"-2*(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h1", "constant_factor"},
  };
  for (const auto& slip : slips) {
    const auto r = run("net " + file + " --json --check 'w5=" + slip.formula + "'");
    ASSERT_EQ(r.status, 1) << slip.formula << r.err;
    const json check = json::parse(r.out)["checks"][0];
    EXPECT_FALSE(check["agree"].get<bool>());
    ASSERT_TRUE(check["diagnosis"].is_object()) << slip.formula << check;
    EXPECT_EQ(check["diagnosis"]["kind"], slip.kind) << slip.formula;
    const std::string corrected = check["diagnosis"]["corrected"];
    const auto again = run("net " + file + " --json --check 'w5=" + corrected + "'");
    EXPECT_EQ(again.status, 0) << corrected << again.err;
  }
  const auto text =
      run("net " + file + " --check 'w5=-(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h2'");
  EXPECT_NE(
      text.out.find("  d E_total / d w5: DISAGREE\n    likely mistake: out_h2 is written where "
                    "out_h1 belongs"),
      std::string::npos)
      << text.out;
}

// A batch: a parameter's formula is evaluated per sample and averaged as the mean loss is; a
// node's is checked per sample. For a sigmoid output with binary cross-entropy,
// ∂E/∂w_h1_o1 = (out_o1 − target_o1)·out_h1 and ∂E/∂out_o1 = (o − t)/(o(1 − o)) per sample; the
// reference for the engine's values is the delta rule of the cross-check in the same report.
TEST(NetCheck, BatchCombinesSamplesAsTheLossDoes) {
  const std::string file = std::string(AUTODIFF_SOURCE_DIR) + "/examples/batch.json";
  const auto r = run("net " + file +
                     " --json --check 'w_h1_o1=(out_o1 - target_o1)*out_h1'"
                     " --check 'd E_total / d out_o1=(out_o1 - target_o1)/(out_o1*(1 - out_o1))'");
  ASSERT_EQ(r.status, 0) << r.err;
  const json out = json::parse(r.out);
  const json& checks = out["checks"];
  ASSERT_EQ(checks.size(), 5u);  // one for the weight, one per sample for out_o1
  EXPECT_NEAR(checks[0]["manual"].get<double>(), out["gradients"]["w_h1_o1"].get<double>(), 1e-15);
  for (std::size_t s = 1; s <= 4; ++s) EXPECT_EQ(checks[s]["sample"], s);
  const auto wrong = run("net " + file + " --check 'w_h1_o1=(out_o1 - target_o1)*out_h2'");
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.out.find("out_h2 is written where out_h1 belongs"), std::string::npos)
      << wrong.out;
}

// A node of a batch is checked per sample, of that sample's E_total: d E_total / d E_total = 1
// in every sample; of the loss E_mean (each sample weighs 1/4 in it) it is 0.25.
TEST(NetCheck, BatchNodesAreOfTheirSamplesETotalOrOfTheMean) {
  const std::string file = std::string(AUTODIFF_SOURCE_DIR) + "/examples/batch.json";
  auto r =
      run("net " + file + " --check 'd E_total / d E_total=1' --check 'd E_mean / d E_total=0.25'");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("d E_total / d E_total (sample 4): agree"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("d E_mean / d E_total (sample 4): agree"), std::string::npos) << r.out;
  r = run("net " + file + " --check 'w_h1_o1=(out_o1 - target_o1)*out_h1'");
  EXPECT_NE(r.out.find("d E_mean / d w_h1_o1: agree"), std::string::npos) << r.out;
}

TEST(NetCheck, BadSpecsAreUsageErrors) {
  const std::string file = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json";
  const auto unknown = run("net " + file + " --check 'w5=out_hl'");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("did you mean 'out_h1'"), std::string::npos) << unknown.err;
  const auto node = run("net " + file + " --check 'w9=1'");
  EXPECT_EQ(node.status, 2);
  EXPECT_NE(node.err.find("'w9' is not a node of the network (did you mean 'w1'?)"),
            std::string::npos)
      << node.err;
  EXPECT_EQ(run("net " + file + " --check 'd E1 / d w5=1'").status, 2);
  const auto target = run("net " + file + " --check 'd E_total / d target_o1=1'");
  EXPECT_EQ(target.status, 2);
  EXPECT_NE(target.err.find("'target_o1' is a constant of the recording"), std::string::npos)
      << target.err;
  EXPECT_EQ(run("net " + file + " --check 'w5'").status, 2);
  EXPECT_EQ(run("net " + file + " --check 'w5=1' --tolerance nan").status, 2);
}

TEST(Net, Help) {
  const auto r = run("net --help");
  EXPECT_EQ(r.status, 0);
  for (const char* option : {"--json", "--steps", "--dot", "--explain", "--precision", "--check",
                             "--tolerance", "--hessian", "Exit status"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option << "\n" << r.out;
}

// One identity neuron o = w·i with i = 1, target 1, w = 0 and learning rate 50: each step
// multiplies the error t − o by 1 − 50 = −49, so after k steps E = ½·49^(2k), which first
// exceeds the largest double (1.8e308) at k = 92 (½·49^182 = 1.0e307, ½·49^184 = 4.9e310).
std::string write_diverging(const std::string& name) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << R"({
  "inputs": {"i": 1}, "targets": {"o": 1},
  "layers": [{"name": "output", "neurons": ["o"], "activation": "identity"}],
  "weights": [{"name": "w", "from": "i", "to": "o", "value": 0}],
  "loss": "half_sse", "learning_rate": 50, "train": ["w"]
})";
  return path;
}

TEST(Net, ADivergingTrainingRunIsNamedWithItsStepAndLearningRate) {
  int first = 1;
  while (2 * first * std::log(49.0) - std::log(2.0) <= std::log(DBL_MAX)) ++first;
  ASSERT_EQ(first, 92);
  const std::string file = write_diverging("net_test_diverging.json");
  // The last step before: E = ½·49^182.
  auto r = run("net " + file + " --json --steps " + std::to_string(first - 1));
  ASSERT_EQ(r.status, 0) << r.err;
  const double loss = json::parse(r.out).at("loss_after").get<double>();
  EXPECT_NEAR(loss, 0.5 * std::pow(49.0, 2 * (first - 1)), 1e-12 * loss);
  for (const std::string json : {"", " --json"}) {
    r = run("net " + file + " --steps 100" + json);
    EXPECT_EQ(r.status, 3);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "autodiff: " + file + ": training diverged at step " + std::to_string(first) +
                         " with learning rate 50: the loss became inf; try a smaller "
                         "learning_rate\n");
  }
  std::remove(file.c_str());
}

// A network file gives binary cross-entropy targets in [0, 1] and a sigmoid output layer; an
// output the sigmoid rounds to 0 or 1 is refused at the first step, naming output and sample.
TEST(Net, BinaryCrossEntropyRefusesWhatItsLogarithmsCannotTake) {
  const auto write = [](const std::string& name, double target, const std::string& activation,
                        double w) {
    const std::string path = testing::TempDir() + name;
    std::ofstream(path) << R"({"inputs": {"i": 1}, "targets": {"o": )" << target << R"(},
  "layers": [{"name": "output", "neurons": ["o"], "activation": ")"
                        << activation << R"("}],
  "weights": [{"name": "w", "from": "i", "to": "o", "value": )"
                        << w << R"(}], "loss": "binary_cross_entropy"})";
    return path;
  };
  std::string file = write("net_test_bce_target.json", 1.5, "sigmoid", 0.5);
  auto r = run("net " + file);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: " + file +
                       ": /samples/0/targets/0: binary cross-entropy needs targets between 0 and "
                       "1, and sample 1 gives o the target 1.5\n");
  std::remove(file.c_str());
  file = write("net_test_bce_identity.json", 1, "identity", 0.5);
  r = run("net " + file);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(file + ": /layers/0/activation: binary cross-entropy"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the output layer's activation, identity, cannot guarantee"),
            std::string::npos)
      << r.err;
  std::remove(file.c_str());
  // σ(−800) = e^−800/(1 + e^−800) is below the smallest double: exactly 0.
  file = write("net_test_bce_saturated.json", 1, "sigmoid", -800);
  r = run("net " + file);
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "autodiff: " + file +
                       ": at the parameters the network starts from, the output o of sample 1 is "
                       "0, which binary cross-entropy cannot take: it needs outputs strictly "
                       "between 0 and 1 (net_o = -800 saturates the sigmoid)\n");
  std::remove(file.c_str());
}

// Non-finite values in a network are told in the network's terms, never with the engine's C++
// advice (Tape::Options, checked mode): i·w = 1e308·1e308 overflows at the start.
TEST(Net, NonFiniteValuesAreToldInTheNetworksTerms) {
  const std::string path = testing::TempDir() + "net_test_huge.json";
  std::ofstream(path) << R"({"inputs": {"i1": 1e308}, "targets": {"o1": 0.01},
  "layers": [{"neurons": ["o1"], "activation": "identity"}],
  "weights": [{"name": "w1", "from": "i1", "to": "o1", "value": 1e308}]})";
  const auto r = run("net " + path);
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err,
            "autodiff: " + path + ": at the parameters the network starts from, the loss is inf\n");
  std::remove(path.c_str());
}

}  // namespace

// One identity neuron o = a·x1 + b·x2 + c with E = ½(t − o)²: the Hessian is the outer product
// of (x1, x2, 1) restricted to the parameters asked for, whatever a, b, c and t, so its
// eigenvalues are 0 (repeated) and x1² + x2² (+ 1 with c).
std::string write_linear(const std::string& name, const std::string& x1, const std::string& train,
                         double target = 0.5) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << R"({
  "inputs": {"x1": )" << x1
                      << R"(, "x2": -4}, "targets": {"o": )" << target << R"(},
  "layers": [{"name": "output", "neurons": ["o"], "activation": "identity"}],
  "weights": [{"name": "a", "from": "x1", "to": "o", "value": 0.25},
              {"name": "b", "from": "x2", "to": "o", "value": -0.75}],
  "biases": [{"name": "c", "to": ["o"], "value": 0}],
  "loss": "half_sse", "train": )"
                      << train << "}";
  return path;
}

TEST(NetHessian, JsonIsTheOuterProductAndItsEigenvalues) {
  const std::string file = write_linear("net_hessian_linear.json", "3", R"(["a", "b"])");
  auto r = run("net " + file + " --hessian --json");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j.at("hessian"), json::parse(R"({"a": {"a": 9, "b": -12}, "b": {"a": -12, "b": 16}})"));
  ASSERT_EQ(j.at("eigenvalues").size(), 2u);
  EXPECT_NEAR(j.at("eigenvalues")[0].get<double>(), 0, 1e-14);
  EXPECT_NEAR(j.at("eigenvalues")[1].get<double>(), 25, 1e-13);
  // `all` adds the bias: (x1, x2, 1)(x1, x2, 1)ᵀ, eigenvalues 0, 0, 26, ascending.
  r = run("net " + file + " --json --hessian=all");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  j = json::parse(r.out);
  EXPECT_EQ(j.at("hessian").at("c"), json::parse(R"({"a": 3, "b": -4, "c": 1})"));
  ASSERT_EQ(j.at("eigenvalues").size(), 3u);
  EXPECT_NEAR(j.at("eigenvalues")[0].get<double>(), 0, 1e-14);
  EXPECT_NEAR(j.at("eigenvalues")[1].get<double>(), 0, 1e-14);
  EXPECT_NEAR(j.at("eigenvalues")[2].get<double>(), 26, 1e-13);
  // Without --hessian, neither key.
  r = run("net " + file + " --json");
  EXPECT_FALSE(json::parse(r.out).contains("hessian"));
  std::remove(file.c_str());
}

TEST(NetHessian, TextIsTheMatrixTheEigenvaluesAndWhatTheySay) {
  // x1 = 1/3: ∂²E/∂a² = 1/9, printed with 6 significant digits, or --precision's.
  const std::string file = write_linear("net_hessian_text.json", "0.3333333333333333", R"(["a"])");
  auto r = run("net " + file + " --hessian");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("Hessian of E_total, d²E_total/d(row) d(column):\n"
                       "          a\n"
                       "a  0.111111\n"
                       "Eigenvalues (ascending): 0.111111\n"
                       "All positive: the Hessian is positive definite, the loss curves upward in "
                       "every direction (a bowl)"),
            std::string::npos)
      << r.out;
  // After training, the curvature is said to be where training stopped, with the loss there:
  // the loss the training report gives.
  r = run("net " + file + " --hessian --steps 2");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const std::string after = "After 2 gradient steps: loss = ";
  const auto at = r.out.find(after);
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string loss =
      r.out.substr(at + after.size(), r.out.find('\n', at) - at - after.size());
  EXPECT_NE(r.out.find("The curvature where training stopped, after the 2 steps above (E_total = " +
                       loss + "):\nHessian of E_total"),
            std::string::npos)
      << r.out;
  r = run("net " + file + " --hessian=all --precision 3");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  // H = x xᵀ with x = (1/3, −4, 1), every entry, 3 significant digits.
  EXPECT_NE(r.out.find("       a      b      c\n"
                       "a  0.111  -1.33  0.333\n"
                       "b  -1.33     16     -4\n"
                       "c  0.333     -4      1\n"),
            std::string::npos)
      << r.out;
  // (1/3, −4, 1) spans one direction of three: a valley, two flat directions.
  EXPECT_NE(r.out.find("positive semidefinite"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 near zero"), std::string::npos) << r.out;
  std::remove(file.c_str());
}

TEST(NetHessian, AtTheTargetTheGradientIsZeroAndTheBowlIsAMinimum) {
  // o = 3·0.25 + (−4)·(−0.75) = 3.75 = t: E = 0, ∇E = 0, H = [[9]].
  const std::string file = write_linear("net_hessian_minimum.json", "3", R"(["a"])", 3.75);
  const auto r = run("net " + file + " --hessian");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("Eigenvalues (ascending): 9\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("this is a local minimum"), std::string::npos) << r.out;
  std::remove(file.c_str());
}

TEST(NetHessian, MazursLossIsSaddleShapedAtTheStart) {
  const auto r =
      run("net " + std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json --hessian --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_EQ(j.at("hessian").size(), 8u);  // the trained weights
  const auto eigenvalues = j.at("eigenvalues").get<std::vector<double>>();
  ASSERT_EQ(eigenvalues.size(), 8u);
  EXPECT_TRUE(std::is_sorted(eigenvalues.begin(), eigenvalues.end()));
  // The loss sees (w1, w2) only through net_h1 = w1·i1 + w2·i2 + b1, so (i2, −i1) is a flat
  // direction of the Hessian: H·(0.1, −0.05, 0, ...) = 0, a zero eigenvalue. Likewise (w3, w4).
  const json& h = j.at("hessian");
  for (const char* p : {"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"}) {
    EXPECT_NEAR(0.1 * h.at("w1").at(p).get<double>(), 0.05 * h.at("w2").at(p).get<double>(), 1e-17)
        << p;
    EXPECT_NEAR(0.1 * h.at("w3").at(p).get<double>(), 0.05 * h.at("w4").at(p).get<double>(), 1e-17)
        << p;
  }
  // A third: in (w5..w8), v = (out_h2, −out_h1, −r·out_h2, r·out_h1), r = δ_o1/δ_o2, keeps both
  // net inputs of the outputs and cancels their cross-curvature with net_h1 and net_h2: H·v = 0.
  const auto sigmoid = [](double z) { return 1 / (1 + std::exp(-z)); };
  const double h1 = sigmoid(0.15 * 0.05 + 0.2 * 0.1 + 0.35),
               h2 = sigmoid(0.25 * 0.05 + 0.3 * 0.1 + 0.35);
  const double o1 = sigmoid(0.4 * h1 + 0.45 * h2 + 0.6), o2 = sigmoid(0.5 * h1 + 0.55 * h2 + 0.6);
  const double ratio = (o1 - 0.01) * o1 * (1 - o1) / ((o2 - 0.99) * o2 * (1 - o2));
  const std::vector<std::pair<const char*, double>> v = {
      {"w5", h2}, {"w6", -h1}, {"w7", -ratio * h2}, {"w8", ratio * h1}};
  for (const char* p : {"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"}) {
    double hv = 0;
    for (const auto& [q, x] : v) hv += h.at(p).at(q).get<double>() * x;
    EXPECT_NEAR(hv, 0, 1e-16) << p;
  }
  EXPECT_LT(eigenvalues.front(), 0);
  EXPECT_GT(eigenvalues.back(), 0);
}

TEST(NetHessian, BadValuesAndNothingToDifferentiateAreUsageErrors) {
  const std::string file = write_linear("net_hessian_bad.json", "3", "[]");
  auto r = run("net " + file + " --hessian=bogus");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --hessian=bogus: write --hessian (the trained parameters) or "
            "--hessian=all (every parameter)\n");
  r = run("net " + file + " --hessian");  // nothing is trained
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("trains no parameter; --hessian=all"), std::string::npos) << r.err;
  r = run("net " + file + " --hessian=all --json");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("eigenvalues").size(), 3u);
  std::remove(file.c_str());
}

// net's --hessian is --hessian or --hessian=all: a flag, so `--hessian FILE --json` keeps FILE
// as the file (an option taking a value ate it); `--hessian all` is told to write the '='.
TEST(NetHessian, TheFlagsFormsAndTheirErrors) {
  const std::string file = write_linear("net_hessian_forms.json", "3", R"(["a", "b"])");
  auto r = run("net --hessian " + file + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("hessian").size(), 2u);
  r = run("net " + file + " --hessian all");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "autodiff: --hessian all: write --hessian=all (with '='), for every parameter\n");
  for (const std::string value : {"0", "false", "ALL"}) {
    r = run("net " + file + " --hessian=" + value);
    EXPECT_EQ(r.status, 2) << value;
    EXPECT_EQ(r.err, "autodiff: --hessian=" + value +
                         ": write --hessian (the trained parameters) or --hessian=all (every "
                         "parameter)\n");
  }
  r = run("net " + file + " extra");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: unexpected argument: extra\n");
  std::remove(file.c_str());
}

// The "hessian" object's keys are sorted (a before b); "parameters" is the matrix's order, the
// train list's (b, a), as the text prints it. "hessian_after_steps" says where it was taken.
TEST(NetHessian, JsonNamesTheParametersInTheMatrixOrder) {
  const std::string file = write_linear("net_hessian_order.json", "3", R"(["b", "a"])");
  auto r = run("net " + file + " --hessian --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("parameters"), json::parse(R"(["b", "a"])"));
  EXPECT_EQ(j.at("hessian_after_steps"), 0);
  r = run("net " + file + " --hessian --json --steps 3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("hessian_after_steps"), 3);
  r = run("net " + file + " --hessian");
  EXPECT_NE(r.out.find("     b    a\nb   16  -12\na  -12    9\n"), std::string::npos) << r.out;
  std::remove(file.c_str());
}

// o = a·x1 with x1 = 1e160 and a = 1e-160: the gradient, (o − t)·x1, is finite, ∂²E/∂a² = x1²
// is not. A numeric error naming the entry, never inf in the matrix and NaN eigenvalues read
// as "all negative: a cap" with status 0.
TEST(NetHessian, ASecondDerivativeBeyondTheDoublesIsANumericError) {
  const std::string path = testing::TempDir() + "net_hessian_overflow.json";
  std::ofstream(path) << R"({"inputs": {"x1": 1e160}, "targets": {"o": 0.5},
    "layers": [{"name": "output", "neurons": ["o"], "activation": "identity"}],
    "weights": [{"name": "a", "from": "x1", "to": "o", "value": 1e-160}],
    "biases": [], "loss": "half_sse", "train": ["a"]})";
  for (const std::string json_flag : {"", " --json"}) {
    const auto r = run("net " + path + " --hessian" + json_flag);
    EXPECT_EQ(r.status, 3) << r.out;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "autodiff: " + path +
                         ": at the parameters the network starts from, the second derivative "
                         "d²E_total/da da is inf, not a finite number\n");
  }
  // The gradient alone is finite: no numeric error (the cross-check's finite differences, at
  // these scales, disagree: status 1).
  EXPECT_NE(run("net " + path).status, 3);
  std::remove(path.c_str());
}

// ---- Large networks and long runs (issue 12, items 5 and 16) ----

namespace {

// A short-form sigmoid network [inputs, hidden, 1], written to the test's folder.
std::string write_layered(std::size_t inputs, std::size_t hidden) {
  const std::string path = testing::TempDir() + "layered_" + std::to_string(inputs) + "x" +
                           std::to_string(hidden) + ".json";
  std::ofstream out(path);
  out << "{\"sizes\": [" << inputs << ", " << hidden << ", 1], \"inputs\": [";
  for (std::size_t i = 0; i < inputs; ++i)
    out << (i ? ", " : "") << static_cast<double>(i % 10) / 10;
  out << "], \"targets\": [0.3]}";
  return path;
}

// The rows of the cross-check's table: the lines between its header and its summary.
std::size_t cross_check_rows(const std::string& out) {
  const auto begin = out.find("verdict\n"), end = out.find("\n\n", begin);
  return static_cast<std::size_t>(std::count(out.begin() + static_cast<long>(begin),
                                             out.begin() + static_cast<long>(end), '\n')) -
         (out.find("  A sample:", begin) < end ? 3 : 0) - 1;
}

// The lines of the report from the header line starting with `header` to the first line that is
// not indented (the table's rows).
std::vector<std::string> table(const std::string& report, const std::string& header) {
  std::vector<std::string> rows;
  std::istringstream lines(report);
  bool in = false;
  for (std::string line; std::getline(lines, line);) {
    in = in ? line.starts_with("  ") : line.starts_with(header);
    if (in) rows.push_back(line);
  }
  return rows;
}

}  // namespace

TEST(Net, AboveAThousandParametersASampleIsCheckedAndFullCheckChecksAll) {
  const std::string file = write_layered(40, 30);  // 1261 parameters
  const auto sampled = run("net " + file);
  ASSERT_EQ(sampled.status, 0) << sampled.err;
  EXPECT_NE(sampled.out.find("  A sample: 64 of the 1261 parameters (the first and last weight "
                             "and bias into each layer, the others drawn\n"),
            std::string::npos)
      << sampled.out;
  EXPECT_NE(sampled.out.find("  All checked gradients agree.\n"), std::string::npos);
  EXPECT_EQ(cross_check_rows(sampled.out), 64u);
  // The update lists the same 64, not 1261 lines.
  EXPECT_NE(sampled.out.find("  (the 64 parameters checked above; --json gives every one)\n"),
            std::string::npos);
  const auto full = run("net " + file + " --full-check");
  ASSERT_EQ(full.status, 0) << full.err;
  EXPECT_EQ(full.out.find("A sample"), std::string::npos);
  EXPECT_NE(full.out.find("  All gradients agree.\n"), std::string::npos);
  EXPECT_EQ(cross_check_rows(full.out), 1261u);
  EXPECT_EQ(full.err, "");  // well under a second: no progress shown
}

// The report's network: 90,601 parameters, minutes before the sample (tests/memcheck.sh skips
// Scale.*: seconds under valgrind).
TEST(Scale, NetOn300By300ChecksASampleAndSaysSo) {
  const auto r = run("net " + write_layered(300, 300));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("  A sample: 64 of the 90601 parameters"), std::string::npos);
  EXPECT_EQ(cross_check_rows(r.out), 64u);
  for (const char* end : {"\n  w_i1_h1 ", "\n  w_i300_h300 ", "\n  w_h1_o1 ", "\n  w_h300_o1 ",
                          "\n  b_h1 ", "\n  b_h300 ", "\n  b_o1 "})
    EXPECT_NE(r.out.find(end), std::string::npos) << end;
}

// A run past a minute says so first, on a terminal or not; on a terminal its progress is drawn in
// place. Each is stopped by timeout after a few seconds (LongRun.* is skipped by memcheck).
// `command` is shell text; returns what it wrote to standard output.
std::string output_of(const std::string& command) {
  const std::string out = testing::TempDir() + "long_run_" + std::to_string(::getpid()) + ".out";
  EXPECT_NE(std::system((command + " >" + out).c_str()), -1);
  std::string text = cli_test::slurp(out);
  std::remove(out.c_str());
  return text;
}

const std::string kBillionSteps = cli_test::program() + " net " + AUTODIFF_SOURCE_DIR +
                                  "/examples/tutorial2.json --steps 1000000000";

TEST(LongRun, AnEstimateBeforeARunLongerThanAMinute) {
  const std::string err = output_of("(timeout 3 " + kBillionSteps + " 2>&1 >/dev/null)");
  EXPECT_TRUE(err.starts_with("autodiff: 1,000,000,000 training steps will take about ")) << err;
  EXPECT_NE(err.find(" a second); Ctrl-C stops\n"), std::string::npos) << err;
  EXPECT_EQ(err.find('\r'), std::string::npos);  // not a terminal: no line drawn in place
}

TEST(LongRun, OnATerminalProgressIsDrawnInPlace) {
  if (!cli_test::have_pseudo_terminals()) GTEST_SKIP() << cli_test::kNoPseudoTerminals;
  const std::string terminal =
      output_of("timeout 4 script -qfec '" + kBillionSteps + " >/dev/null' /dev/null");
  EXPECT_NE(terminal.find("\rautodiff: training steps: "), std::string::npos) << terminal;
  EXPECT_NE(terminal.find(" left\x1b[K"), std::string::npos);
}

// Issue 12, item 14: a 600-character parameter name was cut at 511 characters and the next row
// glued to it; the columns stay aligned for any name; and (item 13) a name with an escape
// sequence reaches the terminal escaped.
TEST(Net, ReportRowsAreWholeAndAlignedForLongNames) {
  const std::string path = testing::TempDir() + "net_long_name.json";
  const std::string name(600, 'w');
  std::ofstream(path) << R"({"name": "a\u001b[2Jb", "inputs": {"x": 0.8}, "targets": {"o": 0.3},
  "layers": [{"name": "output", "neurons": ["o"], "activation": "sigmoid"}],
  "weights": [{"name": ")"
                      << name << R"(", "from": "x", "to": "o", "value": 0.5}],
  "loss": "half_sse", "learning_rate": 0.1, "train": [")"
                      << name << R"("]})";
  const auto r = run("net " + path);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_NE(r.out.find("Network a\\x1b[2Jb"), std::string::npos) << r.out.substr(0, 200);
  const auto rows = table(r.out, "  parameter ");
  ASSERT_EQ(rows.size(), 3u) << r.out;  // the header, the weight, "All gradients agree."
  EXPECT_TRUE(rows[1].starts_with("  " + name + " ")) << rows[1].substr(0, 20);
  EXPECT_TRUE(rows[1].ends_with(" agree")) << rows[1].substr(590);
  EXPECT_EQ(rows[0].find("engine"), rows[1].find(" 0.0") + 1);
  std::remove(path.c_str());
}

// Review of issue 12, item 11: the rows were padded by characters, and a CJK character takes two
// columns: "学习" is four columns wide, so 7 spaces bring its value under "engine" (column 13 of
// "  parameter  engine").
TEST(Net, ReportRowsAlignCjkNamesByTheirColumns) {
  const std::string path = testing::TempDir() + "net_cjk_name.json";
  std::ofstream(path) << R"({"inputs": {"x": 0.8, "y": 0.2}, "targets": {"o": 0.3},
  "layers": [{"name": "output", "neurons": ["o"], "activation": "sigmoid"}],
  "weights": [{"name": "学习", "from": "x", "to": "o", "value": 0.5},
              {"name": "w", "from": "y", "to": "o", "value": 0.5}],
  "loss": "half_sse", "learning_rate": 0.1, "train": ["学习", "w"]})";
  const auto r = run("net " + path);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = table(r.out, "  parameter ");
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_TRUE(rows[0].starts_with("  parameter  engine ")) << rows[0];
  EXPECT_TRUE(rows[1].starts_with("  学习       0.0606")) << rows[1];
  EXPECT_TRUE(rows[2].starts_with("  w          0.0151")) << rows[2];
  std::remove(path.c_str());
}

// The gradient table of examples/deep.json (names of 9 and 11 characters): every column starts
// where its header does.
TEST(Net, GradientTableOfDeepJsonIsAligned) {
  const auto r = run("net " + std::string(AUTODIFF_SOURCE_DIR) + "/examples/deep.json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rows = table(r.out, "  parameter ");
  ASSERT_GT(rows.size(), 20u);
  const std::size_t engine = rows[0].find("engine"), rel = rows[0].find("rel.diff.");
  for (std::size_t i = 1; i + 1 < rows.size(); ++i) {
    EXPECT_EQ(rows[i][engine - 1], ' ') << rows[i];
    EXPECT_NE(rows[i][engine], ' ') << rows[i];
    EXPECT_EQ(rows[i][rel - 1], ' ') << rows[i];
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(rows[i][rel]))) << rows[i];
  }
}

// Issue 12, finding 3: --hessian=all on 10,201 parameters ran 30 s into 2.4 GB; it is refused
// before training or any sweep, with its size and what to do instead.
TEST(Net, AHessianPastTheLimitIsRefusedWithItsSize) {
  const auto r = run("net " + write_layered(100, 100) + " --hessian=all");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --hessian: 10,201 parameters make a Hessian of 104,060,401 entries (about "
            "5,204 MB as printed); the limit is 2,000 parameters and 5e+08 node steps. --hessian "
            "alone takes the parameters of the file's train list: list those you need there.\n");
  EXPECT_EQ(r.out, "");
}

// Review s7, finding 4: a 23-byte short form without samples built its 9 million weights (920 MB,
// 9 s) before the missing samples were found. The whole file is checked first: under a 400 MB
// address-space limit it is refused for its samples, not "out of memory".
TEST(NetReview, AShortFormIsCheckedWholeBeforeItIsBuilt) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space: a 400 MB limit stops it";
#endif
  const std::string path = testing::TempDir() + "net_review_sizes.json";
  std::ofstream(path) << R"({"sizes":[3000,3000,1]})" << '\n';
  const std::string err = path + ".err";
  const int raw = std::system(
      ("ulimit -v 400000; " + cli_test::program() + " net " + path + " 2>" + err).c_str());
  EXPECT_EQ(WEXITSTATUS(raw), 2);
  EXPECT_EQ(
      cli_test::slurp(err),
      "autodiff: " + path + ": /samples: missing \"samples\" (or \"inputs\" and \"targets\")\n");
  std::remove(err.c_str());
}
