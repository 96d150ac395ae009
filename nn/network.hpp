// Layered feed-forward networks on the engine's scalars.
//
// A Network is plain data that mirrors the network file (nn/network_file.hpp): inputs, layers of
// named neurons with one activation each, named weights (from one unit to one neuron) and
// biases (one value shared by any set of neurons: the tutorials' b1 and b2, one per neuron, or
// none), samples, a loss and the parameters to train. compile() checks it and gives the
// Topology that the engine recorder (Trainer), the delta rule and the finite differences share.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "autodiff/tape.hpp"

namespace ad::nn {

// A network that cannot be built. `place` is a JSON pointer into the network file's shape
// (/weights/3/from) so the file loader can report it as is.
struct Error : std::runtime_error {
  Error(std::string place, std::string problem)
      : std::runtime_error(place + ": " + problem),
        place(std::move(place)),
        problem(std::move(problem)) {}
  std::string place, problem;
};

// A number the network needs finite that is not: the loss or a gradient at the parameters the
// file gives, or an output that binary cross-entropy cannot take. It is an ad::NonFinite, so
// whoever reports the engine's numeric errors (the command line: exit status 3) reports these.
struct NumericError : ad::NonFinite {
  using ad::NonFinite::NonFinite;
};
// Training made the loss, a gradient or a parameter non-finite. `step` is the first step (1 for
// the first update) after which it was: a parameter updated by it, or the loss or a gradient at
// the parameters it produced.
struct Diverged : NumericError {
  Diverged(int step, double learning_rate, const std::string& what);
  int step;
  double learning_rate;
};

enum class Activation { Sigmoid, Tanh, Relu, Identity };
enum class Loss { HalfSse, Mse, BinaryCrossEntropy };
enum class Rounding { Truncate, Round };

std::string_view to_string(Activation a);
std::string_view to_string(Loss l);
std::optional<Activation> parse_activation(std::string_view s);
std::optional<Loss> parse_loss(std::string_view s);

struct Weight {
  std::string name, from, to;
  double value;
};
struct Bias {
  std::string name;
  std::vector<std::string> to;
  double value;
};
struct Layer {
  std::string name;  // the graph's cluster: "hidden 1", "output"
  std::vector<std::string> neurons;
  Activation activation = Activation::Sigmoid;
};
// Inputs in the order of Network::inputs, targets in the order of the last layer's neurons.
struct Sample {
  std::vector<double> inputs, targets;
};

// A number a tutorial prints, and what it is. `quantity` is one of
//   "out_h1"                 a node's value in the first forward pass (net_h1, E1, E_total, w5)
//   "d E_total / d w5"       a derivative, taken with the engine
//   "new w5"                 a parameter after one gradient step
//   "E_total after 10000"    a node's value after that many gradient steps
struct Figure {
  std::string label;    // as the tutorial writes it: "output_h1", "dE_total/dw5"
  std::string printed;  // as printed, decimals kept: "0.60108"
  std::string quantity;
};
struct PublishedFigures {
  std::string source;
  Rounding rounding = Rounding::Round;
  std::vector<Figure> figures;
};

struct Network {
  std::string name;
  std::vector<std::string> inputs;
  std::vector<Layer> layers;  // the last one is the output layer
  std::vector<Weight> weights;
  std::vector<Bias> biases;
  std::vector<Sample> samples;  // one, or a batch (the loss is the mean over the batch)
  Loss loss = Loss::HalfSse;
  double learning_rate = 0.5;
  std::vector<std::string> train;  // parameter names to update; the others stay fixed
  std::optional<PublishedFigures> published;

