// The DOT output parsed back with Boost.Graph's read_graphviz: nodes, edges and labels against
// the tutorial network counted and derived by hand; rendering with Graphviz where installed.
#include <gtest/gtest.h>

#include <boost/graph/graphviz.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autodiff/graph/graph.hpp"
#include "graph/tutorials.hpp"

namespace {

struct ParsedNode {
  std::string id, label, shape, fillcolor, style;
};
struct ParsedEdge {
  std::string label;
};
using Parsed =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, ParsedNode, ParsedEdge>;

Parsed parse(const std::string& dot) {
  Parsed g;
  boost::dynamic_properties properties(boost::ignore_other_properties);
  properties.property("node_id", boost::get(&ParsedNode::id, g));
  properties.property("label", boost::get(&ParsedNode::label, g));
  properties.property("shape", boost::get(&ParsedNode::shape, g));
  properties.property("fillcolor", boost::get(&ParsedNode::fillcolor, g));
  properties.property("style", boost::get(&ParsedNode::style, g));
  properties.property("label", boost::get(&ParsedEdge::label, g));
  std::istringstream in(dot);
  EXPECT_TRUE(boost::read_graphviz(in, g, properties)) << dot;
  return g;
}

// The labels write negative numbers with a real minus sign.
double number(std::string text) {
  if (text.rfind("−", 0) == 0) text = "-" + text.substr(std::string("−").size());
  return std::stod(text);
}

// Half a unit in the sixth significant digit: the labels' precision.
double six_digits(double x) { return 5e-6 * std::fabs(x); }

// The number after "key: " on a label line.
double field(const std::string& label, const std::string& key) {
  const auto at = label.find(key + ": ");
  EXPECT_NE(at, std::string::npos) << key << " in " << label;
  if (at == std::string::npos) return std::nan("");
  const auto start = at + key.size() + 2;
  return number(label.substr(start, label.find("\\n", start) - start));
}

// The label with a formula's line "name\n= formula" joined to its name's, "name = formula", and
// a long formula's lines ("w5·out_h1\n+ w6·out_h2") joined again.
std::string joined(std::string label) {
  if (const auto at = label.find("\\n= "); at != std::string::npos) label.replace(at, 4, " = ");
  for (const std::string sign : {"+", "−"})
    for (auto at = label.find("\\n" + sign + " "); at != std::string::npos;
         at = label.find("\\n" + sign + " "))
      label.replace(at, 2, " ");
  // A term cut before its · ("+ w_h2_1_h3_1" / "·out_h2_1") or a call after its parenthesis.
  for (const std::string cut : {"\\n·", "(\\n"})
    for (auto at = label.find(cut); at != std::string::npos; at = label.find(cut))
      label.erase(cut.starts_with("(") ? at + 1 : at, 2);
  return label;
}

// The vertex whose label's first line (the formula's joined to it) is `first`.
std::size_t find(const Parsed& g, const std::string& first) {
  for (std::size_t v = 0; v < boost::num_vertices(g); ++v)
    if (const std::string label = joined(g[v].label); label.substr(0, label.find("\\n")) == first)
      return v;
  std::string labels;
  for (std::size_t v = 0; v < boost::num_vertices(g); ++v)
    labels += "\n  " + g[v].label.substr(0, g[v].label.find("\\n"));
  ADD_FAILURE() << "no node labelled " << first << "; the nodes:" << labels;
  return 0;
}

// The tutorial network: 14 leaves (i1 i2 w1..w8 b1 b2 target_o1 target_o2); per hidden and
// output unit a weighted sum and a sigmoid (8); per error a difference, a square and a half
// (6); E (1): 29 nodes. Edges: four weighted sums of five operands (20), four sigmoids (4),
// two differences of two (4), two squares, two halves, one sum of two (2 + 2 + 2): 34.
constexpr std::size_t kTutorialNodes = 29, kTutorialEdges = 34;

TEST(Dot, TutorialParsesBackWithEveryNodeEdgeAndLabel) {
  ad::Tape tape;
  const auto n = tutorials::record(tutorials::kLamsal);
  ad::named(n.out_o1 * 2.0, "monitor");  // reaches no output: left out
  tape.backward(n.E);
  const tutorials::Reference r = tutorials::reference(tutorials::kLamsal);

  const std::string dot = ad::graph::to_dot(tape, {.outputs = {n.E}, .title = "Lamsal"});
  const Parsed g = parse(dot);
  EXPECT_EQ(boost::num_vertices(g), kTutorialNodes);
  EXPECT_EQ(boost::num_edges(g), kTutorialEdges);
  EXPECT_EQ(dot.find("monitor"), std::string::npos);

  // Labels: name or operation, value, gradient; 6 significant digits.
  const auto w5 = find(g, "w5");
  EXPECT_NEAR(field(g[w5].label, "value"), 0.5, 1e-6);
  EXPECT_NEAR(field(g[w5].label, "grad"), r.dw[4], six_digits(r.dw[4]));
  const auto w1 = find(g, "w1");
  EXPECT_NEAR(field(g[w1].label, "grad"), r.dw[0], six_digits(r.dw[0]));
  const auto out_h1 = find(g, "out_h1 = sigmoid(net_h1)");
  EXPECT_NEAR(field(g[out_h1].label, "value"), r.out_h1, six_digits(r.out_h1));
  const auto net_o1 = find(g, "net_o1 = w5·out_h1 + w6·out_h2 + b2");
  // Each operation in its operands' own names, the constants written out.
  find(g, "E1 = 0.5·(out_o1 − target_o1)^2");
  find(g, "(out_o1 − target_o1)^2");
  const auto E = find(g, "E = E1 + E2");
  EXPECT_NEAR(field(g[E].label, "value"), r.E, six_digits(r.E));
  EXPECT_EQ(field(g[E].label, "grad"), 1.0);

  // Edges: the local partial; ∂net_o1/∂w5 = out_h1, ∂net_o1/∂out_h1 = w5.
  int checked = 0;
  for (const auto e : boost::make_iterator_range(boost::edges(g))) {
    const auto from = boost::source(e, g), to = boost::target(e, g);
    if (to == net_o1 && from == w5) {
      EXPECT_NEAR(number(g[e].label), r.out_h1, six_digits(r.out_h1));
      ++checked;
    }
    if (to == net_o1 && from == out_h1) {
      EXPECT_NEAR(number(g[e].label), 0.5, 1e-6);
      ++checked;
    }
    if (to == out_h1) {
      EXPECT_EQ(from, find(g, "net_h1 = w1·i1 + w3·i2 + b1"));  // Lamsal: w3 is i2 to h1
      EXPECT_NEAR(number(g[e].label), r.out_h1 * (1 - r.out_h1), 1e-6);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3);
  EXPECT_NE(dot.find("label=\"Lamsal\""), std::string::npos);
  // Auto roles: named leaves are inputs, the chosen output is an output.
  EXPECT_EQ(g[w5].shape, "box");
  EXPECT_EQ(g[E].style, "filled,bold");
  EXPECT_EQ(g[out_h1].style, "filled,rounded");
}

TEST(Dot, GradientsAreADashBeforeTheSweep) {
  ad::Tape tape;
  const auto n = tutorials::record(tutorials::kLamsal);
  const Parsed g = parse(ad::graph::to_dot(tape));
  EXPECT_EQ(boost::num_vertices(g), kTutorialNodes);  // no outputs given: everything
  for (std::size_t v = 0; v < boost::num_vertices(g); ++v)
    EXPECT_NE(g[v].label.find("grad: —"), std::string::npos) << g[v].label;
}

TEST(Dot, OnlyWhatReachesTheChosenOutput) {
  ad::Tape tape;
  const auto n = tutorials::record(tutorials::kLamsal);
  // E1 depends on i1 i2 w1..w6 b1 b2 target_o1 (11 leaves), both hidden units (4), o1 (2),
  // the difference, the square and E1 (3): 20 nodes; 3 weighted sums × 5 + 3 sigmoids + 2 + 1
  // + 1 = 22 edges.
  const Parsed g = parse(ad::graph::to_dot(tape, {.outputs = {n.E1}}));
  EXPECT_EQ(boost::num_vertices(g), 20u);
  EXPECT_EQ(boost::num_edges(g), 22u);
  for (const char* absent : {"w7", "w8", "target_o2", "E2"})
    for (std::size_t v = 0; v < boost::num_vertices(g); ++v)
      EXPECT_NE(g[v].label.substr(0, g[v].label.find("\\n")), absent);
}

TEST(Dot, RolesClustersAndNotes) {
  ad::Tape tape;
  const auto n = tutorials::record(tutorials::kLamsal);
  ad::graph::DotOptions options{.outputs = {n.E}};
  for (const ad::Var& w : n.w)
    options.annotations[tape.index(w)] = {ad::graph::Role::Parameter, "", -0.123};
  for (const ad::Var& v : {n.net_h1, n.out_h1, n.net_h2, n.out_h2})
    options.annotations[tape.index(v)] = {ad::graph::Role::Hidden, "hidden layer"};
  for (const ad::Var& v : {n.net_o1, n.out_o1, n.net_o2, n.out_o2})
    options.annotations[tape.index(v)] = {ad::graph::Role::Output, "output layer"};
  const std::string dot = ad::graph::to_dot(tape, options);
  EXPECT_NE(dot.find("subgraph cluster_0 {\nlabel=\"hidden layer\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("subgraph cluster_1 {\nlabel=\"output layer\""), std::string::npos);
  const Parsed g = parse(dot);
  EXPECT_EQ(boost::num_vertices(g), kTutorialNodes);
  const auto w3 = find(g, "w3");
  EXPECT_EQ(g[w3].fillcolor, "#ffe599");
  // The value after the update with the label's minus sign, not '-'.
  EXPECT_NE(g[w3].label.find("\\nafter update:\\n−0.123"), std::string::npos) << g[w3].label;
  EXPECT_EQ(g[find(g, "out_o2 = sigmoid(net_o2)")].style, "filled,bold");
  EXPECT_EQ(g[find(g, "i1")].fillcolor, "#cfe2f3");  // Auto: an input
}

TEST(Dot, LargeGraphsKeepTheNodesNearestTheOutputAndWarn) {
  ad::Tape tape;
  const auto n = tutorials::record(tutorials::kLamsal);
  const ad::graph::Dot dot = ad::graph::make_dot(tape, {.outputs = {n.E}, .max_nodes = 10});
  EXPECT_EQ(dot.shown, 9u);
  EXPECT_EQ(dot.collapsed, kTutorialNodes - 9);
  EXPECT_NE(dot.warning.find("29 nodes"), std::string::npos) << dot.warning;
  EXPECT_NE(dot.text.find(dot.warning), std::string::npos);  // in the graph's label
  const Parsed g = parse(dot.text);
  EXPECT_EQ(boost::num_vertices(g), 10u);  // 9 and the summary
  find(g, "E = E1 + E2");
  find(g, "E1 = 0.5·(out_o1 − target_o1)^2");
  find(g, "20 more nodes");
  for (std::size_t v = 0; v < boost::num_vertices(g); ++v)
    EXPECT_NE(g[v].label.substr(0, 3), "w1\\") << "w1 is far from E";

  // A long chain: the default cap of 300.
  ad::Var v(0.1, "x");
  for (int i = 0; i < 1000; ++i) v = ad::sin(v);
  const ad::graph::Dot chain = ad::graph::make_dot(tape, {.outputs = {v}});
  EXPECT_EQ(chain.shown, 299u);
  EXPECT_EQ(boost::num_vertices(parse(chain.text)), 300u);
  EXPECT_EQ(boost::num_edges(parse(chain.text)), 299u);
  EXPECT_FALSE(chain.warning.empty());
  EXPECT_TRUE(ad::graph::make_dot(tape, {.outputs = {n.E}}).warning.empty());
}

TEST(Dot, OutputsFromAnotherRecordingAreRejected) {
  ad::Tape tape;
  const ad::Var old = ad::Var(1.0, "old") * 2.0;
  tape.clear();
  const ad::Var x(1.0, "x");
  EXPECT_THROW(ad::graph::to_dot(tape, {.outputs = {old}}), ad::TapeMismatch);
  EXPECT_THROW(ad::graph::to_dot(tape, {.outputs = {ad::Var()}}), ad::TapeMismatch);
  EXPECT_EQ(boost::num_vertices(parse(ad::graph::to_dot(tape, {.outputs = {x}}))), 1u);
}

// A placeholder letter (x in "x ^ 2", a and b in "a·b") would read as the user's own variable:
// every operation is written in its operands' names or formulas.
TEST(Dot, OperationsAreWrittenInTheirOperandsNotPlaceholders) {
  ad::Tape tape;
  const ad::Var x(1.0, "x"), b(2.0, "b"), a(3.0, "a");
  const ad::Var square = ad::pow(ad::sin(x), 2.0);
  const ad::Var product = ad::named(b * square, "p");
  const ad::Var error = ad::named(ad::half_squared_error(a, 0.25), "E1");
  const ad::Var total = ad::named(0.5 * product + 3.0 * error, "E");
  std::vector<ad::Var> many;
  for (int k = 0; k < 6; ++k) many.push_back(ad::Var(k, "v" + std::to_string(k)));
  const ad::Var sum = ad::named(ad::sum(many), "S");
  const Parsed g = parse(ad::graph::to_dot(tape, {.outputs = {total, sum}}));
  find(g, "sin(x)");
  find(g, "sin(x)^2");
  find(g, "p = b·sin(x)^2");
  find(g, "E1 = ½(0.25 − a)²");  // the error against its target as the tutorials write it
  find(g, "E = 0.5·p + 3·E1");
  find(g, "S = v0 + v1 + … + v5 (6 terms)");
}

TEST(Dot, WriteGraphWritesDotAndRendersSvg) {
  ad::Tape tape;
  const auto n = tutorials::record(tutorials::kLamsal);
  tape.backward(n.E);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("autodiff_graph_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string message;
  const std::string dot_path = (dir / "tutorial.dot").string();
  ASSERT_TRUE(ad::graph::write_graph(dot_path, tape, {.outputs = {n.E}}, &message)) << message;
  std::ifstream dot_file(dot_path);
  std::stringstream text;
  text << dot_file.rdbuf();
  EXPECT_EQ(boost::num_vertices(parse(text.str())), kTutorialNodes);
  EXPECT_FALSE(ad::graph::write_graph((dir / "missing" / "x.dot").string(), tape, {}, &message));
  EXPECT_NE(message.find("cannot open"), std::string::npos) << message;

  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    std::filesystem::remove_all(dir);
    GTEST_SKIP() << "Graphviz's dot is not installed";
  }
  const std::string svg_path = (dir / "tutorial.svg").string();
  ASSERT_TRUE(ad::graph::write_graph(svg_path, tape, {.outputs = {n.E}}, &message)) << message;
  std::ifstream svg_file(svg_path);
  std::stringstream svg;
  svg << svg_file.rdbuf();
  EXPECT_NE(svg.str().find("<svg"), std::string::npos);
  EXPECT_NE(svg.str().find("out_h1"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(svg_path + ".dot"));  // the intermediate is removed
  std::filesystem::remove_all(dir);
}

}  // namespace
