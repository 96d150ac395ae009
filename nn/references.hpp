// The plain-double references for a network, without the engine: its forward pass and loss,
// and its gradients by two independent methods:
//  * the delta rule both tutorials derive by hand: at an output δ = ∂E/∂out · f'(net) (for
//    half-SSE and a sigmoid, (out − target)·out·(1 − out)); at a hidden neuron
//    δ = (Σ δ_next · w) · f'(net); ∂E/∂w = δ · (the weight's source output), ∂E/∂b = Σ δ of the
//    neurons the bias feeds. Any layered network, any supported activation and loss, batches
//    (the mean of the samples' gradients).
//  * central finite differences (Richardson-extrapolated) of the plain forward pass.
#pragma once

#include <vector>

#include "nn/network.hpp"

namespace ad::nn {

// Every function takes the network with its Topology, nn::compile(network), and `parameters`
// in the order of Network::parameters() where it takes them.

struct Forward {
  std::vector<double> net, out;  // per unit (inputs: out only)
};
Forward forward(const Topology& topology, const std::vector<double>& parameters,
                const Sample& sample);
// The loss of all samples (mean over the batch).
double loss(const Network& network, const Topology& topology,
            const std::vector<double>& parameters);

// ∂loss/∂p for every parameter (weights, then biases), by the delta rule.
std::vector<double> delta_rule_gradients(const Network& network, const Topology& topology);

// ∂loss/∂p for parameter p, by finite differences of nn::loss(): four passes over the network.
double finite_difference_gradient(const Network& network, const Topology& topology, std::size_t p);
// The same at `parameters` (Network::parameters()), which it changes and restores: a check of many
// parameters copies them once, not once each (at 10^7 parameters, 80 MB each time).
double finite_difference_gradient(const Network& network, const Topology& topology,
                                  std::vector<double>& parameters, std::size_t p);
// The same for every parameter: quadratic in the network's size.
std::vector<double> finite_difference_gradients(const Network& network, const Topology& topology);

// Gradient descent that updates each layer's incoming weights as soon as that layer's δ is
// known, from the output layer back, so the hidden layers' δ use the *updated* outgoing
// weights. Not the algorithm the tutorials describe; kept because it is what reproduces
// Mazur's published figures after training (see the cross-check report).
void train_layer_by_layer(Network& network, const Topology& topology, int steps);

}  // namespace ad::nn
