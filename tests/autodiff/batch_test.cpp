// ad::batch_gradient: the sum's gradient against a hand-derived formula, the same bits on any
// number of threads, and a worker's exception brought to the caller naming its sample.
#include "autodiff/batch.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "autodiff/var.hpp"

namespace {

// Sample s: x = 0.3·s − 1, f_s = w1·sin(w0·x) + w1²·x + w2 (each parameter's nodes: see below).
double input(std::size_t s) { return 0.3 * static_cast<double>(s) - 1.0; }

ad::Var term(std::size_t s, std::span<const ad::Var> w) {
  const double x = input(s);
  return w[1] * sin(w[0] * x) + w[1] * w[1] * x + w[2];
}

const std::vector<double> kParameters = {0.7, -1.3, 0.25};

// ∂f_s/∂w0 = w1·cos(w0·x)·x, ∂f_s/∂w1 = sin(w0·x) + 2·w1·x, ∂f_s/∂w2 = 1, summed.
std::vector<double> hand_gradient(std::size_t samples) {
  const double w0 = kParameters[0], w1 = kParameters[1];
  std::vector<double> g(3, 0.0);
  for (std::size_t s = 0; s < samples; ++s) {
    const double x = input(s);
    g[0] += w1 * std::cos(w0 * x) * x;
    g[1] += std::sin(w0 * x) + 2 * w1 * x;
    g[2] += 1;
  }
  return g;
}

double hand_value(std::size_t samples) {
  const double w0 = kParameters[0], w1 = kParameters[1], w2 = kParameters[2];
  double v = 0;
  for (std::size_t s = 0; s < samples; ++s)
    v += w1 * std::sin(w0 * input(s)) + w1 * w1 * input(s) + w2;
  return v;
}

TEST(BatchGradient, AgreesWithTheHandDerivedGradient) {
  const std::size_t samples = 9;
  std::vector<double> g(3);
  const double value = ad::batch_gradient(kParameters, samples, term, g, {.threads = 2});
  const std::vector<double> hand = hand_gradient(samples);
  for (std::size_t p = 0; p < 3; ++p) EXPECT_NEAR(g[p], hand[p], 1e-13 * std::fabs(hand[p]));
  EXPECT_NEAR(value, hand_value(samples), 1e-13 * std::fabs(hand_value(samples)));
  EXPECT_EQ(g[2], 9.0);  // nine ones
}

TEST(BatchGradient, TheSameBitsOnAnyNumberOfThreads) {
  const std::size_t samples = 8;
  for (const std::size_t block : {1U, 3U}) {
    std::vector<double> one(3);
    const double value =
        ad::batch_gradient(kParameters, samples, term, one, {.threads = 1, .block = block});
    for (const unsigned threads : {0U, 2U, 3U, 7U, 20U}) {  // 20: more threads than samples
      std::vector<double> g(3);
      EXPECT_EQ(
          ad::batch_gradient(kParameters, samples, term, g, {.threads = threads, .block = block}),
          value)
          << threads;
      for (std::size_t p = 0; p < 3; ++p) EXPECT_EQ(g[p], one[p]) << threads << " threads, " << p;
    }
  }
}

// The documented order: from the last block to the first, as one tape's sweep over the ad::sum
// of every sample adds them. With one block, the same bits; with blocks of one sample, the same
// bits for a parameter that enters each sample once (w0 and w2 here; w1 enters three nodes of
// each sample). The mean: the sum divided by the batch's size, as a batch's E_mean is.
std::pair<double, std::vector<double>> one_tape(std::size_t samples) {
  ad::Tape tape;
  std::vector<ad::Var> w;
  for (const double p : kParameters) w.emplace_back(p);
  std::vector<ad::Var> terms;
  for (std::size_t s = 0; s < samples; ++s) terms.push_back(term(s, w));
  const ad::Var mean = ad::sum(terms) / static_cast<double>(samples);
  tape.backward(mean);
  return {mean.value(), {tape.gradient(w[0]), tape.gradient(w[1]), tape.gradient(w[2])}};
}

TEST(BatchGradient, OneBlockIsOneTape) {
  const auto [value, gradient] = one_tape(11);
  std::vector<double> g(3);
  EXPECT_EQ(ad::batch_gradient(kParameters, 11, term, g, {.block = 11, .divisor = 11}), value);
  for (std::size_t p = 0; p < 3; ++p) EXPECT_EQ(g[p], gradient[p]) << p;
}

TEST(BatchGradient, AddsAsOneTapesSweepDoes) {
  const std::size_t samples = 11;
  const auto [value, gradient] = one_tape(samples);
  std::vector<double> g(3);
  EXPECT_EQ(
      ad::batch_gradient(kParameters, samples, term, g, {.threads = 3, .block = 1, .divisor = 11}),
      value);
  EXPECT_EQ(g[0], gradient[0]);
  EXPECT_EQ(g[2], gradient[2]);
  EXPECT_NEAR(g[1], gradient[1], 1e-14 * std::fabs(g[1]));
  // Blocks of 4: each block's part is summed first, so only near.
  EXPECT_EQ(
      ad::batch_gradient(kParameters, samples, term, g, {.threads = 3, .block = 4, .divisor = 11}),
      value);
  for (std::size_t p = 0; p < 3; ++p) EXPECT_NEAR(g[p], gradient[p], 1e-14 * std::fabs(g[p]));
}

TEST(BatchGradient, LeavesTheCallersTapeActive) {
  ad::Tape tape;
  const ad::Var x(2.0);
  std::vector<double> g(3);
  ad::batch_gradient(kParameters, 4, term, g);  // on the caller's thread, on a tape of its own
  EXPECT_EQ(&ad::Tape::active(), &tape);
  const ad::Var y = x * x;
  tape.backward(y);
  EXPECT_EQ(x.grad(), 4.0);
}

TEST(BatchGradient, AWorkersExceptionReachesTheCallerNamingTheLowestSample) {
  // Samples 3 and 6 (counting from 1) throw; whichever thread runs them, sample 3 is reported.
  const ad::SampleFunction f = [](std::size_t s, std::span<const ad::Var> w) {
    if (s == 2 || s == 5) throw std::invalid_argument("no data for x = " + std::to_string(s));
    return term(s, w);
  };
  for (const unsigned threads : {1U, 2U, 3U, 7U}) {
    std::vector<double> g(3);
    try {
      ad::batch_gradient(kParameters, 8, f, g, {.threads = threads, .block = 2});
      ADD_FAILURE() << "no exception on " << threads << " threads";
    } catch (const ad::BatchError& e) {
      EXPECT_STREQ(e.what(), "sample 3 of 8: no data for x = 2") << threads;
      EXPECT_EQ(e.sample, 2U);
      EXPECT_EQ(e.place, "sample 3");
      EXPECT_THROW(std::rethrow_exception(e.cause), std::invalid_argument);
    }
  }
}

TEST(BatchGradient, AnExceptionOfNoStandardTypeIsNamedToo) {
  const ad::SampleFunction f = [](std::size_t s, std::span<const ad::Var> w) {
    if (s == 1) throw 42;
    return term(s, w);
  };
  std::vector<double> g(3);
  try {
    ad::batch_gradient(kParameters, 3, f, g, {.threads = 2, .block = 1});
    ADD_FAILURE() << "no exception";
  } catch (const ad::BatchError& e) {
    EXPECT_STREQ(e.what(), "sample 2 of 3: an exception that is not a std::exception");
  }
}

TEST(BatchGradient, ACheckedTapeStopsAtTheFirstNonFiniteNode) {
  const ad::SampleFunction f = [](std::size_t s, std::span<const ad::Var> w) {
    return log(w[0] - static_cast<double>(s));  // log of a negative number from sample 2 on
  };
  std::vector<double> g(3);
  try {
    ad::batch_gradient(kParameters, 4, f, g, {.threads = 2, .block = 1, .tape = {.checked = true}});
    ADD_FAILURE() << "no exception";
  } catch (const ad::BatchError& e) {
    EXPECT_EQ(e.sample, 1U);
    EXPECT_THROW(std::rethrow_exception(e.cause), ad::NonFinite);
  }
}

TEST(BatchGradient, RefusesAGradientOfTheWrongSize) {
  std::vector<double> g(2);
  EXPECT_THROW(ad::batch_gradient(kParameters, 4, term, g), ad::Error);
}

}  // namespace
