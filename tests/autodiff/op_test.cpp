// Every operation of the table, checked against finite differences at points spread over its
// domain (negative, near zero, large), and the documented conventions where a derivative does
// not exist, checked against the one-sided limits they are defined by.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <set>
#include <string>

#include "autodiff/expression/expression.hpp"
#include "autodiff/graph/graph.hpp"
#include "autodiff/hessian.hpp"
#include "support/gradient_check.hpp"

using testing_support::central_difference;
using testing_support::expect_gradient;
using testing_support::positive;
using testing_support::real_line;
using testing_support::unit_interval;
using namespace reference;  // double versions for the finite differences; Var ones via ADL
namespace ex = ad::expr;
using ad::Op;

namespace {

using P1 = std::vector<std::array<double, 1>>;
using P2 = std::vector<std::array<double, 2>>;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Each gradient check is a function, run by its own test and again by the coverage test at the
// end (CTest runs every test in a process of its own, so coverage cannot be collected across
// tests).
std::vector<void (*)()>& all_checks() {
  static std::vector<void (*)()> checks;
  return checks;
}
#define OP_CHECK(Name)                                                               \
  void Name();                                                                       \
  [[maybe_unused]] const bool Name##_listed = (all_checks().push_back(&Name), true); \
  TEST(Op, Name) { Name(); }                                                         \
  void Name()

OP_CHECK(Exponentials) {
  expect_gradient([](auto x) { return exp(x); },
                  P1{{-31.7}, {-4.2}, {-1e-3}, {0.29}, {3.8}, {27.4}});
  expect_gradient([](auto x) { return expm1(x); }, real_line());
  expect_gradient([](auto x) { return log(x); }, positive());
  expect_gradient([](auto x) { return log1p(x); }, P1{{-0.9}, {-1e-3}, {2e-3}, {0.5}, {40.0}});
  expect_gradient([](auto x) { return sqrt(x); }, positive());
  expect_gradient([](auto x) { return cbrt(x); }, P1{{-27.5}, {-0.3}, {0.2}, {1.0}, {8.1}});
}

OP_CHECK(Trigonometric) {
  expect_gradient([](auto x) { return sin(x); }, real_line());
  expect_gradient([](auto x) { return cos(x); }, real_line());
  expect_gradient([](auto x) { return tan(x); }, P1{{-1.3}, {-0.37}, {0.0}, {0.29}, {1.1}, {4.0}});
  expect_gradient([](auto x) { return asin(x); }, unit_interval(), 1e-4);
  expect_gradient([](auto x) { return acos(x); }, unit_interval(), 1e-4);
  expect_gradient([](auto x) { return atan(x); }, real_line());
}

OP_CHECK(Hyperbolic) {
  expect_gradient([](auto x) { return sinh(x); }, P1{{-4.2}, {-1e-3}, {0.29}, {3.8}, {20.0}});
  expect_gradient([](auto x) { return cosh(x); }, P1{{-4.2}, {-1e-3}, {0.29}, {3.8}, {20.0}});
  expect_gradient([](auto x) { return tanh(x); }, real_line());
  expect_gradient([](auto x) { return erf(x); }, real_line());
}

OP_CHECK(Activations) {
  expect_gradient([](auto x) { return sigmoid(x); }, real_line());
  // Away from the kink at 0 (the stencil stays on one side of it).
  expect_gradient([](auto x) { return relu(x); }, P1{{-3.1}, {-0.2}, {0.25}, {7.5}}, 1e-2);
  expect_gradient([](auto x) { return abs(x); }, P1{{-3.1}, {-0.2}, {0.25}, {7.5}}, 1e-2);
}

OP_CHECK(Arithmetic) {
  const std::vector<std::array<double, 2>> points = {
      {-3.5, 0.7}, {0.2, -1.9}, {1e-3, 4.0}, {12.0, -0.03}, {-250.0, 31.0}};
  expect_gradient([](auto a, auto b) { return a + b; }, points);
  expect_gradient([](auto a, auto b) { return a - b; }, points);
  expect_gradient([](auto a, auto b) { return a * b; }, points);
  expect_gradient([](auto a, auto b) { return a / b; }, points, 1e-5);
  expect_gradient([](auto a) { return -a; }, real_line());
  expect_gradient([](auto a) { return +a; }, real_line());
}

OP_CHECK(MixedWithConstants) {
  const auto points = real_line();
  expect_gradient([](auto x) { return x + 2.5; }, points);
  expect_gradient([](auto x) { return 2.5 + x; }, points);
  expect_gradient([](auto x) { return x - 2.5; }, points);
  expect_gradient([](auto x) { return 2.5 - x; }, points);
  expect_gradient([](auto x) { return x * -1.75; }, points);
  expect_gradient([](auto x) { return -1.75 * x; }, points);
  expect_gradient([](auto x) { return x / 0.3; }, points);
  expect_gradient([](auto x) { return 0.3 / x; }, points, 1e-4);
}

OP_CHECK(HalfSquaredError) {
  expect_gradient([](auto o) { return half_squared_error(o, 0.01); }, real_line());
  expect_gradient([](auto o) { return half_squared_error(o, -2.5); }, real_line());
}

// ½(t − o)² is one node whose partial is o − t, bit for bit the gradient of 0.5·((t − o)·(t − o)).
TEST(Op, HalfSquaredErrorIsOneNodeWithTheProductsValueAndGradient) {
  for (const double o : {0.751365069552316, -3.25, 1e-300, 7.0e12}) {
    for (const double t : {0.01, 0.99, -1.0}) {
      ad::Tape tape;
      ad::Var x(o, "o");
      const std::size_t before = tape.size();
      const ad::Var e = half_squared_error(x, t);
      EXPECT_EQ(tape.size(), before + 1);
      tape.backward(e);
      const double error = 0.5 * ((t - o) * (t - o));
      EXPECT_EQ(e.value(), error);
      EXPECT_EQ(x.grad(), -(t - o));
    }
  }
}

OP_CHECK(CompoundAssignment) {
  expect_gradient(
      [](auto x, auto y) {
        auto z = x;
        z += y;
        z *= x;
        z -= 0.5;
        z /= y;
        z += 3.0;
        z *= 1.5;
        z -= x;
        z /= 2.0;
        return z;
      },
      P2{{0.7, 1.3}, {-2.0, 0.4}, {5.0, -3.0}}, 1e-4);
}

OP_CHECK(Power) {
  const std::vector<std::array<double, 2>> points = {
      {0.3, 2.5}, {1.7, -1.2}, {4.0, 0.5}, {0.05, 3.0}, {25.0, 1.1}};
  expect_gradient([](auto a, auto b) { return pow(a, b); }, points);
  expect_gradient([](auto x) { return pow(x, 3.0); }, real_line());
  expect_gradient([](auto x) { return pow(x, -0.5); }, positive());
  expect_gradient([](auto x) { return pow(2.5, x); }, real_line());
}

OP_CHECK(MinMaxAwayFromTies) {
  const std::vector<std::array<double, 2>> points = {{-1.0, 2.0}, {3.0, -0.5}, {0.1, 0.2}};
  expect_gradient([](auto a, auto b) { return min(a, b); }, points, 1e-3);
  expect_gradient([](auto a, auto b) { return max(a, b); }, points, 1e-3);
  expect_gradient([](auto x) { return min(x, 0.5); }, P1{{-2.0}, {1.5}}, 1e-2);
  expect_gradient([](auto x) { return max(x, 0.5); }, P1{{-2.0}, {1.5}}, 1e-2);
  expect_gradient([](auto x) { return min(0.5, x); }, P1{{-2.0}, {1.5}}, 1e-2);
  expect_gradient([](auto x) { return max(0.5, x); }, P1{{-2.0}, {1.5}}, 1e-2);
}

// The fused sums: their gradients against finite differences of the same sums written out.
template <class T>
T weighted(const T& w1, const T& w2, const T& x1, const T& x2, const T& b) {
  if constexpr (std::is_same_v<T, double>) {
    return w1 * x1 + w2 * x2 + b;
  } else {
    const std::array<ad::Var, 2> w = {w1, w2}, x = {x1, x2};
    return ad::weighted_sum(w, x, b);
  }
}

OP_CHECK(Sums) {
  expect_gradient(
      [](auto w1, auto w2, auto x1, auto x2, auto b) { return weighted(w1, w2, x1, x2, b); },
      std::vector<std::array<double, 5>>{{0.15, 0.2, 0.05, 0.1, 0.35},
                                         {-2.0, 3.5, 0.7, -1.1, 0.0}});
  expect_gradient(
      [](auto a, auto b, auto c) {
        if constexpr (std::is_same_v<decltype(a), double>) {
          return (0.5 * a + -2.0 * b + 4.0 * c) * (a + b + c) + (3.0 * a - c + b);
        } else {
          const std::array<ad::Var, 3> x = {a, b, c};
          const std::array<double, 3> k = {0.5, -2.0, 4.0};
          const std::array<double, 2> k2 = {3.0, -1.0};
          const std::array<ad::Var, 2> x2 = {a, c};
          return ad::linear(k, x) * ad::sum(x) + ad::linear(k2, x2, b);
        }
      },
      std::vector<std::array<double, 3>>{{1.0, 2.0, 3.0}, {-0.4, 0.9, -7.0}});
  // Without the bias.
  expect_gradient(
      [](auto w, auto x) {
        if constexpr (std::is_same_v<decltype(w), double>) {
          return w * x;
        } else {
          const std::array<ad::Var, 1> ws = {w}, xs = {x};
          return ad::weighted_sum(ws, xs);
        }
      },
      std::vector<std::array<double, 2>>{{0.3, -2.0}});
}

// Sums whose operand lists are progressions of node indices (a row of weights recorded in order,
// a layer's outputs recorded between other nodes) are stored as first index and step: check
// those, a reversed list (a negative step) and a list whose last index breaks the progression,
// against finite differences of the sums written out.
OP_CHECK(SumsOverProgressions) {
  expect_gradient(
      [](auto w1, auto w2, auto w3, auto a1, auto a2, auto a3) {
        using reference::sigmoid;
        if constexpr (std::is_same_v<decltype(w1), double>) {
          const double h1 = sigmoid(a1), h2 = sigmoid(a2), h3 = sigmoid(a3);
          return (w1 * h1 + w2 * h2 + w3 * h3 + a1) * (w3 * h1 + w2 * h2 + w1 * h3) +
                 (w1 * h1 + w2 * h2 + w1 * h3) + (0.5 * w1 - w2 + 2.0 * w3 + a2) * (h1 + h2 + h3);
        } else {
          // h1, h2, h3 at stride 2: each is followed by a node of no interest.
          std::array<ad::Var, 3> h;
          const std::array<ad::Var, 3> a = {a1, a2, a3};
          for (std::size_t k = 0; k < 3; ++k) {
            h[k] = sigmoid(a[k]);
            (void)(h[k] * 2.0);
          }
          const std::array<ad::Var, 3> w = {w1, w2, w3}, reversed = {w3, w2, w1},
                                       broken = {w1, w2, w1};
          const std::array<double, 3> c = {0.5, -1.0, 2.0};
          return ad::weighted_sum(w, h, a1) * ad::weighted_sum(reversed, h) +
                 ad::weighted_sum(broken, h) + ad::linear(c, w, a2) * ad::sum(h);
        }
      },
      std::vector<std::array<double, 6>>{{0.15, 0.2, 0.25, 0.05, 0.1, -0.3},
                                         {-2.0, 3.5, 0.7, -1.1, 0.0, 1.9}});
}

// Conventions at kinks: the subgradient of smallest magnitude (as PyTorch).
TEST(Op, KinksTakeTheSmallestSubgradient) {
  ad::Tape tape;
  ad::Var x(0.0, "x"), y(0.0, "y");
  ad::Var r = relu(x);
  tape.backward(r);
  EXPECT_EQ(x.grad(), 0.0);  // one-sided derivatives 0 and 1: subgradient set [0, 1]
  ad::Var a = abs(x);
  tape.backward(a);
  EXPECT_EQ(x.grad(), 0.0);  // [−1, 1]
  ad::Var m = max(x, y);
  tape.backward(m);
  EXPECT_EQ(x.grad(), 0.5);  // convex hull of (1, 0) and (0, 1): smallest is (½, ½)
  EXPECT_EQ(y.grad(), 0.5);
  ad::Var n = min(x, y);
  tape.backward(n);
  EXPECT_EQ(x.grad(), 0.5);
  EXPECT_EQ(y.grad(), 0.5);
  ad::Var mc = max(x, 0.0);
  tape.backward(mc);
  EXPECT_EQ(x.grad(), 0.5);
}

// Singular points: the one-sided limit from inside the domain, which may be infinite.
TEST(Op, SingularPointsTakeTheOneSidedLimit) {
  ad::Tape tape;
  ad::Var zero(0.0, "zero");
  const auto gradient = [&](const ad::Var& y) {
    tape.backward(y);
    return zero.grad();
  };
  EXPECT_EQ(gradient(sqrt(zero)), kInf);  // lim 1/(2√h) as h → 0+
  EXPECT_EQ(gradient(log(zero)), kInf);   // lim 1/h
  EXPECT_EQ(gradient(pow(zero, 2.0)), 0.0);
  EXPECT_EQ(gradient(pow(zero, 1.0)), 1.0);
  EXPECT_EQ(gradient(pow(zero, 0.5)), kInf);
  EXPECT_EQ(gradient(pow(zero, 0.0)), 0.0);  // x^0 = 1 everywhere
  // d/dy 0^y for y > 0 is 0 (0^y ≡ 0 there), and d/dx of c^x at c = 0 likewise.
  ad::Var y(2.0, "y");
  tape.backward(pow(zero, y));
  EXPECT_EQ(y.grad(), 0.0);
  EXPECT_EQ(zero.grad(), 0.0);
  tape.backward(pow(0.0, y));
  EXPECT_EQ(y.grad(), 0.0);
}

// The sigmoid stays accurate where y·(1 − y) would cancel: compare with e^−x/(1 + e^−x)².
TEST(Op, SigmoidIsStableForLargeArguments) {
  for (const double x : {-800.0, -40.0, 0.0, 40.0, 800.0}) {
    ad::Tape tape;
    ad::Var v(x, "x");
    ad::Var s = sigmoid(v);
    tape.backward(s);
    const double e = std::exp(-std::abs(x));
    EXPECT_DOUBLE_EQ(s.value(), x >= 0 ? 1 / (1 + e) : e / (1 + e)) << x;
    EXPECT_DOUBLE_EQ(v.grad(), e / ((1 + e) * (1 + e))) << x;
    EXPECT_TRUE(std::isfinite(v.grad()));
  }
}

// A reciprocal partial 1/d (log, log1p, sqrt, cbrt, asin, acos) is stored as its divisor d, and
// the sweep divides the adjoint by it: where 1/d overflows, the product the chain rule needs may
// not (PyTorch gives these too). Each is checked against its closed form, on a checked tape,
// which must let them through.
TEST(Op, ReciprocalPartialsDoNotOverflowWhereTheProductIsFinite) {
  const auto gradient = [](double at, auto f) {
    ad::Tape tape({.checked = true});
    ad::Var x(at, "x");
    tape.backward(f(x));
    return x.grad();
  };
  const auto near = [](double actual, double expected) {
    EXPECT_NEAR(actual, expected, 1e-15 * std::abs(expected)) << expected;
  };
  // d/dx x·log(x) = log(x) + 1, at subnormal x where 1/x is inf: −743.44007... at 5e-324.
  const double tiny = std::numeric_limits<double>::denorm_min();
  EXPECT_EQ(tiny, 5e-324);
  for (const double at : {tiny, 1e-310, 4e-309, std::numeric_limits<double>::min()})
    near(gradient(at, [](const ad::Var& x) { return x * log(x); }), std::log(at) + 1);
  near(std::log(tiny) + 1, -743.44007192138122);
  // d/dx (1 + x)·log1p(x) = log1p(x) + 1, at the double nearest −1 from above.
  const double above_minus_one = std::nextafter(-1.0, 0.0);
  near(gradient(above_minus_one, [](const ad::Var& x) { return (1.0 + x) * log1p(x); }),
       std::log1p(above_minus_one) + 1);
  // d/dx x·sqrt(x) = 1.5·sqrt(x), d/dx sqrt(x) = 1/(2·sqrt(x)), d/dx x·cbrt(x) = (4/3)·cbrt(x).
  near(gradient(tiny, [](const ad::Var& x) { return x * sqrt(x); }), 1.5 * std::sqrt(tiny));
  near(gradient(tiny, [](const ad::Var& x) { return sqrt(x); }), 1 / (2 * std::sqrt(tiny)));
  near(gradient(tiny, [](const ad::Var& x) { return x * cbrt(x); }), 4.0 / 3 * std::cbrt(tiny));
  // asin, acos at the double nearest 1: ±1/sqrt((1 − x)(1 + x)).
  const double below_one = std::nextafter(1.0, 0.0);
  const double root = std::sqrt((1 - below_one) * (1 + below_one));
  near(gradient(below_one, [](const ad::Var& x) { return asin(x); }), 1 / root);
  near(gradient(below_one, [](const ad::Var& x) { return acos(x); }), -1 / root);
  // The graph and the explanation still read the partial itself: 1/x.
  ad::Tape tape;
  ad::Var x(4.0, "x");
  const ad::Var y = log(x);
  EXPECT_EQ(tape.node(tape.index(y)).partials, std::vector<double>{0.25});
}

TEST(Op, ComparisonsUseValuesAndRecordNothing) {
  ad::Tape tape;
  ad::Var a(1.0), b(2.0);
  const std::size_t nodes = tape.size();
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(b > a);
  EXPECT_TRUE(a <= 1.0);
  EXPECT_TRUE(a == 1.0);
  EXPECT_TRUE(a != b);
  EXPECT_TRUE(2.0 > a);
  EXPECT_FALSE(a >= b);
  EXPECT_EQ(tape.size(), nodes);
}

// ---- The tables, row by row ----
//
// Every operation of op.hpp's tables walked through every place derived from its row: the Var
// overloads (value against plain doubles), the recorded node (NodeView: operation, value,
// constant, partials against finite differences), the reverse sweep (against finite
// differences), the graph (label, formula, symbolic partials) and the expression language
// (parsing, evaluation on doubles, recording with a constant on either side). A row added to a
// table without its Var overloads, its line in binary_operations() or one of its derived places
// fails here (and a row without that line fails Op.EveryOperationIsCovered as well).

// Points away from the kinks (min and max at a tie) and inside every domain (pow's base > 0).
const P2 kPoints = {{1.7, 0.6}, {0.45, 2.3}, {2.2, 2.9}};
constexpr double kConstant = 1.3;

std::set<Op>& checked() {
  static std::set<Op> ops;
  return ops;
}

// The recorded node of y = f(operands), checked against f on doubles and finite differences.
template <std::size_t N, class F>
void expect_node(const F& f, const std::array<double, N>& point, Op op, double constant) {
  ad::Tape tape;
  std::array<ad::Var, N> x;
  for (std::size_t i = 0; i < N; ++i) x[i] = ad::Var(point[i], i == 0 ? "a" : "b");
  const ad::Var y = std::apply(f, x);
  const ad::NodeView node = tape.node(tape.index(y));
  SCOPED_TRACE(std::string(ad::info(op).name) + " recorded as " +
               std::string(ad::info(node.op).name));
  EXPECT_EQ(node.op, op);
  EXPECT_EQ(node.value, std::apply(f, point));
  ASSERT_EQ(node.operands.size(), N);
  if (ad::info(op).has_constant) {
    EXPECT_EQ(node.constant, constant);
  }
  for (std::size_t i = 0; i < N; ++i) {
    EXPECT_EQ(node.operands[i], tape.index(x[i]));
    const auto d = central_difference(f, point, i);
    EXPECT_NEAR(node.partials[i], d.estimate, d.tolerance) << "NodeView partial " << i;
  }
  // The graph: a label that names the operation, or its symbol, or the constant; a formula in
  // the operands' names; a symbolic partial per operand.
  const std::vector<ad::NodeView> nodes = tape.nodes();
  const std::string label = ad::graph::operation_text(node, 6);
  EXPECT_FALSE(label.empty());
  if (ad::info(op).label.empty()) {
    EXPECT_NE(label.find(ad::info(op).name), std::string::npos);
  }
  if (ad::info(op).has_constant) {
    EXPECT_NE(label.find("1.3"), std::string::npos) << label;
  }
  const std::string text = ad::graph::node_text(tape, nodes, tape.index(y));
  for (std::size_t i = 0; i < N; ++i)
    EXPECT_NE(text.find(i == 0 ? "a" : "b"), std::string::npos) << text;
  if (ad::info(op).has_constant) {
    EXPECT_NE(text.find("1.3"), std::string::npos) << text;
  }
  for (std::uint32_t i = 0; i < N; ++i)
    EXPECT_FALSE(ad::graph::symbolic_partial(tape, nodes, tape.index(y), i).empty());
  checked().insert(op);
}

// One binary operation: f(a, b) with a, b both Vars, either one a constant, or both doubles
// (the reference), through the engine and the expression language.
template <class F>
void expect_binary(Op op, const F& f) {
  const ad::OpInfo& info = ad::info(op);
  ASSERT_EQ(info.kind, ad::OpKind::Binary);
  const Op x_c = ad::with_constant(op, false), c_x = ad::with_constant(op, true);
  for (const auto& [a, b] : kPoints) {
    expect_node(f, std::array{a, b}, op, 0.0);
    expect_node([&](auto x) { return f(x, kConstant); }, std::array{a}, x_c, kConstant);
    expect_node([&](auto x) { return f(kConstant, x); }, std::array{b}, c_x, kConstant);
  }
  // The sweep, against finite differences (and its coverage for Op.EveryOperationIsCovered).
  expect_gradient(f, kPoints);
  expect_gradient([&](auto x) { return f(x, kConstant); }, P1{{1.7}, {0.45}, {2.2}});
  expect_gradient([&](auto x) { return f(kConstant, x); }, P1{{0.6}, {2.3}, {2.9}});
  // The expression language: the operator, and the function where the language has one.
  std::vector<std::string (*)(const ad::OpInfo&, std::string, std::string)> forms;
  if (!info.symbol.empty())
    forms.push_back([](const ad::OpInfo& i, std::string l, std::string r) {
      return l + " " + std::string(i.symbol) + " " + r;
    });
  if (info.call || info.symbol.empty())
    forms.push_back([](const ad::OpInfo& i, std::string l, std::string r) {
      return std::string(i.name) + "(" + l + ", " + r + ")";
    });
  for (const auto form : forms) {
    SCOPED_TRACE(form(info, "a", "b"));
    const ex::Expression e = ex::Expression::parse(form(info, "a", "b"));
    for (const auto& [a, b] : kPoints) EXPECT_EQ(ex::evaluate(e, {{"a", a}, {"b", b}}), f(a, b));
    ad::Tape tape;
    const ad::Var a(kPoints[0][0], "a"), b(kPoints[0][1], "b");
    EXPECT_EQ(tape.node(tape.index(ex::record(e, {{"a", a}, {"b", b}}))).op, op);
    const ex::Expression left = ex::Expression::parse(form(info, "a", "1.3"));
    EXPECT_EQ(tape.node(tape.index(ex::record(left, {{"a", a}}))).op, x_c);
    const ex::Expression right = ex::Expression::parse(form(info, "1.3", "b"));
    EXPECT_EQ(tape.node(tape.index(ex::record(right, {{"b", b}}))).op, c_x);
  }
  if (info.call) {
    bool listed = false;
    for (const ex::Function& fn : ex::functions()) listed |= fn.op == op && fn.arity == 2;
    EXPECT_TRUE(listed) << info.name << " is not a function of the expression language";
  }
  checked().insert(op);
}

// Each binary operation written as a person writes it; the references are the plain-double
// operators and std:: functions.
void binary_operations() {
  expect_binary(Op::Add, [](auto a, auto b) { return a + b; });
  expect_binary(Op::Sub, [](auto a, auto b) { return a - b; });
  expect_binary(Op::Mul, [](auto a, auto b) { return a * b; });
  expect_binary(Op::Div, [](auto a, auto b) { return a / b; });
  expect_binary(Op::Pow, [](auto a, auto b) { return pow(a, b); });
  expect_binary(Op::Min, [](auto a, auto b) { return min(a, b); });
  expect_binary(Op::Max, [](auto a, auto b) { return max(a, b); });
}

void mixed_operations() {
  for (const auto& point : kPoints)
    expect_node([](auto x) { return half_squared_error(x, kConstant); }, std::array{point[0]},
                Op::HalfSquaredError, kConstant);
  expect_gradient([](auto x) { return half_squared_error(x, kConstant); }, P1{{0.4}, {2.1}});
}

// Each unary function through the expression language (its name parses, its value on doubles
// is the recorded one), the recorded node (its partial against finite differences of that
// value), the sweep and the graph. Their values are checked against references in op_test.cpp.
void unary_functions() {
  constexpr double x = 0.4;  // inside every domain
  for (std::size_t i = 0; i < ad::kOps.size(); ++i) {
    if (ad::kOps[i].kind != ad::OpKind::Unary) continue;
    const auto op = static_cast<Op>(i);
    const std::string name(ad::kOps[i].name);
    SCOPED_TRACE(name);
    const ex::Expression e = ex::Expression::parse(name + "(a)");
    const auto f = [&](double a) { return ex::evaluate(e, {{"a", a}}); };
    ad::Tape tape;
    const ad::Var a(x, "a");
    const ad::Var y = ex::record(e, {{"a", a}});
    const ad::NodeView node = tape.node(tape.index(y));
    EXPECT_EQ(node.op, op);
    EXPECT_EQ(node.value, f(x));
    const auto d = central_difference(f, std::array{x}, 0);
    EXPECT_NEAR(node.partials[0], d.estimate, d.tolerance);
    tape.backward(y);
    EXPECT_NEAR(a.grad(), d.estimate, d.tolerance);
    EXPECT_EQ(ad::graph::operation_text(node, 6), name);
    const std::vector<ad::NodeView> nodes = tape.nodes();
    EXPECT_EQ(ad::graph::node_text(tape, nodes, tape.index(y)), name + "(a)");
    EXPECT_FALSE(ad::graph::symbolic_partial(tape, nodes, tape.index(y), 0).empty());
    checked().insert(op);
  }
}

OP_CHECK(TableRows) {
  binary_operations();
  mixed_operations();
  unary_functions();
}

// Every operation of the tables went through the walks above: run them again here (each test
// runs in a process of its own) and list what they left out.
TEST(Op, EveryRowIsWalkedThroughEveryPlace) {
  TableRows();
  for (std::size_t i = 0; i < ad::kOps.size(); ++i) {
    const ad::OpKind kind = ad::kOps[i].kind;
    if (kind == ad::OpKind::Binary || kind == ad::OpKind::WithConstant ||
        kind == ad::OpKind::Mixed || kind == ad::OpKind::Unary) {
      EXPECT_TRUE(checked().count(static_cast<Op>(i)))
          << ad::kOps[i].name << " (op " << i << ") is not walked";
    }
  }
}

// The constant-operand variants are the binary rows': x ∘ c and c ∘ x record operations whose
// binary twin is the row, and a commutative row has one variant only.
TEST(Op, ConstantVariantsComeFromTheirRows) {
  for (std::size_t i = 0; i < ad::kOps.size(); ++i) {
    const auto op = static_cast<Op>(i);
    if (ad::kOps[i].kind != ad::OpKind::Binary) continue;
    for (const bool first : {false, true}) {
      const Op variant = ad::with_constant(op, first);
      ASSERT_NE(variant, Op::Count) << ad::kOps[i].name;
      EXPECT_EQ(ad::info(variant).binary, op);
      EXPECT_EQ(ad::info(variant).name, ad::kOps[i].name);
      EXPECT_TRUE(ad::info(variant).has_constant);
    }
  }
}

// ---- Second partials ----
//
// Each operation's second partials, through ad::hessian of a function made of it alone (or with
// its operands shared), against (a) the closed form written here and (b) central differences of
// the engine's own first derivatives (a gradient per point of the stencil).

std::set<Op>& second_covered() {
  static std::set<Op> ops;
  return ops;
}

// The engine's ∂f/∂x_j at `point`, from a reverse sweep on a tape of its own.
template <std::size_t N, class F>
double engine_partial(const F& f, const std::array<double, N>& point, std::size_t j) {
  ad::Tape tape;
  std::array<ad::Var, N> x;
  for (std::size_t i = 0; i < N; ++i) x[i] = ad::Var(point[i]);
  tape.backward(std::apply(f, x));
  return x[j].grad();
}

// f's Hessian from the engine at each point, against closed_form(point...) (row-major N × N) and
// against finite differences of engine_partial.
template <std::size_t N, class F, class H>
void expect_second(const F& f, const H& closed_form,
                   const std::vector<std::array<double, N>>& points, double max_step = 1e-3) {
  for (const auto& point : points) {
    ad::Tape tape;
    std::array<ad::Var, N> x;
    for (std::size_t i = 0; i < N; ++i) x[i] = ad::Var(point[i]);
    const ad::Var y = std::apply(f, x);
    for (const ad::NodeView& node : tape.nodes()) second_covered().insert(node.op);
    const std::vector<std::vector<double>> h = ad::hessian(tape, y, x);
    const std::vector<double> expected = std::apply(closed_form, point);
    ASSERT_EQ(expected.size(), N * N);
    for (std::size_t i = 0; i < N; ++i) {
      for (std::size_t j = 0; j < N; ++j) {
        SCOPED_TRACE("∂²f/∂x" + std::to_string(i) + "∂x" + std::to_string(j) +
                     " at x0 = " + std::to_string(point[0]));
        const double e = expected[i * N + j];
        EXPECT_NEAR(h[i][j], e, 1e-12 * (1 + std::abs(e))) << "closed form";
        const auto partial_j = [&](auto... p) {
          return engine_partial(f, std::array<double, N>{p...}, j);
        };
        const auto d = central_difference(partial_j, point, i, max_step);
        EXPECT_NEAR(h[i][j], d.estimate, d.tolerance) << "finite difference of ∂f/∂x" << j;
      }
    }
  }
}

using V = std::vector<double>;

OP_CHECK(SecondPartialsOfUnaryFunctions) {
  const auto one = [](auto f, auto second, const P1& points, double step = 1e-3) {
    expect_second(
        f, [&](double x) { return V{second(x)}; }, points, step);
  };
  const P1 tame = {{-4.2}, {-1.3}, {-0.37}, {2e-3}, {0.29}, {1.1}, {3.8}};
  one([](auto x) { return -x; }, [](double) { return 0.0; }, tame);
  one([](auto x) { return exp(x); }, [](double x) { return std::exp(x); }, tame);
  one([](auto x) { return expm1(x); }, [](double x) { return std::exp(x); }, tame);
  one([](auto x) { return log(x); }, [](double x) { return -1 / (x * x); }, positive());
  one([](auto x) { return log1p(x); }, [](double x) { return -1 / ((1 + x) * (1 + x)); },
      P1{{-0.9}, {-1e-2}, {0.5}, {40.0}}, 1e-4);
  one([](auto x) { return sqrt(x); }, [](double x) { return -0.25 * std::pow(x, -1.5); },
      P1{{0.0731}, {0.5}, {2.7}, {41.0}});
  one([](auto x) { return cbrt(x); }, [](double x) { return -2.0 / (9 * std::pow(cbrt(x), 5)); },
      P1{{-27.5}, {-0.3}, {0.2}, {1.0}, {8.1}});
  one([](auto x) { return sin(x); }, [](double x) { return -std::sin(x); }, tame);
  one([](auto x) { return cos(x); }, [](double x) { return -std::cos(x); }, tame);
  one([](auto x) { return tan(x); },
      [](double x) { return 2 * std::sin(x) / std::pow(std::cos(x), 3); },
      P1{{-1.3}, {-0.37}, {0.0}, {0.29}, {1.1}, {4.0}}, 1e-4);
  one([](auto x) { return asin(x); }, [](double x) { return x / std::pow(1 - x * x, 1.5); },
      unit_interval(), 1e-4);
  one([](auto x) { return acos(x); }, [](double x) { return -x / std::pow(1 - x * x, 1.5); },
      unit_interval(), 1e-4);
  one([](auto x) { return atan(x); }, [](double x) { return -2 * x / std::pow(1 + x * x, 2); },
      tame);
  one([](auto x) { return sinh(x); }, [](double x) { return std::sinh(x); }, tame);
  one([](auto x) { return cosh(x); }, [](double x) { return std::cosh(x); }, tame);
  one([](auto x) { return tanh(x); },
      [](double x) { return -2 * std::sinh(x) / std::pow(std::cosh(x), 3); }, tame);
  one([](auto x) { return erf(x); },
      [](double x) { return -4 * x / std::sqrt(std::numbers::pi) * std::exp(-x * x); }, tame);
  // σ'' = e^−x·(e^−x − 1)/(1 + e^−x)³.
  one([](auto x) { return sigmoid(x); },
      [](double x) { return std::exp(-x) * (std::exp(-x) - 1) / std::pow(1 + std::exp(-x), 3); },
      tame);
  one([](auto x) { return relu(x); }, [](double) { return 0.0; }, P1{{-3.1}, {0.25}, {7.5}}, 1e-2);
  one([](auto x) { return abs(x); }, [](double) { return 0.0; }, P1{{-3.1}, {0.25}, {7.5}}, 1e-2);
}

OP_CHECK(SecondPartialsOfBinaryOperations) {
  const P2 points = {{-3.5, 0.7}, {0.2, -1.9}, {1e-3, 4.0}, {12.0, -0.03}};
  const auto zero = [](double, double) { return V{0, 0, 0, 0}; };
  expect_second([](auto a, auto b) { return a + b; }, zero, points);
  expect_second([](auto a, auto b) { return a - b; }, zero, points);
  expect_second([](auto a, auto b) { return a * b; },
                [](double, double) {
                  return V{0, 1, 1, 0};
                },
                points);
  expect_second([](auto a, auto b) { return a / b; },
                [](double a, double b) {
                  return V{0, -1 / (b * b), -1 / (b * b), 2 * a / (b * b * b)};
                },
                points, 1e-5);
  // a^b = e^(b·ln a): ∂²/∂a² = b(b−1)a^(b−2), ∂²/∂a∂b = a^(b−1)(1 + b ln a), ∂²/∂b² = a^b ln² a.
  expect_second([](auto a, auto b) { return pow(a, b); },
                [](double a, double b) {
                  const double ab = std::pow(a, b - 1) * (1 + b * std::log(a));
                  return V{b * (b - 1) * std::pow(a, b - 2), ab, ab,
                           std::pow(a, b) * std::log(a) * std::log(a)};
                },
                P2{{0.3, 2.5}, {1.7, -1.2}, {4.0, 0.5}, {25.0, 1.1}});
  expect_second([](auto a, auto b) { return min(a, b); }, zero, P2{{-1.0, 2.0}, {3.0, -0.5}}, 1e-2);
  expect_second([](auto a, auto b) { return max(a, b); }, zero, P2{{-1.0, 2.0}, {3.0, -0.5}}, 1e-2);
  // The same operand twice: d²(x·x)/dx² = 2, d²(x/x)/dx² = 0, d²(x^x)/dx² = x^x((ln x + 1)² + 1/x).
  expect_second([](auto x) { return x * x; }, [](double) { return V{2}; }, P1{{-1.5}, {0.7}});
  expect_second([](auto x) { return x / x; }, [](double) { return V{0}; }, P1{{-1.5}, {0.7}});
  expect_second([](auto x) { return pow(x, x); },
                [](double x) { return V{std::pow(x, x) * (std::pow(std::log(x) + 1, 2) + 1 / x)}; },
                P1{{0.4}, {1.7}});
}

OP_CHECK(SecondPartialsWithConstants) {
  const P1 points = {{-4.2}, {-0.37}, {0.29}, {3.8}};
  const auto zero = [](double) { return V{0}; };
  const double c = 1.3;
  expect_second([&](auto x) { return x + c; }, zero, points);
  expect_second([&](auto x) { return c + x; }, zero, points);
  expect_second([&](auto x) { return x - c; }, zero, points);
  expect_second([&](auto x) { return c - x; }, zero, points);
  expect_second([&](auto x) { return x * c; }, zero, points);
  expect_second([&](auto x) { return c * x; }, zero, points);
  expect_second([&](auto x) { return x / c; }, zero, points);
  expect_second([&](auto x) { return c / x; }, [&](double x) { return V{2 * c / (x * x * x)}; },
                points, 1e-4);
  expect_second([&](auto x) { return pow(x, 3.0); }, [](double x) { return V{6 * x}; }, points);
  expect_second([&](auto x) { return pow(x, -0.5); },
                [](double x) { return V{0.75 * std::pow(x, -2.5)}; }, P1{{0.29}, {3.8}});
  expect_second([&](auto x) { return pow(c, x); },
                [&](double x) { return V{std::pow(c, x) * std::log(c) * std::log(c)}; }, points);
  for (const P1& side : {P1{{-4.2}, {0.29}}, P1{{3.8}}}) {
    expect_second([&](auto x) { return min(x, c); }, zero, side, 1e-2);
    expect_second([&](auto x) { return max(x, c); }, zero, side, 1e-2);
    expect_second([&](auto x) { return min(c, x); }, zero, side, 1e-2);
    expect_second([&](auto x) { return max(c, x); }, zero, side, 1e-2);
  }
  expect_second([&](auto x) { return half_squared_error(x, c); }, [](double) { return V{1}; },
                points);
}

// The fused sums: Σ wᵢxᵢ + b is bilinear (only ∂²/∂wᵢ∂xᵢ = 1), Σ cᵢxᵢ linear (all 0).
OP_CHECK(SecondPartialsOfSums) {
  expect_second(
      [](auto w1, auto w2, auto x1, auto x2, auto b) { return weighted(w1, w2, x1, x2, b); },
      [](double, double, double, double, double) {
        V h(25, 0.0);
        h[0 * 5 + 2] = h[2 * 5 + 0] = h[1 * 5 + 3] = h[3 * 5 + 1] = 1;
        return h;
      },
      std::vector<std::array<double, 5>>{{0.15, 0.2, 0.05, 0.1, 0.35}, {-2.0, 3.5, 0.7, -1.1, 0}});
  // The same Var as w and x: d²(x·x + x·y)/dx² = 2, ∂²/∂x∂y = 1.
  expect_second(
      [](auto x, auto y) {
        if constexpr (std::is_same_v<decltype(x), double>) {
          return x * x + x * y;
        } else {
          const std::array<ad::Var, 2> w = {x, x}, v = {x, y};
          return ad::weighted_sum(w, v);
        }
      },
      [](double, double) {
        return V{2, 1, 1, 0};
      },
      P2{{0.5, -1.5}});
  expect_second(
      [](auto a, auto b, auto c) {
        if constexpr (std::is_same_v<decltype(a), double>) {
          return 0.5 * a - 2.0 * b + 4.0 * c + (a + b + c);
        } else {
          const std::array<ad::Var, 3> x = {a, b, c};
          const std::array<double, 3> k = {0.5, -2.0, 4.0};
          return ad::linear(k, x) + ad::sum(x);
        }
      },
      [](double, double, double) { return V(9, 0.0); },
      std::vector<std::array<double, 3>>{{1.0, 2.0, 3.0}});
}

// A new table entry without a gradient check, or without a check of its second partials, fails
// here.
TEST(Op, EveryOperationIsCovered) {
  for (auto check : all_checks()) check();
  for (std::size_t i = 0; i < static_cast<std::size_t>(ad::Op::Count); ++i) {
    const auto op = static_cast<ad::Op>(i);
    EXPECT_TRUE(testing_support::covered_operations().count(op))
        << "no gradient check covers " << ad::info(op).name << " (op " << i << ")";
    EXPECT_TRUE(second_covered().count(op))
        << "no check of second partials covers " << ad::info(op).name << " (op " << i << ")";
  }
}

}  // namespace
