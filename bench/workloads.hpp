// The three workloads of issue 7, their sizes, and the hand-coded gradient of each: plain
// doubles, the forward and adjoint loops written out; and for the second-derivative workloads
// (issue 14) W1's Hessian written out and W2's Hessian-vector product by differences of its
// hand-coded gradient. Every implementation is checked against these (and the hand-coded
// gradients against the published or closed-form figures).
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
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

// The Hessian of W1's E = ½Σₖ(tₖ − oₖ)² with respect to w1..w8 at w, written out. With
// oₖ = σ(nₖ): H = Σₖ σ'(nₖ)²∇nₖ∇nₖᵀ + (oₖ − tₖ)(σ''(nₖ)∇nₖ∇nₖᵀ + σ'(nₖ)∇²nₖ), σ' = σ(1 − σ),
// σ'' = σ'(1 − 2σ). nₖ = vₖ₁h₁ + vₖ₂h₂ + b2 (vₖ = w5, w6 or w7, w8) and hⱼ = σ(mⱼ),
// mⱼ = w(2j−1)·i1 + w(2j)·i2 + b1; ∇²nₖ is vₖⱼσ''(mⱼ)·xᵢxᵢ' between two weights into hⱼ, and
// σ'(mⱼ)·xᵢ between vₖⱼ and a weight into hⱼ (x = i1, i2).
inline void w1_hand_hessian(const double w[8], double H[8][8]) {
  const double x[2] = {W1::i1, W1::i2}, t[2] = {W1::t1, W1::t2};
  double h[2], dh[2], ddh[2];  // hⱼ, σ'(mⱼ), σ''(mⱼ)
  for (int j = 0; j < 2; ++j) {
    h[j] = sigmoid(w[2 * j] * x[0] + w[2 * j + 1] * x[1] + W1::b1);
    dh[j] = h[j] * (1 - h[j]);
    ddh[j] = dh[j] * (1 - 2 * h[j]);
  }
  for (int a = 0; a < 8; ++a)
    for (int b = 0; b < 8; ++b) H[a][b] = 0;
  for (int k = 0; k < 2; ++k) {
    const double* v = &w[4 + 2 * k];  // output k's weights on h₁, h₂
    const double o = sigmoid(v[0] * h[0] + v[1] * h[1] + W1::b2);
    const double d1 = o * (1 - o), d2 = d1 * (1 - 2 * o), r = o - t[k];
    double g[8] = {};  // ∇nₖ
    for (int j = 0; j < 2; ++j) {
      for (int i = 0; i < 2; ++i) g[2 * j + i] = v[j] * dh[j] * x[i];
      g[4 + 2 * k + j] = h[j];
    }
    for (int a = 0; a < 8; ++a)
      for (int b = 0; b < 8; ++b) H[a][b] += (d1 * d1 + r * d2) * g[a] * g[b];
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 2; ++i) {
        for (int i2 = 0; i2 < 2; ++i2)
          H[2 * j + i][2 * j + i2] += r * d1 * v[j] * ddh[j] * x[i] * x[i2];
        const double mixed = r * d1 * dh[j] * x[i];
        H[4 + 2 * k + j][2 * j + i] += mixed;
        H[2 * j + i][4 + 2 * k + j] += mixed;
      }
  }
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

// H·v for W2's batch loss, H its Hessian in the parameters, from the hand-coded gradient g:
// central differences (g(p + εv) − g(p − εv))/2ε at ε and ε/2, Richardson-extrapolated
// (error O(ε⁴)). For checking the engine's product; not timed.
inline std::vector<double> w2_hand_hvp(const W2& w2, std::span<const double> v) {
  W2Hand hand;
  const std::vector<double> p = hand.p;
  const auto difference = [&](double eps) {
    std::vector<double> d(p.size());
    for (const double sign : {1.0, -1.0}) {
      for (std::size_t k = 0; k < p.size(); ++k) hand.p[k] = p[k] + sign * eps * v[k];
      hand.run(w2);
      for (std::size_t k = 0; k < p.size(); ++k) d[k] += sign * hand.g[k] / (2 * eps);
    }
    return d;
  };
  const double eps = 1e-3;
  const std::vector<double> coarse = difference(eps), fine = difference(eps / 2);
  std::vector<double> hv(p.size());
  for (std::size_t k = 0; k < p.size(); ++k) hv[k] = (4 * fine[k] - coarse[k]) / 3;
  return hv;
}

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
