// `autodiff net FILE --dot OUT --view network|tape`: the network view is the default, the tape
// view is still there, the option's misuse is a usage error, and every example renders to SVG
// through Graphviz without a word on either stream.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "cli/legibility.hpp"
#include "cli/run_cli.hpp"

using cli_test::run;
using cli_test::slurp;

namespace {

const std::string examples = std::string(AUTODIFF_SOURCE_DIR) + "/examples/";

std::string temp(const std::string& name) { return testing::TempDir() + "net_view_" + name; }

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

TEST(NetView, TheNetworkIsTheDefaultViewAndShowsMazursUpdate) {
  const std::string dot = temp("tutorial2.dot");
  const auto r = run("net " + examples + "tutorial2.json --steps 1 --dot " + dot);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string text = slurp(dot);
  std::remove(dot.c_str());
  // w5 joins h1 to o1 and carries, by Mazur's own formulas,
  // ∂E_total/∂w5 = (out_o1 − target_o1)·out_o1·(1 − out_o1)·out_h1 and w5⁺ = w5 − 0.5·that.
  const double h1 = sigmoid(0.15 * 0.05 + 0.2 * 0.1 + 0.35);
  const double h2 = sigmoid(0.25 * 0.05 + 0.3 * 0.1 + 0.35);
  const double o1 = sigmoid(0.4 * h1 + 0.45 * h2 + 0.6);
  const double gradient = (o1 - 0.01) * o1 * (1 - o1) * h1;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m,
                                std::regex("\"unit:h1\" -> \"unit:o1\" \\[[^\\n]*label=<<B>w5</B> "
                                           "= 0.4<BR/>∂E_total/∂w5 = (\\S+)<BR/>w5⁺ = (\\S+)>")))
      << text;
  EXPECT_NEAR(std::stod(m[1]), gradient, 5e-6 * gradient);
  EXPECT_NEAR(std::stod(m[2]), 0.4 - 0.5 * gradient, 5e-6 * 0.4);
  EXPECT_EQ(text.find("after update: "), std::string::npos);
}

// A compact picture's title says what compact mode did to it and nothing else: batch (4 samples)
// and deep (no column over 6 nodes) are compact for their width alone, so the digits are cut and
// the weights unnamed, and nothing is folded.
TEST(NetView, ACompactTitleSaysExactlyWhatWasDone) {
  const std::pair<std::string, std::string> titles[] = {
      {"batch",
       "<B>batch (XOR, 4 samples, mean loss)</B><BR/><FONT POINT-SIZE=\"14\">compact view "
       "(too big in full): 3 significant digits; on a weight's edge: w, ∂ = ∂E_mean/∂w"
       "<BR/>nothing folded: every sample, node and edge drawn</FONT>"},
      {"deep",
       "<B>deep (3 hidden layers, mixed activations, per-neuron biases)</B><BR/><FONT "
       "POINT-SIZE=\"14\">compact view (too big in full): 3 significant digits; on a weight's "
       "edge: w, ∂ = ∂E_total/∂w<BR/>nothing folded: every sample, node and edge drawn</FONT>"}};
  for (const auto& [name, title] : titles) {
    const auto r = run("net " + examples + name + ".json --dot -");
    ASSERT_EQ(r.status, 0) << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\nlabel=<(.*)>;\n"))) << r.out;
    EXPECT_EQ(m[1], title);
  }
}

TEST(NetView, ViewTapeDrawsTheRecordedTape) {
  const std::string dot = temp("tape.dot");
  const auto r = run("net " + examples + "tutorial2.json --dot " + dot + " --view tape");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string text = slurp(dot);
  std::remove(dot.c_str());
  EXPECT_NE(text.find("after update:\\n"), std::string::npos) << text;  // on each parameter
  // Each on its own parameter: Mazur's published w5+ = 0.35891648 and w1+ = 0.149780716.
  EXPECT_NE(text.find("w5\\nvalue: 0.4\\ngrad: 0.082167\\nafter update:\\n0.358916"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("w1\\nvalue: 0.15\\ngrad: 0.000438568\\nafter update:\\n0.149781"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("E_total\\n= E1 + E2"), std::string::npos) << text;
  EXPECT_EQ(text.find("unit:h1"), std::string::npos) << text;
  // The parameters are in no box: one made them a column on the far left, with long crossing
  // edges to the neurons they feed; free, dot puts each next to its neuron. The layers keep theirs.
  EXPECT_EQ(text.find("label=\"parameters\""), std::string::npos) << text;
  EXPECT_NE(text.find("label=\"inputs\""), std::string::npos) << text;
  EXPECT_NE(text.find("label=\"hidden\""), std::string::npos) << text;
}

TEST(NetView, AnUnknownViewOrAViewWithoutDotIsAUsageError) {
  auto r = run("net " + examples + "tutorial2.json --dot " + temp("x.dot") + " --view neurons");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--view"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("neurons"), std::string::npos) << r.err;
  r = run("net " + examples + "tutorial2.json --view tape");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--dot"), std::string::npos) << r.err;
}

class NetViewSvg : public testing::TestWithParam<std::string> {};

// dot -Tsvg runs with its messages on the program's output: an empty output and error stream
// means Graphviz had nothing to warn about.
TEST_P(NetViewSvg, RendersWithoutWarnings) {
  const std::string svg = temp(GetParam() + ".svg");
  const auto r = run("net " + examples + GetParam() + ".json --steps 1 --dot " + svg + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(nlohmann::json::accept(r.out)) << r.out;  // the JSON alone, no dot message
  const std::string text = slurp(svg);
  std::remove(svg.c_str());
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("</svg>"), std::string::npos);
}

// At 900 pixels wide, node text at least 9 pixels and edge text 8. Before the compact picture,
// batch.json drew 2067 × 747 pt (node text 6.1 px, edge text 5.7 px) and deep.json 2385 × 1219
// pt (5.3 px and 4.9 px); the tutorials, drawn in full, are 1067 and 1075 pt wide (11.7 px).
TEST_P(NetViewSvg, LegibleAt900Pixels) {
  const std::string svg = temp(GetParam() + "_legible.svg");
  const auto r = run("net " + examples + GetParam() + ".json --steps 1 --dot " + svg);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const cli_test::Legibility l = cli_test::measure(svg);
  std::remove(svg.c_str());
  EXPECT_GE(l.node_px, 9.0) << l.width << " × " << l.height << " pt";
  EXPECT_GE(l.edge_px, 8.0) << l.width << " × " << l.height << " pt";
}

INSTANTIATE_TEST_SUITE_P(Examples, NetViewSvg,
                         testing::Values("tutorial1", "tutorial2", "batch", "deep"));

}  // namespace
