// The operations on Var: each records one node. Their values and partials come from the tables
// in op.hpp, so this file holds no formula of its own.
#pragma once

#include <cstdint>
#include <span>

#include "autodiff/tape.hpp"

namespace ad {

namespace detail {

// The operations record through the active tape; the partials of all but the unary functions
// follow from the values and are computed in the reverse sweep (op.hpp).
inline Var unary(Op op, const Var& x, double y, double datum) {
  return Tape::active().unary(op, x, y, datum);
}
// An operation on one active operand and a plain constant c, which the tape keeps. (inline: as
// templates they would be inlined less eagerly than the functions they replace, and the
// recording fast path is a few instructions.)
template <Op op>
inline Var with_constant(const Var& x, double c) {
  return Tape::active().unary(op, x, mixed_value(op, x.value(), c), c);
}
// A binary operation of the table on two active operands, or on one and a constant.
template <Op op>
inline Var binary(const Var& a, const Var& b) {
  return Tape::active().binary(op, a, b, binary_value(op, a.value(), b.value()));
}
template <Op op>
inline Var binary(const Var& x, double c) {
  return with_constant<ad::with_constant(op, false)>(x, c);
}
template <Op op>
inline Var binary(double c, const Var& x) {
  return with_constant<ad::with_constant(op, true)>(x, c);
}

}  // namespace detail

// ---- Arithmetic ----

inline Var operator+(const Var& x) { return x; }
inline Var operator-(const Var& x) { return Tape::active().unary(Op::Neg, x, -x.value()); }

inline Var operator+(const Var& a, const Var& b) { return detail::binary<Op::Add>(a, b); }
inline Var operator+(const Var& x, double c) { return detail::binary<Op::Add>(x, c); }
inline Var operator+(double c, const Var& x) { return detail::binary<Op::Add>(c, x); }
inline Var operator-(const Var& a, const Var& b) { return detail::binary<Op::Sub>(a, b); }
inline Var operator-(const Var& x, double c) { return detail::binary<Op::Sub>(x, c); }
inline Var operator-(double c, const Var& x) { return detail::binary<Op::Sub>(c, x); }
inline Var operator*(const Var& a, const Var& b) { return detail::binary<Op::Mul>(a, b); }
inline Var operator*(const Var& x, double c) { return detail::binary<Op::Mul>(x, c); }
inline Var operator*(double c, const Var& x) { return detail::binary<Op::Mul>(c, x); }
inline Var operator/(const Var& a, const Var& b) { return detail::binary<Op::Div>(a, b); }
inline Var operator/(const Var& x, double c) { return detail::binary<Op::Div>(x, c); }
inline Var operator/(double c, const Var& x) { return detail::binary<Op::Div>(c, x); }

inline Var& operator+=(Var& a, const Var& b) { return a = a + b; }
inline Var& operator-=(Var& a, const Var& b) { return a = a - b; }
inline Var& operator*=(Var& a, const Var& b) { return a = a * b; }
inline Var& operator/=(Var& a, const Var& b) { return a = a / b; }
inline Var& operator+=(Var& a, double c) { return a = a + c; }
inline Var& operator-=(Var& a, double c) { return a = a - c; }
inline Var& operator*=(Var& a, double c) { return a = a * c; }
inline Var& operator/=(Var& a, double c) { return a = a / c; }

// ---- Comparisons, on values ----

// They record no node. While ad::record records a Function (function.hpp), each is also noted,
// so that a replay where it would go the other way throws; otherwise the cost is one test of a
// thread_local pointer.
namespace detail {
enum class Compare : std::uint8_t { Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual };
struct Comparisons;  // the log of the Function being recorded in this thread (function.hpp)
inline constinit thread_local Comparisons* comparisons = nullptr;
// Notes a comparison whose result was `result`; a constant is a Var that was never recorded.
void note_comparison(Compare kind, const Var& a, const Var& b, bool result);
template <Compare kind>
inline bool compared(const Var& a, const Var& b, bool result) {
  if (comparisons != nullptr) [[unlikely]]
    note_comparison(kind, a, b, result);
  return result;
}
inline Var constant(double c) { return Var::from_node(c, Var::kNeverRecorded); }
}  // namespace detail

#define AUTODIFF_COMPARISON(Kind, op)                                                       \
  inline bool operator op(const Var& a, const Var& b) {                                     \
    return detail::compared<detail::Compare::Kind>(a, b, a.value() op b.value());           \
  }                                                                                         \
  inline bool operator op(const Var& a, double b) {                                         \
    return detail::compared<detail::Compare::Kind>(a, detail::constant(b), a.value() op b); \
  }                                                                                         \
  inline bool operator op(double a, const Var& b) {                                         \
    return detail::compared<detail::Compare::Kind>(detail::constant(a), b, a op b.value()); \
  }
AUTODIFF_COMPARISON(Less, <)
AUTODIFF_COMPARISON(LessEqual, <=)
AUTODIFF_COMPARISON(Greater, >)
AUTODIFF_COMPARISON(GreaterEqual, >=)
AUTODIFF_COMPARISON(Equal, ==)
AUTODIFF_COMPARISON(NotEqual, !=)
#undef AUTODIFF_COMPARISON

// ---- Functions of one argument, generated from the table in op.hpp ----

#define AUTODIFF_FUNCTION(Name, fn, t_expr, value_expr, kind, datum_expr, ...) \
  [[gnu::always_inline]] inline Var fn(const Var& v) {                         \
    const double x = v.value();                                                \
    [[maybe_unused]] const double t = t_expr;                                  \
    const double y = value_expr;                                               \
    return detail::unary(Op::Name, v, y, datum_expr);                          \
  }
AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_FUNCTION)
#undef AUTODIFF_FUNCTION

