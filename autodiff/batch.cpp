// The batch gradient on several threads (batch.hpp): the workers, their turns, their failures.
#include "autodiff/batch.hpp"

#include <algorithm>
#include <atomic>
#include <limits>
#include <memory>
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

// What the workers share. Turn k is block blocks − 1 − k: the last first.
struct Batch {
  std::span<const double> parameters;
  std::size_t samples, block, blocks;
  const SampleFunction& f;
  const BatchOptions& options;
  std::span<double> gradient;        // the running sum
  std::vector<double> values;        // f(s)'s value, by sample
  std::atomic<std::size_t> next{0};  // the next turn to take
  std::atomic<std::size_t> turn{0};  // the turns added to `gradient` so far
  std::mutex failure_mutex{};
  // The lowest failing sample, or `samples` for a failure outside f.
  std::size_t failed = std::numeric_limits<std::size_t>::max();
  std::exception_ptr failure{};

  void fail(std::size_t sample) {
    const std::scoped_lock lock(failure_mutex);
    if (sample < failed || !failure) {
      failed = sample;
      failure = std::current_exception();
    }
  }
};

// Records and sweeps block `block` on the cleared tape; its gradient goes to g.
void one_block(Batch& b, Tape& tape, std::size_t block, std::vector<Var>& leaves,
               std::vector<Var>& terms, std::span<double> g) {
  tape.clear();
  for (std::size_t p = 0; p < leaves.size(); ++p) leaves[p] = tape.leaf(b.parameters[p]);
  terms.clear();
  const std::size_t end = std::min(b.samples, (block + 1) * b.block);
  for (std::size_t s = block * b.block; s < end; ++s) {
    try {
      terms.push_back(b.f(s, leaves));
    } catch (...) {
      b.fail(s);
      throw;
    }
    b.values[s] = terms.back().value();
  }
  Var out = sum(terms);
  if (b.options.divisor != 1.0) out = out / b.options.divisor;
  tape.backward(out);
  for (std::size_t p = 0; p < leaves.size(); ++p) {
    try {
      g[p] = tape.gradient(leaves[p]);
    } catch (const NonFinite&) {  // NaN: the caller sees it in the sum, as one tape would give it
      g[p] = std::numeric_limits<double>::quiet_NaN();
    }
  }
}

// A worker's own: its tape (constructed, and so active, on its thread) and buffers, kept
// between batches so that a training loop reuses their memory.
struct Own {
  Tape tape;
  std::vector<Var> leaves, terms;
  std::vector<double> g;
};

// One worker's part of a batch: takes turns until none is left; adds its block's gradient when
// its turn comes (a failed block adds nothing but still takes its turn, so that no one waits for
// it forever).
void work(Batch& b, Own& own) {
  own.tape.set_checked(b.options.tape.checked);
  own.leaves.resize(b.parameters.size());
  own.g.resize(b.parameters.size());
  for (;;) {
    const std::size_t k = b.next.fetch_add(1);
    if (k >= b.blocks) return;
    bool ok = true;
    try {
      one_block(b, own.tape, b.blocks - 1 - k, own.leaves, own.terms, own.g);
    } catch (...) {  // f's failures are noted by one_block, with their sample, which wins
      ok = false;
      b.fail(b.samples);  // the sum's or the sweep's (bad_alloc): no sample's
    }
    for (std::size_t t = b.turn.load(); t != k; t = b.turn.load()) b.turn.wait(t);
    if (ok)
      for (std::size_t p = 0; p < own.g.size(); ++p) b.gradient[p] += own.g[p];
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

// The workers wait for a new batch (generation), each works on it, and the last one done
// (pending) wakes the caller.
struct BatchWorkers::Shared {
  Batch* batch = nullptr;
  std::atomic<std::uint64_t> generation{0};
  std::atomic<std::size_t> pending{0};
  std::exception_ptr setup_failure{};  // a worker's outside any block (bad_alloc)
  std::mutex mutex{};
};

BatchWorkers::BatchWorkers(unsigned threads) : shared_(std::make_unique<Shared>()) {
  for (unsigned t = 0; t < std::max(threads, 1U); ++t)
    threads_.emplace_back([s = shared_.get()](const std::stop_token& stop) {
      std::unique_ptr<Own> own;
      for (std::uint64_t seen = 0;;) {
        s->generation.wait(seen);
        seen = s->generation.load();
        if (stop.stop_requested()) return;
        try {
          if (!own) own = std::make_unique<Own>();
          work(*s->batch, *own);
        } catch (...) {  // outside any block: the others take every turn
          const std::scoped_lock lock(s->mutex);
          s->setup_failure = std::current_exception();
        }
        if (s->pending.fetch_sub(1) == 1) s->pending.notify_all();
      }
    });
}

BatchWorkers::~BatchWorkers() {
  for (std::jthread& t : threads_) t.request_stop();
  shared_->generation.fetch_add(1);
  shared_->generation.notify_all();
}  // threads_ join before shared_ goes

double BatchWorkers::gradient(std::span<const double> parameters, std::size_t samples,
                              const SampleFunction& f, std::span<double> gradient,
                              const BatchOptions& options) {
  if (gradient.size() != parameters.size())
    detail::throw_length_mismatch("batch_gradient: gradient", gradient.size(), parameters.size());
  std::fill(gradient.begin(), gradient.end(), 0.0);
  const std::size_t block = std::max<std::size_t>(options.block, 1);
  Batch b{parameters, samples, block,    (samples + block - 1) / block,
          f,          options, gradient, std::vector<double>(samples)};
  shared_->batch = &b;
  shared_->setup_failure = nullptr;
  shared_->pending.store(threads_.size());
  shared_->generation.fetch_add(1);
  shared_->generation.notify_all();
  for (std::size_t p = shared_->pending.load(); p != 0; p = shared_->pending.load())
    shared_->pending.wait(p);
  if (shared_->setup_failure) std::rethrow_exception(shared_->setup_failure);
  if (b.failure && b.failed >= samples) std::rethrow_exception(b.failure);
  if (b.failure) throw BatchError(b.failed, samples, b.failure);
  double value = 0.0;
  for (const double v : b.values) value += v;
  return value / options.divisor;
}

double batch_gradient(std::span<const double> parameters, std::size_t samples,
                      const SampleFunction& f, std::span<double> gradient,
                      const BatchOptions& options) {
  const std::size_t block = std::max<std::size_t>(options.block, 1);
  const std::size_t blocks = (samples + block - 1) / block;
  BatchWorkers workers(static_cast<unsigned>(
      std::min<std::size_t>(std::max(options.threads, 1U), std::max<std::size_t>(blocks, 1))));
  return workers.gradient(parameters, samples, f, gradient, options);
}

}  // namespace ad
