// A forward-mode dual number for the property tests: value v and derivative d along one input
// direction. Its derivative formulas are the textbook ones, written here independently of the
// engine's operation table (op.hpp), so that agreement between the two is evidence, not an
// identity. Only the points where every function is differentiable are ever evaluated (the
// property test keeps away from kinks and domain edges), so no convention at a kink is needed.
#pragma once

#include <cmath>
#include <numbers>

namespace dual {

struct Dual {
  double v = 0.0;  // value
  double d = 0.0;  // derivative along the chosen direction
};

inline Dual operator-(Dual a) { return {-a.v, -a.d}; }
inline Dual operator+(Dual a, Dual b) { return {a.v + b.v, a.d + b.d}; }
inline Dual operator-(Dual a, Dual b) { return {a.v - b.v, a.d - b.d}; }
inline Dual operator*(Dual a, Dual b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
// Quotient rule: (a/b)' = (a'b − ab') / b².
inline Dual operator/(Dual a, Dual b) { return {a.v / b.v, (a.d * b.v - a.v * b.d) / (b.v * b.v)}; }
inline Dual operator+(Dual a, double c) { return {a.v + c, a.d}; }
inline Dual operator+(double c, Dual a) { return {c + a.v, a.d}; }
inline Dual operator-(Dual a, double c) { return {a.v - c, a.d}; }
inline Dual operator-(double c, Dual a) { return {c - a.v, -a.d}; }
inline Dual operator*(Dual a, double c) { return {a.v * c, a.d * c}; }
inline Dual operator*(double c, Dual a) { return {c * a.v, c * a.d}; }
inline Dual operator/(Dual a, double c) { return {a.v / c, a.d / c}; }
inline Dual operator/(double c, Dual a) { return {c / a.v, -c * a.d / (a.v * a.v)}; }

// Chain rule: f(a)' = f'(a)·a'.
inline Dual chain(Dual a, double value, double derivative) { return {value, derivative * a.d}; }

inline Dual exp(Dual a) { return chain(a, std::exp(a.v), std::exp(a.v)); }
inline Dual log(Dual a) { return chain(a, std::log(a.v), 1.0 / a.v); }
inline Dual log1p(Dual a) { return chain(a, std::log1p(a.v), 1.0 / (1.0 + a.v)); }
inline Dual expm1(Dual a) { return chain(a, std::expm1(a.v), std::exp(a.v)); }
inline Dual sqrt(Dual a) { return chain(a, std::sqrt(a.v), 0.5 / std::sqrt(a.v)); }
// d/dx x^(1/3) = (1/3)·x^(−2/3), written with pow of |x| to stay real for negative x.
inline Dual cbrt(Dual a) {
  return chain(a, std::cbrt(a.v), 1.0 / (3.0 * std::pow(std::fabs(a.v), 2.0 / 3.0)));
}
inline Dual sin(Dual a) { return chain(a, std::sin(a.v), std::cos(a.v)); }
inline Dual cos(Dual a) { return chain(a, std::cos(a.v), -std::sin(a.v)); }
// sec² x = 1 / cos² x.
inline Dual tan(Dual a) { return chain(a, std::tan(a.v), 1.0 / (std::cos(a.v) * std::cos(a.v))); }
inline Dual asin(Dual a) { return chain(a, std::asin(a.v), 1.0 / std::sqrt(1.0 - a.v * a.v)); }
inline Dual acos(Dual a) { return chain(a, std::acos(a.v), -1.0 / std::sqrt(1.0 - a.v * a.v)); }
inline Dual atan(Dual a) { return chain(a, std::atan(a.v), 1.0 / (1.0 + a.v * a.v)); }
inline Dual sinh(Dual a) { return chain(a, std::sinh(a.v), std::cosh(a.v)); }
inline Dual cosh(Dual a) { return chain(a, std::cosh(a.v), std::sinh(a.v)); }
// sech² x = 1 / cosh² x.
inline Dual tanh(Dual a) {
  return chain(a, std::tanh(a.v), 1.0 / (std::cosh(a.v) * std::cosh(a.v)));
}
inline Dual erf(Dual a) {
  return chain(a, std::erf(a.v), 2.0 / std::sqrt(std::numbers::pi) * std::exp(-a.v * a.v));
}
// σ(x) = 1/(1 + e^−x), σ'(x) = e^−x / (1 + e^−x)².
inline Dual sigmoid(Dual a) {
  const double e = std::exp(-a.v);
  return chain(a, 1.0 / (1.0 + e), e / ((1.0 + e) * (1.0 + e)));
}
inline Dual relu(Dual a) { return a.v > 0 ? a : Dual{0.0, 0.0}; }
inline Dual abs(Dual a) { return a.v < 0 ? -a : a; }

// a^b = e^(b·ln a): (a^b)' = a^b·(b'·ln a + b·a'/a), for a > 0.
inline Dual pow(Dual a, Dual b) {
  const double y = std::pow(a.v, b.v);
  return {y, y * (b.d * std::log(a.v) + b.v * a.d / a.v)};
}
// (a^c)' = c·a^(c−1)·a' (any real a where a^c is defined).
inline Dual pow(Dual a, double c) {
  return chain(a, std::pow(a.v, c), c == 0 ? 0.0 : c * std::pow(a.v, c - 1.0));
}
// (c^a)' = c^a·ln(c)·a', for c > 0.
inline Dual pow(double c, Dual a) {
  const double y = std::pow(c, a.v);
  return chain(a, y, y * std::log(c));
}
inline Dual min(Dual a, Dual b) { return a.v < b.v ? a : b; }
inline Dual max(Dual a, Dual b) { return a.v > b.v ? a : b; }
inline Dual min(Dual a, double c) { return a.v < c ? a : Dual{c, 0.0}; }
inline Dual max(Dual a, double c) { return a.v > c ? a : Dual{c, 0.0}; }

}  // namespace dual
