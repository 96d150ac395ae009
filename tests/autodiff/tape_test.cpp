// The tape's sweep: shared sub-expressions, several outputs, repeated backward, a very long
// chain, threads (and the rule that a tape dies on its own thread), names and memory. Each expected
// gradient is derived by hand in the test.
#include "autodiff/tape.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <latch>
#include <thread>

#include "autodiff/var.hpp"

namespace {

TEST(Tape, ReusedNodeContributionsAddUp) {
  ad::Tape tape;
  ad::Var x(3.0, "x");
  ad::Var y = x * x + x;  // dy/dx = 2x + 1
  tape.backward(y);
  EXPECT_EQ(x.grad(), 7.0);
}

TEST(Tape, DiamondsAddUp) {
  // x → a = sin x, b = x² → c = a·b → d = c + a: dd/dx = (b + 1)·cos x + a·2x.
  ad::Tape tape;
  const double v = 0.7;
  ad::Var x(v, "x");
  ad::Var a = sin(x), b = x * x;
  ad::Var d = a * b + a;
  tape.backward(d);
  EXPECT_DOUBLE_EQ(x.grad(), (v * v + 1) * std::cos(v) + std::sin(v) * 2 * v);
}

TEST(Tape, SharedBiasCollectsFromEveryNeuron) {
  // Two neurons share a bias b: E = ½(σ(w1 + b) − t1)² + ½(σ(w2 + b) − t2)².
  // dE/db = Σ (o_k − t_k)·o_k·(1 − o_k), the delta rule summed over the neurons.
  ad::Tape tape;
  ad::Var w1(0.3, "w1"), w2(-0.8, "w2"), b(0.35, "b");
  ad::Var o1 = sigmoid(w1 + b), o2 = sigmoid(w2 + b);
  ad::Var e = 0.5 * pow(o1 - 0.01, 2.0) + 0.5 * pow(o2 - 0.99, 2.0);
  tape.backward(e);
  const auto s = [](double z) { return 1 / (1 + std::exp(-z)); };
  const double p1 = s(0.65), p2 = s(-0.45);
  EXPECT_NEAR(b.grad(), (p1 - 0.01) * p1 * (1 - p1) + (p2 - 0.99) * p2 * (1 - p2), 1e-15);
}

TEST(Tape, SeveralOutputsFromOneRecording) {
  ad::Tape tape;
  ad::Var x(2.0, "x"), y(5.0, "y");
  ad::Var e1 = x * y, e2 = x + 3.0 * y;
  ad::Var total = e1 + e2;
  const std::size_t recorded = tape.size();
  tape.backward(e1);
  EXPECT_EQ(x.grad(), 5.0);
  EXPECT_EQ(y.grad(), 2.0);
  tape.backward(e2);
  EXPECT_EQ(x.grad(), 1.0);
  EXPECT_EQ(y.grad(), 3.0);
  tape.backward(total);
  EXPECT_EQ(x.grad(), 6.0);
  EXPECT_EQ(y.grad(), 5.0);
  EXPECT_EQ(tape.size(), recorded);  // nothing recorded again
}

TEST(Tape, BackwardTwiceReplacesUnlessAskedToAccumulate) {
  ad::Tape tape;
  ad::Var x(3.0, "x");
  ad::Var y = x * x;
  tape.backward(y);
  tape.backward(y);
  EXPECT_EQ(x.grad(), 6.0);
  tape.backward(y, ad::Backward::Accumulate);
  EXPECT_EQ(x.grad(), 12.0);
  // Accumulating an output recorded earlier than another does not re-send the later one.
  ad::Var z = 10.0 * x;
  tape.backward(z);
  tape.backward(y, ad::Backward::Accumulate);
  EXPECT_EQ(x.grad(), 16.0);
}

TEST(Tape, GradientOfIntermediateNodes) {
  ad::Tape tape;
  ad::Var x(0.5, "x");
  ad::Var u = exp(x);
  ad::Var y = u * u;  // dy/du = 2u
  tape.backward(y);
  EXPECT_DOUBLE_EQ(u.grad(), 2 * std::exp(0.5));
  EXPECT_DOUBLE_EQ(x.grad(), 2 * std::exp(1.0));
}

// 10^7 operations in a chain: the sweep is a loop, so no stack is at risk. The reference is
// the chain rule written out in plain doubles: dx_N/dx_0 = Π (1 + 1e-6·cos x_k).
TEST(Tape, TenMillionOperationChain) {
  constexpr int kLinks = 3'333'334;  // three operations each
  ad::Tape tape;
  ad::Var x0(0.5, "x0");
  ad::Var x = x0;
  for (int k = 0; k < kLinks; ++k) x = x + 1e-6 * sin(x);
  EXPECT_GE(tape.size(), 10'000'000u);
  tape.backward(x);
  double v = 0.5, derivative = 1.0;
  for (int k = 0; k < kLinks; ++k) {
    derivative *= 1 + 1e-6 * std::cos(v);
    v = v + 1e-6 * std::sin(v);
  }
  EXPECT_EQ(x.value(), v);
  EXPECT_NEAR(x0.grad(), derivative, 1e-12 * derivative);
}

TEST(Tape, ThreadsRecordIndependently) {
  std::latch both_recording(2);
  double g1 = 0, g2 = 0;
  const auto work = [&](double start, double& out) {
    ad::Tape tape;  // each thread's own tape
    ad::Var x(start, "x");
    ad::Var y = x;
    both_recording.arrive_and_wait();  // the two recordings overlap in time
    for (int k = 0; k < 100'000; ++k) y = y * 0.999999 + 1e-7 * x;
    tape.backward(y);
    out = x.grad();
  };
  std::thread a(work, 1.0, std::ref(g1)), b(work, 2.0, std::ref(g2));
  a.join();
  b.join();
  // y_{k+1} = r·y_k + c·x is linear in x: dy_N/dx = r^N + c·(1 − r^N)/(1 − r), for any start.
  const double r = 0.999999, c = 1e-7, rn = std::pow(r, 100'000);
  const double expected = rn + c * (1 - rn) / (1 - r);
  EXPECT_NEAR(g1, expected, 1e-9);
  EXPECT_NEAR(g2, expected, 1e-9);
}

TEST(Tape, NamesLabelNodes) {
  ad::Tape tape;
  ad::Var w(0.4, "w5");
  ad::Var out = ad::named(sigmoid(w * 2.0), "out_o1");
  ad::Var unnamed = out + 1.0;
  EXPECT_EQ(tape.name(tape.index(w)), "w5");
  EXPECT_EQ(tape.label(tape.index(out)), "out_o1");
  EXPECT_EQ(tape.label(tape.index(unnamed)), "add#" + std::to_string(tape.index(unnamed)));
  ad::named(out, "renamed");
  EXPECT_EQ(tape.label(tape.index(out)), "renamed");
}

TEST(Tape, NodesExposeOperandsAndPartials) {
  ad::Tape tape;
  ad::Var a(3.0, "a"), b(4.0, "b");
  ad::Var y = a * b;
  ad::Var z = y - 0.25;
  tape.backward(z);
  const auto nodes = tape.nodes();
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[2].op, ad::Op::Mul);
  ASSERT_EQ(nodes[2].operands.size(), 2u);
  EXPECT_EQ(nodes[2].operands[0], tape.index(a));
  EXPECT_EQ(nodes[2].partials[0], 4.0);  // ∂(ab)/∂a = b
  EXPECT_EQ(nodes[2].partials[1], 3.0);
  EXPECT_EQ(nodes[3].op, ad::Op::SubC);
  EXPECT_EQ(nodes[3].constant, 0.25);
  EXPECT_EQ(nodes[0].adjoint, 4.0);
}

// Memory: a binary operation costs its op byte, value, adjoint and two operand indices (its
// partials are not stored: they follow from the values); a unary function and a mixed operation
// one operand index and one double (the partial, or the constant). Issue 7's bound is 40 bytes
// per binary operation.
TEST(Tape, BytesPerOperation) {
  ad::Tape tape;
  ad::Var a(1.5), b(2.0);
  const auto bytes = [&](auto record) {
    const std::size_t before = tape.bytes_used();
    record();
    return tape.bytes_used() - before;
  };
  constexpr std::size_t kBinary = 1 + 8 + 8 + 2 * 4, kUnary = 1 + 8 + 8 + 4 + 8;
  EXPECT_EQ(bytes([&] { a + b; }), kBinary);
  EXPECT_EQ(bytes([&] { a - b; }), kBinary);
  EXPECT_EQ(bytes([&] { a* b; }), kBinary);
  EXPECT_EQ(bytes([&] { a / b; }), kBinary);
  EXPECT_EQ(bytes([&] { pow(a, b); }), kBinary);
  EXPECT_EQ(bytes([&] { min(a, b); }), kBinary);
  EXPECT_EQ(bytes([&] { max(a, b); }), kBinary);
  EXPECT_LE(kBinary, 40u);
  EXPECT_EQ(bytes([&] { sin(a); }), kUnary);
  EXPECT_EQ(bytes([&] { a * 0.5; }), kUnary);
  EXPECT_EQ(bytes([&] { -a; }), 1 + 8 + 8 + 4u);
  EXPECT_EQ(bytes([&] { ad::Var(3.0); }), 1 + 8 + 8u);
  // Σ wᵢxᵢ + b over three terms: one node, 2·3 + 1 operand indices and the count.
  const std::array<ad::Var, 3> w = {a, b, a}, x = {b, a, b};
  EXPECT_EQ(bytes([&] { ad::weighted_sum(w, x, a); }), 1 + 8 + 8 + (7 + 1) * 4u);
  EXPECT_EQ(tape.size(), 2u + 12u);
  EXPECT_EQ(tape.operand_count(), 7 * 2 + 1 + 1 + 1 + 8u);
}

// A dense layer's sum, Σ wᵢxᵢ + b over a row of weights recorded in order and inputs recorded at
// a fixed stride, keeps only each list's first index and step; the node still lists every
// operand with its partial.
TEST(Tape, DenseSumsKeepFirstIndexAndStep) {
  ad::Tape tape;
  std::array<ad::Var, 4> w, x;
  for (std::size_t k = 0; k < 4; ++k) w[k] = ad::Var(0.1 * static_cast<double>(k + 1));
  for (std::size_t k = 0; k < 4; ++k) {
    x[k] = ad::Var(static_cast<double>(k) - 1.5);
    ad::Var(0.0);  // x at stride 2
  }
  const ad::Var b(0.5);
  const std::size_t before = tape.bytes_used();
  const ad::Var y = ad::weighted_sum(w, x, b);
  // op, value, adjoint; w₁ and its step, x₁ and its step, the bias, the count.
  EXPECT_EQ(tape.bytes_used() - before, 1 + 8 + 8 + 6 * 4u);
  const ad::NodeView node = tape.node(tape.index(y));
  ASSERT_EQ(node.operands.size(), 9u);
  ASSERT_EQ(node.partials.size(), 9u);
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(node.operands[2 * k], tape.index(w[k]));
    EXPECT_EQ(node.operands[2 * k + 1], tape.index(x[k]));
    EXPECT_EQ(node.partials[2 * k], x[k].value());  // ∂y/∂wₖ = xₖ
    EXPECT_EQ(node.partials[2 * k + 1], w[k].value());
  }
  EXPECT_EQ(node.operands[8], tape.index(b));
  EXPECT_EQ(node.partials[8], 1.0);
}

TEST(Tape, ClearKeepsMemoryForReuse) {
  ad::Tape tape;
  for (int k = 0; k < 200'000; ++k) ad::Var(1.0) * 2.0;
  const std::size_t reserved = tape.bytes_reserved();
  tape.clear();
  EXPECT_EQ(tape.size(), 0u);
  EXPECT_EQ(tape.bytes_used(), 0u);
  for (int k = 0; k < 200'000; ++k) ad::Var(1.0) * 2.0;
  EXPECT_EQ(tape.bytes_reserved(), reserved);
}

TEST(Tape, NestedTapesRestoreTheOuterOne) {
  ad::Tape outer;
  ad::Var x(2.0, "x");
  {
    ad::Tape inner;
    EXPECT_EQ(&ad::Tape::active(), &inner);
    ad::Var y(3.0, "y");
    ad::Var z = y * y;
    inner.backward(z);
    EXPECT_EQ(y.grad(), 6.0);
  }
  EXPECT_EQ(&ad::Tape::active(), &outer);
  ad::Var w = x * x * x;
  outer.backward(w);
  EXPECT_EQ(x.grad(), 12.0);
}

TEST(Tape, TapesEndedOutOfOrderStayConsistent) {
  auto first = std::make_unique<ad::Tape>();
  auto second = std::make_unique<ad::Tape>();
  first.reset();  // not the active one: unlinked, the second stays active
  EXPECT_EQ(&ad::Tape::active(), second.get());
  second.reset();
  EXPECT_THROW(ad::Tape::active(), ad::NoActiveTape);
}

// The issue's program (issue 12, item 7): the constructing thread's active-tape pointer was left
// on the deleted tape, and the next Var was written into freed memory.
TEST(TapeDeathTest, DestroyedOnAnotherThreadStopsWithTheRuleItBroke) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto* t = new ad::Tape;
        std::thread([t] { delete t; }).join();
        ad::Var x(1.0, "x");
      },
      "an ad::Tape was destroyed on another thread than the one that constructed it; a tape is "
      "its constructing thread's active tape until it is destroyed, so it must be destroyed on "
      "that thread");
}

// What the rule allows: a tape made, used and destroyed on one thread while another thread has
// its own; and a tape read (backward, gradient) from another thread, then destroyed at home.
TEST(Tape, ATapeIsDestroyedWhereItWasMadeAndReadAnywhere) {
  auto* t = new ad::Tape;
  const ad::Var x(3.0, "x");
  const ad::Var y = x * x;
  double g = 0;
  std::thread([&] {
    ad::Tape own;
    const ad::Var z = ad::Var(2.0, "z") * 5.0;
    own.backward(z);
    t->backward(y);
    g = t->gradient(x);
  }).join();
  EXPECT_EQ(g, 6.0);  // d(x²)/dx at 3
  delete t;
  EXPECT_THROW(ad::Var(1.0, "v"), ad::NoActiveTape);
}

}  // namespace
