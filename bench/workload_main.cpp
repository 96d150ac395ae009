// The workloads on our engine (used as a user would: one Tape reused with clear(),
// ad::linear for a neuron whose inputs are data, ad::weighted_sum for one whose inputs are
// recorded, sigmoid) and hand-coded with plain doubles.
//   autodiff_bench --workload w1|w2|w3 --impl ours|hand [--quick] [--reps N] [--size N]
//                  [--memory-target]          (--size: W1's steps, W2's batch, W3's links)
//   autodiff_bench --workload w1|w3 --impl replay     (recorded once as an ad::Function, replayed)
//   autodiff_bench --workload w2 --impl threads1|threads2   (ad::BatchWorkers, wall-clock time)
//   autodiff_bench --workload w1h --impl ours|hand             (W1's 8×8 Hessian)
//   autodiff_bench --workload w2h --impl grad|grad+hvp|backward|hvp   (W2's H·v against a gradient)
// prints one JSON line; see bench/run.sh.
#include <array>
#include <cmath>
#include <optional>
#include <span>
#include <vector>

#include "autodiff/batch.hpp"
#include "autodiff/function.hpp"
#include "autodiff/hessian.hpp"
#include "autodiff/var.hpp"
#include "bench/harness.hpp"

namespace {

using bench::Outcome;

// A run's outcome on our engine, with the size of the tape it left.
Outcome on_tape(double result, double units, const ad::Tape& tape) {
  const auto bytes = static_cast<double>(tape.bytes_used());
  return {result, units, bytes / static_cast<double>(tape.size()), bytes};
}

// W1's error E at the weights p, recorded on the active tape.
inline ad::Var w1_error(const std::array<ad::Var, 8>& p) {
  using W1 = bench::W1;
  const ad::Var b1(W1::b1), b2(W1::b2);
  // The inputs are data, not parameters: plain doubles, so the hidden layer is ad::linear.
  constexpr std::array<double, 2> in = {W1::i1, W1::i2};
  const ad::Var h1 = sigmoid(ad::linear(in, std::array{p[0], p[1]}, b1));
  const ad::Var h2 = sigmoid(ad::linear(in, std::array{p[2], p[3]}, b1));
  const std::array<ad::Var, 2> hidden = {h1, h2};
  const ad::Var o1 = sigmoid(ad::weighted_sum(std::array{p[4], p[5]}, hidden, b2));
  const ad::Var o2 = sigmoid(ad::weighted_sum(std::array{p[6], p[7]}, hidden, b2));
  const ad::Var d1 = W1::t1 - o1, d2 = W1::t2 - o2;
  return 0.5 * d1 * d1 + 0.5 * d2 * d2;
}

// W1's error E at the weights w, recorded on the active tape, with the weights as p.
inline ad::Var w1_record(const double w[8], std::array<ad::Var, 8>& p) {
  for (int k = 0; k < 8; ++k) p[k] = ad::Var(w[k]);
  return w1_error(p);
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
    const ad::Var error = w1_record(w, p);
    e = error.value();
    if (step == w1.steps) break;
    tape.backward(error);
    for (int k = 0; k < 8; ++k) w[k] -= W1::rate * tape.gradient(p[k]);
  }
  return on_tape(e, static_cast<double>(w1.steps), tape);
}

// W1 replayed: the network recorded once as an ad::Function of the weights; each step replays
// it at the current weights, sweeps, and updates them.
Outcome w1_replay(ad::Tape& tape, const bench::W1& w1) {
  using W1 = bench::W1;
  tape.clear();
  std::array<ad::Var, 8> p;
  for (int k = 0; k < 8; ++k) p[k] = ad::Var(W1::w0[k]);
  ad::Function f = ad::record(p, [&] { return w1_error(p); });
  std::array<double, 8> w, g;
  for (int k = 0; k < 8; ++k) w[k] = W1::w0[k];
  double e = 0;
  for (int step = 0;; ++step) {
    e = f.forward(w);
    if (step == w1.steps) break;
    f.gradient(g);
    for (int k = 0; k < 8; ++k) w[k] -= W1::rate * g[k];
  }
  return on_tape(e, static_cast<double>(w1.steps), tape);
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

  // Records the batch's summed loss on the cleared tape.
  ad::Var record(const W2& w2) {
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
    return ad::sum(losses);
  }

  // The sum of the gradient's entries, after a sweep from `loss`.
  Outcome gradient(const W2& w2, const ad::Var& loss) {
    tape.backward(loss);
    double total = 0;
    for (const ad::Var& q : params) total += tape.gradient(q);
    return on_tape(total, static_cast<double>(w2.batch), tape);
  }

  Outcome run(const W2& w2) { return gradient(w2, record(w2)); }
};

