// ad::Function: a replay at new inputs gives exactly the value and gradient of recording afresh
// there (every operation of the table, the tutorials' loss), agrees with closed forms and finite
// differences, and refuses what it cannot replay: a comparison that goes the other way, the wrong
// number of inputs, a non-finite input on a checked tape, inputs that are not leaves.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "autodiff/autodiff.hpp"
#include "graph/tutorials.hpp"
#include "support/gradient_check.hpp"

namespace {

using ad::Op;
using ad::OpKind;
using ad::Var;

// a ∘ b for a row of AUTODIFF_BINARY_OPERATIONS, through the public operators.
template <class A, class B>
Var binary_row(Op row, const A& a, const B& b) {
  switch (row) {
    case Op::Add:
      return a + b;
    case Op::Sub:
      return a - b;
    case Op::Mul:
      return a * b;
    case Op::Div:
      return a / b;
    case Op::Pow:
      return ad::pow(a, b);
    case Op::Min:
      return ad::min(a, b);
    case Op::Max:
      return ad::max(a, b);
    default:
      ADD_FAILURE() << "no case for the binary row " << ad::info(row).name;
      return a + b;
  }
}

Var unary_function(Op op, const Var& x) {
  switch (op) {
#define AUTODIFF_CASE(Name, fn, ...) \
  case Op::Name:                     \
    return ad::fn(x);
    AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
    default:
      ADD_FAILURE() << "not a unary function: " << ad::info(op).name;
      return x;
  }
}

// A node of operation `op` on the inputs x and y (and nodes made of them).
Var apply(Op op, const Var& x, const Var& y) {
  constexpr double c = 0.4;
  const ad::OpInfo& i = ad::info(op);
  switch (i.kind) {
    case OpKind::Neg:
      return -x;
    case OpKind::Unary:
      return unary_function(op, x);
    case OpKind::Binary:
      return binary_row(op, x, y);
    case OpKind::WithConstant:
      return ad::with_constant(i.binary, false) == op ? binary_row(i.binary, x, c)
                                                      : binary_row(i.binary, c, x);
    case OpKind::Mixed:
      EXPECT_EQ(op, Op::HalfSquaredError) << "a new mixed operation needs its case";
      return ad::half_squared_error(x, c);
    case OpKind::Sum: {
      // Lists of consecutive nodes (a progression, laid out strided) and a short list of leaves.
      std::vector<Var> a, b;
      for (int k = 1; k <= 4; ++k) a.push_back(x * static_cast<double>(k));
      for (int k = 1; k <= 4; ++k) b.push_back(y - static_cast<double>(k));
      const std::array<Var, 2> leaves{x, y};
      const std::array<double, 2> coefficients{1.5, -2.0};
      const std::array<double, 4> more{0.5, 1.0, -3.0, 2.5};
      if (op == Op::Linear) return ad::linear(more, a, y) * ad::linear(coefficients, leaves);
      return ad::weighted_sum(a, b, x) * ad::weighted_sum(leaves, leaves);
    }
    case OpKind::Leaf:
      break;
  }
  ADD_FAILURE() << "no case for " << i.name;
  return x;
}

struct Evaluation {
  double value;
  std::vector<double> gradient;
};

// Records f at the point on a fresh tape and sweeps it: what a replay must reproduce.
template <class F>
Evaluation record_afresh(const F& f, const std::vector<double>& point) {
  ad::Tape tape;
  std::vector<Var> x;
  for (double v : point) x.emplace_back(v);
  const Var y = f(x);
  tape.backward(y);
  Evaluation e{y.value(), {}};
  for (const Var& v : x) e.gradient.push_back(tape.gradient(v));
  return e;
}

// Records f at points[0] as a Function and replays it at each other point: value and gradient
// must equal, bit for bit, those of recording afresh there.
template <class F>
void expect_replay_equals_recording(const F& f, const std::vector<std::vector<double>>& points) {
  ad::Tape tape;
  std::vector<Var> x;
  for (double v : points[0]) x.emplace_back(v);
  ad::Function function = ad::record(x, [&] { return f(x); });
  for (const auto& p : points) {
    const auto [value, gradient] = function(p);
    const Evaluation fresh = record_afresh(f, p);
    EXPECT_EQ(value, fresh.value);
    EXPECT_EQ(gradient, fresh.gradient);
  }
}

TEST(Function, ReplayEqualsRecordingAfreshForEveryOperation) {
  const std::vector<std::vector<double>> points = {
      {0.3, 0.6}, {0.7, 0.25}, {0.55, 0.45}, {0.25, 0.75}, {0.3, 0.6}};
  for (std::size_t k = 0; k < ad::kOpCount; ++k) {
    const Op op = static_cast<Op>(k);
    if (op == Op::Leaf) continue;  // the inputs are leaves
    SCOPED_TRACE(std::string(ad::info(op).name) + " (op " + std::to_string(k) + ")");
    const auto f = [op](const std::vector<Var>& x) {
      const Var node = apply(op, x[0], x[1]);
      const ad::Tape& tape = ad::Tape::active();
      bool recorded = false;
      for (std::uint32_t i = 0; i < tape.size(); ++i) recorded |= tape.op(i) == op;
      EXPECT_TRUE(recorded);
      return node * x[1] + x[0];
    };
    expect_replay_equals_recording(f, points);
  }
}

TEST(Function, TutorialLossReplayedEqualsRecordingAfreshAndTheHandDerivedGradient) {
  // Inputs: i1, i2, w1..w8, b1, b2, target_o1, target_o2.
  const auto figures = [](const tutorials::Figures& f) {
    std::vector<double> p{f.i1, f.i2};
    p.insert(p.end(), f.w.begin(), f.w.end());
    p.insert(p.end(), {f.b1, f.b2, f.t1, f.t2});
    return p;
  };
  for (const tutorials::Figures& wiring : {tutorials::kLamsal, tutorials::kMazur}) {
    ad::Tape tape;
    const tutorials::Network n = tutorials::record(wiring);
    std::vector<Var> x{n.i1, n.i2};
    x.insert(x.end(), n.w.begin(), n.w.end());
    x.insert(x.end(), {n.b1, n.b2, n.t1, n.t2});
    ad::Function f = ad::record(x, [&] { return n.E; });  // recorded already: kept as it is
    // The other tutorial's numbers on this wiring, and this tutorial's after a step of 0.5.
    tutorials::Figures other =
        &wiring == &tutorials::kLamsal ? tutorials::kMazur : tutorials::kLamsal;
    other.h1_weights = wiring.h1_weights;
    other.h2_weights = wiring.h2_weights;
    tutorials::Figures stepped = wiring;
    const tutorials::Reference r0 = tutorials::reference(wiring);
    for (int k = 0; k < 8; ++k) stepped.w[k] -= 0.5 * r0.dw[k];
    for (const tutorials::Figures& at : {other, stepped}) {
      const auto [value, gradient] = f(figures(at));
      ad::Tape fresh;
      const tutorials::Network again = tutorials::record(at);
      fresh.backward(again.E);
      EXPECT_EQ(value, again.E.value());
      for (int k = 0; k < 8; ++k) EXPECT_EQ(gradient[2 + k], fresh.gradient(again.w[k]));
      EXPECT_EQ(gradient[10], fresh.gradient(again.b1));
      EXPECT_EQ(gradient[11], fresh.gradient(again.b2));
      const tutorials::Reference r = tutorials::reference(at);
      EXPECT_NEAR(value, r.E, 1e-15);
      for (int k = 0; k < 8; ++k) EXPECT_NEAR(gradient[2 + k], r.dw[k], 1e-15);
      EXPECT_NEAR(gradient[10], r.db1, 1e-15);
      EXPECT_NEAR(gradient[11], r.db2, 1e-15);
    }
  }
}

TEST(Function, AgreesWithClosedFormsAndFiniteDifferences) {
  ad::Tape tape;
  std::vector<Var> x{Var(0.5, "x"), Var(1.5, "y")};
  // f = x·sin(y) + exp(x·y)/y: ∂f/∂x = sin(y) + exp(xy), ∂f/∂y = x·cos(y) + exp(xy)·(x/y − 1/y²).
  ad::Function f = ad::record(x, [&] { return x[0] * sin(x[1]) + exp(x[0] * x[1]) / x[1]; });
  const auto plain = [](double a, double b) { return a * std::sin(b) + std::exp(a * b) / b; };
  for (const std::array<double, 2> p : {std::array{1.0, 2.0}, {-0.75, 0.5}, {2.5, -1.25}}) {
    const auto [value, g] = f({p[0], p[1]});
    const double a = p[0], b = p[1], e = std::exp(a * b);
    EXPECT_NEAR(value, plain(a, b), 1e-14 * std::abs(plain(a, b)));
    EXPECT_NEAR(g[0], std::sin(b) + e, 1e-14 * (1 + std::abs(g[0])));
    EXPECT_NEAR(g[1], a * std::cos(b) + e * (a / b - 1 / (b * b)), 1e-14 * (1 + std::abs(g[1])));
    for (std::size_t i = 0; i < 2; ++i) {
      const auto d = testing_support::central_difference(plain, p, i);
      EXPECT_NEAR(g[i], d.estimate, d.tolerance);
    }
  }
}

TEST(Function, ForwardAloneAndGradientAtTheRecordingPoint) {
  ad::Tape tape;
  std::vector<Var> x{Var(3.0, "x")};
  ad::Function f = ad::record(x, [&] { return x[0] * x[0]; });
  EXPECT_EQ(f.inputs(), 1u);
  EXPECT_EQ(f.value(), 9.0);
  EXPECT_EQ(f.gradient(), std::vector<double>{6.0});  // before any forward(): the recording's
  EXPECT_EQ(f.forward({-2.0}), 4.0);
  EXPECT_EQ(f.value(), 4.0);
  EXPECT_EQ(f.gradient(), std::vector<double>{-4.0});
}

// A replay zeroes the adjoints of the nodes it recomputes, so backward() clears only the others:
// here a leaf recorded before the Function's nodes and nodes recorded after them, which a sweep
// of a later output left nonzero, and a second Function recorded right after the first, whose
// replay continues the range the first one's zeroed. Every gradient is the closed form's, and
// the nodes the output does not depend on have gradient 0.
TEST(Function, ReplaysBetweenSweepsOfOtherOutputsLeaveNoStaleAdjoint) {
  ad::Tape tape;
  const Var a(0.75, "a");  // a constant to the Functions, recorded before their inputs
  std::vector<Var> x{Var(0.5, "x"), Var(1.5, "y")};
  ad::Function f = ad::record(x, [&] { return x[0] * sin(x[1]) + a * x[0]; });
  std::vector<Var> u{Var(2.0, "u")};
  ad::Function q = ad::record(u, [&] { return u[0] * u[0] * a; });
  const Var later = exp(x[0] * x[1]) * a + u[0];  // after both, on the tape's old values
  for (const std::array<double, 3> p : {std::array{1.0, 2.0, 3.0}, {-0.5, 0.25, -1.5}}) {
    tape.backward(later);  // every adjoint on the paths to `later` nonzero
    const double fx = f.forward({p[0], p[1]}), qu = q.forward({p[2]});
    EXPECT_EQ(fx, p[0] * std::sin(p[1]) + 0.75 * p[0]);
    EXPECT_EQ(qu, p[2] * p[2] * 0.75);
    EXPECT_EQ(f.gradient(), (std::vector<double>{std::sin(p[1]) + 0.75, p[0] * std::cos(p[1])}));
    EXPECT_EQ(tape.gradient(a), p[0]);     // ∂f/∂a, not added to what the sweep of later left
    EXPECT_EQ(tape.gradient(later), 0.0);  // recorded after f's output
    EXPECT_EQ(tape.gradient(u[0]), 0.0);
    EXPECT_EQ(q.gradient(), std::vector<double>{2.0 * p[2] * 0.75});
    EXPECT_EQ(tape.gradient(a), p[2] * p[2]);
    EXPECT_EQ(tape.gradient(x[0]), 0.0);
  }
}

// abs, min, max and relu take their branch from the values a replay computes: no comparison
// to check, and the partial of the other side of the kink.
TEST(Function, KinkedOperationsFollowTheReplayedValues) {
  ad::Tape tape;
  std::vector<Var> x{Var(1.0, "x"), Var(2.0, "y")};
  ad::Function f = ad::record(x, [&] { return abs(x[0]) + ad::max(x[0], x[1]) + relu(x[1]); });
  const auto [value, g] = f({-3.0, -5.0});  // |x| = 3, max = x, relu(y) = 0
  EXPECT_EQ(value, 0.0);
  EXPECT_EQ(g, (std::vector<double>{0.0, 0.0}));  // −1 from |x|, +1 from max
  EXPECT_EQ(f({-3.0, 4.0}).gradient, (std::vector<double>{-1.0, 2.0}));
}

TEST(Function, AComparisonThatGoesTheOtherWayThrowsNamingIt) {
  ad::Tape tape;
  std::vector<Var> x{Var(1.0, "x"), Var(2.0, "y")};
  ad::Function f = ad::record(x, [&] {
    const Var s = x[0] + x[1];
    return s > 2.5 ? s * x[0] : s / x[1];  // (1 + 2) > 2.5: the product
  });
  EXPECT_EQ(f.forward({4.0, 5.0}), 36.0);  // still the product's branch
  try {
    f.forward({1.0, 1.0});
    FAIL() << "no throw";
  } catch (const ad::ComparisonChanged& e) {
    EXPECT_STREQ(e.what(),
                 "replay at (x = 1, y = 1): the comparison add#2 = 2 > 2.5 recorded as true is now "
                 "false (comparison 1 of 1, after node add#2); the recording does not hold there: "
                 "record it again");
    EXPECT_EQ(e.operation, ">");
    EXPECT_EQ(e.operands, (std::vector<double>{2.0, 2.5}));
    EXPECT_EQ(e.place, "comparison 1 of 1");
  }
  EXPECT_THROW(f.gradient(), ad::Error);  // the failed replay left no gradient to take
  EXPECT_EQ(f.forward({2.0, 3.0}), 10.0);
}

TEST(Function, EveryComparisonIsCheckedWithItsOwnSymbol) {
  struct Case {
    bool (*compare)(const Var&, const Var&);
    const char* symbol;
    double recorded, replayed;  // x, against y = 1
  };
  const Case cases[] = {
      {[](const Var& a, const Var& b) { return a < b; }, "<", 0.0, 2.0},
      {[](const Var& a, const Var& b) { return a <= b; }, "<=", 1.0, 2.0},
      {[](const Var& a, const Var& b) { return a > b; }, ">", 2.0, 1.0},
      {[](const Var& a, const Var& b) { return a >= b; }, ">=", 1.0, 0.0},
      {[](const Var& a, const Var& b) { return a == b; }, "==", 1.0, 0.5},
      {[](const Var& a, const Var& b) { return a != b; }, "!=", 2.0, 1.0},
  };
  for (const Case& c : cases) {
    ad::Tape tape;
    std::vector<Var> x{Var(c.recorded, "x"), Var(1.0, "y")};
    ad::Function f = ad::record(x, [&] { return c.compare(x[0], x[1]) ? x[0] : x[1]; });
    try {
      f.forward({c.replayed, 1.0});
      ADD_FAILURE() << c.symbol << ": no throw";
    } catch (const ad::ComparisonChanged& e) {
      EXPECT_EQ(e.operation, c.symbol);
      EXPECT_NE(std::string(e.what()).find(std::string("the comparison x = ")), std::string::npos)
          << e.what();
    }
  }
  // With a double on either side, and comparisons made outside a recording, which are not noted.
  ad::Tape tape;
  std::vector<Var> x{Var(0.25, "x")};
  EXPECT_TRUE(x[0] < 1.0);
  ad::Function f = ad::record(x, [&] { return 0.5 <= x[0] ? x[0] : -x[0]; });
  EXPECT_TRUE(x[0] > 0.0);
  EXPECT_EQ(f.forward({0.4}), -0.4);
  try {
    f.forward({0.75});
    FAIL() << "no throw";
  } catch (const ad::ComparisonChanged& e) {
    EXPECT_STREQ(e.what(),
                 "replay at (x = 0.75): the comparison 0.5 <= x = 0.75 recorded as false is now "
                 "true (comparison 1 of 1, after node x); the recording does not hold there: "
                 "record it again");
  }
}

TEST(Function, WrongNumberOfInputsThrows) {
  ad::Tape tape;
  std::vector<Var> x{Var(1.0, "x"), Var(2.0, "y")};
  ad::Function f = ad::record(x, [&] { return x[0] * x[1]; });
  try {
    f.forward({1.0, 2.0, 3.0});
    FAIL() << "no throw";
  } catch (const ad::Error& e) {
    EXPECT_STREQ(e.what(),
                 "ad::Function: 3 values for 2 inputs; give one value per input, in the order "
                 "recorded");
  }
  EXPECT_THROW(f({1.0}), ad::Error);
}

TEST(Function, CheckedTapeRefusesANonFiniteInputAndNode) {
  ad::Tape tape(ad::Tape::Options{.checked = true});
  std::vector<Var> x{Var(1.0, "x"), Var(2.0, "y")};
  ad::Function f = ad::record(x, [&] { return log(x[0]) * x[1]; });
  try {
    f.forward({std::nan(""), 2.0});
    FAIL() << "no throw";
  } catch (const ad::NonFinite& e) {
    EXPECT_STREQ(e.what(),
                 "replay at (x = nan, y = 2): input x is nan; a checked tape takes finite values "
                 "only");
  }
  // A node: the message of recording log(−1) afresh on a checked tape.
  std::string expected;
  {
    ad::Tape fresh(ad::Tape::Options{.checked = true});
    try {
      const Var a(-1.0, "x"), b(2.0, "y");
      (void)(log(a) * b);
    } catch (const ad::NonFinite& e) {
      expected = e.what();
    }
  }
  try {
    f.forward({-1.0, 2.0});
    FAIL() << "no throw";
  } catch (const ad::NonFinite& e) {
    EXPECT_EQ(e.what(), expected);
    EXPECT_EQ(e.operation, "log");
  }
}

TEST(Function, InputsMustBeDistinctLeavesOfTheActiveTape) {
  ad::Tape tape;
  const Var a(1.0, "a"), b(2.0, "b");
  const Var s = a + b;
  const auto message = [](std::vector<Var> x) {
    try {
      (void)ad::record(x, [&] { return x[0] * 2.0; });
    } catch (const ad::Error& e) {
      return std::string(e.what());
    }
    return std::string("no throw");
  };
  EXPECT_EQ(message({a, s}),
            "ad::record: input 2 (add#2) is not a leaf; a Function's inputs are leaves, "
            "ad::Var(value, name), whose values a replay sets");
  EXPECT_EQ(message({a, b, a}),
            "ad::record: input 3 (a) is given twice; each input is a leaf of its own");
}

TEST(Function, ClearingTheTapeEndsTheFunction) {
  ad::Tape tape;
  std::vector<Var> x{Var(1.0, "x")};
  ad::Function f = ad::record(x, [&] { return exp(x[0]); });
  EXPECT_TRUE(f.valid());
  tape.clear();
  EXPECT_FALSE(f.valid());
  try {
    f.forward({1.0});
    FAIL() << "no throw";
  } catch (const ad::TapeMismatch& e) {
    EXPECT_STREQ(e.what(),
                 "ad::Function: its tape was cleared after the recording; record the Function "
                 "again");
  }
}

}  // namespace
