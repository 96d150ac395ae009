#include "nn/references.hpp"

#include <algorithm>
#include <cmath>

namespace ad::nn {
namespace {

double activate(Activation a, double x) {
  switch (a) {
    case Activation::Sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case Activation::Tanh:
      return std::tanh(x);
    case Activation::Relu:
      return x > 0 ? x : 0.0;
    case Activation::Identity:
      return x;
  }
  return x;
}

double derivative(Activation a, double net, double out) {
  switch (a) {
    case Activation::Sigmoid:
      return out * (1.0 - out);
    case Activation::Tanh:
      return 1.0 - out * out;
    case Activation::Relu:
      return net > 0 ? 1.0 : 0.0;
    case Activation::Identity:
      return 1.0;
  }
  return 1.0;
}

// ∂(this sample's loss)/∂out_k, scaled by `scale` (1 / batch size).
double loss_derivative(Loss loss, double out, double target, double outputs, double scale) {
  switch (loss) {
    case Loss::HalfSse:
      return scale * (out - target);
    case Loss::Mse:
      return scale * 2.0 * (out - target) / outputs;
    case Loss::BinaryCrossEntropy:
      return scale * (out - target) / (out * (1.0 - out)) / outputs;
  }
  return 0.0;
}

// The δ of every unit for one sample, and the gradients added into `grad`.
std::vector<double> deltas(const Network& n, const Topology& t, const std::vector<double>& p,
                           const Sample& sample, double scale, std::vector<double>& grad) {
  Forward f = forward(t, p, sample);
  std::vector<double> d_out(t.unit_names.size(), 0.0), delta(t.unit_names.size(), 0.0);
  for (std::size_t k = 0; k < t.outputs.size(); ++k) {
    std::size_t u = t.outputs[k];
    d_out[u] += loss_derivative(n.loss, f.out[u], sample.targets[k],
                                static_cast<double>(t.outputs.size()), scale);
  }
  for (auto it = t.neurons.rbegin(); it != t.neurons.rend(); ++it) {
    const std::size_t u = it->unit;
    delta[u] = d_out[u] * derivative(it->activation, f.net[u], f.out[u]);
    for (const auto& in : it->in) {
      grad[in.parameter] += delta[u] * f.out[in.source];
      d_out[in.source] += delta[u] * p[in.parameter];
    }
    if (it->bias) grad[*it->bias] += delta[u];
  }
  return delta;
}

}  // namespace

Forward forward(const Topology& t, const std::vector<double>& p, const Sample& sample) {
  Forward f;
  f.net.assign(t.unit_names.size(), 0.0);
  f.out.assign(t.unit_names.size(), 0.0);
  for (std::size_t i = 0; i < t.input_count; ++i) f.out[i] = f.net[i] = sample.inputs[i];
  for (const auto& neuron : t.neurons) {
    double net = 0.0;
    for (const auto& in : neuron.in) net += p[in.parameter] * f.out[in.source];
    if (neuron.bias) net += p[*neuron.bias];
    f.net[neuron.unit] = net;
    f.out[neuron.unit] = activate(neuron.activation, net);
  }
  return f;
}

double loss(const Network& n, const Topology& t, const std::vector<double>& p) {
  double sum = 0.0;
  for (const auto& sample : n.samples) {
    Forward f = forward(t, p, sample);
    double e = 0.0;
    for (std::size_t k = 0; k < t.outputs.size(); ++k) {
      double o = f.out[t.outputs[k]], y = sample.targets[k];
      switch (n.loss) {
        case Loss::HalfSse:
          e += 0.5 * (y - o) * (y - o);
          break;
        case Loss::Mse:
          e += (y - o) * (y - o);
          break;
        case Loss::BinaryCrossEntropy:
          e -= y * std::log(o) + (1 - y) * std::log(1 - o);
          break;
      }
    }
    if (n.loss != Loss::HalfSse) e /= static_cast<double>(t.outputs.size());
    sum += e;
  }
  return sum / static_cast<double>(n.samples.size());
}

std::vector<double> delta_rule_gradients(const Network& n, const Topology& t) {
  std::vector<double> p = n.parameters(), grad(p.size(), 0.0);
  const double scale = 1.0 / static_cast<double>(n.samples.size());
  for (const auto& sample : n.samples) deltas(n, t, p, sample, scale, grad);
  return grad;
}

double finite_difference_gradient(const Network& n, const Topology& t, std::size_t p) {
  std::vector<double> q = n.parameters();
  return finite_difference_gradient(n, t, q, p);
}

double finite_difference_gradient(const Network& n, const Topology& t, std::vector<double>& q,
                                  std::size_t p) {
  const double x = q[p];
  auto central = [&](double h) {
    q[p] = x + h;
    const double up = loss(n, t, q);
    q[p] = x - h;
    const double down = loss(n, t, q);
    return (up - down) / (2 * h);
  };
  const double h = 1e-3 * std::max(1.0, std::abs(x));
  const double gradient = (4 * central(h / 2) - central(h)) / 3;  // Richardson: error O(h⁴)
  q[p] = x;
  return gradient;
}

std::vector<double> finite_difference_gradients(const Network& n, const Topology& t) {
  std::vector<double> grad(n.parameter_count()), q = n.parameters();
  for (std::size_t p = 0; p < grad.size(); ++p) grad[p] = finite_difference_gradient(n, t, q, p);
  return grad;
}

void train_layer_by_layer(Network& n, const Topology& t, int steps) {
  std::vector<bool> trained(n.parameter_count(), false);
  for (std::size_t q : t.trained) trained[q] = true;
  for (int s = 0; s < steps; ++s) {
    if (n.samples.size() != 1) throw Error("/samples", "train_layer_by_layer takes one sample");
    const Sample& sample = n.samples.front();
    std::vector<double> p = n.parameters();
    Forward f = forward(t, p, sample);
    std::vector<double> d_out(t.unit_names.size(), 0.0);
    for (std::size_t k = 0; k < t.outputs.size(); ++k)
      d_out[t.outputs[k]] = loss_derivative(n.loss, f.out[t.outputs[k]], sample.targets[k],
                                            static_cast<double>(t.outputs.size()), 1.0);
    for (std::size_t layer = n.layers.size(); layer-- > 0;) {
      // This layer's δ, from the outgoing weights as they are now (already updated).
      for (auto it = t.neurons.rbegin(); it != t.neurons.rend(); ++it) {
        if (it->layer != layer) continue;
        const std::size_t u = it->unit;
        const double delta = d_out[u] * derivative(it->activation, f.net[u], f.out[u]);
        for (const auto& in : it->in) {
          if (trained[in.parameter]) p[in.parameter] -= n.learning_rate * delta * f.out[in.source];
        }
        if (it->bias && trained[*it->bias]) p[*it->bias] -= n.learning_rate * delta;
      }
      // Propagate to the sources through the updated weights.
      for (const auto& neuron : t.neurons) {
        if (neuron.layer != layer) continue;
        const double delta = d_out[neuron.unit] *
                             derivative(neuron.activation, f.net[neuron.unit], f.out[neuron.unit]);
        for (const auto& in : neuron.in) d_out[in.source] += delta * p[in.parameter];
      }
    }
    n.set_parameters(p);
  }
}

}  // namespace ad::nn
