// The network view's DOT against the network file: Graphviz itself reads it (dot -Tjson), with
// nothing on stderr, and its nodes, edges, positions and numbers are compared with the file's
// units and weights, the plain-double forward pass, finite-difference gradients and the
// tutorial's published figures.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "nn/network_file.hpp"
#include "nn/network_view.hpp"
#include "nn/references.hpp"

namespace {

using nlohmann::json;

ad::nn::NetworkFile load(const std::string& name) {
  return ad::nn::load_network_file(std::string(AUTODIFF_SOURCE_DIR) + "/examples/" + name +
                                   ".json");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `dot -T<format>` of the text: its standard output, and EXPECTs exit status 0 and an empty
// standard error (Graphviz warns there about bad labels and attributes).
std::string render(const std::string& dot_text, const std::string& format) {
  const std::string base = testing::TempDir() + "network_view_" + std::to_string(::getpid());
  std::ofstream(base + ".dot") << dot_text;
  const int raw = std::system(
      ("dot -T" + format + " " + base + ".dot >" + base + ".out 2>" + base + ".err").c_str());
  EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << "dot -T" << format << " failed";
  EXPECT_EQ(slurp(base + ".err"), "") << "dot -T" << format << " warned";
  std::string out = slurp(base + ".out");
  for (const char* ext : {".dot", ".out", ".err"}) std::remove((base + ext).c_str());
  return out;
}

// A number as the labels print it ("−0.0226" with the minus sign).
double parse_number(std::string text) {
  if (text.starts_with("−")) text = "-" + text.substr(std::string("−").size());
  return std::stod(text);
}

struct Drawn {
  std::map<std::string, std::string> labels;                              // node name -> label
  std::map<std::string, std::pair<double, double>> position;              // node name -> (x, y)
  std::multimap<std::pair<std::string, std::string>, std::string> edges;  // visible ones
};

// The picture as Graphviz laid it out: nodes (not the clusters), visible edges, positions.
Drawn drawn(const std::string& dot_text) {
  const json graph = json::parse(render(dot_text, "json"));
  Drawn d;
  std::vector<std::string> names;
  for (const json& object : graph.at("objects")) {
    names.push_back(object.at("name"));
    if (object.contains("nodes")) continue;  // a rank=same subgraph
    d.labels[names.back()] = object.at("label");
    double x = 0, y = 0;
    std::sscanf(object.at("pos").get<std::string>().c_str(), "%lf,%lf", &x, &y);
    d.position[names.back()] = {x, y};
  }
  for (const json& edge : graph.at("edges")) {
    if (edge.value("style", "") == "invis") continue;
    d.edges.emplace(std::pair{names.at(edge.at("tail")), names.at(edge.at("head"))},
                    edge.value("label", ""));
  }
  return d;
}

std::string view_dot(const ad::nn::NetworkFile& file, int steps = 0) {
  return ad::nn::network_dot(file, steps);
}

// The nodes the file implies: its inputs and neurons, its biases, E1..Em, E_total (and
// E_mean for a batch); and the edges: each weight, each bias into each neuron it feeds, each
// output into its error, each error into E_total.
void expect_structure(const ad::nn::NetworkFile& file, const Drawn& d) {
  const ad::nn::Network& n = file.network;
  std::set<std::string> nodes;
  std::multiset<std::pair<std::string, std::string>> edges;
  for (const std::string& i : n.inputs) nodes.insert("unit:" + i);
  for (const auto& layer : n.layers)
    for (const std::string& neuron : layer.neurons) nodes.insert("unit:" + neuron);
  for (const auto& w : n.weights) edges.insert({"unit:" + w.from, "unit:" + w.to});
  for (const auto& b : n.biases) {
    nodes.insert("bias:" + b.name);
    for (const std::string& to : b.to) edges.insert({"bias:" + b.name, "unit:" + to});
  }
  for (std::size_t k = 0; k < n.outputs().size(); ++k) {
    const std::string e = "error:E" + std::to_string(k + 1);
    nodes.insert(e);
    edges.insert({"unit:" + n.outputs()[k], e});
    edges.insert({e, "error:E_total"});
  }
  nodes.insert("error:E_total");
  if (n.samples.size() > 1) {
    nodes.insert("error:E_mean");
    edges.insert({"error:E_total", "error:E_mean"});
  }
  std::set<std::string> drawn_nodes;
  for (const auto& [name, label] : d.labels) drawn_nodes.insert(name);
  EXPECT_EQ(drawn_nodes, nodes);
  std::multiset<std::pair<std::string, std::string>> drawn_edges;
  for (const auto& [edge, label] : d.edges) drawn_edges.insert(edge);
  EXPECT_EQ(drawn_edges, edges);
}

// Columns left to right (inputs, each layer, errors), each top to bottom in file order.
void expect_layout(const ad::nn::Network& n, const Drawn& d) {
  std::vector<std::vector<std::string>> columns{n.inputs};
  for (const auto& layer : n.layers) columns.push_back(layer.neurons);
  double previous_x = -1;
  for (const auto& column : columns) {
    const double x = d.position.at("unit:" + column.front()).first;
    EXPECT_GT(x, previous_x) << column.front() << " is not right of the column before";
    previous_x = x;
    for (std::size_t k = 1; k < column.size(); ++k) {
      EXPECT_NEAR(d.position.at("unit:" + column[k]).first, x, 1e-9) << column[k];
      EXPECT_LT(d.position.at("unit:" + column[k]).second,
                d.position.at("unit:" + column[k - 1]).second)
          << column[k - 1] << " is not above " << column[k];
    }
  }
  EXPECT_GT(d.position.at("error:E1").first, previous_x);
  EXPECT_GT(d.position.at("error:E_total").first, d.position.at("error:E1").first);
}

// Each weight's edge label: its value as in the file, its gradient as central differences give
// it, and, after `steps` = 1, w − rate·gradient; 6 significant digits printed, or, in the
// compact picture of a network too big for them (batch, deep), 3 and the weight unnamed.
void expect_weights(const ad::nn::NetworkFile& file, const Drawn& d, bool after, bool compact) {
  const ad::nn::Network& n = file.network;
  const std::vector<double> fd = ad::nn::finite_difference_gradients(n, file.topology);
  const std::string loss = n.samples.size() > 1 ? "E_mean" : "E_total";
  const double digits = compact ? 5e-3 : 5e-6;
  for (std::size_t p = 0; p < n.weights.size(); ++p) {
    const ad::nn::Weight& w = n.weights[p];
    const auto found = d.edges.find({"unit:" + w.from, "unit:" + w.to});
    ASSERT_NE(found, d.edges.end()) << w.name;
    const std::string name = compact ? "w" : w.name;
    const std::string partial = compact ? "∂" : "∂" + loss + "/∂" + w.name;
    std::smatch m;
    const std::regex pattern("<B>" + name + "</B> = (\\S+)<BR/>" + partial + " = (\\S+?)(<BR/>" +
                             name + "⁺ = (\\S+))?$");
    ASSERT_TRUE(std::regex_match(found->second, m, pattern)) << found->second;
    EXPECT_NEAR(parse_number(m[1]), w.value, digits * std::abs(w.value)) << w.name;
    EXPECT_NEAR(parse_number(m[2]), fd[p], digits * std::abs(fd[p]) + 1e-12) << w.name;
    EXPECT_EQ(m[3].matched, after) << w.name;
    if (after && m[3].matched) {
      const double updated = w.value - n.learning_rate * fd[p];
      EXPECT_NEAR(parse_number(m[4]), updated, digits * std::abs(updated)) << w.name;
    }
  }
}

// The examples whose full picture is too wide for 900 pixels (tests/cli/net_view_test.cpp
// measures it) and is drawn compact.
bool compact(const std::string& example) { return example == "batch" || example == "deep"; }

class NetworkViewOf : public testing::TestWithParam<std::string> {};

TEST_P(NetworkViewOf, HasTheFilesStructureAndRendersWithoutWarnings) {
  const ad::nn::NetworkFile file = load(GetParam());
  const std::string dot = view_dot(file);
  const Drawn d = drawn(dot);
  expect_structure(file, d);
  expect_layout(file.network, d);
  expect_weights(file, d, false, compact(GetParam()));
  EXPECT_NE(render(dot, "svg").find("<svg"), std::string::npos);
}

TEST_P(NetworkViewOf, AfterOneStepEachTrainedWeightShowsItsNewValue) {
  const ad::nn::NetworkFile file = load(GetParam());
  expect_weights(file, drawn(view_dot(file, 1)), true, compact(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Examples, NetworkViewOf,
                         testing::Values("tutorial1", "tutorial2", "batch", "deep"));

// Lamsal prints his figures with 5 decimals, truncated: the picture's numbers, to within one
// unit of his last decimal (and the truncation), are his.
TEST(NetworkView, Tutorial1ShowsThePublishedFigures) {
  const ad::nn::NetworkFile file = load("tutorial1");
  const Drawn d = drawn(view_dot(file, 1));
  auto near_printed = [](const std::string& label, const std::string& pattern, double printed) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(label, m, std::regex(pattern))) << label;
    EXPECT_NEAR(parse_number(m[1]), printed, 1.01e-5) << pattern;
  };
  const std::string h1 = d.labels.at("unit:h1"), o1 = d.labels.at("unit:o1");
  near_printed(h1, "net (\\S+)<BR/>", 0.41);
  near_printed(h1, "out (\\S+)$", 0.60108);
  near_printed(o1, "net (\\S+)<BR/>", 1.01977);
  near_printed(o1, "out (\\S+)$", 0.73492);
  near_printed(d.labels.at("error:E1"), "E1 (\\S+)$", 0.23456);
  near_printed(d.labels.at("error:E_total"), "<BR/>(\\S+)$", 0.24908);
  const std::string w5 = d.edges.find({"unit:h1", "unit:o1"})->second;
  near_printed(w5, "∂E_total/∂w5 = (\\S+)<BR/>", 0.08020);
  near_printed(w5, "w5⁺ = (\\S+)$", 0.45187);
  const std::string w8 = d.edges.find({"unit:h2", "unit:o2"})->second;
  near_printed(w8, "∂E_total/∂w8 = (\\S+)<BR/>", -0.01802);
  near_printed(w8, "w8⁺ = (\\S+)$", 0.81081);
}

// A batch is one picture: one node per unit, each with a table of the samples' values, which
// are the plain-double forward pass's.
TEST(NetworkView, ABatchIsOnePictureWithTheSamplesInATable) {
  const ad::nn::NetworkFile file = load("batch");
  const ad::nn::Network& n = file.network;
  ASSERT_EQ(n.samples.size(), 4u);
  ad::Tape tape;
  ad::nn::Trainer trainer(n, file.topology);
  trainer.evaluate();
  const ad::nn::NetworkView view = ad::nn::network_view(trainer);
  EXPECT_EQ(view.samples, 4u);
  for (std::size_t s = 0; s < n.samples.size(); ++s) {
    const ad::nn::Forward f = ad::nn::forward(file.topology, n.parameters(), n.samples[s]);
    for (const ad::nn::ViewNode& node : view.nodes) {
      if (node.kind != ad::nn::ViewNode::Hidden && node.kind != ad::nn::ViewNode::Output) continue;
      const std::size_t unit = file.topology.unit_index.at(node.name);
      ASSERT_EQ(node.net.size(), 4u);
      EXPECT_NEAR(node.net[s], f.net[unit], 1e-12) << node.name << " s" << s + 1;
      EXPECT_NEAR(node.value[s], f.out[unit], 1e-12) << node.name << " s" << s + 1;
    }
  }
  const Drawn d = drawn(ad::nn::to_dot(view));
  const std::string h1 = d.labels.at("unit:h1");
  // The rows in sample order, each with the sample's values.
  std::size_t at = 0;
  for (int s = 1; s <= 4; ++s) {
    const std::size_t row = h1.find("<I>s" + std::to_string(s) + "</I>");
    ASSERT_NE(row, std::string::npos) << h1;
    EXPECT_GT(row, at);
    at = row;
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(d.labels.at("error:E_mean"), m, std::regex("<BR/>(\\S+)$")));
  // The batch's picture is compact (3 significant digits).
  EXPECT_NEAR(parse_number(m[1]), ad::nn::loss(n, file.topology, n.parameters()),
              5e-3 * ad::nn::loss(n, file.topology, n.parameters()));
}

// Sums "… 12 more" (or "4 weights", "… 6 more samples") over the texts: the numbers `pattern`
// captures.
template <typename Texts>
std::size_t stated(const Texts& texts, const std::string& pattern) {
  std::size_t sum = 0;
  const std::regex r(pattern);
  for (const std::string& text : texts)
    for (std::sregex_iterator m(text.begin(), text.end(), r), end; m != end; ++m)
      sum += std::stoul((*m)[1]);
  return sum;
}

// What the picture draws and what its folds and summary edges say they stand for add up to the
// file's inputs, neurons, weights, bias edges and samples.
void expect_accounted(const ad::nn::NetworkFile& file, const Drawn& d) {
  const ad::nn::Network& n = file.network;
  std::size_t inputs = 0, neurons = 0, weights = 0, biases = 0;
  std::vector<std::string> labels, edge_labels;
  for (const auto& [name, label] : d.labels) {
    labels.push_back(label);
    if (!name.starts_with("unit:")) continue;
    ++(std::ranges::find(n.inputs, name.substr(5)) != n.inputs.end() ? inputs : neurons);
  }
  for (const auto& [ends, label] : d.edges) {
    edge_labels.push_back(label);
    weights += label.starts_with("<B>w");  // a weight's label, "<B>w5</B> = ..." or "<B>w</B>"
    biases += ends.first.starts_with("bias:") && ends.second.starts_with("unit:");
  }
  std::size_t layers = 0;
  for (const auto& layer : n.layers) layers += layer.neurons.size();
  EXPECT_EQ(inputs + stated(labels, "… ([0-9]+) more</B><BR/>inputs"), n.inputs.size());
  EXPECT_EQ(neurons + stated(labels, "… ([0-9]+) more</B><BR/>neurons"), layers);
  EXPECT_EQ(weights + stated(edge_labels, "^([0-9]+) weights$"), n.weights.size());
  std::size_t bias_edges = 0;
  for (const auto& b : n.biases) bias_edges += b.to.size();
  EXPECT_EQ(biases + stated(edge_labels, "^([0-9]+) biases$"), bias_edges);
  // The first input's table: one row per sample drawn, and the fold's "… n more samples".
  const std::string i1 = d.labels.at("unit:" + n.inputs.front());
  std::size_t drawn_rows = 0;
  for (std::size_t s = 1; s <= n.samples.size(); ++s)
    drawn_rows += i1.find("<I>s" + std::to_string(s) + "</I>") != std::string::npos;
  if (n.samples.size() > 1) {
    EXPECT_EQ(drawn_rows + stated(std::vector{i1}, "… ([0-9]+) more samples"), n.samples.size())
        << i1;
  }
}

TEST(NetworkView, TheExamplesDrawEveryNeuronWeightAndSample) {
  for (const std::string name : {"tutorial1", "batch", "deep"}) {
    SCOPED_TRACE(name);
    const ad::nn::NetworkFile file = load(name);
    expect_accounted(file, drawn(view_dot(file, 1)));
  }
}

// A network too big to draw in full (20 inputs, layers of 16 and 8, 10 samples): the picture
// keeps the first 3 and the last of each long column and table, says so in its title, and what
// it draws and states adds up to the file's.
TEST(NetworkView, AFoldedPictureAccountsForEveryNeuronWeightAndSample) {
  json wide = {{"name", "wide"},
               {"sizes", {20, 16, 8}},
               {"activation", {"tanh", "sigmoid"}},
               {"bias", "per_neuron"},
               {"seed", 1},
               {"loss", "half_sse"},
               {"learning_rate", 0.5},
               {"train", "all"}};
  for (int s = 0; s < 10; ++s)
    wide["samples"].push_back(
        {{"inputs", std::vector<double>(20, 0.1 * s)}, {"targets", std::vector<double>(8, 0.5)}});
  const std::string path = testing::TempDir() + "network_view_wide.json";
  std::ofstream(path) << wide.dump();
  const ad::nn::NetworkFile file = ad::nn::load_network_file(path);
  std::remove(path.c_str());
  const std::string dot = view_dot(file, 1);
  const Drawn d = drawn(dot);
  expect_accounted(file, d);
  // The title's note, line by line: 10 samples, 20 inputs, 16 biases and neurons of layer 1, 8
  // biases and neurons of layer 2 and 8 errors, each keeping its first 3 and last.
  EXPECT_NE(dot.find("<FONT POINT-SIZE=\"14\">compact view (too big in full): 3 significant "
                     "digits; on a weight's edge: w, ∂ = ∂E_mean/∂w, w⁺"
                     "<BR/>each table: s1–s3 and s10 drawn, 6 of 10 samples folded into one row"
                     "<BR/>inputs: 4 of 20 drawn, 16 folded into one node"
                     "<BR/>biases of layer 1: 4 of 16 drawn, 12 folded into one node"
                     "<BR/>neurons of layer 1: 4 of 16 drawn, 12 folded into one node"
                     "<BR/>biases of layer 2: 4 of 8 drawn, 4 folded into one node"
                     "<BR/>neurons of layer 2: 4 of 8 drawn, 4 folded into one node"
                     "<BR/>errors: 4 of 8 drawn, 4 folded into one node</FONT>"),
            std::string::npos)
      << dot;
  // Kept: the first three and the last of layer 1, in order; folded: the 12 between.
  for (const std::string kept : {"h1", "h2", "h3", "h16"})
    EXPECT_TRUE(d.labels.contains("unit:" + kept)) << kept;
  EXPECT_FALSE(d.labels.contains("unit:h4"));
  EXPECT_NE(d.labels.at("fold:unit:h4").find("… 12 more</B><BR/>neurons of layer 1<BR/>h4 … h15"),
            std::string::npos)
      << d.labels.at("fold:unit:h4");
}

}  // namespace
