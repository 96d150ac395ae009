// The network model and its checks: a Network as plain data, and compile(), which checks it and
// orders it into the Topology that everything running the network is given with it.
//
// A Network mirrors the network file (nn/network_file.hpp): inputs, layers of named neurons with
// one activation each, named weights (from one unit to one neuron) and biases (one value shared
// by any set of neurons: the tutorials' b1 and b2, one per neuron, or none), samples, a loss and
// the parameters to train. The engine recorder (nn/trainer.hpp), the plain-double references
// (nn/references.hpp) and the report (nn/report.hpp) take the Topology as an argument, so a run
// compiles its network once (the file loader does, and NetworkFile holds the result).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "autodiff/error.hpp"
#include "autodiff/text.hpp"

namespace ad::nn {

// A network that cannot be built: `place` is a JSON pointer into the network file's shape
// (/weights/3/from), so the file loader can report it as is, and `reason` what is wrong there.
// The message is one line: a name with a newline in it shows it as "\n" (ad::printable).
struct Error : ad::Error {
  Error(const std::string& place, const std::string& reason)
      : ad::Error(ad::printable(place) + ": " + ad::printable(reason)) {
    this->place = place;
    this->reason = reason;
  }
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
  // Threads a batch of more than Trainer::kBlock samples is trained on ("threads" in a network
  // file, --threads on the command line); none given: std::thread::hardware_concurrency().
  std::optional<unsigned> threads;
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
// and throws nn::Error naming the place in the file's shape and the problem. The Topology stays
// valid while the network's structure does (its parameter values may change).
Topology compile(const Network& network);

// The node names the recorder gives (net_h1, out_h1, E1, E_total, the parameters and inputs),
// for a network with one sample; without `leaves`, only the neurons' and the errors'.
std::vector<std::string> node_names(const Network& network, bool leaves = true);

}  // namespace ad::nn
