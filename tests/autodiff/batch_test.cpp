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
  const double value = ad::batch_gradient(kParameters, samples, term, 2, g);
  const std::vector<double> hand = hand_gradient(samples);
  for (std::size_t p = 0; p < 3; ++p) EXPECT_NEAR(g[p], hand[p], 1e-13 * std::fabs(hand[p]));
  EXPECT_NEAR(value, hand_value(samples), 1e-13 * std::fabs(hand_value(samples)));
  EXPECT_EQ(g[2], 9.0);  // nine ones
}

TEST(BatchGradient, TheSameBitsOnAnyNumberOfThreads) {
  const std::size_t samples = 8;
  std::vector<double> one(3);
  const double value = ad::batch_gradient(kParameters, samples, term, 1, one);
  for (const unsigned threads : {0U, 2U, 3U, 7U, 20U}) {  // 20: more threads than samples
    std::vector<double> g(3);
    EXPECT_EQ(ad::batch_gradient(kParameters, samples, term, threads, g), value) << threads;
    for (std::size_t p = 0; p < 3; ++p) EXPECT_EQ(g[p], one[p]) << threads << " threads, " << p;
  }
}

// The documented order: from the last sample to the first, as one tape's sweep over the ad::sum
// of every sample adds a parameter that enters each sample once (w0 and w2 here; w1 enters
// three nodes of each sample, so its sum may be rounded differently).
TEST(BatchGradient, AddsAsOneTapesSweepDoes) {
  const std::size_t samples = 11;
  std::vector<double> g(3);
  const double value = ad::batch_gradient(kParameters, samples, term, 3, g);
  ad::Tape tape;
  std::vector<ad::Var> w;
  for (const double p : kParameters) w.emplace_back(p);
  std::vector<ad::Var> terms;
  for (std::size_t s = 0; s < samples; ++s) terms.push_back(term(s, w));
  const ad::Var sum = ad::sum(terms);
  tape.backward(sum);
  EXPECT_EQ(value, sum.value());
  EXPECT_EQ(g[0], tape.gradient(w[0]));
  EXPECT_EQ(g[2], tape.gradient(w[2]));
  EXPECT_NEAR(g[1], tape.gradient(w[1]), 1e-14 * std::fabs(g[1]));
}

TEST(BatchGradient, LeavesTheCallersTapeActive) {
  ad::Tape tape;
  const ad::Var x(2.0);
  std::vector<double> g(3);
  ad::batch_gradient(kParameters, 4, term, 1, g);  // on the caller's thread, on a tape of its own
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
      ad::batch_gradient(kParameters, 8, f, threads, g);
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
    ad::batch_gradient(kParameters, 3, f, 2, g);
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
    ad::batch_gradient(kParameters, 4, f, 2, g, {.checked = true});
    ADD_FAILURE() << "no exception";
  } catch (const ad::BatchError& e) {
    EXPECT_EQ(e.sample, 1U);
    EXPECT_THROW(std::rethrow_exception(e.cause), ad::NonFinite);
  }
}

TEST(BatchGradient, RefusesAGradientOfTheWrongSize) {
  std::vector<double> g(2);
  EXPECT_THROW(ad::batch_gradient(kParameters, 4, term, 2, g), ad::Error);
}

}  // namespace