// W2 as a batch on several threads (ad::BatchWorkers, kept between batches as a training loop
// keeps them: ad::batch_gradient starts threads whose tapes grow from nothing at every call):
// blocks of 8 samples, each on its worker's tape, the blocks' gradients added in a fixed order.
// The same network as W2Ours, a sample at a time.
struct W2Batch {
  using W2 = bench::W2;
  ad::BatchWorkers workers;
  std::vector<double> p, g;
  explicit W2Batch(unsigned threads) : workers(threads), p(W2::parameter_count()), g(p.size()) {
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = W2::parameter(k);
  }
  // Sample s's loss, of the parameters w (leaves on the calling thread's tape).
  static ad::Var loss(std::size_t s, std::span<const ad::Var> w) {
    std::array<double, W2::width[0]> input;
    for (int j = 0; j < W2::width[0]; ++j) input[j] = W2::input(static_cast<int>(s), j);
    std::vector<ad::Var> a[W2::layers + 1];
    for (int l = 0; l < W2::layers; ++l) {
      const std::size_t in = W2::width[l];
      a[l + 1].resize(W2::width[l + 1]);
      for (int o = 0; o < W2::width[l + 1]; ++o) {
        const auto row = w.subspan(W2::weights_offset(l) + o * in, in);
        const ad::Var& bias = w[W2::bias_offset(l) + o];
        a[l + 1][o] =
            sigmoid(l == 0 ? ad::linear(input, row, bias) : ad::weighted_sum(row, a[l], bias));
      }
    }
    std::vector<ad::Var> losses;
    for (const ad::Var& y : a[W2::layers]) {
      const ad::Var d = W2::target - y;
      losses.push_back(0.5 * d * d);
    }
    return ad::sum(losses);
  }
  Outcome run(const W2& w2) {
    workers.gradient(p, static_cast<std::size_t>(w2.batch), loss, g);
    double total = 0;
    for (const double x : g) total += x;
    return {total, static_cast<double>(w2.batch)};
  }
};

// W3: the chain recorded link by link, as a user writes it.
Outcome w3_ours(ad::Tape& tape, const bench::W3& w3) {
  tape.clear();
  const ad::Var x0(bench::W3::x0);
  ad::Var x = x0;
  for (long k = 0; k < w3.links; ++k) x = x + bench::W3::h * sin(x);
  tape.backward(x);
  return on_tape(tape.gradient(x0), static_cast<double>(w3.links), tape);
}

// W3 replayed: the chain recorded once (outside the timing), then replayed at x0 and swept.
struct W3Replay {
  ad::Tape tape;
  std::optional<ad::Function> f;
  explicit W3Replay(const bench::W3& w3) {
    const std::array x0{ad::Var(bench::W3::x0)};
    f = ad::record(x0, [&] {
      ad::Var x = x0[0];
      for (long k = 0; k < w3.links; ++k) x = x + bench::W3::h * sin(x);
      return x;
    });
  }
  Outcome run(const bench::W3& w3) {
    f->forward({bench::W3::x0});
    double g = 0;
    f->gradient(std::span(&g, 1));
    return on_tape(g, static_cast<double>(w3.links), tape);
  }
};

// ---- Second derivatives (issue 14) ----

double total(std::span<const double> x) {
  double t = 0;
  for (const double e : x) t += e;
  return t;
}

// W1h: W1's 8×8 Hessian at the initial weights, recorded afresh each time as a user would.
double w1_ours_hessian(ad::Tape& tape, double H[8][8]) {
  tape.clear();
  std::array<ad::Var, 8> p;
  const ad::Var error = w1_record(bench::W1::w0, p);
  const std::vector<std::vector<double>> h = ad::hessian(tape, error, p);
  double t = 0;
  for (int a = 0; a < 8; ++a)
    for (int b = 0; b < 8; ++b) t += H[a][b] = h[a][b];
  return t;
}

// Checks the engine's Hessian against the hand-coded one, entry by entry (relative 1e-10 of the
// entry, or of the largest entry for one near 0), before anything is timed. Returns the
// hand-coded sum of the entries and the sum of their magnitudes.
std::pair<double, double> w1_check_hessian() {
  double hand[8][8], ours[8][8];
  bench::w1_hand_hessian(bench::W1::w0, hand);
  ad::Tape tape;
  w1_ours_hessian(tape, ours);
  double largest = 0, sum = 0, magnitude = 0;
  for (const auto& row : hand)
    for (const double e : row) largest = std::max(largest, std::fabs(e));
  for (int a = 0; a < 8; ++a)
    for (int b = 0; b < 8; ++b) {
      sum += hand[a][b];
      magnitude += std::fabs(hand[a][b]);
      if (!(std::fabs(ours[a][b] - hand[a][b]) <=
            1e-10 * std::max(std::fabs(hand[a][b]), 1e-3 * largest))) {
        std::fprintf(stderr, "FAIL: W1 Hessian entry (%d, %d): ours %.17g, hand-coded %.17g\n",
                     a + 1, b + 1, ours[a][b], hand[a][b]);
        std::exit(1);
      }
    }
  return {sum, magnitude};
}

