// Once a tape has grown, a training step (record, sweep, read, clear) allocates nothing.
// operator new is replaced in this program to count allocations; the tape's own buffers grow
// with realloc, which that does not see, so the test also checks that the memory the tape holds
// does not change.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

#include "autodiff/var.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

// One gradient-descent step on the second tutorial's 2-2-2 network.
double step(ad::Tape& tape, std::array<double, 8>& w) {
  tape.clear();
  std::array<ad::Var, 8> p;
  for (std::size_t k = 0; k < 8; ++k) p[k] = ad::Var(w[k], "w");
  ad::Var i1(0.05, "i1"), i2(0.10, "i2"), b1(0.35, "b1"), b2(0.60, "b2");
  const std::array<ad::Var, 2> in = {i1, i2};
  ad::Var h1 = sigmoid(ad::weighted_sum(std::array{p[0], p[1]}, in, b1));
  ad::Var h2 = sigmoid(ad::weighted_sum(std::array{p[2], p[3]}, in, b1));
  const std::array<ad::Var, 2> hidden = {h1, h2};
  ad::Var o1 = sigmoid(ad::weighted_sum(std::array{p[4], p[5]}, hidden, b2));
  ad::Var o2 = sigmoid(ad::weighted_sum(std::array{p[6], p[7]}, hidden, b2));
  ad::Var e = 0.5 * pow(0.01 - o1, 2.0) + 0.5 * pow(0.99 - o2, 2.0);
  tape.backward(e);
  for (std::size_t k = 0; k < 8; ++k) w[k] -= 0.5 * p[k].grad();
  return e.value();
}

TEST(Allocation, NonePerStepOnceTheTapeHasGrown) {
  ad::Tape tape;
  std::array<double, 8> w = {0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55};
  step(tape, w);
  step(tape, w);
  const long before = allocations.load();
  const std::size_t reserved = tape.bytes_reserved();
  double e = 0;
  for (int k = 0; k < 100; ++k) {
    e = step(tape, w);
    EXPECT_EQ(tape.bytes_reserved(), reserved);
  }
  EXPECT_EQ(allocations.load() - before, 0);
  EXPECT_GT(e, 0.0);
  EXPECT_LT(e, 0.298371109);  // and it did train: below the tutorial's starting error
}

// The checked mode tests every node's value and partials as it is recorded, and allocates
// nothing for it either.
TEST(Allocation, NonePerStepInCheckedMode) {
  ad::Tape tape({.checked = true});
  std::array<double, 8> w = {0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55};
  step(tape, w);
  step(tape, w);
  const long before = allocations.load();
  for (int k = 0; k < 10; ++k) step(tape, w);
  EXPECT_EQ(allocations.load() - before, 0);
}

}  // namespace
