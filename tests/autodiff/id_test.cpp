// Node ids (issue 12, item 6): a Var that outlived its recording is refused however many tapes
// and clears came after it, and never reaches outside the tape; a tape of more than one chunk of
// ids (2^23 nodes) finds every node and gives the right gradients.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "autodiff/var.hpp"

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 23;  // ids per chunk (tape.hpp)

// Runs f, expects an exception of type E whose message contains `fragment`.
template <class E, class F>
void expect_error(F f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one saying: " << fragment;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// Every way of giving the active tape a Var, each refused with a message containing `fragment`:
// as an operand (of one, of two, of each sum), as backward()'s output, for gradient(), for a
// name, and for its index.
void expect_refused(ad::Tape& tape, const ad::Var& stale, const std::string& fragment) {
  const ad::Var y(2.0, "y");
  expect_error<ad::TapeMismatch>([&] { (void)sin(stale); }, fragment);
  expect_error<ad::TapeMismatch>([&] { (void)(stale * y); }, fragment);
  expect_error<ad::TapeMismatch>([&] { (void)(y - stale); }, fragment);
  expect_error<ad::TapeMismatch>(
      [&] {
        (void)ad::weighted_sum(std::array{y, y, y}, std::array{y, stale, y});
      },
      fragment);
  expect_error<ad::TapeMismatch>([&] { (void)ad::sum(std::array{y, y, stale}); }, fragment);
  expect_error<ad::TapeMismatch>([&] { (void)ad::linear(std::array{1.0}, std::array{y}, stale); },
                                 fragment);
  expect_error<ad::TapeMismatch>([&] { tape.backward(stale); }, fragment);
  tape.backward(y);
  expect_error<ad::TapeMismatch>([&] { (void)tape.gradient(stale); }, fragment);
  expect_error<ad::TapeMismatch>([&] { (void)ad::named(stale, "s"); }, fragment);
  expect_error<ad::TapeMismatch>([&] { (void)tape.index(stale); }, fragment);
}

// A Var far into its tape: an index no small tape's buffers reach.
ad::Var deep_var() {
  ad::Var v(3.0, "x");
  for (int k = 0; k < 100'000; ++k) v = v * 1.0;
  return v;
}

// The program. Each new tape took a block of 1024 epochs of 32 bits, so the 4,194,302nd
// tape after the first had the first one's epoch again: the kept Var was accepted, and its index
// 100,000 read outside the new tape (SIGSEGV in the sweep). The tapes around that one try it too.
TEST(StaleVar, RefusedAfterFourMillionMoreTapes) {
  ad::Var kept;
  {
    ad::Tape first;
    kept = deep_var();
  }
  constexpr int kWrap = 4'194'302;
  for (int k = 1; k < kWrap - 2; ++k) ad::Tape tape;
  for (int k = kWrap - 2; k <= kWrap + 2; ++k) {
    ad::Tape tape;
    expect_refused(tape, kept, "node #100000 (value 3) belongs to another tape");
  }
}

// The mechanism that keeps ids from repeating: each clear() takes a fresh chunk of 2^23 ids from
// a 64-bit counter, so a Var is refused after any number of clears short of 2^40; five million
// of them move the counter by 4·10^13 ids, and the Var, whose index 100,000 is far beyond the
// new recording's 2 nodes, is refused everywhere.
TEST(StaleVar, RefusedAfterFiveMillionClears) {
  ad::Tape tape;
  const ad::Var kept = deep_var();
  for (int k = 0; k < 5'000'000; ++k) tape.clear();
  expect_refused(tape, kept, "node #100000 (value 3) was recorded before its tape was cleared");
}

// What keeps 2^40 recordings within the 2^41 chunks of the 64-bit counter: tapes reserve chunks
// in blocks of 1, 2, 4, ... and leave fewer unused than they use, so the counter moves by at most
// two chunks per recording, whatever mix of new tapes and clears made them. Measured on the ids
// of the first node of a tape made before and after 3,000 tapes of 0 to 29 clears each (no other
// thread makes tapes in this test).
TEST(Ids, TheCounterMovesByAtMostTwoChunksPerRecording) {
  const auto first_id = [] {
    ad::Tape tape;
    return ad::Var(1.0).id();
  };
  const std::uint64_t before = first_id();
  std::uint64_t recordings = 0;
  for (int t = 0; t < 3'000; ++t) {
    ad::Tape tape;
    (void)ad::Var(1.0);
    const int clears = (t * 7) % 30;
    for (int k = 0; k < clears; ++k) tape.clear();
    recordings += 1 + static_cast<std::uint64_t>(clears);
  }
  const std::uint64_t after = first_id();
  EXPECT_EQ(before % kChunk, 0u);
  EXPECT_EQ(after % kChunk, 0u);
  const std::uint64_t chunks = (after - before) / kChunk - 1;  // taken by the 3,000 tapes
  EXPECT_GE(chunks, recordings);
  EXPECT_LE(chunks, 2 * recordings);
}

// A Var of tape A, deep into it, on a smaller tape B that is active, and on A again after B is
// gone: refused on B (never read at its index), accepted on A.
TEST(StaleVar, AVarOfAnotherTapeIsRefusedAndItsOwnStillWorks) {
  ad::Tape a;
  const ad::Var deep = deep_var();
  {
    ad::Tape b;
    expect_refused(b, deep, "node #100000 (value 3) belongs to another tape");
    expect_error<ad::TapeMismatch>([&] { a.backward(ad::Var(1.0)); }, "another tape");
  }
  const ad::Var y = deep * deep;
  a.backward(y);
  EXPECT_EQ(a.gradient(deep), 6.0);  // d(v²)/dv at 3
  EXPECT_EQ(a.index(deep), 100'000u);
}

// A recording of more than 2^23 nodes spans two chunks of ids: operations mixing operands of both
// (the one, the two and the sums' paths), and gradients and indices of nodes in each.
// f = b·a + (x·b + b·a) + (a + b + x) with a = 3x (first chunk) and b = 5x (second): 35x² + 9x,
// df/dx = 70x + 9 = 44 at x = 0.5; df/da = 2b + 1 = 6; df/db = 2a + x + 1 = 4.5.
TEST(Ids, ATapeOfMoreThanOneChunk) {
  ad::Tape tape;
  const ad::Var x(0.5, "x");
  const ad::Var a = x * 3.0;
  while (tape.size() < kChunk + 2) (void)ad::Var(1.0);  // constants, to fill the first chunk
  const ad::Var b = x * 5.0;
  const ad::Var c = b * a;
  const ad::Var s = ad::weighted_sum(std::array{x, b}, std::array{b, a});
  const ad::Var l = ad::sum(std::array{a, b, x});
  const ad::Var f = c + s + l;
  const ad::Var late = ad::sum(std::array{b, c, s});  // every operand in the second chunk
  EXPECT_EQ(tape.index(x), 0u);
  EXPECT_EQ(tape.index(a), 1u);
  EXPECT_EQ(tape.index(b), kChunk + 2);
  EXPECT_EQ(tape.index(f), kChunk + 7);
  EXPECT_EQ(f.value(), 35 * 0.25 + 9 * 0.5);
  EXPECT_EQ(late.value(), 2.5 + 3.75 + (1.25 + 3.75));  // b + ba + (xb + ba)
  tape.backward(f);
  EXPECT_EQ(x.grad(), 44.0);
  EXPECT_EQ(a.grad(), 6.0);
  EXPECT_EQ(b.grad(), 4.5);
  EXPECT_EQ(tape.gradient(late), 0.0);  // f does not depend on it
  // After clear() neither chunk's nodes are accepted.
  tape.clear();
  expect_refused(tape, a, "before its tape was cleared");
  expect_refused(tape, f, "before its tape was cleared");
}

// A sum's operands that are progressions of ids are tested at their ends only (tape.hpp,
// Progressions): a long sum whose ids step by 2^63 + 1 runs a, a + 2^63 + 1, a + 2 modulo 2^64,
// its ends on the tape and its middle 2^63 ids away (as a Var of a tape recorded 2^40 chunks
// later would be). Taken modulo 2^32 as the tape stores them, the step would be 1 and the middle
// read as node a + 1: the step's bound sends it to the test of each operand, which refuses it.
TEST(StaleVar, AProgressionOfIdsThatWrapsAroundIsRefused) {
  ad::Tape tape;
  const ad::Var a(1.0, "a"), b(2.0, "b"), c(3.0, "c");
  const std::uint64_t far = std::uint64_t{1} << 63;
  const ad::Var middle = ad::Var::from_node(5.0, a.id() + far + 1);
  ASSERT_EQ(c.id(), a.id() + 2);
  const std::array x{a, middle, c};
  expect_error<ad::TapeMismatch>([&] { (void)ad::sum(x); }, "another tape");
  expect_error<ad::TapeMismatch>(
      [&] {
        (void)ad::weighted_sum(std::array{b, b, b}, x);
      },
      "another tape");
  expect_error<ad::TapeMismatch>(
      [&] {
        (void)ad::weighted_sum(x, std::array{b, b, b});
      },
      "another tape");
  // The same sums of operands on the tape: the values a + b + c and 2·(a + b + c).
  const std::array y{a, b, c};
  EXPECT_EQ(ad::sum(y).value(), 6.0);
  EXPECT_EQ(ad::weighted_sum(std::array{b, b, b}, y).value(), 12.0);
}

}  // namespace
