// The operations the tape records, each defined in exactly one place: its value, its local
// partial derivatives, its name and the symbolic form of its partials. The reverse sweep, the
// checked mode, the graph dump, the explanation and the expression parser all read these tables;
// adding a unary function is one row in AUTODIFF_UNARY_FUNCTIONS, a binary operation one row in
// AUTODIFF_BINARY_OPERATIONS plus its Var overloads in var.hpp (plus, for either, its test).
//
// In the formulas, x is the operand, y the result, a and b the operands of a binary operation
// and c the plain-double constant of a mixed operation (x + c, c / x, ...).
//
// Conventions where a derivative does not exist (documented in the README):
//  * kinks take the subgradient of smallest magnitude, as PyTorch does: relu'(0) = 0,
//    abs'(0) = 0, and min/max at a tie give each operand 1/2. Second order: relu'' = abs'' = 0
//    everywhere, 0 at the kink too (the first derivative is piecewise constant), and every
//    second partial of min and max is 0, ties included (each piece is linear);
//  * singular points take the one-sided limit from inside the domain, which may be infinite:
//    sqrt'(0) = +inf, log'(0) = +inf; pow(x, c) at x = 0 has partial c * 0^(c-1) (0 for c > 1,
//    1 for c = 1, +inf for 0 < c < 1) and 0 for c = 0; d/dc of c^x at c = 0, x > 0 is 0.
//    Second order likewise: sqrt''(0) = −inf, log''(0) = −inf; a^b at a = 0 (the limits from
//    a > 0): ∂²/∂a² = b(b−1)·0^(b−2) (0 for b > 2 and for b = 0 or 1, 2 at b = 2, ±inf between,
//    +inf for b < 0), ∂²/∂a∂b = 0 for b > 1, −inf for 0 < b ≤ 1, +inf for b ≤ 0, and
//    ∂²/∂b² = 0 for b > 0 (0^b ≡ 0 there). cbrt''(0) is NaN: its one-sided limits are −inf and
//    +inf, so no convention is honest there.
//  * a partial that is infinite or NaN is recorded as it is (a reciprocal partial as its divisor,
//    0 for an infinite one); the checked mode (Tape::checked) stops there and names the
//    operation, and a NaN gradient is never returned silently.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string_view>

