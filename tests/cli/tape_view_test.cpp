// The tape view of `--dot` (issue 15): legible at the README's 900 px, a batch's samples in
// order and folded when the graph is large, each node named once.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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
// 9 px: the columns of weighted sums are as wide as their terms (w_h2_1_h3_1·out_h2_1). Terms
// cut before their · and calls after their parenthesis at 16 columns, the after-update value on
// a line of its own, a folded graph's values to 3 digits and deep's first two hidden layers folded
// (two columns fewer), with the partials as labels (xlabels had been drawn over nodes): 1,360 and
// 1,219 pt, 9.3 and 10.3 px, partials (now 13 pt) 8.6 and 9.6 px. The floors are issue 15's bar.
TEST(TapeView, LargeTapesAreNarrower) {
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string dir = folder("large");
  for (const std::string name : {"batch", "deep"}) {
    ASSERT_EQ(
        run("net " + kExamples + name + ".json --view tape --dot " + dir + name + ".svg").status,
        0);
    const Legibility l = measure(dir + name + ".svg");
    EXPECT_GE(l.node_px, 9.0) << name << ": " << l.width << " pt wide";
    EXPECT_GE(l.edge_px, 8.0) << name << ": " << l.width << " pt wide";
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
  EXPECT_NE(dot.find("sample 1's error\\nsteps\\n6 nodes folded"), std::string::npos);
  EXPECT_NE(dot.find("s1.E_total\\n"), std::string::npos);  // the named error stays
  for (const std::string s : {"2", "3", "4"}) {
    const std::string fold = "sample " + s + "\\n17 nodes folded";
    EXPECT_NE(dot.find(fold), std::string::npos) << fold;
  }
  EXPECT_NE(dot.find("57 of 83 nodes folded into 4 (grey boxes); values to 3 digits"),
            std::string::npos);
  // o1 = 0.5080972622, the report's forward pass, to 3 significant digits.
  EXPECT_NE(dot.find("s1.out_o1\\n= sigmoid(\\ns1.net_o1)\\nvalue: 0.508\\n"), std::string::npos);
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

// Review s9, finding 1: 200 samples were 199 grey boxes, one per later sample (15,616 px tall),
// and the 60-node cap then left no room for sample 1 or the parameters. Past 4 later samples
// they fold into one box. A 2-2-1 network (9 parameters) of 20 samples: sample 1's 9 nodes
// (2 inputs, 2 hidden and 1 output net and out, its error) and the 9 parameters drawn, samples
// 2–20's 19 × 9 nodes in one box, and E_mean.
TEST(TapeView, ManySamplesFoldIntoOneBox) {
  const std::string dir = folder("many");
  std::ofstream file(dir + "n.json");
  file << R"({"sizes": [2, 2, 1], "activation": "sigmoid", "seed": 1, "samples": [)";
  for (int k = 0; k < 20; ++k)
    file << (k ? "," : "") << "{\"inputs\": [" << k * 0.05 << ", 1], \"targets\": [0.5]}";
  file << "]}\n";
  file.close();
  ASSERT_EQ(run("net " + dir + "n.json --view tape --dot " + dir + "n.dot").status, 0);
  const std::string dot = slurp(dir + "n.dot");
  EXPECT_NE(dot.find("samples 2–20\\n171 nodes folded"), std::string::npos) << dot;
  EXPECT_EQ(dot.find("sample 2\\n"), std::string::npos);
  EXPECT_NE(dot.find("s1.out_o1\\n"), std::string::npos);
  EXPECT_EQ(dot.find("collapsed"), std::string::npos) << "nothing left out";
}

// deep.json (3 → 4 → 3 → 3 → 2) has 81 nodes: 51 parameters, 3 inputs, 12 neurons' net and out,
// 2 errors and E_total. All hidden layers but the last fold into one box: the first's 4 neurons'
// 8 nodes, 12 weights and 4 biases, the second's 3 neurons' 6 nodes, 12 weights and 3 biases, and
// the 9 weights out of it, 54 nodes.
TEST(TapeView, ADeepNetworkFoldsItsMiddleLayers) {
  const std::string dir = folder("deep");
  ASSERT_EQ(run("net " + kExamples + "deep.json --view tape --dot " + dir + "d.dot").status, 0);
  const std::string dot = slurp(dir + "d.dot");
  EXPECT_NE(dot.find("hidden 1 to\\nhidden 2\\n(2 layers)\\n54 nodes folded"), std::string::npos);
  EXPECT_NE(dot.find("54 of 81 nodes folded into 1"), std::string::npos);
  EXPECT_EQ(names(dot).size(), 81u - 54u + 1u);
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

// The checker itself, on a hand-made SVG: a node's rounded box from (10, −60) to (110, −10) and
// an edge's "0.186876" (12 pt, 57.6 wide) centred at x = 60 on the baseline y = −30, inside it;
// then clear of it, and just touching its right side.
TEST(TapeView, TheOverlapCheckSeesATextOverANode) {
  const std::string node =
      "<g id=\"node1\" class=\"node\">\n<title>0</title>\n<path fill=\"#fff\" stroke=\"black\" "
      "d=\"M104,-60C104,-60 16,-60 16,-60 10,-60 10,-54 10,-54 10,-16 10,-16 16,-10 104,-10 "
      "110,-16 "
      "110,-54 104,-60\"/>\n</g>\n";
  auto edge = [](const std::string& x) {
    return "<g id=\"edge1\" class=\"edge\">\n<title>0&#45;&gt;1</title>\n<text "
           "text-anchor=\"middle\" "
           "x=\"" +
           x +
           "\" y=\"-30\" font-family=\"Helvetica,sans-Serif\" "
           "font-size=\"12.00\">0.186876</text>\n</g>\n";
  };
  EXPECT_EQ(cli_test::edge_text_over_nodes(node + edge("60")),
            std::vector<std::string>{"0.186876 at (60, -30)"});
  EXPECT_TRUE(cli_test::edge_text_over_nodes(node + edge("200")).empty());
  EXPECT_TRUE(cli_test::edge_text_over_nodes(node + edge("139")).empty());   // from 110.2
  EXPECT_EQ(cli_test::edge_text_over_nodes(node + edge("137")).size(), 1u);  // from 108.2
}

// No partial is drawn over a node's box. Before, as xlabels, they were: tutorial2's 0.186816 over
// out_o1 and 11 more, 6 in batch, 27 in deep, 5 in the grad picture (0.877583 over x).
TEST(TapeView, NoPartialIsDrawnOverANode) {
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string dir = folder("overlap");
  std::vector<std::string> svgs;
  for (const auto& entry : fs::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".json") continue;  // every example .json is a network
    const std::string svg = dir + entry.path().stem().string() + ".svg";
    const auto r = run("net " + entry.path().string() + " --steps 1 --view tape --dot " + svg);
    ASSERT_EQ(r.status, 0) << entry.path() << ": " << r.err;
    svgs.push_back(svg);
  }
  ASSERT_GE(svgs.size(), 4u);  // tutorial1, tutorial2, batch, deep
  ASSERT_EQ(run("grad 'sin(x)*exp(y)/(1+x^2)' --at x=0.5,y=1 --dot " + dir + "g.svg").status, 0);
  svgs.push_back(dir + "g.svg");
  for (const std::string& svg : svgs) {
    const std::string text = slurp(svg);
    ASSERT_NE(text.find("class=\"edge\""), std::string::npos) << svg;
    std::string over;
    for (const std::string& o : cli_test::edge_text_over_nodes(text)) over += "\n  " + o;
    EXPECT_EQ(over, "") << svg << ": edge text over a node:" << over;
  }
}

// Review s9, finding 5: with --steps 5 the tape view's "after update" is after the first step
// (Mazur's w5⁺ = 0.35891648), where the network view gives w5 after 5 steps; the title says
// which tape it is.
TEST(TapeView, AfterManyStepsTheTitleSaysWhichStepsTapeItIs) {
  const std::string dir = folder("steps");
  ASSERT_EQ(run("net " + kExamples + "tutorial2.json --steps 5 --view tape --dot " + dir + "t.dot")
                .status,
            0);
  const std::string dot = slurp(dir + "t.dot");
  EXPECT_NE(dot.find("label=\"tutorial2 (Mazur)\\nthe tape of step 1 of 5; after update: after "
                     "that step\""),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("w5\\nvalue: 0.4\\ngrad: 0.082167\\nafter update:\\n0.358916"),
            std::string::npos);
}
