// The operations the tape records, each defined in exactly one place: its value, its local
// partial derivatives, its name and the symbolic form of its partials. The reverse sweep, the
// checked mode, the graph dump, the explanation and the expression parser all read this table;
// adding a unary function is one line in AUTODIFF_UNARY_FUNCTIONS (plus its test).
//
// In the formulas, x is the operand, y the result, a and b the operands of a binary operation
// and c the plain-double constant of a mixed operation (x + c, c / x, ...).
//
// Conventions where a derivative does not exist (documented in the README):
//  * kinks take the subgradient of smallest magnitude, as PyTorch does: relu'(0) = 0,
//    abs'(0) = 0, and min/max at a tie give each operand 1/2;
//  * singular points take the one-sided limit from inside the domain, which may be infinite:
//    sqrt'(0) = +inf, log'(0) = +inf; pow(x, c) at x = 0 has partial c * 0^(c-1) (0 for c > 1,
//    1 for c = 1, +inf for 0 < c < 1) and 0 for c = 0; d/dc of c^x at c = 0, x > 0 is 0.
//  * a partial that is infinite or NaN is recorded as it is (a reciprocal partial as its divisor,
//    0 for an infinite one); the checked mode (Tape::checked) stops there and names the
//    operation, and a NaN gradient is never returned silently.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string_view>

namespace ad {

namespace detail {
inline double sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }
}  // namespace detail

// X(Name, function, t, value, kind, datum, symbolic partial, formula): the value is an
// expression in x and t, the datum in x, y (the value) and t, where t is an intermediate both
// share, computed once (the sigmoid's e^−|x|; 0 where none is needed). The datum is what the tape
// stores for the sweep: with kind Partial it is the local partial, and the sweep multiplies the
// adjoint by it; with kind Divisor the partial is 1/datum, and the sweep divides the adjoint by
// it. Reciprocal partials are stored as divisors because 1/d overflows where the product the
// sweep needs, adjoint/d, does not: d/dx x·log(x) at x = 5e-324 is log(x) + 1 = −743.44, while
// 1/x = inf. The symbolic partial is for people (the graph, the explanation); the formula is the
// same partial in the expression language, in x and y, for the symbolic derivative (y lets a
// named node read out·(1 − out)). The sigmoid is written so that it is accurate for any x:
// e^−|x| never overflows, and where y·(1 − y) would cancel (x ≫ 0) its partial is y²·e^−x.
#define AUTODIFF_UNARY_FUNCTIONS(X)                                                                \
  X(Exp, exp, 0, std::exp(x), Partial, y, "exp(x)", "y")                                           \
  X(Log, log, 0, std::log(x), Divisor, x, "1/x", "1/x")                                            \
  X(Log1p, log1p, 0, std::log1p(x), Divisor, 1.0 + x, "1/(1 + x)", "1/(1 + x)")                    \
  X(Expm1, expm1, 0, std::expm1(x), Partial, y + 1.0, "exp(x)", "y + 1")                           \
  X(Sqrt, sqrt, 0, std::sqrt(x), Divisor, 2.0 * y, "1/(2·sqrt(x))", "1/(2*y)")                     \
  X(Cbrt, cbrt, 0, std::cbrt(x), Divisor, 3.0 * y * y, "1/(3·cbrt(x)²)", "1/(3*y^2)")              \
  X(Sin, sin, 0, std::sin(x), Partial, std::cos(x), "cos(x)", "cos(x)")                            \
  X(Cos, cos, 0, std::cos(x), Partial, -std::sin(x), "−sin(x)", "-sin(x)")                         \
  X(Tan, tan, 0, std::tan(x), Partial, 1.0 + y * y, "1 + tan(x)²", "1 + y^2")                      \
  X(Asin, asin, 0, std::asin(x), Divisor, std::sqrt(1.0 - x * x), "1/sqrt(1 − x²)",                \
    "1/sqrt(1 - x^2)")                                                                             \
  X(Acos, acos, 0, std::acos(x), Divisor, -std::sqrt(1.0 - x * x), "−1/sqrt(1 − x²)",              \
    "-1/sqrt(1 - x^2)")                                                                            \
  X(Atan, atan, 0, std::atan(x), Partial, 1.0 / (1.0 + x * x), "1/(1 + x²)", "1/(1 + x^2)")        \
  X(Sinh, sinh, 0, std::sinh(x), Partial, std::cosh(x), "cosh(x)", "cosh(x)")                      \
  X(Cosh, cosh, 0, std::cosh(x), Partial, std::sinh(x), "sinh(x)", "sinh(x)")                      \
  X(Tanh, tanh, 0, std::tanh(x), Partial, 1.0 - y * y, "1 − tanh(x)²", "1 - y^2")                  \
  X(Erf, erf, 0, std::erf(x), Partial, std::numbers::inv_sqrtpi * 2.0 * std::exp(-x * x),          \
    "2/√π·exp(−x²)", "1.1283791670955126*exp(-x^2)")                                               \
  X(Sigmoid, sigmoid, std::exp(-std::fabs(x)), x >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t), Partial,  \
    x >= 0 ? y * y * t : y * (1.0 - y), "σ(x)·(1 − σ(x))", "y*(1 - y)")                            \
  X(Relu, relu, 0, x > 0 ? x : 0.0, Partial, x > 0 ? 1.0 : 0.0, "1 if x > 0, else 0", "relu(x)/x") \
  X(Abs, abs, 0, std::fabs(x), Partial, detail::sign(x), "sign(x)", "x/abs(x)")