namespace ad {

namespace detail {
inline double sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace detail

// X(Name, function, t, value, kind, datum, f''(x), symbolic partial, formula): the value is an
// expression in x and t, the datum and the second derivative f'' in x, y (the value) and t, where t
// is an intermediate both share, computed once (the sigmoid's e^−|x|; 0 where none is needed). The
// datum is what the tape stores for the sweep: with kind Partial it is the local partial, and the
// sweep multiplies the adjoint by it; with kind Divisor the partial is 1/datum, and the sweep
// divides the adjoint by it. Reciprocal partials are stored as divisors because 1/d overflows where
// the product the sweep needs, adjoint/d, does not: d/dx x·log(x) at x = 5e-324 is log(x) + 1 =
// −743.44, while 1/x = inf. The symbolic partial is for people (the graph, the explanation); the
// formula is the same partial in the expression language, in x and y, for the symbolic derivative
// (y lets a named node read out·(1 − out)). The sigmoid is written so that it is accurate for any
// x: e^−|x| never overflows, and where y·(1 − y) would cancel (x ≫ 0) its partial is y²·e^−x.
#define AUTODIFF_UNARY_FUNCTIONS(X)                                                                \
  X(Exp, exp, 0, std::exp(x), Partial, y, y, "exp(x)", "y")                                        \
  X(Log, log, 0, std::log(x), Divisor, x, -1.0 / (x * x), "1/x", "1/x")                            \
  X(Log1p, log1p, 0, std::log1p(x), Divisor, 1.0 + x, -1.0 / ((1.0 + x) * (1.0 + x)), "1/(1 + x)", \
    "1/(1 + x)")                                                                                   \
  X(Expm1, expm1, 0, std::expm1(x), Partial, y + 1.0, y + 1.0, "exp(x)", "y + 1")                  \
  X(Sqrt, sqrt, 0, std::sqrt(x), Divisor, 2.0 * y, -0.25 / (x * y), "1/(2·sqrt(x))", "1/(2*y)")    \
  X(Cbrt, cbrt, 0, std::cbrt(x), Divisor, 3.0 * y * y,                                             \
    x == 0 ? detail::kNaN : -2.0 / (9.0 * x * y * y), "1/(3·cbrt(x)²)", "1/(3*y^2)")               \
  X(Sin, sin, 0, std::sin(x), Partial, std::cos(x), -y, "cos(x)", "cos(x)")                        \
  X(Cos, cos, 0, std::cos(x), Partial, -std::sin(x), -y, "−sin(x)", "-sin(x)")                     \
  X(Tan, tan, 0, std::tan(x), Partial, 1.0 + y * y, 2.0 * y * (1.0 + y * y), "1 + tan(x)²",        \
    "1 + y^2")                                                                                     \
  X(Asin, asin, 0, std::asin(x), Divisor, std::sqrt(1.0 - x * x),                                  \
    x / ((1.0 - x * x) * std::sqrt(1.0 - x * x)), "1/sqrt(1 − x²)", "1/sqrt(1 - x^2)")             \
  X(Acos, acos, 0, std::acos(x), Divisor, -std::sqrt(1.0 - x * x),                                 \
    -x / ((1.0 - x * x) * std::sqrt(1.0 - x * x)), "−1/sqrt(1 − x²)", "-1/sqrt(1 - x^2)")          \
  X(Atan, atan, 0, std::atan(x), Partial, 1.0 / (1.0 + x * x),                                     \
    -2.0 * x / ((1.0 + x * x) * (1.0 + x * x)), "1/(1 + x²)", "1/(1 + x^2)")                       \
  X(Sinh, sinh, 0, std::sinh(x), Partial, std::cosh(x), y, "cosh(x)", "cosh(x)")                   \
  X(Cosh, cosh, 0, std::cosh(x), Partial, std::sinh(x), y, "sinh(x)", "sinh(x)")                   \
  X(Tanh, tanh, 0, std::tanh(x), Partial, 1.0 - y * y, -2.0 * y * (1.0 - y * y), "1 − tanh(x)²",   \
    "1 - y^2")                                                                                     \
  X(Erf, erf, 0, std::erf(x), Partial, std::numbers::inv_sqrtpi * 2.0 * std::exp(-x * x),          \
    -4.0 * x * std::numbers::inv_sqrtpi * std::exp(-x * x), "2/√π·exp(−x²)",                       \
    "1.1283791670955126*exp(-x^2)")                                                                \
  X(Sigmoid, sigmoid, std::exp(-std::fabs(x)), x >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t), Partial,  \
    x >= 0 ? y * y * t : y * (1.0 - y), (x >= 0 ? y * y * t : y * (1.0 - y)) * (1.0 - 2.0 * y),    \
    "σ(x)·(1 − σ(x))", "y*(1 - y)")                                                                \
  X(Relu, relu, 0, x > 0 ? x : 0.0, Partial, x > 0 ? 1.0 : 0.0, 0.0, "1 if x > 0, else 0",         \
    "relu(x)/x")                                                                                   \
  X(Abs, abs, 0, std::fabs(x), Partial, detail::sign(x), 0.0, "sign(x)", "x/abs(x)")

// Partials of the power function, with the conventions above at base 0.
inline double pow_partial_base(double a, double b) {
  return b == 0 ? 0.0 : b * std::pow(a, b - 1.0);
}
inline double pow_partial_exponent(double a, double y, double b) {
  return (a == 0 && b > 0) ? 0.0 : y * std::log(a);
}
// Its second partials (∂²/∂a², ∂²/∂a∂b, ∂²/∂b²), at base 0 the limits from a > 0.
inline double pow_second_base(double a, double b) {
  return (b == 0 || b == 1) ? 0.0 : b * (b - 1.0) * std::pow(a, b - 2.0);
}
inline double pow_second_mixed(double a, double b) {
  if (a == 0) return b > 1 ? 0.0 : (b > 0 ? -detail::kInf : detail::kInf);
  return std::pow(a, b - 1.0) * (1.0 + b * std::log(a));
}
inline double pow_second_exponent(double a, double y, double b) {
  return (a == 0 && b > 0) ? 0.0 : y * std::log(a) * std::log(a);
}
// Partial of min/max with respect to the operand that is compared with `other`.
inline double min_partial(double self, double other) {
  return self < other ? 1.0 : (self > other ? 0.0 : 0.5);
}
inline double max_partial(double self, double other) {
  return self > other ? 1.0 : (self < other ? 0.0 : 0.5);
}

// X(Name, function, sides, partials, symbol, syntax, value,
//   ∂y/∂a, its text, its formula,
//   ∂y/∂b, its text, its formula,
//   ∂²y/∂a², ∂²y/∂a∂b, ∂²y/∂b²,
//   label, form, label with c, form with c)
// The value and the partials (first and second) are expressions in a, b and y (the value): the tape
// stores none of them, the sweep computes the partials from the operands' values. The texts are for
// people, the formulas in the expression language (empty where there is none), as for the unary
// functions.
//  * sides: Ordered if c ∘ x is an operation of its own (c − x), Commutative if c ∘ x is
//    recorded as x ∘ c (c + x);
//  * partials: Unit if both are ±1, so that the sweep need not skip a zero adjoint (1·g cannot
//    make a NaN), else Any;
//  * symbol: the infix operator of the expression language, empty for a function;
//  * syntax: Call if the expression language has the function name(a, b), else Infix;
//  * label: the graph's label of a node a ∘ b (empty: the name); form: its formula, in a and b.
// From each row come the operation a ∘ b (Name) and, for a constant c (kept on the tape as the
// node's datum), x ∘ c (NameC) and, if Ordered, c ∘ x (CName), whose partial is the row's with
// the constant put in (∂(c − x)/∂x is ∂(a − b)/∂b at a = c, b = x). The label and the form with
// c are those of x ∘ c, because people write x + 1 but 2·x and "× 0.5"; c ∘ x is labelled
// "c <label> x" and its form is the row's with a = c, b = x.
// clang-format off
#define AUTODIFF_BINARY_OPERATIONS(X)                                                             \
  X(Add, add, Commutative, Unit, "+", Infix, a + b,                                               \
    1.0, "1", "1",                                                                                \
    1.0, "1", "1",                                                                                \
    0.0, 0.0, 0.0,                                                                                \
    "+", "a + b", "x + c", "x + c")                                                               \
  X(Sub, sub, Ordered, Unit, "-", Infix, a - b,                                                   \
    1.0, "1", "1",                                                                                \
    -1.0, "−1", "-1",                                                                             \
    0.0, 0.0, 0.0,                                                                                \
    "−", "a − b", "x − c", "x − c")                                                               \
  X(Mul, mul, Commutative, Any, "*", Infix, a * b,                                                \
    b, "b", "b",                                                                                  \
    a, "a", "a",                                                                                  \
    0.0, 1.0, 0.0,                                                                                \
    "×", "a·b", "× c", "c·x")                                                                     \
  X(Div, div, Ordered, Any, "/", Infix, a / b,                                                    \
    1.0 / b, "1/b", "1/b",                                                                        \
    -y / b, "−a/b²", "-a/b^2",                                                                    \
    0.0, -1.0 / (b * b), 2.0 * a / (b * b * b),                                                   \
    "÷", "a/b", "÷ c", "x/c")                                                                     \
  X(Pow, pow, Ordered, Any, "^", Call, std::pow(a, b),                                            \
    pow_partial_base(a, b), "b·a^(b−1)", "b*a^(b - 1)",                                           \
    pow_partial_exponent(a, y, b), "a^b·ln(a)", "y*log(a)",                                       \
    pow_second_base(a, b), pow_second_mixed(a, b), pow_second_exponent(a, y, b),                  \
    "^", "a^b", "x ^ c", "x^c")                                                                   \
  X(Min, min, Commutative, Any, "", Call, a <= b ? a : b,                                         \
    min_partial(a, b), "1 if a < b, 0 if a > b, ½ if a = b", "",                                  \
    min_partial(b, a), "1 if b < a, 0 if b > a, ½ if a = b", "",                                  \
    0.0, 0.0, 0.0,                                                                                \
    "", "min(a, b)", "min(x, c)", "min(x, c)")                                                    \
  X(Max, max, Commutative, Any, "", Call, a >= b ? a : b,                                         \
    max_partial(a, b), "1 if a > b, 0 if a < b, ½ if a = b", "",                                  \
    max_partial(b, a), "1 if b > a, 0 if b < a, ½ if a = b", "",                                  \
    0.0, 0.0, 0.0,                                                                                \
    "", "max(a, b)", "max(x, c)", "max(x, c)")
// clang-format on

// X(Name, function, value, ∂y/∂x, ∂²y/∂x², its text, its formula, label, form): the operations on
// an active x and a constant c that have no binary twin to be derived from, in x, y and c. Only
// one: ½(c − x)², an output's error against its target c as the tutorials write it
// (E1 = ½(target_o1 − out_o1)²), one node whose partial is x − c = −(c − x), exactly. Its form
// encloses x in parentheses of its own, so the graph does not wrap the operand again.
#define AUTODIFF_MIXED_OPERATIONS(X)                                                               \
  X(HalfSquaredError, half_squared_error, 0.5 * ((c - x) * (c - x)), x - c, 1.0, "x − c", "x - c", \
    "½(t − o)², t = c", "½(c − x)²")

// AUTODIFF_IF_<token>(...): its arguments for that value of a column only, so that a list can
// be generated from the rows of one kind.
enum class Datum : std::uint8_t { Partial, Divisor };
#define AUTODIFF_IF_Partial(...) __VA_ARGS__
#define AUTODIFF_IF_Divisor(...)
#define AUTODIFF_UNLESS_Partial(...)
#define AUTODIFF_UNLESS_Divisor(...) __VA_ARGS__
#define AUTODIFF_IF_Ordered(...) __VA_ARGS__
#define AUTODIFF_IF_Commutative(...)
#define AUTODIFF_UNLESS_Ordered(...)
#define AUTODIFF_UNLESS_Commutative(...) __VA_ARGS__

#define AUTODIFF_NAME(Name, ...) Name,
#define AUTODIFF_WITH_CONSTANT(Name, fn, sides, ...) Name##C, AUTODIFF_IF_##sides(C##Name, )
enum class Op : std::uint8_t {
  Leaf,                                    // an input, parameter or constant: no operands
  Neg,                                     // −x
  AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_NAME)  // unary functions f(x)
  AUTODIFF_BINARY_OPERATIONS(AUTODIFF_WITH_CONSTANT)  // x ∘ c and c ∘ x, c a plain double
  AUTODIFF_MIXED_OPERATIONS(AUTODIFF_NAME)            // other operations of x and c
  AUTODIFF_BINARY_OPERATIONS(AUTODIFF_NAME)           // a ∘ b, both active
  // any number of operands
  Linear,       // Σ c_i·x_i with plain-double coefficients c_i (kept as the partials): sums
  WeightedSum,  // Σ w_i·x_i (+ b), all active: operands w_1, x_1, w_2, x_2, ..., [b]
  Count
};
#undef AUTODIFF_NAME
#undef AUTODIFF_WITH_CONSTANT