// ---- pow, min, max ----

inline Var pow(const Var& a, const Var& b) { return detail::binary<Op::Pow>(a, b); }
inline Var pow(const Var& x, double c) { return detail::binary<Op::Pow>(x, c); }
inline Var pow(double c, const Var& x) { return detail::binary<Op::Pow>(c, x); }
inline Var min(const Var& a, const Var& b) { return detail::binary<Op::Min>(a, b); }
inline Var min(const Var& x, double c) { return detail::binary<Op::Min>(x, c); }
inline Var min(double c, const Var& x) { return detail::binary<Op::Min>(c, x); }
inline Var max(const Var& a, const Var& b) { return detail::binary<Op::Max>(a, b); }
inline Var max(const Var& x, double c) { return detail::binary<Op::Max>(x, c); }
inline Var max(double c, const Var& x) { return detail::binary<Op::Max>(c, x); }

// ---- Errors ----

// ½(target − output)², one node whose partial is output − target (op.hpp): an output's error
// as the tutorials write it, so the chain rule walks it as one step instead of through both
// operands of a product.
inline Var half_squared_error(const Var& output, double target) {
  return detail::with_constant<Op::HalfSquaredError>(output, target);
}

// ---- Sums, recorded as one node each ----

// Σ coefficients_i · x_i with plain-double coefficients, plus an optional active bias.
inline Var linear(std::span<const double> coefficients, std::span<const Var> x) {
  if (coefficients.size() != x.size()) [[unlikely]]
    detail::throw_length_mismatch("linear", coefficients.size(), x.size());
  return Tape::active().linear(coefficients.data(), x, nullptr);
}
inline Var linear(std::span<const double> coefficients, std::span<const Var> x, const Var& bias) {
  if (coefficients.size() != x.size()) [[unlikely]]
    detail::throw_length_mismatch("linear", coefficients.size(), x.size());
  return Tape::active().linear(coefficients.data(), x, &bias);
}
// Σ x_i.
inline Var sum(std::span<const Var> x) { return Tape::active().linear(nullptr, x, nullptr); }
// Σ w_i · x_i (+ b), all active: one node with 2n (+1) operands instead of 2n − 1 nodes, the
// way the tutorials treat a neuron's net input. Its value is summed left to right, bias last.
inline Var weighted_sum(std::span<const Var> w, std::span<const Var> x) {
  if (w.size() != x.size()) [[unlikely]]
    detail::throw_length_mismatch("weighted_sum", w.size(), x.size());
  return Tape::active().weighted_sum(w, x, nullptr);
}
inline Var weighted_sum(std::span<const Var> w, std::span<const Var> x, const Var& bias) {
  if (w.size() != x.size()) [[unlikely]]
    detail::throw_length_mismatch("weighted_sum", w.size(), x.size());
  return Tape::active().weighted_sum(w, x, &bias);
}

}  // namespace ad
