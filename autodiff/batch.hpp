// A batch on every core: the gradient of a sum over samples, the samples recorded and swept in
// fixed blocks, each block on a thread's own tape, the blocks' gradients added in one fixed
// order, so that the result is the same to the last bit whatever the number of threads.
//
//   std::vector<double> g(p.size());
//   double loss = ad::batch_gradient(p, samples, [&](std::size_t s, std::span<const ad::Var> w) {
//     return error_of(sample[s], w);   // recorded on the calling thread's active tape
//   }, g, {.threads = 4});             // g = Σ_s ∂error_s/∂p, on 4 threads
//
// Each worker is a thread of its own with its own ad::Tape (one tape is active per thread,
// tape.hpp); the caller waits. For each block it
// takes (samples [b·block, (b+1)·block)) it clears it, records the parameters as leaves, then
// f(s, those leaves) for each sample of the block and the ad::sum of them (divided by
// `divisor`), sweeps backward from it and copies the gradient out. The blocks' gradients are
// added from the last block to the first, each once its turn comes, whichever thread made it:
// the order in which one tape holding every sample would add them in its reverse sweep. So a
// batch of one block gives exactly that one tape's gradient. With more blocks, each block's part
// is summed first and then added to the others': the same numbers, grouped differently, so the
// last bits may differ from the one tape's (with blocks of one sample, only for a parameter used
// by several nodes of a sample, like a bias shared by a layer). The blocks depend on `block`
// alone, never on the number of threads, which only decides how many are swept at once.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "autodiff/error.hpp"
#include "autodiff/tape.hpp"

namespace ad {

// What a sample's function threw, on whichever thread ran it: the message is "sample S of N: "
// and the cause's; `cause` is the exception itself, to rethrow (std::rethrow_exception) for its
// type. `sample` is 0-based; the message counts from 1.
struct BatchError : Error {
  BatchError(std::size_t sample, std::size_t samples, std::exception_ptr cause);
  std::size_t sample;
  std::exception_ptr cause;
};

// Records one sample's term on the active tape, of the parameters given as leaves there.
using SampleFunction = std::function<Var(std::size_t sample, std::span<const Var> parameters)>;

struct BatchOptions {
  unsigned threads = 1;     // at most this many, the caller's among them; 0 counts as 1
  std::size_t block = 8;    // samples per tape (0 counts as 1): what the bits depend on
  double divisor = 1.0;     // of each block's sum: the batch's size, for the gradient of a mean
  Tape::Options tape = {};  // the workers' (checked: the first non-finite node throws)
};

// (Σ_s f(s)) / divisor's gradient with respect to the parameters, into `gradient`
// (parameters.size() entries), on min(threads, blocks) threads; returns its value, the f(s)
// added in sample order (as ad::sum adds them) and divided. f runs concurrently on several
// threads: it may read shared data, and write only what belongs to its sample. If f throws for
// some samples, every block is still run (up to its first failing sample) and the failure of the
// lowest sample is thrown as a BatchError, so which one does not depend on the threads;
// `gradient` is then unspecified.
// Starts min(options.threads, blocks) workers for this batch alone: their tapes grow from
// nothing each time. A loop over batches keeps a BatchWorkers instead.
double batch_gradient(std::span<const double> parameters, std::size_t samples,
                      const SampleFunction& f, std::span<double> gradient,
                      const BatchOptions& options = {});

// Worker threads kept between batches, each with its tape, so that a training loop records on
// memory the first batch grew (as one tape reused with clear() does). gradient() is
// batch_gradient() on these threads (options.threads is not read); one batch at a time.
class BatchWorkers {
 public:
  explicit BatchWorkers(unsigned threads);  // 0 counts as 1
  ~BatchWorkers();                          // stops and joins the threads
  BatchWorkers(const BatchWorkers&) = delete;
  BatchWorkers& operator=(const BatchWorkers&) = delete;
  std::size_t threads() const { return threads_.size(); }
  double gradient(std::span<const double> parameters, std::size_t samples, const SampleFunction& f,
                  std::span<double> gradient, const BatchOptions& options = {});

 private:
  struct Shared;
  std::unique_ptr<Shared> shared_;  // declared first: destroyed after the threads have joined
  std::vector<std::jthread> threads_;
};

}  // namespace ad