inline constexpr std::uint8_t kVariadic = 0xFF;
inline constexpr std::size_t kOpCount = static_cast<std::size_t>(Op::Count);

// Which table, or which special case, an operation comes from.
enum class OpKind : std::uint8_t { Leaf, Neg, Unary, Binary, WithConstant, Mixed, Sum };

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
  std::string_view label;  // the graph's label, in x and c ("× c"); empty: the name
  std::string_view form;   // the formula for people, in a and b or x and c; empty: name(x)
  OpKind kind;
  Op binary;  // the binary row an operation with a constant comes from, else Op::Count
  bool call;  // a binary function of the expression language: name(a, b)
};

namespace detail {

// A text of the table with its operands renamed, kept in the program's constant data.
struct Text {
  std::array<char, 48> chars{};
  std::size_t size = 0;
  constexpr std::string_view view() const { return {chars.data(), size}; }
  constexpr Text& operator+=(std::string_view s) {
    for (char ch : s) chars.at(size++) = ch;  // .at: a text too long does not compile
    return *this;
  }
};
constexpr bool is_word(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_';
}
// A binary row's text in a and b, written for x ∘ c (constant_first false) or c ∘ x: each a or
// b that stands alone becomes x or c.
constexpr Text put_constant(std::string_view text, bool constant_first) {
  Text t;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    const bool alone =
        (i == 0 || !is_word(text[i - 1])) && (i + 1 == text.size() || !is_word(text[i + 1]));
    if (alone && (ch == 'a' || ch == 'b')) ch = (ch == 'a') == constant_first ? 'c' : 'x';
    t += std::string_view(&ch, 1);
  }
  return t;
}
constexpr Text join(std::string_view a, std::string_view b, std::string_view c) {
  Text t;
  t += a;
  t += b;
  t += c;
  return t;
}
constexpr std::size_t index(Op op) { return static_cast<std::size_t>(op); }
enum class Partials : bool { Any, Unit };
enum class Syntax : bool { Infix, Call };