int w1_hessian(const bench::Options& o) {
  const auto [sum, magnitude] = w1_check_hessian();
  const auto reference = [&] { return std::pair{sum, 1e-10 * magnitude}; };
  double H[8][8];
  if (o.impl == "hand")
    return bench::measure(
        o,
        [&] {
          bench::w1_hand_hessian(bench::W1::w0, H);
          return Outcome{total(std::span(&H[0][0], 64))};
        },
        true, reference);
  ad::Tape tape;
  return bench::measure(
      o, [&] { return on_tape(w1_ours_hessian(tape, H), 1, tape); }, false, reference);
}

// W2h: H·v for the batch loss of W2 against its gradient, on one recorded tape. v: entries of
// order 1, all different.
int w2_hessian_vector(const bench::Options& o) {
  W2Ours net;
  std::vector<double> v(net.params.size());
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = std::cos(0.7 * static_cast<double>(k) + 0.3);
  const auto hvp = [&](const ad::Var& loss) {
    const std::vector<double> hv = ad::hessian_vector(net.tape, loss, net.params, v);
    return on_tape(total(hv), static_cast<double>(o.w2.batch), net.tape);
  };
  const auto gradient_reference = [&] {
    const double expected = bench::W2Hand().run(o.w2);
    return std::pair{expected, 1e-9 * std::fabs(expected)};
  };
  if (o.impl == "grad")
    return bench::measure(
        o, [&] { return net.run(o.w2); }, true, gradient_reference);
  if (o.impl == "backward") {
    const ad::Var loss = net.record(o.w2);
    return bench::measure(
        o, [&] { return net.gradient(o.w2, loss); }, true, gradient_reference);
  }
  if (o.impl != "grad+hvp" && o.impl != "hvp")
    bench::usage("autodiff_bench", "w2h: --impl must be grad, grad+hvp, backward or hvp");
  // Before timing: the engine's whole H·v against differences of the hand-coded gradient.
  const std::vector<double> reference = bench::w2_hand_hvp(o.w2, v);
  const std::vector<double> ours = ad::hessian_vector(net.tape, net.record(o.w2), net.params, v);
  double largest = 0, magnitude = 0;
  for (const double e : reference) {
    largest = std::max(largest, std::fabs(e));
    magnitude += std::fabs(e);
  }
  for (std::size_t k = 0; k < reference.size(); ++k)
    if (!(std::fabs(ours[k] - reference[k]) <= 1e-7 * largest)) {
      std::fprintf(stderr, "FAIL: W2 H·v entry %zu: ours %.17g, differences %.17g\n", k, ours[k],
                   reference[k]);
      return 1;
    }
  const auto expected = [&] { return std::pair{total(reference), 1e-7 * magnitude}; };
  if (o.impl == "grad+hvp")
    return bench::measure(
        o,
        [&] {
          const ad::Var loss = net.record(o.w2);
          net.gradient(o.w2, loss);
          return hvp(loss);
        },
        false, expected);
  const ad::Var loss = net.record(o.w2);
  return bench::measure(
      o, [&] { return hvp(loss); }, false, expected);
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Options o = bench::parse(argc, argv, {"w1", "w2", "w3", "w1h", "w2h"});
  if (o.workload == "w1h") {
    if (o.impl != "hand" && o.impl != "ours") bench::usage(argv[0], "--impl must be ours or hand");
    return w1_hessian(o);
  }
  if (o.workload == "w2h") return w2_hessian_vector(o);
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
  if ((o.impl == "threads1" || o.impl == "threads2") && o.workload == "w2") {
    bench::Options wall = o;
    wall.wall_clock = true;  // CPU time would add both threads' up
    W2Batch batch(o.impl == "threads2" ? 2 : 1);
    return bench::measure(
        wall, [&] { return batch.run(o.w2); }, false);
  }
  if (o.impl == "replay" && o.workload != "w2") {
    if (o.workload == "w1") {
      ad::Tape tape;
      return bench::measure(
          o, [&] { return w1_replay(tape, o.w1); }, false);
    }
    W3Replay replay(o.w3);
    return bench::measure(
        o, [&] { return replay.run(o.w3); }, true);
  }
  bench::usage(argv[0], "--impl must be ours, hand, replay (w1 and w3) or threads1, threads2 (w2)");
}