// What a unary function's stored datum is (see above), and AUTODIFF_IF_<kind>(...): its
// arguments for that kind only, so that the sweep can list the functions of each kind as the
// cases of one branch, with no test per node.
enum class Datum : std::uint8_t { Partial, Divisor };
#define AUTODIFF_IF_Partial(...) __VA_ARGS__
#define AUTODIFF_IF_Divisor(...)
#define AUTODIFF_UNLESS_Partial(...)
#define AUTODIFF_UNLESS_Divisor(...) __VA_ARGS__

enum class Op : std::uint8_t {
  Leaf,  // an input, parameter or constant: no operands
  // unary
  Neg,
#define AUTODIFF_ENUM(Name, ...) Name,
  AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_ENUM)
#undef AUTODIFF_ENUM
  // one active operand x and a plain-double constant c
  AddC,  // x + c
  SubC,  // x − c
  CSub,  // c − x
  MulC,  // x · c
  DivC,  // x / c
  CDiv,  // c / x
  PowC,  // x ^ c
  CPow,  // c ^ x
  MinC,  // min(x, c)
  MaxC,  // max(x, c)
  // ½(c − x)²: an output's error against its target c, one node as the tutorials write it
  HalfSquaredError,
  // two active operands a and b
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Min,
  Max,
  // any number of operands
  Linear,       // Σ c_i·x_i with plain-double coefficients c_i (kept as the partials): sums
  WeightedSum,  // Σ w_i·x_i (+ b), all active: operands w_1, x_1, w_2, x_2, ..., [b]
  Count
};

inline constexpr std::uint8_t kVariadic = 0xFF;

// What every consumer of the tape needs to know about an operation.
struct OpInfo {
  std::string_view name;    // "exp", "mul": reports, graph labels, error messages
  std::string_view symbol;  // infix symbol for binary and mixed operations ("*"), else empty
  std::uint8_t arity;       // active operands, or kVariadic
  bool has_constant;        // the mixed operations keep their constant c on the tape
  std::array<std::string_view, 2> partial_text;  // ∂y/∂(first operand), ∂y/∂(second)
  // The same partials as formulas of the expression language (empty where there is none: min,
  // max, the variadic operations), for the symbolic derivative. Where a derivative does not exist
  // (relu and abs at 0) the formula is undefined (0/0) rather than a convention.
  std::array<std::string_view, 2> formula;
};

inline constexpr std::array<OpInfo, static_cast<std::size_t>(Op::Count)> kOps = {{
    {"leaf", "", 0, false, {}, {}},
    {"neg", "-", 1, false, {"−1"}, {"-1"}},
#define AUTODIFF_INFO(Name, fn, t, value, kind, datum, text, formula) \
  {#fn, "", 1, false, {text}, {formula}},
    AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_INFO)
#undef AUTODIFF_INFO
        {"add", "+", 1, true, {"1"}, {"1"}},
    {"sub", "-", 1, true, {"1"}, {"1"}},
    {"sub", "-", 1, true, {"−1"}, {"-1"}},
    {"mul", "*", 1, true, {"c"}, {"c"}},
    {"div", "/", 1, true, {"1/c"}, {"1/c"}},
    {"div", "/", 1, true, {"−c/x²"}, {"-c/x^2"}},
    {"pow", "^", 1, true, {"c·x^(c−1)"}, {"c*x^(c - 1)"}},
    {"pow", "^", 1, true, {"c^x·ln(c)"}, {"y*log(c)"}},
    {"min", "", 1, true, {"1 if x < c, 0 if x > c, ½ at a tie"}, {}},
    {"max", "", 1, true, {"1 if x > c, 0 if x < c, ½ at a tie"}, {}},
    {"half_squared_error", "", 1, true, {"x − c"}, {"x - c"}},
    {"add", "+", 2, false, {"1", "1"}, {"1", "1"}},
    {"sub", "-", 2, false, {"1", "−1"}, {"1", "-1"}},
    {"mul", "*", 2, false, {"b", "a"}, {"b", "a"}},
    {"div", "/", 2, false, {"1/b", "−a/b²"}, {"1/b", "-a/b^2"}},
    {"pow", "^", 2, false, {"b·a^(b−1)", "a^b·ln(a)"}, {"b*a^(b - 1)", "y*log(a)"}},
    {"min",
     "",
     2,
     false,
     {"1 if a < b, 0 if a > b, ½ at a tie", "1 if b < a, 0 if b > a, ½ at a tie"},
     {}},
    {"max",
     "",
     2,
     false,
     {"1 if a > b, 0 if a < b, ½ at a tie", "1 if b > a, 0 if b < a, ½ at a tie"},
     {}},
    {"linear", "", kVariadic, false, {"c_i"}, {}},
    {"weighted_sum", "", kVariadic, false, {"x_i", "w_i"}, {}},
}};