// The derived texts of the operations with a constant: partial text, formula, label, form.
inline constexpr auto kWithConstant = [] {
  std::array<std::array<Text, 4>, kOpCount> t{};
#define AUTODIFF_DERIVE(Name, fn, sides, unit, symbol, syntax, value, pa, ta, fa, pb, tb, fb, aa, \
                        ab, bb, label, form, label_c, form_c)                                     \
  t[index(Op::Name##C)] = {put_constant(ta, false), put_constant(fa, false),                      \
                           join(label_c, "", ""), join(form_c, "", "")};                          \
  AUTODIFF_IF_##sides(t[index(Op::C##Name)] = {put_constant(tb, true), put_constant(fb, true),    \
                                               join("c ", label, " x"),                           \
                                               put_constant(form, true)};)
  AUTODIFF_BINARY_OPERATIONS(AUTODIFF_DERIVE)
#undef AUTODIFF_DERIVE
  return t;
}();

}  // namespace detail

// One entry per operation, each written where its row is: kOps cannot fall out of step with
// the enum (an operation without an entry has no name, which the static_assert below refuses).
inline constexpr std::array<OpInfo, kOpCount> kOps = [] {
  using detail::index;
  std::array<OpInfo, kOpCount> t{};
  t[index(Op::Leaf)] = {"leaf", "", 0, false, {}, {}, "", "", OpKind::Leaf, Op::Count, false};
  t[index(Op::Neg)] = {"neg", "-",  1,           false,     {"−1"}, {"-1"},
                       "−x",  "−x", OpKind::Neg, Op::Count, false};
#define AUTODIFF_INFO(Name, fn, t_expr, value, kind, datum, second, text, formula)        \
  t[index(Op::Name)] = {#fn,           "",        1,    false, {text}, {formula}, "", "", \
                        OpKind::Unary, Op::Count, false};
  AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_INFO)
