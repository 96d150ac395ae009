// A batch on every core: the gradient of a sum over samples, each sample recorded and swept on
// its own thread's tape, the per-sample gradients added in one fixed order, so that the result
// is the same to the last bit whatever the number of threads.
//
//   std::vector<double> g(p.size());
//   double loss = ad::batch_gradient(p, samples, [&](std::size_t s, std::span<const ad::Var> w) {
//     return error_of(sample[s], w);   // recorded on the calling thread's active tape
//   }, 4, g);                          // g = Σ_s ∂error_s/∂p, on 4 threads
//
// Each worker has its own ad::Tape (one tape is active per thread, tape.hpp): for each sample
// it takes, it clears it, records the parameters as leaves, then f(sample, those leaves), sweeps
// backward and copies the gradient out. The gradients are added from the last sample to the
// first, each once its turn comes, whichever thread made it: that is the order in which one
// tape recording every sample and their ad::sum would add them in its reverse sweep, so where
// each parameter is an operand of one node per sample (a dense layer's weights), the result is
// that tape's gradient bit for bit. A parameter used by several nodes of a sample (a bias shared
// by a layer) gets each sample's contributions added together first, then to the others: the
// same numbers, possibly rounded differently in the last bits.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <span>

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

// Σ_s f(s)'s gradient with respect to the parameters, into `gradient` (parameters.size()
// entries), computed on min(threads, samples) threads (the caller's among them; 0 counts as 1);
// returns Σ_s f(s)'s value, added in sample order (as ad::sum adds). f runs concurrently on
// several threads: it may read shared data, and write only what belongs to its sample. If f
// throws for some samples, every sample is still run and the one of the lowest number is thrown
// as a BatchError (so which one does not depend on the threads); `gradient` is then unspecified.
// The workers' tapes take `options` (checked: the first non-finite node throws, in its sample).
double batch_gradient(std::span<const double> parameters, std::size_t samples,
                      const SampleFunction& f, unsigned threads, std::span<double> gradient,
                      Tape::Options options = {});

}  // namespace ad
