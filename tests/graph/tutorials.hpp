// The two tutorials' 2-2-2 networks (wiring and numbers from shared/seeds/README.md), recorded
// with the engine, and their gradients derived by hand with the chain rule in plain doubles.
#pragma once

#include <array>
#include <cmath>
#include <vector>

#include "autodiff/autodiff.hpp"

namespace tutorials {

struct Figures {
  double i1, i2;
  std::array<double, 8> w;
  double b1, b2, t1, t2;
  // Which weights feed h1 and h2 (indices into w), in the order of the inputs i1, i2.
  // Lamsal: sum_h1 = i1*w1 + i2*w3; Mazur: net_h1 = w1*i1 + w2*i2.
  std::array<int, 2> h1_weights, h2_weights;
};

inline const Figures kLamsal = {
    0.1, 0.5, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, 0.25, 0.35, 0.05, 0.95, {0, 2}, {1, 3}};
inline const Figures kMazur = {0.05, 0.10,   {0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55},
                               0.35, 0.60,   0.01,
                               0.99, {0, 1}, {2, 3}};

// The recorded network; E = E1 + E2 with E1 = ½(out_o1 − target_o1)², as the tutorials write it.
struct Network {
  ad::Var i1, i2, b1, b2, t1, t2;
  std::vector<ad::Var> w;
  ad::Var net_h1, out_h1, net_h2, out_h2, net_o1, out_o1, net_o2, out_o2, E1, E2, E;
};

inline Network record(const Figures& f) {
  using ad::named;
  Network n;
  n.i1 = ad::Var(f.i1, "i1");
  n.i2 = ad::Var(f.i2, "i2");
  for (int k = 0; k < 8; ++k) n.w.emplace_back(f.w[k], "w" + std::to_string(k + 1));
  n.b1 = ad::Var(f.b1, "b1");
  n.b2 = ad::Var(f.b2, "b2");
  n.t1 = ad::Var(f.t1, "target_o1");
  n.t2 = ad::Var(f.t2, "target_o2");
  auto neuron = [](ad::Var w1, ad::Var x1, ad::Var w2, ad::Var x2, ad::Var b) {
    const std::array<ad::Var, 2> w{w1, w2}, x{x1, x2};
    return ad::weighted_sum(w, x, b);
  };
  n.net_h1 = named(neuron(n.w[f.h1_weights[0]], n.i1, n.w[f.h1_weights[1]], n.i2, n.b1), "net_h1");
  n.out_h1 = named(ad::sigmoid(n.net_h1), "out_h1");
  n.net_h2 = named(neuron(n.w[f.h2_weights[0]], n.i1, n.w[f.h2_weights[1]], n.i2, n.b1), "net_h2");
  n.out_h2 = named(ad::sigmoid(n.net_h2), "out_h2");
  n.net_o1 = named(neuron(n.w[4], n.out_h1, n.w[5], n.out_h2, n.b2), "net_o1");
  n.out_o1 = named(ad::sigmoid(n.net_o1), "out_o1");
  n.net_o2 = named(neuron(n.w[6], n.out_h1, n.w[7], n.out_h2, n.b2), "net_o2");
  n.out_o2 = named(ad::sigmoid(n.net_o2), "out_o2");
  n.E1 = named(0.5 * ad::pow(n.out_o1 - n.t1, 2.0), "E1");
  n.E2 = named(0.5 * ad::pow(n.out_o2 - n.t2, 2.0), "E2");
  n.E = named(n.E1 + n.E2, "E");
  return n;
}

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Forward pass and backpropagation by hand, in plain doubles: the tutorials' δ terms.
struct Reference {
  double out_h1, out_h2, out_o1, out_o2, E;
  std::array<double, 8> dw;  // ∂E/∂w1 ... ∂E/∂w8
  double db1, db2;
};

inline Reference reference(const Figures& f) {
  Reference r{};
  const auto& w = f.w;
  const int a = f.h1_weights[0], b = f.h1_weights[1], c = f.h2_weights[0], d = f.h2_weights[1];
  r.out_h1 = sigmoid(w[a] * f.i1 + w[b] * f.i2 + f.b1);
  r.out_h2 = sigmoid(w[c] * f.i1 + w[d] * f.i2 + f.b1);
  r.out_o1 = sigmoid(w[4] * r.out_h1 + w[5] * r.out_h2 + f.b2);
  r.out_o2 = sigmoid(w[6] * r.out_h1 + w[7] * r.out_h2 + f.b2);
  r.E = 0.5 * (f.t1 - r.out_o1) * (f.t1 - r.out_o1) + 0.5 * (f.t2 - r.out_o2) * (f.t2 - r.out_o2);
  // ∂E/∂net_o = (out_o − target)·out_o·(1 − out_o)
  const double delta_o1 = (r.out_o1 - f.t1) * r.out_o1 * (1 - r.out_o1);
  const double delta_o2 = (r.out_o2 - f.t2) * r.out_o2 * (1 - r.out_o2);
  // ∂E/∂net_h = (Σ_o δ_o·w_ho)·out_h·(1 − out_h)
  const double delta_h1 = (delta_o1 * w[4] + delta_o2 * w[6]) * r.out_h1 * (1 - r.out_h1);
  const double delta_h2 = (delta_o1 * w[5] + delta_o2 * w[7]) * r.out_h2 * (1 - r.out_h2);
  r.dw[a] = delta_h1 * f.i1;
  r.dw[b] = delta_h1 * f.i2;
  r.dw[c] = delta_h2 * f.i1;
  r.dw[d] = delta_h2 * f.i2;
  r.dw[4] = delta_o1 * r.out_h1;
  r.dw[5] = delta_o1 * r.out_h2;
  r.dw[6] = delta_o2 * r.out_h1;
  r.dw[7] = delta_o2 * r.out_h2;
  r.db1 = delta_h1 + delta_h2;
  r.db2 = delta_o1 + delta_o2;
  return r;
}

// A figure printed with k decimals (truncated or rounded) agrees with v when v is within one
// unit of its last decimal.
inline double printed_tolerance(int decimals) { return std::pow(10.0, -decimals); }

}  // namespace tutorials