#undef AUTODIFF_INFO
#define AUTODIFF_INFO(Name, fn, sides, unit, symbol, syntax, value, pa, ta, fa, pb, tb, fb, aa, \
                      ab, bb, label, form, ...)                                                 \
  t[index(Op::Name)] = {#fn,                                                                    \
                        symbol,                                                                 \
                        2,                                                                      \
                        false,                                                                  \
                        {ta, tb},                                                               \
                        {fa, fb},                                                               \
                        label,                                                                  \
                        form,                                                                   \
                        OpKind::Binary,                                                         \
                        Op::Count,                                                              \
                        detail::Syntax::syntax == detail::Syntax::Call};                        \
  for (const Op op : {Op::Name##C AUTODIFF_IF_##sides(, Op::C##Name)}) {                        \
    const auto& d = detail::kWithConstant[index(op)];                                           \
    t[index(op)] = {#fn,         symbol,        1,                                              \
                    true,        {d[0].view()}, {d[1].view()},                                  \
                    d[2].view(), d[3].view(),   OpKind::WithConstant,                           \
                    Op::Name,    false};                                                        \
  }
  AUTODIFF_BINARY_OPERATIONS(AUTODIFF_INFO)
#undef AUTODIFF_INFO
#define AUTODIFF_INFO(Name, fn, value, partial, second, text, formula, label, form)           \
  t[index(Op::Name)] = {#fn,           "",        1,    true, {text}, {formula}, label, form, \
                        OpKind::Mixed, Op::Count, false};
  AUTODIFF_MIXED_OPERATIONS(AUTODIFF_INFO)
#undef AUTODIFF_INFO
  t[index(Op::Linear)] = {"linear", "", kVariadic,   false,     {"c_i"}, {},
                          "",       "", OpKind::Sum, Op::Count, false};
  t[index(Op::WeightedSum)] = {"weighted_sum", "",        kVariadic, false,
                               {"x_i", "w_i"}, {},        "",        "",
                               OpKind::Sum,    Op::Count, false};
  return t;
}();
static_assert(std::ranges::none_of(kOps, [](const OpInfo& i) { return i.name.empty(); }),
              "an operation of enum Op has no entry in kOps");

