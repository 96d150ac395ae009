// Google Benchmark suite of the engine's hot paths, for profiling (perf record on this program
// shows one path at a time): recording a binary operation, the reverse sweep per node, clear(),
// and the fixed cost of one gradient call on a tiny tape.
//   autodiff_hot_paths [--benchmark_filter=Sweep]
#include <benchmark/benchmark.h>

#include <array>

#include "autodiff/var.hpp"

namespace {

// Record n products on a tape that has already grown: the cost per recorded binary operation.
void Record(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  ad::Tape tape;
  for (auto _ : state) {
    tape.clear();
    const ad::Var x(1.0000001), y(0.9999999);
    // Independent products: the recording's throughput, not a chain's latency.
    for (int k = 0; k < n; ++k) benchmark::DoNotOptimize(x * y);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["bytes_per_binary_op"] =
      static_cast<double>(tape.bytes_used() - 2 * 17) / static_cast<double>(n);
}
BENCHMARK(Record)->Arg(1 << 10)->Arg(1 << 20);

// Sweep a recorded chain of n products: the cost per node of backward().
void Sweep(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  ad::Tape tape;
  ad::Var x0(1.0000001), y(0.9999999);
  ad::Var x = x0;
  for (int k = 0; k < n; ++k) x = x * y;
  for (auto _ : state) {
    tape.backward(x);
    benchmark::DoNotOptimize(tape.gradient(x0));
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(Sweep)->Arg(1 << 10)->Arg(1 << 20);

// clear() after a step: constant, however long the tape was.
void Clear(benchmark::State& state) {
  ad::Tape tape;
  for (auto _ : state) {
    ad::Var x(1.0);
    benchmark::DoNotOptimize(x * x);
    tape.clear();
  }
}
BENCHMARK(Clear);

// The fixed cost of a gradient call: backward() and one gradient() on a three-node tape
// (x, y, x·y), recorded once. Target: under 25 ns.
void TinyBackward(benchmark::State& state) {
  ad::Tape tape;
  ad::Var x(2.0), y(3.0);
  ad::Var z = x * y;
  for (auto _ : state) {
    tape.backward(z);
    benchmark::DoNotOptimize(tape.gradient(x));
  }
}
BENCHMARK(TinyBackward);

// A whole tiny step, as a training loop does it: clear, record x·y, backward, two gradients.
void TinyStep(benchmark::State& state) {
  ad::Tape tape;
  for (auto _ : state) {
    tape.clear();
    ad::Var x(2.0), y(3.0);
    ad::Var z = x * y;
    tape.backward(z);
    benchmark::DoNotOptimize(tape.gradient(x) + tape.gradient(y));
  }
}
BENCHMARK(TinyStep);

}  // namespace

BENCHMARK_MAIN();
