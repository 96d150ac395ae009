// The tape view of `--dot` (issue 15): legible at the README's 900 px, a batch's samples in
// order and folded when the graph is large, each node named once.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "cli/legibility.hpp"
#include "cli/run_cli.hpp"

namespace fs = std::filesystem;
using cli_test::Legibility;
using cli_test::measure;
using cli_test::run;
using cli_test::slurp;

namespace {

const std::string kExamples = std::string(AUTODIFF_SOURCE_DIR) + "/examples/";

std::string folder(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / ("tape_view_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string() + "/";
}

bool graphviz_installed() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

// The first line of every node's label, "N[label="name\n...", with the lines that continue
// it, a long formula's "\n+ term" and "\n− term".
std::vector<std::string> names(const std::string& dot) {
  std::vector<std::string> out;
  const std::regex node("\n[0-9]+\\[label=\"([^\"\\\\]*(?:\\\\n(?:\\+|−) [^\"\\\\]*)*)");
  for (std::sregex_iterator m(dot.begin(), dot.end(), node), end; m != end; ++m)
    out.push_back((*m)[1]);
  return out;
}

}  // namespace

// Before: tutorial2's tape was 2,500 pt wide, its node text 5.0 px and its partials 3.6 px at
// 900 px; the grad picture's partials 8.2 px.
TEST(TapeView, LegibleAt900Pixels) {
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string dir = folder("legible");
  ASSERT_EQ(run("net " + kExamples + "tutorial2.json --steps 1 --view tape --dot " + dir + "t2.svg")
                .status,
            0);
  ASSERT_EQ(run("grad 'sin(x)*exp(y)/(1+x^2)' --at x=0.5,y=1 --dot " + dir + "g.svg").status, 0);
  for (const std::string name : {"t2.svg", "g.svg"}) {
    const Legibility l = measure(dir + name);
    EXPECT_GE(l.node_px, 9.0) << name << ": " << l.width << " pt wide";
    EXPECT_GE(l.edge_px, 8.0) << name << ": " << l.width << " pt wide";
  }
}

// The batch's and the deep network's tapes, twelve and eleven columns of the left-to-right
// layout. Before: 2,924 and 2,885 pt wide, node text 4.3 and 4.4 px, partials 3.7 px at 900 px.
// Long sums broken into lines (w_h1_o1·s1.out_h1 / + w_h2_o1·s1.out_h2 / ...) and long operands
// abbreviated: 2,122 and 1,851 pt, 5.9 and 6.8 px, partials 5.1 and 5.8 px. The first sample's
// unnamed error steps folded into one node (five columns fewer) and a folded graph's values to 4
// digits: 1,628 and 1,813 pt, 7.7 and 6.9 px, partials 6.6 and 6.0 px. Still short of tutorial2's
// 9 px: the columns of weighted sums are as wide as their terms (w_h2_1_h3_1·out_h2_1); these
// floors keep what was won.
TEST(TapeView, LargeTapesAreNarrower) {
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string dir = folder("large");
  for (const std::string name : {"batch", "deep"}) {
    ASSERT_EQ(
        run("net " + kExamples + name + ".json --view tape --dot " + dir + name + ".svg").status,
        0);
    const Legibility l = measure(dir + name + ".svg");
    EXPECT_GE(l.node_px, name == "batch" ? 7.6 : 6.8) << name << ": " << l.width << " pt wide";
    EXPECT_GE(l.edge_px, name == "batch" ? 6.5 : 5.9) << name << ": " << l.width << " pt wide";
  }
}

// With one output, E1 was drawn twice: the error node and a sum of that one term (then E1/1).
TEST(TapeView, EachNodeIsNamedOnce) {
  const std::string dir = folder("once");
  for (const std::string file : {"batch.json", "tutorial1.json", "deep.json"}) {
    ASSERT_EQ(run("net " + kExamples + file + " --view tape --dot " + dir + "g.dot").status, 0);
    std::vector<std::string> seen = names(slurp(dir + "g.dot"));
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end())
        << file << ": " << *std::adjacent_find(seen.begin(), seen.end());
  }
}

