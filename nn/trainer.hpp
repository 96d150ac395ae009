// Recording a network on the engine: the Trainer records its forward pass and loss on the active
// ad::Tape, sweeps it backward, and trains the network by gradient descent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "autodiff/batch.hpp"
#include "autodiff/error.hpp"
#include "autodiff/function.hpp"
#include "autodiff/tape.hpp"
#include "nn/network.hpp"

namespace ad::nn {

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

enum class NodeRole { Input, Parameter, Hidden, Output };
struct NodeInfo {
  NodeRole role;
  std::string cluster;     // the layer's name, "inputs" or "error"; empty for a parameter
  std::size_t sample = 0;  // 1, 2, ... for a batch's sample; 0 for a parameter and E_mean
  // What the node folds into in a large picture (ad::graph::Annotation::fold): "sample 2" for
  // every node of a batch's second and later samples; for a network of three or more hidden
  // layers, "hidden 2" (or "hidden 2 to hidden 4 (3 layers)") for the first sample's nodes of
  // the hidden layers between the first and the last, with their parameters and the weights
  // out of them; "sample 1's error steps" for the first sample's unnamed error nodes (two or
  // more: binary cross-entropy's logs and products); empty: always drawn.
  std::string fold{};
};

// Records the network on the active ad::Tape and trains it. The first evaluate() clears the
// active tape and records one forward pass of every sample and the loss, each neuron's net input as
// one ad::weighted_sum node named net_<neuron>, its activation named out_<neuron>, the error terms
// E1, E2, ... and E_total (with a batch: s1.net_h1, ..., and E_mean, the mean of the samples'
// E_total), as an ad::Function of the parameters. The next ones replay it at the current
// parameters (the same values and gradients, bit for bit, without recording) as long as the tape
// holds it unchanged and is not checked, and record afresh otherwise. A training loop allocates
// nothing after its first step.
//
// A batch of more than kBlock samples is trained on several threads (Network::threads): its
// loss and gradient come from ad::batch_gradient, the samples in blocks of kBlock, each block
// recorded on a worker's own tape, the blocks' gradients added from the last to the first. The
// blocks do not depend on the number of threads, so neither do the bits of any result. step()
// then records nothing on the active tape; evaluate() records the whole batch there too, as
// above, for the graph, the explanation and node(), but takes its loss and gradients() from
// the blocks. Those may differ from that one tape's gradient in the last bits: a block's part is
// summed before it is added to the others' (a batch of up to kBlock samples is one block, and
// one tape, exactly as before). A batch in blocks allocates a little at each step (each
// sample's buffers, the samples' values); one of up to kBlock samples allocates nothing after its
// first step.
//
// It takes the network with its compiled Topology (nn::compile(network)), which it does not
// compile again: compile once, and construct as many Trainers as the run needs.
class Trainer {
 public:
  // Samples per tape of a batch trained on threads (ad::BatchOptions::block).
  static constexpr std::size_t kBlock = 8;

  Trainer(Network network, Topology topology);
  // Borrows the network and its topology, which must outlive the Trainer: no copy of a network
  // of millions of weights. Its network() then keeps the values it was given; parameters() has
  // the trained ones.
  Trainer(const Network* network, const Topology* topology);
  Trainer(const Trainer&) = delete;  // it points into itself
  Trainer& operator=(const Trainer&) = delete;

