// Property tests of the engine's gradients. RapidCheck generates random expression DAGs over
// every operation of the engine's table (ad::kOps) at random points inside their domains, with
// shared sub-expressions and reused leaves, and each DAG is evaluated three ways:
//  * on the engine (ad::Var on a tape, one reverse sweep);
//  * on plain doubles, for central finite differences (Richardson-extrapolated);
//  * on the test's own dual numbers (dual.hpp, textbook derivatives), once per input direction.
// The engine's gradient must agree with both. The engine's Hessian-vector products H·e_i
// (ad::hessian_vector) must agree with the test's own second-order forward mode (hyper-dual
// numbers, hyperdual.hpp), once per pair of inputs. A failure is shrunk to a small DAG and printed,
// with the seed that reproduces it: RC_PARAMS="seed=N" ./gradient_property_test.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autodiff/autodiff.hpp"
#include "autodiff/hessian.hpp"
#include "property/dual.hpp"
#include "property/hyperdual.hpp"
#include "support/gradient_check.hpp"

namespace {

using ad::Op;
using dual::Dual;
using hyperdual::HyperDual;

constexpr std::size_t kOpCount = static_cast<std::size_t>(Op::Count);
// Largest |value| of a node and largest step-scaled sensitivity Σ_i |∂node/∂x_i|·max(1, |x_i|)
// the generator accepts: beyond them the finite differences lose their accuracy to rounding.
constexpr double kMaxMagnitude = 100.0;
// The finite differences' step, relative to max(1, |x_i|) (and half of it for Richardson).
constexpr double kStep = 1e-3;

// One node of the DAG. Operands are indices of earlier nodes, so sub-expressions and leaves
// are shared whenever two nodes pick the same operand.
struct Node {
  Op op = Op::Leaf;
  std::size_t input = 0;              // Leaf: which input
  std::vector<std::size_t> operands;  // Linear, WeightedSum: with the bias last if `bias`
  std::vector<double> coefficients;   // Linear
  double constant = 0.0;              // the c of a mixed operation
  bool constant_first = false;        // c + x, c * x, min(c, x): the commuted spellings
  bool bias = false;                  // Linear, WeightedSum: the last operand is a bias
  bool plain_sum = false;             // Linear recorded through ad::sum (all coefficients 1)
};

struct Dag {
  std::vector<double> point;  // the inputs x_0 .. x_{n-1}
  std::vector<Node> nodes;    // the first point.size() nodes are the inputs; the last is f
};

std::ostream& operator<<(std::ostream& os, const Dag& dag) {
  os.precision(17);
  for (std::size_t i = 0; i < dag.point.size(); ++i)
    os << "x" << i << " = " << dag.point[i] << "\n";
  for (std::size_t k = dag.point.size(); k < dag.nodes.size(); ++k) {
    const Node& n = dag.nodes[k];
    os << "n" << k << " = " << ad::info(n.op).name << "(";
    for (std::size_t j = 0; j < n.operands.size(); ++j)
      os << (j ? ", " : "") << "n" << n.operands[j];
    if (ad::info(n.op).has_constant) os << (n.operands.empty() ? "" : ", ") << "c=" << n.constant;
    for (double c : n.coefficients) os << ", " << c;
    os << ")" << (n.constant_first ? " [constant first]" : "") << (n.bias ? " [bias]" : "")
       << (n.plain_sum ? " [ad::sum]" : "") << "\n";
  }
  return os;
}

// ---- One operation on any of the three number types ----

inline double sum_of(std::span<const double> x) {
  double s = 0;
  for (double v : x) s += v;
  return s;
}
inline Dual sum_of(std::span<const Dual> x) {
  Dual s;
  for (const Dual& v : x) s = s + v;
  return s;
}
inline HyperDual sum_of(std::span<const HyperDual> x) {
  HyperDual s;
  for (const HyperDual& v : x) s = s + v;
  return s;
}
inline ad::Var sum_of(std::span<const ad::Var> x) { return ad::sum(x); }

template <class T>
T linear_of(const Node& n, std::span<const T> x) {
  if constexpr (std::is_same_v<T, ad::Var>) {
    if (n.bias) return ad::linear(n.coefficients, x.first(x.size() - 1), x.back());
    return ad::linear(n.coefficients, x);
  } else {
    T s{};
    const std::size_t terms = n.bias ? x.size() - 1 : x.size();
    for (std::size_t i = 0; i < terms; ++i) s = s + n.coefficients[i] * x[i];
    return n.bias ? s + x.back() : s;
  }
}

template <class T>
T weighted_sum_of(const Node& n, std::span<const T> x) {
  if constexpr (std::is_same_v<T, ad::Var>) {
    std::vector<ad::Var> w, v;
    for (std::size_t i = 0; i + 1 < x.size(); i += 2) {
      w.push_back(x[i]);
      v.push_back(x[i + 1]);
    }
    if (n.bias) return ad::weighted_sum(w, v, x.back());
    return ad::weighted_sum(w, v);
  } else {
    T s{};
    for (std::size_t i = 0; i + 1 < x.size(); i += 2) s = s + x[i] * x[i + 1];
    return n.bias ? s + x.back() : s;
  }
}

// Applies n's operation to the values of its operands. The unary functions are listed from the
// engine's X-macro, so a function added to the table is generated here too: for the doubles it
// needs a reference:: definition (gradient_check.hpp), for the duals a textbook derivative in
// dual.hpp, or this file stops compiling. Any other new operation throws until it is handled.
template <class T>
T apply_op(const Node& n, const std::vector<T>& values) {
  using namespace reference;  // the double versions; ADL finds ad:: and dual:: for the others
  const auto operand = [&](std::size_t j) -> const T& { return values[n.operands[j]]; };
  std::vector<T> xs;
  for (std::size_t j : n.operands) xs.push_back(values[j]);
  const double c = n.constant;
  switch (n.op) {
    case Op::Neg:
      return -operand(0);
#define PROPERTY_UNARY(Name, fn, ...) \
  case Op::Name:                      \
    return fn(operand(0));
      AUTODIFF_UNARY_FUNCTIONS(PROPERTY_UNARY)
#undef PROPERTY_UNARY
    case Op::AddC:
      return n.constant_first ? c + operand(0) : operand(0) + c;
    case Op::SubC:
      return operand(0) - c;
    case Op::CSub:
      return c - operand(0);
    case Op::MulC:
      return n.constant_first ? c * operand(0) : operand(0) * c;
    case Op::DivC:
      return operand(0) / c;
    case Op::CDiv:
      return c / operand(0);
    case Op::PowC:
      return pow(operand(0), c);
    case Op::CPow:
      return pow(c, operand(0));
    case Op::MinC:
      if constexpr (std::is_same_v<T, ad::Var>)
        return n.constant_first ? ad::min(c, operand(0)) : ad::min(operand(0), c);
      else
        return min(operand(0), T{c});
    case Op::MaxC:
      if constexpr (std::is_same_v<T, ad::Var>)
        return n.constant_first ? ad::max(c, operand(0)) : ad::max(operand(0), c);
      else
        return max(operand(0), T{c});
    case Op::HalfSquaredError:
      if constexpr (std::is_same_v<T, ad::Var>)
        return ad::half_squared_error(operand(0), c);
      else
        return 0.5 * ((c - operand(0)) * (c - operand(0)));
    case Op::Add:
      return operand(0) + operand(1);
    case Op::Sub:
      return operand(0) - operand(1);
    case Op::Mul:
      return operand(0) * operand(1);
    case Op::Div:
      return operand(0) / operand(1);
    case Op::Pow:
      return pow(operand(0), operand(1));
    case Op::Min:
      return min(operand(0), operand(1));
    case Op::Max:
      return max(operand(0), operand(1));
    case Op::Linear:
      return n.plain_sum ? sum_of(std::span<const T>(xs)) : linear_of<T>(n, xs);
    case Op::WeightedSum:
      return weighted_sum_of<T>(n, xs);
    default:
      throw std::logic_error("the property test does not know the operation '" +
                             std::string(ad::info(n.op).name) + "': add it to apply_op()");
  }
}

// How far the operand values are from the nearest kink, singularity or domain edge of n's
// operation (infinity where there is none).
double distance_to_edge(const Node& n, const std::vector<double>& values) {
  const double inf = std::numeric_limits<double>::infinity();
  const double x = values[n.operands.empty() ? 0 : n.operands[0]];
  const double c = n.constant;
  switch (n.op) {
    case Op::Log:
    case Op::Sqrt:
      return x;
    case Op::Log1p:
      return 1.0 + x;
    case Op::Cbrt:
    case Op::Relu:
    case Op::Abs:
    case Op::CDiv:
      return std::fabs(x);
    case Op::Asin:
    case Op::Acos:
      return 1.0 - std::fabs(x);
    case Op::Tan:
      return std::fabs(std::cos(x));
    case Op::PowC:
      if (c != std::floor(c)) return x;   // x^0.5 and the like: x > 0
      return c < 0 ? std::fabs(x) : inf;  // x^-1: pole at 0; x^2: smooth
    case Op::MinC:
    case Op::MaxC:
      return std::fabs(x - c);
    case Op::Div:
      return std::fabs(values[n.operands[1]]);
    case Op::Pow:
      return x;  // a^b on a > 0
    case Op::Min:
    case Op::Max:
      return std::fabs(x - values[n.operands[1]]);
    default:
      return inf;
  }
}

// The values of every node along each input direction, in dual numbers.
using Directions = std::vector<std::vector<Dual>>;  // [direction][node]

double sensitivity(const Directions& d, std::size_t node, const std::vector<double>& point) {
  double s = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    s += std::fabs(d[i][node].d) * std::max(1.0, std::fabs(point[i]));
  return s;
}

// Whether n can be appended: finite, moderate value and derivatives, and its operands far
// enough from any edge that the finite-difference stencil (which moves each operand by about
// kStep × its sensitivity) stays on one side of it.
bool acceptable(const Node& n, Directions& d, const std::vector<double>& point) {
  std::vector<double> values;
  for (const Dual& v : d[0]) values.push_back(v.v);
  double operand_sensitivity = 0;
  for (std::size_t j : n.operands) operand_sensitivity += sensitivity(d, j, point);
  if (!(distance_to_edge(n, values) > 0.05 + 10 * kStep * operand_sensitivity)) return false;
  for (auto& direction : d) direction.push_back(apply_op(n, direction));
  const std::size_t k = d[0].size() - 1;
  bool ok = std::fabs(d[0][k].v) <= kMaxMagnitude && sensitivity(d, k, point) <= kMaxMagnitude;
  for (auto& direction : d) ok = ok && std::isfinite(direction[k].d);
  if (!ok)
    for (auto& direction : d) direction.pop_back();
  return ok;
}

// Draws a DAG: the inputs, then up to max_operations operations. Each operation's choices
// (operation, operands, constant, flags) are drawn first; when the drawn operation is not
// acceptable at these values, the next ones of the table are tried in turn, so that every
// draw yields a node and shrinking stays simple. Neg is always acceptable.
Dag generate(int max_operations) {
  Dag dag;
  const int inputs = *rc::gen::inRange(1, 5);
  for (int i = 0; i < inputs; ++i) {
    dag.point.push_back(*rc::gen::inRange(-2000, 2001) / 1000.0);
    Node leaf;
    leaf.input = static_cast<std::size_t>(i);
    dag.nodes.push_back(leaf);
  }
  Directions d(inputs);
  for (int i = 0; i < inputs; ++i)
    for (int j = 0; j < inputs; ++j) d[i].push_back({dag.point[j], i == j ? 1.0 : 0.0});

  const int operations = *rc::gen::inRange(1, max_operations + 1);
  for (int k = 0; k < operations; ++k) {
    const std::size_t available = dag.nodes.size();
    // Operands counted back from the newest node, so small draws (and shrinking) give chains.
    const auto pick = [&] {
      return available - 1 - static_cast<std::size_t>(*rc::gen::inRange<int>(0, available));
    };
    const std::size_t first_op = *rc::gen::inRange<std::size_t>(1, kOpCount);  // not Leaf
    const std::size_t a = pick(), b = pick();
    const int terms = *rc::gen::inRange(1, 4);
    std::vector<std::size_t> list;
    std::vector<double> coefficients;
    for (int t = 0; t < 2 * terms + 1; ++t) list.push_back(pick());
    for (int t = 0; t < terms; ++t) coefficients.push_back(*rc::gen::inRange(-2000, 2001) / 1000.0);
    const double c = *rc::gen::inRange(-3000, 3001) / 1000.0;
    const int exponent = *rc::gen::inRange(0, 9);
    const bool flag = *rc::gen::arbitrary<bool>();
    const bool bias = *rc::gen::arbitrary<bool>();

    bool appended = false;
    for (std::size_t attempt = 0; attempt < kOpCount && !appended; ++attempt) {
      const auto op = static_cast<Op>(1 + (first_op - 1 + attempt) % (kOpCount - 1));
      Node n;
      n.op = op;
      n.constant = c;
      n.constant_first = flag;
      n.bias = bias;
      const ad::OpInfo& info = ad::info(op);
      if (info.arity == 1) n.operands = {a};
      if (info.arity == 2) n.operands = {a, b};
      if (op == Op::DivC) n.constant = c >= 0 ? c + 0.25 : c - 0.25;
      if (op == Op::CPow) n.constant = 0.2 + std::fabs(c);
      if (op == Op::PowC)
        n.constant = std::array{2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5, 0.0, 1.0}[exponent];
      if (op == Op::Linear) {
        n.plain_sum = flag;
        n.operands.assign(list.begin(), list.begin() + terms);
        n.coefficients = flag ? std::vector<double>(terms, 1.0) : coefficients;
        n.bias = bias && !flag;
        if (n.bias) n.operands.push_back(list.back());
      }
      if (op == Op::WeightedSum) {
        n.operands.assign(list.begin(), list.begin() + 2 * terms);
        if (bias) n.operands.push_back(list.back());
      }
      if (acceptable(n, d, dag.point)) {
        dag.nodes.push_back(n);
        appended = true;
      }
    }
    RC_ASSERT(appended);
  }
  return dag;
}

// ---- The three evaluations ----

std::vector<double> evaluate_doubles(const Dag& dag, const std::vector<double>& point) {
  std::vector<double> values;
  for (const Node& n : dag.nodes)
    values.push_back(n.op == Op::Leaf ? point[n.input] : apply_op(n, values));
  return values;
}

// ∂f/∂x_i from the dual numbers, one forward pass per input.
std::vector<double> forward_mode(const Dag& dag) {
  std::vector<double> gradient;
  for (std::size_t i = 0; i < dag.point.size(); ++i) {
    std::vector<Dual> values;
    for (const Node& n : dag.nodes)
      values.push_back(n.op == Op::Leaf ? Dual{dag.point[n.input], n.input == i ? 1.0 : 0.0}
                                        : apply_op(n, values));
    gradient.push_back(values.back().d);
  }
  return gradient;
}

struct Difference {
  double estimate, tolerance;
};

// Central differences with steps h and h/2, combined by Richardson extrapolation; the
// tolerance is the difference of the two (a bound on the truncation error) plus the rounding
// error of f, amplified by 1/h.
Difference finite_difference(const Dag& dag, std::size_t i) {
  const double h = kStep * std::max(1.0, std::fabs(dag.point[i]));
  const auto f = [&](double dx) {
    std::vector<double> x = dag.point;
    x[i] += dx;
    return evaluate_doubles(dag, x).back();
  };
  const double d1 = (f(h) - f(-h)) / (2 * h);
  const double d2 = (f(h / 2) - f(-h / 2)) / h;
  double magnitude = 0;  // Σ |node values|: the scale of the rounding errors in f
  for (double v : evaluate_doubles(dag, dag.point)) magnitude += std::fabs(v);
  const double rounding = 64 * std::numeric_limits<double>::epsilon() * (1 + magnitude) / h;
  return {(4 * d2 - d1) / 3, std::fabs(d2 - d1) + rounding};
}

// Every operation the generated DAGs have recorded, to show the whole table is exercised.
std::set<Op>& recorded_operations() {
  static std::set<Op> ops;
  return ops;
}

void check_gradient(const Dag& dag, bool checked_tape) {
  const std::size_t inputs = dag.point.size();
  ad::Tape tape(ad::Tape::Options{.checked = checked_tape});
  std::vector<ad::Var> values;
  std::vector<ad::Var> x;
  for (std::size_t i = 0; i < inputs; ++i) {
    std::string name = std::to_string(i);  // not "x" + ...: GCC 12's -Wrestrict false positive
    name.insert(name.begin(), 'x');
    x.emplace_back(dag.point[i], name);
  }
  for (const Node& n : dag.nodes)
    values.push_back(n.op == Op::Leaf ? x[n.input] : apply_op(n, values));
  for (const ad::NodeView& node : tape.nodes()) recorded_operations().insert(node.op);
  tape.backward(values.back());

  const double f = evaluate_doubles(dag, dag.point).back();
  RC_ASSERT(std::fabs(values.back().value() - f) <= 1e-10 * (1 + std::fabs(f)));
  const std::vector<double> forward = forward_mode(dag);
  for (std::size_t i = 0; i < inputs; ++i) {
    const double engine = x[i].grad();
    RC_LOG() << "x" << i << ": engine " << engine << ", forward mode " << forward[i] << "\n";
    RC_ASSERT(std::fabs(engine - forward[i]) <= 1e-9 * (1 + std::fabs(forward[i])));
    const Difference fd = finite_difference(dag, i);
    RC_LOG() << "x" << i << ": finite difference " << fd.estimate << " ± " << fd.tolerance << "\n";
    RC_ASSERT(std::fabs(engine - fd.estimate) <= fd.tolerance);
  }
}

// ∂²f/∂x_i∂x_j from the hyper-dual numbers: ε₁ on x_i, ε₂ on x_j.
double hyper_dual_second(const Dag& dag, std::size_t i, std::size_t j) {
  std::vector<HyperDual> values;
  for (const Node& n : dag.nodes) {
    if (n.op != Op::Leaf) {
      values.push_back(apply_op(n, values));
      continue;
    }
    values.push_back({dag.point[n.input], n.input == i ? 1.0 : 0.0, n.input == j ? 1.0 : 0.0, 0.0});
  }
  return values.back().d;
}

// The engine's H·e_i, for every input i, against the hyper-dual second derivatives.
void check_hessian(const Dag& dag, bool checked_tape) {
  const std::size_t inputs = dag.point.size();
  ad::Tape tape(ad::Tape::Options{.checked = checked_tape});
  std::vector<ad::Var> values, x;
  for (std::size_t i = 0; i < inputs; ++i) x.emplace_back(dag.point[i]);
  for (const Node& n : dag.nodes)
    values.push_back(n.op == Op::Leaf ? x[n.input] : apply_op(n, values));
  for (std::size_t i = 0; i < inputs; ++i) {
    std::vector<double> e(inputs, 0.0);
    e[i] = 1.0;
    const std::vector<double> column = ad::hessian_vector(tape, values.back(), x, e);
    for (std::size_t j = 0; j < inputs; ++j) {
      const double expected = hyper_dual_second(dag, j, i);
      RC_LOG() << "H[" << j << "][" << i << "]: engine " << column[j] << ", hyper-dual " << expected
               << "\n";
      RC_ASSERT(std::fabs(column[j] - expected) <= 1e-9 * (1 + std::fabs(expected)));
    }
  }
}

// Runs a property with RapidCheck's configuration (RC_PARAMS), but with `cases` cases unless
// RC_PARAMS sets max_success itself. The seed is printed on failure.
// Under AddressSanitizer a case is many times dearer: run a tenth of the cases there.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kCaseDivisor = 10;
#else
constexpr int kCaseDivisor = 1;
#endif

// Returns the number of cases asked for.
template <class Property>
int check_property(const char* name, int cases, Property property) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  const char* env = std::getenv("RC_PARAMS");
  if (env == nullptr || std::string(env).find("max_success") == std::string::npos)
    params.maxSuccess = cases / kCaseDivisor;
  rc::detail::TestMetadata metadata;
  metadata.id = name;
  metadata.description = name;
  const auto result = rc::detail::checkProperty(rc::detail::toProperty(property), metadata, params);
  if (!result.template is<rc::detail::SuccessResult>()) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    ADD_FAILURE() << message.str() << "\nReproduce with: RC_PARAMS=\"seed=" << params.seed
                  << "\" and --gtest_filter=*" << name << "*";
  }
  return params.maxSuccess;
}

