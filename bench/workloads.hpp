// The three workloads of issue 7, their sizes, and the hand-coded gradient of each: plain
// doubles, the forward and adjoint loops written out. Every implementation is checked against
// these (and the hand-coded ones against the published or closed-form figures).
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace bench {

// W1 tutorial-train: the second tutorial's 2-2-2 network (Mazur), biases fixed.
struct W1 {
  static constexpr double i1 = 0.05, i2 = 0.10, b1 = 0.35, b2 = 0.60;
  static constexpr double t1 = 0.01, t2 = 0.99, rate = 0.5;
  static constexpr double w0[8] = {0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55};
  static constexpr double published = 3.510187782978859e-05;  // E after 10,000 steps
  int steps = 10000;
};

// W2 mlp: 64-256-256-16 sigmoid network, a bias per neuron, a batch of 32, every target 0.5.
struct W2 {
  static constexpr int layers = 3;
  static constexpr int width[layers + 1] = {64, 256, 256, 16};
  static constexpr double target = 0.5;
  int batch = 32;
  // Parameter k of the flat vector (each layer: weights [out][in] row-major, then biases).
  static double parameter(std::size_t k) { return 0.1 * std::sin(static_cast<double>(k + 1)); }
  static double input(int s, int j) { return std::cos(static_cast<double>(j + s)); }
  static std::size_t weights_offset(int l) {
    std::size_t k = 0;
    for (int m = 0; m < l; ++m) k += static_cast<std::size_t>(width[m] + 1) * width[m + 1];
    return k;
  }
  static std::size_t bias_offset(int l) {
    return weights_offset(l) + static_cast<std::size_t>(width[l]) * width[l + 1];
  }
  static std::size_t parameter_count() { return weights_offset(layers); }
};

// W3 chain: x(k+1) = x(k) + 1e-6·sin(x(k)), d x(N) / d x0.
struct W3 {
  static constexpr double x0 = 0.5, h = 1e-6;
  long links = 10'000'000;
};

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// ---- Hand-coded: forward and adjoint loops written out ----

// Returns E at the weights after the last update (the published figure): the loop's last pass
// evaluates the network once more and stops before the gradient.
inline double w1_hand(const W1& w1) {
  double w[8];
  for (int k = 0; k < 8; ++k) w[k] = W1::w0[k];
  double e = 0;
  for (int step = 0;; ++step) {
    const double h1 = sigmoid(w[0] * W1::i1 + w[1] * W1::i2 + W1::b1);
    const double h2 = sigmoid(w[2] * W1::i1 + w[3] * W1::i2 + W1::b1);
    const double o1 = sigmoid(w[4] * h1 + w[5] * h2 + W1::b2);
    const double o2 = sigmoid(w[6] * h1 + w[7] * h2 + W1::b2);
    e = 0.5 * (W1::t1 - o1) * (W1::t1 - o1) + 0.5 * (W1::t2 - o2) * (W1::t2 - o2);
    if (step == w1.steps) break;
    // Adjoints: ∂E/∂net_o = −(t − o)·o(1 − o), then back through the hidden layer.
    const double d_o1 = -(W1::t1 - o1) * o1 * (1 - o1);
    const double d_o2 = -(W1::t2 - o2) * o2 * (1 - o2);
    const double d_h1 = (d_o1 * w[4] + d_o2 * w[6]) * h1 * (1 - h1);
    const double d_h2 = (d_o1 * w[5] + d_o2 * w[7]) * h2 * (1 - h2);
    const double g[8] = {d_h1 * W1::i1, d_h1 * W1::i2, d_h2 * W1::i1, d_h2 * W1::i2,
                         d_o1 * h1,     d_o1 * h2,     d_o2 * h1,     d_o2 * h2};
    for (int k = 0; k < 8; ++k) w[k] -= W1::rate * g[k];
  }
  return e;
}

// Workspace reused across calls, so the timed loop allocates nothing.
struct W2Hand {
  std::vector<double> p, g;
  std::vector<double> a[W2::layers + 1], d[W2::layers + 1];
  W2Hand() : p(W2::parameter_count()), g(p.size()) {
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = W2::parameter(k);
    for (int l = 0; l <= W2::layers; ++l) {
      a[l].resize(W2::width[l]);
      d[l].resize(W2::width[l]);
    }
  }
  // The sum of all entries of the gradient of the batch's summed loss.
  double run(const W2& w2) {
    std::fill(g.begin(), g.end(), 0.0);
    for (int s = 0; s < w2.batch; ++s) {
      for (int j = 0; j < W2::width[0]; ++j) a[0][j] = W2::input(s, j);
      for (int l = 0; l < W2::layers; ++l) {
        const double* W = &p[W2::weights_offset(l)];
        const double* b = &p[W2::bias_offset(l)];
        const int in = W2::width[l];
        for (int o = 0; o < W2::width[l + 1]; ++o) {
          double net = 0;
          for (int i = 0; i < in; ++i) net += W[o * in + i] * a[l][i];
          a[l + 1][o] = sigmoid(net + b[o]);
        }
      }
      for (int o = 0; o < W2::width[W2::layers]; ++o) {
        const double y = a[W2::layers][o];
        d[W2::layers][o] = -(W2::target - y) * y * (1 - y);  // ∂loss/∂net
      }
      for (int l = W2::layers; l-- > 0;) {
        const double* W = &p[W2::weights_offset(l)];
        double* gW = &g[W2::weights_offset(l)];
        double* gb = &g[W2::bias_offset(l)];
        const int in = W2::width[l];
        std::fill(d[l].begin(), d[l].end(), 0.0);
        for (int o = 0; o < W2::width[l + 1]; ++o) {
          const double delta = d[l + 1][o];
          gb[o] += delta;
          for (int i = 0; i < in; ++i) {
            gW[o * in + i] += delta * a[l][i];
            d[l][i] += delta * W[o * in + i];
          }
        }
        if (l > 0)
          for (int i = 0; i < in; ++i) d[l][i] *= a[l][i] * (1 - a[l][i]);
      }
    }
    double total = 0;
    for (double x : g) total += x;
    return total;
  }
};

// Workspace: the local partial of each link, as a tape would keep it.
struct W3Hand {
  std::vector<double> partial;
  double run(const W3& w3) {
    partial.resize(static_cast<std::size_t>(w3.links));
    double x = W3::x0;
    for (long k = 0; k < w3.links; ++k) {
      partial[static_cast<std::size_t>(k)] = 1.0 + W3::h * std::cos(x);
      x = x + W3::h * std::sin(x);
    }
    double adjoint = 1.0;
    for (long k = w3.links; k-- > 0;) adjoint *= partial[static_cast<std::size_t>(k)];
    return adjoint;
  }
  // sin(x(N))/sin(x0): the derivative's continuous limit, for an independent check.
  static double limit(const W3& w3) {
    double x = W3::x0;
    for (long k = 0; k < w3.links; ++k) x = x + W3::h * std::sin(x);
    return std::sin(x) / std::sin(W3::x0);
  }
};

}  // namespace bench
