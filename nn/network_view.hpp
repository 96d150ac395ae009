// The network view: a network drawn the way the backpropagation tutorials draw it, as data one
// can inspect (NetworkView) and as Graphviz DOT text (to_dot), from a Trainer's recording.
//
// Inputs, hidden and output neurons are circles in columns left to right, in file order; each
// bias is a node in the column before the layer it feeds; each weight is an edge from its
// source to its neuron carrying its value, its gradient and, after training, its new value;
// the error terms E1, E2, ... with their targets, and E_total, are on the right. A batch is one
// picture with each node's per-sample values in a table (E_total per sample, then E_mean).
//
// A picture too big to read at 900 pixels (too wide, a column of more than 6 nodes of one kind,
// more than 6 samples) is drawn compact, and its title says what that did to it (and nothing
// else: each fold with how many it hides, or that nothing was folded): 3 significant digits,
// weight labels without the weight's name, tighter columns, a table of more than 6 samples
// folded to its first 3 and last rows, a column's run of more than 6 neurons (or biases,
// inputs, errors) drawn with its first 3 and last ones and one "… n more" node, the edges to
// and from the folded ones summarized as one edge per pair of drawn ends, "12 weights".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "nn/network_file.hpp"
#include "nn/trainer.hpp"

namespace ad::nn {

// Members have default initializers, so designated initializers may name any subset.
struct ViewNode {
  enum Kind { Input, Bias, Hidden, Output, Error, Total, Mean, Fold };
  std::string id{};  // the DOT node id: "unit:h1", "bias:b1", "error:E1", "error:E_total"
  Kind kind = Input;
  std::string name{};      // h1, b1, E1, E_total, E_mean
  std::size_t column = 0;  // 0 the inputs, l + 1 the neurons of layer l, then the error columns
  std::string formula{};   // error nodes: "½(target − out_o1)²", "E1 + E2"; else empty
  // Per sample: a unit's net input (neurons only) and output (inputs: their value), an error
  // node's target (E1, E2, ...) and value. Biases: `value` has one entry, the bias.
  std::vector<double> net{}, value{}, target{};
  std::optional<double> gradient{};  // biases: d loss / d bias
  std::optional<double> after{};     // biases: the value after training, if trained
  bool trained = false;              // biases: in the file's train list
  std::size_t folded = 0;            // Fold: how many nodes of its column it stands for
  Kind folds = Input;                // Fold: their kind
};

// Built field by field or in full (GCC 12 warns on a partial designated initializer here).
struct ViewEdge {
  std::string from, to;           // node ids
  std::string parameter;          // the weight's or bias's name; empty for an error's inputs
  double value = 0;               // the weight's value (weights only)
  double gradient = 0;            // d loss / d weight
  std::optional<double> after{};  // the weight after training, if trained and steps >= 1
  std::size_t folded = 0;         // a summary edge: how many edges it stands for (0: none)
};

struct NetworkView {
  std::string title, loss_name;  // loss_name: E_total, or E_mean for a batch
  std::size_t samples = 1;
  int steps = 0;  // training steps behind ViewNode::after and ViewEdge::after (0: none)
  std::vector<ViewNode> nodes;  // column by column, each column top to bottom
  std::vector<ViewEdge> edges;
};

struct ViewOptions {
  std::string title;  // empty: the network's name
  // The parameters after `steps` training steps (Network::parameters() order), shown as each
  // trained parameter's new value; empty or steps == 0: none.
  std::vector<double> after;
  int steps = 0;
};

// The view of a trainer after evaluate(): the values and gradients of its recording.
NetworkView network_view(const Trainer& trainer, const ViewOptions& options = {});

// The view as Graphviz DOT text, with HTML-like labels.
std::string to_dot(const NetworkView& view, int precision = 6);

// What `autodiff net FILE --dot OUT` draws: records the file's network, trains a copy `steps`
// steps when steps >= 1 for the new values, and returns the DOT text.
std::string network_dot(const NetworkFile& file, int steps = 0);

}  // namespace ad::nn