constexpr const OpInfo& info(Op op) { return kOps[static_cast<std::size_t>(op)]; }

// Value and partial of each unary function, for the recorder and for anyone (the expression
// parser, a forward-mode check) that needs them without recording; `datum` is what the tape
// stores, and `kind` says whether the partial is the datum or its reciprocal.
struct UnaryRule {
  double (*value)(double x);
  double (*datum)(double x, double y);
  Datum kind;
  double partial(double x, double y) const {
    const double d = datum(x, y);
    return kind == Datum::Divisor ? 1.0 / d : d;
  }
};

constexpr UnaryRule unary_rule(Op op) {
  switch (op) {
#define AUTODIFF_RULE(Name, fn, t_expr, value_expr, kind, datum_expr, ...) \
  case Op::Name:                                                           \
    return {[](double x) {                                                 \
              [[maybe_unused]] const double t = t_expr;                    \
              return value_expr;                                           \
            },                                                             \
            []([[maybe_unused]] double x, [[maybe_unused]] double y) {     \
              [[maybe_unused]] const double t = t_expr;                    \
              return datum_expr;                                           \
            },                                                             \
            Datum::kind};
    AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_RULE)
#undef AUTODIFF_RULE
    default:
      return {nullptr, nullptr, Datum::Partial};
  }
}

// The kind of a unary function's datum (Partial for every other operation).
constexpr Datum datum_kind(Op op) {
  switch (op) {
#define AUTODIFF_KIND(Name, fn, t, value, kind, ...) \
  case Op::Name:                                     \
    return Datum::kind;
    AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_KIND)
#undef AUTODIFF_KIND
    default:
      return Datum::Partial;
  }
}

constexpr bool is_unary_function(Op op) { return op > Op::Neg && op < Op::AddC; }

// Partials of the power function, with the conventions above at base 0.
inline double pow_partial_base(double a, double b) {
  return b == 0 ? 0.0 : b * std::pow(a, b - 1.0);
}
inline double pow_partial_exponent(double a, double y, double b) {
  return (a == 0 && b > 0) ? 0.0 : y * std::log(a);
}
// Partial of min/max with respect to the operand that is compared with `other`.
inline double min_partial(double self, double other) {
  return self < other ? 1.0 : (self > other ? 0.0 : 0.5);
}
inline double max_partial(double self, double other) {
  return self > other ? 1.0 : (self < other ? 0.0 : 0.5);
}

// The partials of the operations whose partials follow from values the tape keeps anyway, so
// that it need not store them: the reverse sweep calls these with the operation known at compile
// time (the switch folds away), the graph and the checked mode with any operation.

// ∂y/∂x of a mixed operation y = f(x, c).
inline double mixed_partial(Op op, double x, double y, double c) {
  switch (op) {
    case Op::AddC:
    case Op::SubC:
      return 1.0;
    case Op::CSub:
      return -1.0;
    case Op::MulC:
      return c;
    case Op::DivC:
      return 1.0 / c;
    case Op::CDiv:
      return -y / x;
    case Op::PowC:
      return pow_partial_base(x, c);
    case Op::CPow:
      return pow_partial_exponent(c, y, x);
    case Op::MinC:
      return min_partial(x, c);
    case Op::MaxC:
      return max_partial(x, c);
    case Op::HalfSquaredError:
      return x - c;  // −(c − x), exactly
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

// ∂y/∂a and ∂y/∂b of a binary operation y = f(a, b).
struct BinaryPartials {
  double a, b;
};
inline BinaryPartials binary_partials(Op op, double a, double b, double y) {
  switch (op) {
    case Op::Add:
      return {1.0, 1.0};
    case Op::Sub:
      return {1.0, -1.0};
    case Op::Mul:
      return {b, a};
    case Op::Div:
      return {1.0 / b, -y / b};
    case Op::Pow:
      return {pow_partial_base(a, b), pow_partial_exponent(a, y, b)};
    case Op::Min:
      return {min_partial(a, b), min_partial(b, a)};
    case Op::Max:
      return {max_partial(a, b), max_partial(b, a)};
    default:
      return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  }
}

}  // namespace ad