// batch.json's tape has 83 nodes: 13 parameters, 17 per sample (2 inputs, 3 hidden neurons'
// net and out, the output's, and binary cross-entropy's 1 − o, two logs, two products, their
// sum and its negation, which is E_total) and the mean's sum and division. Over 60: the first
// sample is drawn but for its 6 unnamed error steps, one node (they were six columns of the
// layout); each further sample is a node saying how many it stands for, in order.
TEST(TapeView, ABatchFoldsItsLaterSamplesInOrder) {
  const std::string dir = folder("batch");
  ASSERT_EQ(run("net " + kExamples + "batch.json --view tape --dot " + dir + "b.dot").status, 0);
  const std::string dot = slurp(dir + "b.dot");
  const std::vector<std::string> drawn = names(dot);
  EXPECT_EQ(drawn.size(), 13u + (17u - 6u) + 2u + 1u + 3u);
  EXPECT_NE(dot.find("sample 1's error steps\\n6 nodes folded"), std::string::npos);
  EXPECT_NE(dot.find("s1.E_total\\n"), std::string::npos);  // the named error stays
  for (const std::string s : {"2", "3", "4"}) {
    const std::string fold = "sample " + s + "\\n17 nodes folded";
    EXPECT_NE(dot.find(fold), std::string::npos) << fold;
  }
  EXPECT_NE(dot.find("57 of 83 nodes folded into 4 (grey boxes); values to 4 digits"),
            std::string::npos);
  // o1 = 0.5080972622, the report's forward pass, to 4 significant digits.
  EXPECT_NE(dot.find("s1.out_o1\\n= sigmoid(s1.net_o1)\\nvalue: 0.5081\\n"), std::string::npos);
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  ASSERT_EQ(run("net " + kExamples + "batch.json --view tape --dot " + dir + "b.svg").status, 0);
  // Top to bottom (y grows downward in SVG): sample 2, 3, 4.
  const std::string svg = slurp(dir + "b.svg");
  std::vector<std::pair<double, std::string>> at;
  const std::regex text("y=\"([0-9.-]+)\"[^>]*>sample ([0-9])</text>");
  for (std::sregex_iterator m(svg.begin(), svg.end(), text), end; m != end; ++m)
    at.emplace_back(std::stod((*m)[1]), (*m)[2]);
  std::sort(at.begin(), at.end());
  ASSERT_EQ(at.size(), 3u);
  EXPECT_EQ(at[0].second + at[1].second + at[2].second, "234");
}

// deep.json (3 → 4 → 3 → 3 → 2) has 81 nodes: 51 parameters, 3 inputs, 12 neurons' net and out,
// 2 errors and E_total. The middle hidden layer folds: its 3 neurons' 6 nodes, its 12 weights
// and 3 biases, and the 9 weights out of it, 30 nodes.
TEST(TapeView, ADeepNetworkFoldsItsMiddleLayers) {
  const std::string dir = folder("deep");
  ASSERT_EQ(run("net " + kExamples + "deep.json --view tape --dot " + dir + "d.dot").status, 0);
  const std::string dot = slurp(dir + "d.dot");
  EXPECT_NE(dot.find("hidden 2\\n30 nodes folded"), std::string::npos);
  EXPECT_NE(dot.find("30 of 81 nodes folded into 1"), std::string::npos);
  EXPECT_EQ(names(dot).size(), 81u - 30u + 1u);
}

// Both views render without a word from Graphviz: the program runs dot with its messages on the
// program's standard error, which stays empty (the network view's test is in net_view_test).
TEST(TapeView, RendersWithoutWarnings) {
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string dir = folder("warnings");
  for (const std::string name : {"tutorial1", "tutorial2", "batch", "deep"}) {
    const auto r = run("net " + kExamples + name + ".json --steps 1 --view tape --dot " + dir +
                       name + ".svg --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "") << name;
    EXPECT_NE(slurp(dir + name + ".svg").find("</svg>"), std::string::npos) << name;
  }
  const auto r = run("grad 'sin(x)*exp(y)/(1+x^2)' --at x=0.5,y=1 --dot " + dir + "g.svg");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
}
