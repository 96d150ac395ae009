// The workloads on our engine (used as a user would: one Tape reused with clear(),
// ad::linear for a neuron whose inputs are data, ad::weighted_sum for one whose inputs are
// recorded, sigmoid) and hand-coded with plain doubles.
//   autodiff_bench --workload w1|w2|w3 --impl ours|hand [--quick] [--reps N]
// prints one JSON line; see bench/run.sh.
#include <array>
#include <span>
#include <vector>

#include "autodiff/var.hpp"
#include "bench/harness.hpp"

namespace {

using bench::Outcome;

double bytes_per_node(const ad::Tape& tape) {
  return static_cast<double>(tape.bytes_used()) / static_cast<double>(tape.size());
}

// W1: each step records the network at the current weights, sweeps, and updates them.
Outcome w1_ours(ad::Tape& tape, const bench::W1& w1) {
  using W1 = bench::W1;
  double w[8];
  for (int k = 0; k < 8; ++k) w[k] = W1::w0[k];
  double e = 0;
  for (int step = 0;; ++step) {  // the last pass only evaluates E at the trained weights
    tape.clear();
    std::array<ad::Var, 8> p;
    for (int k = 0; k < 8; ++k) p[k] = ad::Var(w[k]);
    const ad::Var b1(W1::b1), b2(W1::b2);
    // The inputs are data, not parameters: plain doubles, so the hidden layer is ad::linear.
    constexpr std::array<double, 2> in = {W1::i1, W1::i2};
    const ad::Var h1 = sigmoid(ad::linear(in, std::array{p[0], p[1]}, b1));
    const ad::Var h2 = sigmoid(ad::linear(in, std::array{p[2], p[3]}, b1));
    const std::array<ad::Var, 2> hidden = {h1, h2};
    const ad::Var o1 = sigmoid(ad::weighted_sum(std::array{p[4], p[5]}, hidden, b2));
    const ad::Var o2 = sigmoid(ad::weighted_sum(std::array{p[6], p[7]}, hidden, b2));
    const ad::Var d1 = W1::t1 - o1, d2 = W1::t2 - o2;
    const ad::Var error = 0.5 * d1 * d1 + 0.5 * d2 * d2;
    e = error.value();
    if (step == w1.steps) break;
    tape.backward(error);
    for (int k = 0; k < 8; ++k) w[k] -= W1::rate * tape.gradient(p[k]);
  }
  return {e, static_cast<double>(w1.steps), bytes_per_node(tape)};
}

// W2: the batch's summed loss on one tape, one sweep. The first layer's inputs are plain
// doubles, so its neurons are ad::linear (coefficients = inputs); later layers weighted_sum.
struct W2Ours {
  using W2 = bench::W2;
  ad::Tape tape;
  std::vector<double> p;
  std::vector<ad::Var> params;
  std::vector<double> input;
  std::vector<ad::Var> a[W2::layers + 1];
  std::vector<ad::Var> losses;

  W2Ours() : p(W2::parameter_count()), params(p.size()), input(W2::width[0]) {
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = W2::parameter(k);
    for (int l = 1; l <= W2::layers; ++l) a[l].resize(W2::width[l]);
    losses.reserve(4096);
  }

  Outcome run(const W2& w2) {
    tape.clear();
    losses.clear();
    for (std::size_t k = 0; k < p.size(); ++k) params[k] = ad::Var(p[k]);
    const std::span<const ad::Var> all(params);
    for (int s = 0; s < w2.batch; ++s) {
      for (int j = 0; j < W2::width[0]; ++j) input[j] = W2::input(s, j);
      for (int l = 0; l < W2::layers; ++l) {
        const std::size_t in = W2::width[l];
        for (int o = 0; o < W2::width[l + 1]; ++o) {
          const auto row = all.subspan(W2::weights_offset(l) + o * in, in);
          const ad::Var& bias = params[W2::bias_offset(l) + o];
          a[l + 1][o] =
              sigmoid(l == 0 ? ad::linear(input, row, bias) : ad::weighted_sum(row, a[l], bias));
        }
      }
      for (const ad::Var& y : a[W2::layers]) {
        const ad::Var d = W2::target - y;
        losses.push_back(0.5 * d * d);
      }
    }
    tape.backward(ad::sum(losses));
    double total = 0;
    for (const ad::Var& q : params) total += tape.gradient(q);
    return {total, static_cast<double>(w2.batch), bytes_per_node(tape)};
  }
};

// W3: the chain recorded link by link, as a user writes it.
Outcome w3_ours(ad::Tape& tape, const bench::W3& w3) {
  tape.clear();
  const ad::Var x0(bench::W3::x0);
  ad::Var x = x0;
  for (long k = 0; k < w3.links; ++k) x = x + bench::W3::h * sin(x);
  tape.backward(x);
  return {tape.gradient(x0), static_cast<double>(w3.links), bytes_per_node(tape)};
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Options o = bench::parse(argc, argv);
  if (o.impl == "hand") {
    if (o.workload == "w1")
      return bench::measure(
          o,
          [&] {
            return Outcome{bench::w1_hand(o.w1), double(o.w1.steps)};
          },
          true);
    if (o.workload == "w2") {
      bench::W2Hand hand;
      return bench::measure(
          o,
          [&] {
            return Outcome{hand.run(o.w2), double(o.w2.batch)};
          },
          true);
    }
    bench::W3Hand hand;
    return bench::measure(
        o,
        [&] {
          return Outcome{hand.run(o.w3), double(o.w3.links)};
        },
        true);
  }
  if (o.impl == "ours") {
    if (o.workload == "w2") {
      W2Ours ours;
      return bench::measure(
          o, [&] { return ours.run(o.w2); }, true);
    }
    ad::Tape tape;
    if (o.workload == "w1")
      return bench::measure(
          o, [&] { return w1_ours(tape, o.w1); }, true);
    return bench::measure(
        o, [&] { return w3_ours(tape, o.w3); }, true);
  }
  bench::usage(argv[0], "--impl must be ours or hand");
}