  // Parameters are the weights, then the biases, in file order.
  std::size_t parameter_count() const { return weights.size() + biases.size(); }
  std::string_view parameter_name(std::size_t p) const;
  double parameter(std::size_t p) const;
  void set_parameter(std::size_t p, double value);
  bool is_bias(std::size_t p) const { return p >= weights.size(); }
  std::vector<double> parameters() const;
  void set_parameters(const std::vector<double>& values);
  const std::vector<std::string>& outputs() const { return layers.back().neurons; }
};

// The checked wiring. Units are the inputs, then every neuron layer by layer; neurons are kept
// in that (topological) order, so a forward pass is one loop and a backward pass its reverse.
struct Topology {
  struct Incoming {
    std::size_t parameter, source;  // source: a unit index
  };
  struct Neuron {
    std::size_t unit, layer;
    std::vector<Incoming> in;
    std::optional<std::size_t> bias;  // a parameter index
    Activation activation;
  };
  std::vector<std::string> unit_names;
  std::size_t input_count = 0;
  std::vector<Neuron> neurons;
  std::vector<std::size_t> outputs;  // unit indices of the last layer
  std::vector<std::size_t> trained;  // parameter indices
  std::unordered_map<std::string, std::size_t> unit_index;
};

// Checks everything (names, wiring, cycles, samples, train list; with binary cross-entropy,
// targets in [0, 1] and a sigmoid output layer, the one activation whose outputs lie in (0, 1))
// and throws nn::Error naming the place in the file's shape and the problem.
Topology compile(const Network& network);

// The node names the recorder gives (net_h1, out_h1, E1, E_total, the parameters and inputs),
// for a network with one sample.
std::vector<std::string> node_names(const Network& network);

// ---- Recording on the engine ----

enum class NodeRole { Input, Parameter, Hidden, Output };
struct NodeInfo {
  NodeRole role;
  std::string cluster;  // the layer's name, "inputs", "parameters" or "error"
};

// Records the network on the active ad::Tape and trains it. evaluate() clears the active tape
// and records one forward pass of every sample and the loss, each neuron's net input as one
// ad::weighted_sum node named net_<neuron>, its activation named out_<neuron>, the error terms
// E1, E2, ... and E_total (with a batch: s1.net_h1, ..., and E_mean, the mean of the samples'
// E_total). The tape's memory is kept across steps, so a training loop stops allocating after
// its first step.
class Trainer {
 public:
  explicit Trainer(Network network);

  const Network& network() const { return network_; }
  const Topology& topology() const { return topology_; }

  // Records and sweeps backward from the loss; returns the loss. The tape stays readable (node,
  // gradient, the graph) until the next evaluate(). Throws NumericError (Diverged after a step)
  // if the loss or a gradient is not finite, or, with binary cross-entropy, an output is not
  // strictly between 0 and 1 (a saturated sigmoid), naming the output and the sample.
  double evaluate();
  // One gradient-descent step: evaluate(), then every trained parameter p -= rate · dE/dp, all
  // gradients being taken at the old parameters. Returns the loss before the step. Throws
  // Diverged, naming the step and the learning rate, when a parameter becomes non-finite.
  double step();
  void train(int steps);
  int steps_taken() const { return steps_; }

  // After evaluate():
  double loss() const { return loss_.value(); }
  ad::Var loss_var() const { return loss_; }
  const std::vector<double>& gradients() const { return gradients_; }
  // Outputs per sample, in the order of the last layer's neurons.
  std::vector<std::vector<double>> outputs() const;
  // A named node of the last recording (see node_names()); throws nn::Error if unknown.
  ad::Var node(std::string_view name) const;
  const std::vector<ad::Var>& parameter_vars() const { return parameter_vars_; }
  ad::Tape& tape() const;
  // Node index -> role and cluster, for the graph's DOT dump.
  std::unordered_map<std::uint32_t, NodeInfo> node_info() const;

 private:
  void remember(const std::string& name, const ad::Var& v);
  // Throws NumericError, or Diverged once a step has been taken: `subject` is `value`.
  [[noreturn]] void numeric_error(const std::string& subject, double value,
                                  const std::string& why = "") const;
  // Binary cross-entropy takes log(o) and log(1 − o): a sigmoid output that rounds to 0 or 1 (a
  // net input above about 37 or below about −745) would make the loss infinite. Throws, naming the
  // output.
  void check_probabilities(std::size_t sample) const;
  int steps_ = 0;  // updates made
  const std::string mean_name_ = "E_mean";
  Network network_;
  Topology topology_;
  ad::Tape* tape_ = nullptr;
  // Reused across steps.
  std::vector<ad::Var> parameter_vars_, unit_vars_, weights_buf_, inputs_buf_, terms_, totals_;
  std::vector<std::vector<ad::Var>> outputs_;
  std::vector<double> gradients_;
  ad::Var loss_;
  // Node names per sample, built once: [sample][unit] for net_ and out_, [sample][output] for E.
  std::vector<std::vector<std::string>> net_names_, out_names_, error_names_, input_names_;
  std::vector<std::string> total_names_;
  // Named nodes: name -> slot, filled on the first recording; later ones only overwrite slots,
  // so a step allocates nothing.
  std::unordered_map<std::string, std::size_t> slot_;
  std::vector<ad::Var> slots_;
  struct Range {
    std::size_t begin, end;
    NodeRole role;
    const std::string* cluster;
  };
  std::vector<Range> ranges_;
};

// ---- Plain doubles (no engine): the references ----

struct Forward {
  std::vector<double> net, out;  // per unit (inputs: out only)
};
Forward forward(const Network& network, const Topology& topology,
                const std::vector<double>& parameters, const Sample& sample);
// The loss of all samples (mean over the batch), with plain doubles.
double loss(const Network& network, const Topology& topology,
            const std::vector<double>& parameters);

}  // namespace ad::nn
