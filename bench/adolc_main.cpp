// The workloads on ADOL-C (Debian's libadolc-dev), two ways:
//   adolc-rerecord: trace_on/trace_off every time, then gradient() (as a user of an
//                   operator-overloading tool records each step);
//   adolc-replay:   record once (untimed), then zos_forward + fos_reverse on that trace at each
//                   new point (valid here because no workload branches on a value).
//   autodiff_bench_adolc --workload w1|w2|w3 --impl adolc-rerecord|adolc-replay [--quick]
#include <adolc/adolc.h>
#include <adolc/taping.h>

#include <vector>

#include "bench/harness.hpp"

namespace {

using bench::Outcome;
constexpr short kTag = 1;

adouble sigmoid(const adouble& x) { return 1.0 / (1.0 + exp(-x)); }

// Bytes of ADOL-C's trace per operation: 1 byte per op code, its locations (locint) and its
// values. ADOL-C keeps adjoints outside the trace (max-live sized), so none are counted.
double trace_bytes_per_op() {
  std::size_t stats[STAT_SIZE];
  tapestats(kTag, stats);
  const double ops = static_cast<double>(stats[NUM_OPERATIONS]);
  return (ops + static_cast<double>(stats[NUM_LOCATIONS]) * sizeof(locint) +
          static_cast<double>(stats[NUM_VALUES]) * sizeof(double)) /
         ops;
}

// ---- Recording each workload's function: independents in, the scalar out ----

// W1: E as a function of the eight weights.
double record_w1(const double* w) {
  using W1 = bench::W1;
  trace_on(kTag);
  adouble p[8];
  for (int k = 0; k < 8; ++k) p[k] <<= w[k];
  const adouble h1 = sigmoid(p[0] * W1::i1 + p[1] * W1::i2 + W1::b1);
  const adouble h2 = sigmoid(p[2] * W1::i1 + p[3] * W1::i2 + W1::b1);
  const adouble o1 = sigmoid(p[4] * h1 + p[5] * h2 + W1::b2);
  const adouble o2 = sigmoid(p[6] * h1 + p[7] * h2 + W1::b2);
  const adouble d1 = W1::t1 - o1, d2 = W1::t2 - o2;
  adouble error = 0.5 * d1 * d1 + 0.5 * d2 * d2;
  double e;
  error >>= e;
  trace_off();
  return e;
}

// W2: the batch's summed loss as a function of every parameter.
void record_w2(const std::vector<double>& p, const bench::W2& w2) {
  using W2 = bench::W2;
  trace_on(kTag);
  std::vector<adouble> q(p.size());
  for (std::size_t k = 0; k < p.size(); ++k) q[k] <<= p[k];
  std::vector<adouble> a[W2::layers + 1];
  for (int l = 1; l <= W2::layers; ++l) a[l].resize(W2::width[l]);
  std::vector<double> input(W2::width[0]);
  adouble loss = 0.0;
  for (int s = 0; s < w2.batch; ++s) {
    for (int j = 0; j < W2::width[0]; ++j) input[j] = W2::input(s, j);
    for (int l = 0; l < W2::layers; ++l) {
      const std::size_t in = W2::width[l];
      for (int o = 0; o < W2::width[l + 1]; ++o) {
        const adouble* row = &q[W2::weights_offset(l) + o * in];
        adouble net = 0.0;
        for (std::size_t i = 0; i < in; ++i) net += l == 0 ? row[i] * input[i] : row[i] * a[l][i];
        a[l + 1][o] = sigmoid(net + q[W2::bias_offset(l) + o]);
      }
    }
    for (const adouble& y : a[W2::layers]) {
      const adouble d = W2::target - y;
      loss += 0.5 * d * d;
    }
  }
  double e;
  loss >>= e;
  trace_off();
}

void record_w3(double x0, const bench::W3& w3) {
  trace_on(kTag);
  adouble x;
  x <<= x0;
  for (long k = 0; k < w3.links; ++k) x = x + bench::W3::h * sin(x);
  double y;
  x >>= y;
  trace_off();
}

// Value and gradient of the recorded trace at x: the replay route.
double replay(int n, const double* x, double* g) {
  double y, one = 1.0;
  zos_forward(kTag, 1, n, 1, x, &y);
  fos_reverse(kTag, 1, n, &one, g);
  return y;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Options o = bench::parse(argc, argv);
  const bool rerecord = o.impl == "adolc-rerecord";
  if (!rerecord && o.impl != "adolc-replay")
    bench::usage(argv[0], "--impl must be adolc-rerecord or adolc-replay");
  using W1 = bench::W1;
  using W2 = bench::W2;
  using W3 = bench::W3;

  if (o.workload == "w1") {
    if (!rerecord) record_w1(W1::w0);
    return bench::measure(
        o,
        [&] {
          double w[8], g[8], e = 0;
          for (int k = 0; k < 8; ++k) w[k] = W1::w0[k];
          for (int step = 0; step < o.w1.steps; ++step) {
            if (rerecord) {
              record_w1(w);
              gradient(kTag, 8, w, g);
            } else {
              replay(8, w, g);
            }
            for (int k = 0; k < 8; ++k) w[k] -= W1::rate * g[k];
          }
          // E at the trained weights: one more recording, or one forward pass of the trace.
          if (rerecord)
            e = record_w1(w);
          else
            zos_forward(kTag, 1, 8, 0, w, &e);
          return Outcome{e, double(o.w1.steps), trace_bytes_per_op()};
        },
        false);
  }
  if (o.workload == "w2") {
    std::vector<double> p(W2::parameter_count()), g(p.size());
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = W2::parameter(k);
    if (!rerecord) record_w2(p, o.w2);
    return bench::measure(
        o,
        [&] {
          if (rerecord) {
            record_w2(p, o.w2);
            gradient(kTag, static_cast<int>(p.size()), p.data(), g.data());
          } else {
            replay(static_cast<int>(p.size()), p.data(), g.data());
          }
          double total = 0;
          for (double x : g) total += x;
          return Outcome{total, double(o.w2.batch), trace_bytes_per_op()};
        },
        false);
  }
  if (!rerecord) record_w3(W3::x0, o.w3);
  return bench::measure(
      o,
      [&] {
        double x0 = W3::x0, g = 0;
        if (rerecord) {
          record_w3(x0, o.w3);
          gradient(kTag, 1, &x0, &g);
        } else {
          replay(1, &x0, &g);
        }
        return Outcome{g, double(o.w3.links), trace_bytes_per_op()};
      },
      false);
}
