// A network as named definitions in the expression language (autodiff/expression), the names
// the tutorials use, so a derivation written by hand can be checked by those names:
//
//   net_h1 = w1*i1 + w2*i2 + b1
//   out_h1 = sigmoid(net_h1)
//   ...
//   E1 = 0.5*(target_o1 - out_o1)^2
//   E_total = E1 + E2
//
// The definitions are those of one sample, in unprefixed names; base_values(network, s) gives
// the values of the names they start from for sample s. With a batch the Trainer records every
// sample (s1.net_h1, ...) and the loss E_mean = Σ_s E_total(s) / N: a formula for a derivative of
// the loss is evaluated per sample and combined with sample_weight() (1/N).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "autodiff/expression/expression.hpp"
#include "nn/network.hpp"
#include "nn/trainer.hpp"

namespace ad::nn {

struct Definition {
  std::string name;     // net_h1, out_h1, E1, E_total
  std::string formula;  // in the expression language, over base names and earlier definitions
};

// Every named node of one sample's recording, in topological order (each formula uses only base
// names and earlier definitions), formulas matching nn::Trainer's recording: net_X is the
// weighted sum (weights in file order, the bias last), out_X its activation (sigmoid, tanh,
// relu, or out_X = net_X for identity), then E1, E2, ... per output (half_sse: 0.5*(t - o)^2;
// mse: (t - o)^2; binary_cross_entropy: -(t*log(o) + (1 - t)*log(1 - o))) and E_total (their
// sum, divided by the number of outputs for mse and binary cross-entropy). `topology` is
// nn::compile(network). Throws nn::Error if a name of the network cannot be written in a formula
// or collides with a generated one.
std::vector<Definition> definitions(const Network& network, const Topology& topology);

// The values of the base names for sample s (0-based): the inputs (i1), the targets named
// target_<output neuron> (target_o1), the weights and biases, and the learning rate as
// learning_rate and eta (eta left out if the network has a name "eta").
ad::expr::Values base_values(const Network& network, std::size_t sample);

// The loss is Σ_s sample_weight · E_total(s): the mean over the samples.
double sample_weight(const Network& network);

// The Var of a named node of the trainer's last recording for sample s, by its unprefixed name
// (out_h1, E_total, w5, i1): with a batch the per-sample nodes are named s1.out_h1, ...,
// the parameters are shared. Throws nn::Error if there is no such node.
ad::Var sample_node(const Trainer& trainer, std::size_t sample, std::string_view name);

}  // namespace ad::nn