  // The network; its parameters are the trained ones, unless it is borrowed.
  const Network& network() const { return *network_; }
  const Topology& topology() const { return *topology_; }
  // The parameters as trained, in the order of Network::parameters().
  const std::vector<double>& parameters() const { return parameters_; }

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
  double loss() const { return loss_value_; }
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
  void prepare();  // the buffers and names, once
  void record();   // clears the tape and records the parameters, the samples and the loss
  void replay();   // the recording at the current parameters
  void record_parameters();
  // One sample's inputs and neurons, then its error terms and E_total (pushed onto totals_).
  void record_forward(std::size_t sample);
  void record_errors(std::size_t sample);
  void collect_gradients();
  // Batches of more than kBlock samples: the loss and gradients_ from ad::batch_gradient.
  bool in_blocks() const { return network_->samples.size() > kBlock; }
  void batch_gradient();
  // One sample's E_total, recorded on the active tape (a worker's), of the parameters w: the
  // forward pass and errors of record_forward() and record_errors(), unnamed, in locals.
  ad::Var sample_loss(std::size_t sample, std::span<const ad::Var> w) const;
  // Throws NumericError unless gradients_ and the loss are finite.
  void check_finite() const;
  // The tape's nodes from `from` to its end belong to `role` and `cluster` (which must outlive
  // the recording), for node_info().
  void mark(std::size_t from, NodeRole role, const std::string& cluster, std::size_t sample = 0,
            std::size_t layer = kNoLayer);
  // The fold key of node_info() for the nodes of `layer` (of every sample), "" if none.
  std::string layer_fold(std::size_t layer) const;
  // The fold key of a batch's later sample: its own box up to kSampleBoxes of them, else one.
  static constexpr std::size_t kSampleBoxes = 4;
  std::string sample_fold(std::size_t sample) const;
  // Folds the first sample's unnamed error steps into one node of node_info() (key "sample 1's
  // error steps"), when there are two or more.
  void fold_error_steps(std::unordered_map<std::uint32_t, NodeInfo>& info) const;
  // Names `v` on the tape and remembers it under that name; returns it.
  ad::Var keep(const ad::Var& v, const std::string& name);
  void remember(const std::string& name, const ad::Var& v);
  // Throws NumericError, or Diverged once a step has been taken: `subject` is `value`.
  [[noreturn]] void numeric_error(const std::string& subject, double value,
                                  const std::string& why = "") const;
  // Binary cross-entropy takes log(o) and log(1 − o): a sigmoid output that rounds to 0 or 1 (a
  // net input above about 37 or below about −745) would make the loss infinite. Throws, naming the
  // output.
  void check_probabilities(std::size_t sample) const;
  // check_probabilities' throw, for output k of a sample, o its value, net its net input.
  [[noreturn]] void probability_error(std::size_t sample, std::size_t k, double o,
                                      double net) const;
  int steps_ = 0;  // updates made
  const std::string mean_name_ = "E_mean";
  std::optional<Network> own_network_;
  std::optional<Topology> own_topology_;
  const Network* network_;  // own_network_'s or borrowed
  const Topology* topology_;
  std::vector<double> parameters_;
  ad::Tape* tape_ = nullptr;
  std::optional<ad::Function> recording_;  // of the parameters, on tape_
  std::size_t recorded_size_ = 0;          // tape_'s size after the recording
  // Reused across steps.
  std::vector<ad::Var> parameter_vars_, unit_vars_, weights_buf_, inputs_buf_, terms_, totals_;
  std::vector<std::vector<ad::Var>> outputs_;
  // A step in blocks records nothing here: outputs_ are then the last recording's, and each
  // sample's outputs are kept here instead, written by the thread that records the sample.
  mutable std::vector<std::vector<double>> block_outputs_;
  bool outputs_in_blocks_ = false;
  std::vector<double> gradients_;
  ad::Var loss_;
  double loss_value_ = 0.0;
  std::optional<ad::BatchWorkers> workers_;  // in_blocks(): started by the first batch
  // Node names per sample, built once: [sample][unit] for net_ and out_, [sample][output] for E.
  std::vector<std::vector<std::string>> net_names_, out_names_, error_names_, input_names_;
  std::vector<std::string> total_names_;
  // Named nodes: name -> slot, filled on the first recording; later ones only overwrite slots,
  // so a step allocates nothing.
  std::unordered_map<std::string, std::size_t> slot_;
  std::vector<ad::Var> slots_;
  mutable std::unordered_map<std::string, std::size_t> parameter_index_;  // built by node()
  static constexpr std::size_t kNoLayer = static_cast<std::size_t>(-1);
  struct Range {
    std::size_t begin, end;
    NodeRole role;
    const std::string* cluster;
    std::size_t sample, layer;  // the 1-based sample (0: none) and the neuron's layer
  };
  std::vector<Range> ranges_;
};

}  // namespace ad::nn
