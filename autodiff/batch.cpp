// The batch gradient on several threads (batch.hpp): the workers, their turns, their failures.
#include "autodiff/batch.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "autodiff/var.hpp"

namespace ad {

namespace {

std::string what_of(const std::exception_ptr& cause) {
  try {
    std::rethrow_exception(cause);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// What the workers share. Sample k in turn order is sample samples − 1 − k: the last first.
struct Batch {
  std::span<const double> parameters;
  std::size_t samples;
  const SampleFunction& f;
  Tape::Options options;
  std::span<double> gradient;        // the running sum
  std::vector<double> values;        // f(s)'s value, by sample
  std::atomic<std::size_t> next{0};  // the next turn to take
  std::atomic<std::size_t> turn{0};  // the turns added to `gradient` so far
  std::mutex failure_mutex{};
  std::size_t failed = std::numeric_limits<std::size_t>::max();  // the lowest failing sample
  std::exception_ptr failure{};
  std::exception_ptr setup_failure{};  // a helper thread's, before it took a turn (bad_alloc)

  void fail(std::size_t sample) {
    const std::scoped_lock lock(failure_mutex);
    if (sample < failed || !failure) {
      failed = sample;
      failure = std::current_exception();
    }
  }
};

// Records and sweeps one sample on the cleared tape; its gradient goes to g.
double one_sample(Batch& b, Tape& tape, std::size_t sample, std::vector<Var>& leaves,
                  std::span<double> g) {
  tape.clear();
  for (std::size_t p = 0; p < leaves.size(); ++p) leaves[p] = Var(b.parameters[p]);
  const Var out = b.f(sample, leaves);
  tape.backward(out);
  for (std::size_t p = 0; p < leaves.size(); ++p) {
    try {
      g[p] = tape.gradient(leaves[p]);
    } catch (const NonFinite&) {  // NaN: the caller sees it in the sum, as one tape would give it
      g[p] = std::numeric_limits<double>::quiet_NaN();
    }
  }
  return out.value();
}

// One worker: takes turns until none is left; adds its sample's gradient when its turn comes
// (a failed sample adds nothing but still takes its turn, so that no one waits for it forever).
void work(Batch& b) {
  std::vector<Var> leaves(b.parameters.size());
  std::vector<double> g(b.parameters.size());
  Tape tape(b.options);
  for (;;) {
    const std::size_t k = b.next.fetch_add(1);
    if (k >= b.samples) return;
    const std::size_t sample = b.samples - 1 - k;
    bool ok = true;
    try {
      b.values[sample] = one_sample(b, tape, sample, leaves, g);
    } catch (...) {
      ok = false;
      b.fail(sample);
    }
    for (std::size_t t = b.turn.load(); t != k; t = b.turn.load()) b.turn.wait(t);
    if (ok)
      for (std::size_t p = 0; p < g.size(); ++p) b.gradient[p] += g[p];
    b.turn.store(k + 1);
    b.turn.notify_all();
  }
}

}  // namespace

BatchError::BatchError(std::size_t sample, std::size_t samples, std::exception_ptr cause)
    : Error("sample " + std::to_string(sample + 1) + " of " + std::to_string(samples) + ": " +
                what_of(cause),
            {.place = "sample " + std::to_string(sample + 1), .reason = what_of(cause)}),
      sample(sample),
      cause(std::move(cause)) {}

double batch_gradient(std::span<const double> parameters, std::size_t samples,
                      const SampleFunction& f, unsigned threads, std::span<double> gradient,
                      Tape::Options options) {
  if (gradient.size() != parameters.size())
    detail::throw_length_mismatch("batch_gradient: gradient", gradient.size(), parameters.size());
  std::fill(gradient.begin(), gradient.end(), 0.0);
  Batch b{parameters, samples, f, options, gradient, std::vector<double>(samples)};
  const std::size_t helpers = std::min<std::size_t>(std::max(threads, 1U), samples);
  {
    std::vector<std::jthread> workers;
    for (std::size_t t = 1; t < helpers; ++t)
      workers.emplace_back([&b] {
        try {
          work(b);
        } catch (...) {  // only before its first turn: the others take every turn
          const std::scoped_lock lock(b.failure_mutex);
          b.setup_failure = std::current_exception();
        }
      });
    work(b);  // the caller is a worker too; its tape is active only while it works
  }           // joined
  if (b.setup_failure) std::rethrow_exception(b.setup_failure);
  if (b.failure) throw BatchError(b.failed, samples, b.failure);
  double value = 0.0;
  for (const double v : b.values) value += v;
  return value;
}

}  // namespace ad