constexpr const OpInfo& info(Op op) { return kOps[static_cast<std::size_t>(op)]; }

constexpr bool is_unary_function(Op op) { return info(op).kind == OpKind::Unary; }

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

// The operation that records a ∘ b with the constant c as its second operand (x ∘ c) or its
// first (c ∘ x; x ∘ c again for a commutative one); Op::Count for any other operation.
constexpr Op with_constant(Op binary, bool constant_first) {
  switch (binary) {
#define AUTODIFF_CASE(Name, fn, sides, ...)                                                       \
  case Op::Name:                                                                                  \
    return constant_first ? AUTODIFF_IF_##sides(Op::C##Name) AUTODIFF_UNLESS_##sides(Op::Name##C) \
                          : Op::Name##C;
    AUTODIFF_BINARY_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
    default:
      return Op::Count;
  }
}

// The values and partials of the binary and mixed operations, from the tables: the recorder
// and the reverse sweep call these with the operation known at compile time (the switch folds
// away), the graph, the checked mode and the expression language with any operation.

// a ∘ b.
inline double binary_value(Op op, double a, double b) {
  switch (op) {
#define AUTODIFF_CASE(Name, fn, sides, unit, symbol, syntax, value, ...) \
  case Op::Name:                                                         \
    return value;
    AUTODIFF_BINARY_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

// y = f(x, c) of an operation with a constant.
inline double mixed_value(Op op, double x, double c) {
  switch (op) {
#define AUTODIFF_CASE(Name, fn, sides, ...) \
  case Op::Name##C:                         \
    return binary_value(Op::Name, x, c);    \
    AUTODIFF_IF_##sides(case Op::C##Name : return binary_value(Op::Name, c, x);)
    AUTODIFF_BINARY_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
#define AUTODIFF_CASE(Name, fn, value, ...) \
  case Op::Name:                            \
    return value;
    AUTODIFF_MIXED_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
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
#define AUTODIFF_CASE(Name, fn, sides, unit, symbol, syntax, value, pa, ta, fa, pb, ...) \
  case Op::Name:                                                                         \
    return {pa, pb};
    AUTODIFF_BINARY_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
    default:
      return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  }
}

// ∂y/∂x of an operation y = f(x, c) with a constant: the binary partial with c put in.
inline double mixed_partial(Op op, double x, double y, double c) {
  switch (op) {
#define AUTODIFF_CASE(Name, fn, sides, unit, symbol, syntax, value, pa, ta, fa, pb, ...) \
  case Op::Name##C: {                                                                    \
    [[maybe_unused]] const double a = x, b = c;                                          \
    return pa;                                                                           \
  }                                                                                      \
    AUTODIFF_IF_##sides(case Op::C##Name                                                 \
                        : {                                                              \
                          [[maybe_unused]] const double a = c, b = x;                    \
                          return pb;                                                     \
                        })
    AUTODIFF_BINARY_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
#define AUTODIFF_CASE(Name, fn, value, partial, ...) \
  case Op::Name:                                     \
    return partial;
    AUTODIFF_MIXED_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

// ---- Second partials, for the second-order sweeps (hessian.cpp) ----

// f''(x) of a unary function y = f(x); 0 for −x.
inline double unary_second(Op op, double x, double y) {
  switch (op) {
#define AUTODIFF_CASE(Name, fn, t_expr, value, kind, datum, second, ...) \
  case Op::Name: {                                                       \
    [[maybe_unused]] const double t = t_expr;                            \
    return second;                                                       \
  }
    AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
    default:
      return 0.0;
  }
}

// ∂²y/∂a², ∂²y/∂a∂b and ∂²y/∂b² of a binary operation y = f(a, b).
struct BinarySecond {
  double aa, ab, bb;
};
inline BinarySecond binary_second(Op op, double a, double b, double y) {
  switch (op) {
#define AUTODIFF_CASE(Name, fn, sides, unit, symbol, syntax, value, pa, ta, fa, pb, tb, fb, aa, \
                      ab, bb, ...)                                                              \
  case Op::Name:                                                                                \
    return {aa, ab, bb};
    AUTODIFF_BINARY_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
    default:
      return {detail::kNaN, detail::kNaN, detail::kNaN};
  }
}

// ∂²y/∂x² of an operation y = f(x, c) with a constant: the binary row's ∂²/∂a² (x ∘ c) or
// ∂²/∂b² (c ∘ x) with c put in, as mixed_partial derives the first partial.
inline double mixed_second(Op op, double x, double y, double c) {
  switch (op) {
#define AUTODIFF_CASE(Name, fn, sides, ...)     \
  case Op::Name##C:                             \
    return binary_second(Op::Name, x, c, y).aa; \
    AUTODIFF_IF_##sides(case Op::C##Name : return binary_second(Op::Name, c, x, y).bb;)
    AUTODIFF_BINARY_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
#define AUTODIFF_CASE(Name, fn, value, partial, second, ...) \
  case Op::Name:                                             \
    return second;
    AUTODIFF_MIXED_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
    default:
      return detail::kNaN;
  }
}

// Whether the operation's partials are all ±1 (the sweep then passes on a zero adjoint too).
constexpr bool unit_partials(Op op) {
  switch (op) {
#define AUTODIFF_CASE(Name, fn, sides, unit, ...) \
  case Op::Name:                                  \
  case Op::Name##C:                               \
    AUTODIFF_IF_##sides(case Op::C##Name:) return detail::Partials::unit == detail::Partials::Unit;
    AUTODIFF_BINARY_OPERATIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
    default:
      return false;
  }
}

}  // namespace ad
