// The operations on Var: each computes its value and records one node. The partials come from
// op.hpp, so this file holds no formula of its own but the values of the arithmetic operators.
#pragma once

#include <compare>
#include <span>

#include "autodiff/tape.hpp"

namespace ad {

namespace detail {

// The operations record through the active tape; the partials of all but the unary functions
// follow from the values and are computed in the reverse sweep (op.hpp).
inline Var unary(Op op, const Var& x, double y, double datum) {
  return Tape::active().unary(op, x, y, datum);
}
// An operation on one active operand and a plain constant c, which the tape keeps.
inline Var mixed(Op op, const Var& x, double c, double y) {
  return Tape::active().unary(op, x, y, c);
}
inline Var binary(Op op, const Var& a, const Var& b, double y) {
  return Tape::active().binary(op, a, b, y);
}

}  // namespace detail

// ---- Arithmetic ----

inline Var operator+(const Var& x) { return x; }
inline Var operator-(const Var& x) { return Tape::active().unary(Op::Neg, x, -x.value()); }

inline Var operator+(const Var& a, const Var& b) {
  return detail::binary(Op::Add, a, b, a.value() + b.value());
}
inline Var operator-(const Var& a, const Var& b) {
  return detail::binary(Op::Sub, a, b, a.value() - b.value());
}
inline Var operator*(const Var& a, const Var& b) {
  return detail::binary(Op::Mul, a, b, a.value() * b.value());
}
inline Var operator/(const Var& a, const Var& b) {
  return detail::binary(Op::Div, a, b, a.value() / b.value());
}

inline Var operator+(const Var& x, double c) {
  return detail::mixed(Op::AddC, x, c, x.value() + c);
}
inline Var operator+(double c, const Var& x) { return x + c; }
inline Var operator-(const Var& x, double c) {
  return detail::mixed(Op::SubC, x, c, x.value() - c);
}
inline Var operator-(double c, const Var& x) {
  return detail::mixed(Op::CSub, x, c, c - x.value());
}
inline Var operator*(const Var& x, double c) {
  return detail::mixed(Op::MulC, x, c, x.value() * c);
}
inline Var operator*(double c, const Var& x) { return x * c; }
inline Var operator/(const Var& x, double c) {
  return detail::mixed(Op::DivC, x, c, x.value() / c);
}
inline Var operator/(double c, const Var& x) {
  return detail::mixed(Op::CDiv, x, c, c / x.value());
}

inline Var& operator+=(Var& a, const Var& b) { return a = a + b; }
inline Var& operator-=(Var& a, const Var& b) { return a = a - b; }
inline Var& operator*=(Var& a, const Var& b) { return a = a * b; }
inline Var& operator/=(Var& a, const Var& b) { return a = a / b; }
inline Var& operator+=(Var& a, double c) { return a = a + c; }
inline Var& operator-=(Var& a, double c) { return a = a - c; }
inline Var& operator*=(Var& a, double c) { return a = a * c; }
inline Var& operator/=(Var& a, double c) { return a = a / c; }

// ---- Comparisons, on values (they record nothing) ----

inline bool operator==(const Var& a, const Var& b) { return a.value() == b.value(); }
inline bool operator==(const Var& a, double b) { return a.value() == b; }
inline std::partial_ordering operator<=>(const Var& a, const Var& b) {
  return a.value() <=> b.value();
}
inline std::partial_ordering operator<=>(const Var& a, double b) { return a.value() <=> b; }

// ---- Functions of one argument, generated from the table in op.hpp ----

#define AUTODIFF_FUNCTION(Name, fn, t_expr, value_expr, kind, datum_expr, ...) \
  inline Var fn(const Var& v) {                                                \
    const double x = v.value();                                                \
    [[maybe_unused]] const double t = t_expr;                                  \
    const double y = value_expr;                                               \
    return detail::unary(Op::Name, v, y, datum_expr);                          \
  }
AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_FUNCTION)
#undef AUTODIFF_FUNCTION

// ---- pow, min, max ----

inline Var pow(const Var& a, const Var& b) {
  return detail::binary(Op::Pow, a, b, std::pow(a.value(), b.value()));
}
inline Var pow(const Var& x, double c) {
  return detail::mixed(Op::PowC, x, c, std::pow(x.value(), c));
}
inline Var pow(double c, const Var& x) {
  return detail::mixed(Op::CPow, x, c, std::pow(c, x.value()));
}

inline Var min(const Var& a, const Var& b) {
  return detail::binary(Op::Min, a, b, a.value() <= b.value() ? a.value() : b.value());
}
inline Var max(const Var& a, const Var& b) {
  return detail::binary(Op::Max, a, b, a.value() >= b.value() ? a.value() : b.value());
}
inline Var min(const Var& x, double c) {
  return detail::mixed(Op::MinC, x, c, x.value() <= c ? x.value() : c);
}
inline Var max(const Var& x, double c) {
  return detail::mixed(Op::MaxC, x, c, x.value() >= c ? x.value() : c);
}
inline Var min(double c, const Var& x) { return min(x, c); }
inline Var max(double c, const Var& x) { return max(x, c); }

// ---- Errors ----

// ½(target − output)², one node whose partial is output − target: an output's error as the
// tutorials write it (E1 = ½(target_o1 − out_o1)²), so the chain rule walks it as one step
// instead of through both operands of a product. The value is 0.5·(d·d), d = target − output.
inline Var half_squared_error(const Var& output, double target) {
  const double d = target - output.value();
  return detail::mixed(Op::HalfSquaredError, output, target, 0.5 * (d * d));
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