TEST(GradientProperty, SmallExpressionsAgreeWithFiniteDifferencesAndForwardMode) {
  check_property("SmallExpressions", 5000, [] {
    const Dag dag = generate(6);
    RC_LOG() << dag;
    check_gradient(dag, *rc::gen::arbitrary<bool>());
  });
}

TEST(GradientProperty, DeepSharedDagsAgreeWithFiniteDifferencesAndForwardMode) {
  check_property("DeepSharedDags", 1500, [] {
    const Dag dag = generate(30);
    RC_LOG() << dag;
    check_gradient(dag, *rc::gen::arbitrary<bool>());
  });
}

TEST(HessianProperty, HessianVectorProductsAgreeWithHyperDualNumbers) {
  check_property("HessianVectorProducts", 2000, [] {
    const Dag dag = generate(12);
    RC_LOG() << dag;
    check_hessian(dag, *rc::gen::arbitrary<bool>());
  });
}

// The generator must reach every entry of the engine's table, so that a new operation is
// tested as soon as it is added (and an unhandled one fails in apply_op()).
TEST(GradientProperty, EveryOperationOfTheTableIsGenerated) {
  // The rarest operations (weighted_sum, two-Var pow and max) come up a few times per thousand
  // nodes: 2,000 cases missed weighted_sum for one seed in CI (seed=1255646736139887388), so
  // 6,000 (0.2 s). With the reduced counts of the sanitizer and valgrind runs, coverage is not
  // expected.
  const int cases =
      check_property("EveryOperation", 6000, [] { check_gradient(generate(8), false); });
  if (cases < 6000) GTEST_SKIP() << "coverage is checked with the full 6000 cases only";
  for (std::size_t k = 0; k < kOpCount; ++k)
    EXPECT_TRUE(recorded_operations().contains(static_cast<Op>(k)))
        << "no generated expression recorded '" << ad::info(static_cast<Op>(k)).name << "'";
}

}  // namespace
