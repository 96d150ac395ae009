// The operations on Var: each computes its value and local partials and records one node.
// The values and partials come from the table in op.hpp, so this file holds no formula of its
// own but the arithmetic operators'.
#pragma once

#include <compare>
#include <span>

#include "autodiff/tape.hpp"

namespace ad {

namespace detail {

inline Var unary(Op op, const Var& x, double y, double dx) {
  Tape& tape = Tape::active();
  tape.check(x);
  const std::uint32_t i = tape.push(op, y, 1);
  tape.operand(0, x.index(), dx);
  return tape.finish(i, y);
}

// An operation on one active operand and a plain constant c, which the tape keeps for the
// graph and the explanation.
inline Var mixed(Op op, const Var& x, double c, double y, double dx) {
  Tape& tape = Tape::active();
  tape.check(x);
  const std::uint32_t i = tape.push(op, y, 1);
  tape.operand(0, x.index(), dx);
  tape.push_constant(c);
  return tape.finish(i, y);
}

inline Var binary(Op op, const Var& a, const Var& b, double y, double da, double db) {
  Tape& tape = Tape::active();
  tape.check(a);
  tape.check(b);
  const std::uint32_t i = tape.push(op, y, 2);
  tape.operand(0, a.index(), da);
  tape.operand(1, b.index(), db);
  return tape.finish(i, y);
}

}  // namespace detail

// ---- Arithmetic ----

inline Var operator+(const Var& x) { return x; }
inline Var operator-(const Var& x) { return detail::unary(Op::Neg, x, -x.value(), -1.0); }

inline Var operator+(const Var& a, const Var& b) {
  return detail::binary(Op::Add, a, b, a.value() + b.value(), 1.0, 1.0);
}
inline Var operator-(const Var& a, const Var& b) {
  return detail::binary(Op::Sub, a, b, a.value() - b.value(), 1.0, -1.0);
}
inline Var operator*(const Var& a, const Var& b) {
  return detail::binary(Op::Mul, a, b, a.value() * b.value(), b.value(), a.value());
}
inline Var operator/(const Var& a, const Var& b) {
  const double y = a.value() / b.value();
  return detail::binary(Op::Div, a, b, y, 1.0 / b.value(), -y / b.value());
}

inline Var operator+(const Var& x, double c) {
  return detail::mixed(Op::AddC, x, c, x.value() + c, 1.0);
}
inline Var operator+(double c, const Var& x) { return x + c; }
inline Var operator-(const Var& x, double c) {
  return detail::mixed(Op::SubC, x, c, x.value() - c, 1.0);
}
inline Var operator-(double c, const Var& x) {
  return detail::mixed(Op::CSub, x, c, c - x.value(), -1.0);
}
inline Var operator*(const Var& x, double c) {
  return detail::mixed(Op::MulC, x, c, x.value() * c, c);
}
inline Var operator*(double c, const Var& x) { return x * c; }
inline Var operator/(const Var& x, double c) {
  return detail::mixed(Op::DivC, x, c, x.value() / c, 1.0 / c);
}
inline Var operator/(double c, const Var& x) {
  const double y = c / x.value();
  return detail::mixed(Op::CDiv, x, c, y, -y / x.value());
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

#define AUTODIFF_FUNCTION(Name, fn, value_expr, partial_expr, text) \
  inline Var fn(const Var& v) {                                     \
    const double x = v.value();                                     \
    [[maybe_unused]] const double y = value_expr;                   \
    return detail::unary(Op::Name, v, y, partial_expr);             \
  }
AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_FUNCTION)
#undef AUTODIFF_FUNCTION

// ---- pow, min, max ----

inline Var pow(const Var& a, const Var& b) {
  const double y = std::pow(a.value(), b.value());
  return detail::binary(Op::Pow, a, b, y, pow_partial_base(a.value(), b.value()),
                        pow_partial_exponent(a.value(), y, b.value()));
}
inline Var pow(const Var& x, double c) {
  return detail::mixed(Op::PowC, x, c, std::pow(x.value(), c), pow_partial_base(x.value(), c));
}
inline Var pow(double c, const Var& x) {
  const double y = std::pow(c, x.value());
  return detail::mixed(Op::CPow, x, c, y, pow_partial_exponent(c, y, x.value()));
}

inline Var min(const Var& a, const Var& b) {
  return detail::binary(Op::Min, a, b, a.value() <= b.value() ? a.value() : b.value(),
                        min_partial(a.value(), b.value()), min_partial(b.value(), a.value()));
}
inline Var max(const Var& a, const Var& b) {
  return detail::binary(Op::Max, a, b, a.value() >= b.value() ? a.value() : b.value(),
                        max_partial(a.value(), b.value()), max_partial(b.value(), a.value()));
}
inline Var min(const Var& x, double c) {
  return detail::mixed(Op::MinC, x, c, x.value() <= c ? x.value() : c, min_partial(x.value(), c));
}
inline Var max(const Var& x, double c) {
  return detail::mixed(Op::MaxC, x, c, x.value() >= c ? x.value() : c, max_partial(x.value(), c));
}
inline Var min(double c, const Var& x) { return min(x, c); }
inline Var max(double c, const Var& x) { return max(x, c); }

// ---- Sums, recorded as one node each ----

// Σ coefficients_i · x_i with plain-double coefficients, plus an optional active bias.
Var linear(std::span<const double> coefficients, std::span<const Var> x);
Var linear(std::span<const double> coefficients, std::span<const Var> x, const Var& bias);
// Σ x_i.
Var sum(std::span<const Var> x);
// Σ w_i · x_i (+ b), all active: one node with 2n (+1) operands instead of 2n − 1 nodes, the
// way the tutorials treat a neuron's net input. Its value is summed left to right, bias last.
Var weighted_sum(std::span<const Var> w, std::span<const Var> x);
Var weighted_sum(std::span<const Var> w, std::span<const Var> x, const Var& bias);

}  // namespace ad
