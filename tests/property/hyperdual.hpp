// A hyper-dual number for the second-order property test: a + b·ε₁ + c·ε₂ + d·ε₁ε₂ with
// ε₁² = ε₂² = 0, so that seeding ε₁ on x_i and ε₂ on x_j makes d = ∂²f/∂x_i∂x_j, exactly (no
// step, no truncation). The first and second derivatives of each function are the textbook ones,
// written here independently of the engine's operation table (op.hpp). As with dual.hpp, only
// points where every function is twice differentiable are evaluated, so no kink convention.
#pragma once

#include <cmath>
#include <numbers>

namespace hyperdual {

struct HyperDual {
  double a = 0.0;  // value
  double b = 0.0;  // ∂/∂(ε₁ direction)
  double c = 0.0;  // ∂/∂(ε₂ direction)
  double d = 0.0;  // the mixed second derivative
};

// f(x) for a function with f' = d1 and f'' = d2 at x.a.
inline HyperDual chain(HyperDual x, double value, double d1, double d2) {
  return {value, d1 * x.b, d1 * x.c, d1 * x.d + d2 * x.b * x.c};
}

inline HyperDual operator-(HyperDual x) { return {-x.a, -x.b, -x.c, -x.d}; }
inline HyperDual operator+(HyperDual x, HyperDual y) {
  return {x.a + y.a, x.b + y.b, x.c + y.c, x.d + y.d};
}
inline HyperDual operator-(HyperDual x, HyperDual y) { return x + -y; }
inline HyperDual operator*(HyperDual x, HyperDual y) {
  return {x.a * y.a, x.a * y.b + x.b * y.a, x.a * y.c + x.c * y.a,
          x.a * y.d + x.b * y.c + x.c * y.b + x.d * y.a};
}
// 1/y: (1/a)' = −1/a², (1/a)'' = 2/a³.
inline HyperDual operator/(HyperDual x, HyperDual y) {
  return x * chain(y, 1 / y.a, -1 / (y.a * y.a), 2 / (y.a * y.a * y.a));
}
inline HyperDual operator+(HyperDual x, double k) { return x + HyperDual{k}; }
inline HyperDual operator+(double k, HyperDual x) { return HyperDual{k} + x; }
inline HyperDual operator-(HyperDual x, double k) { return x - HyperDual{k}; }
inline HyperDual operator-(double k, HyperDual x) { return HyperDual{k} - x; }
inline HyperDual operator*(HyperDual x, double k) { return x * HyperDual{k}; }
inline HyperDual operator*(double k, HyperDual x) { return HyperDual{k} * x; }
inline HyperDual operator/(HyperDual x, double k) { return x / HyperDual{k}; }
inline HyperDual operator/(double k, HyperDual x) { return HyperDual{k} / x; }

inline HyperDual exp(HyperDual x) {
  const double e = std::exp(x.a);
  return chain(x, e, e, e);
}
inline HyperDual log(HyperDual x) { return chain(x, std::log(x.a), 1 / x.a, -1 / (x.a * x.a)); }
inline HyperDual log1p(HyperDual x) {
  const double u = 1 + x.a;
  return chain(x, std::log1p(x.a), 1 / u, -1 / (u * u));
}
inline HyperDual expm1(HyperDual x) {
  const double e = std::exp(x.a);
  return chain(x, std::expm1(x.a), e, e);
}
inline HyperDual sqrt(HyperDual x) {
  return chain(x, std::sqrt(x.a), 0.5 / std::sqrt(x.a), -0.25 / (x.a * std::sqrt(x.a)));
}
// x^(1/3): (1/3)x^(−2/3) and −(2/9)x^(−5/3), written with |x| to stay real for negative x.
inline HyperDual cbrt(HyperDual x) {
  const double m = std::pow(std::fabs(x.a), 2.0 / 3.0);
  return chain(x, std::cbrt(x.a), 1 / (3 * m), -2 / (9 * x.a * m));
}
inline HyperDual sin(HyperDual x) { return chain(x, std::sin(x.a), std::cos(x.a), -std::sin(x.a)); }
inline HyperDual cos(HyperDual x) {
  return chain(x, std::cos(x.a), -std::sin(x.a), -std::cos(x.a));
}
// tan' = sec², tan'' = 2·tan·sec².
inline HyperDual tan(HyperDual x) {
  const double sec2 = 1 / (std::cos(x.a) * std::cos(x.a));
  return chain(x, std::tan(x.a), sec2, 2 * std::tan(x.a) * sec2);
}
inline HyperDual asin(HyperDual x) {
  const double u = 1 - x.a * x.a;
  return chain(x, std::asin(x.a), 1 / std::sqrt(u), x.a / (u * std::sqrt(u)));
}
inline HyperDual acos(HyperDual x) {
  const double u = 1 - x.a * x.a;
  return chain(x, std::acos(x.a), -1 / std::sqrt(u), -x.a / (u * std::sqrt(u)));
}
inline HyperDual atan(HyperDual x) {
  const double u = 1 + x.a * x.a;
  return chain(x, std::atan(x.a), 1 / u, -2 * x.a / (u * u));
}
inline HyperDual sinh(HyperDual x) {
  return chain(x, std::sinh(x.a), std::cosh(x.a), std::sinh(x.a));
}
inline HyperDual cosh(HyperDual x) {
  return chain(x, std::cosh(x.a), std::sinh(x.a), std::cosh(x.a));
}
// tanh' = sech², tanh'' = −2·tanh·sech².
inline HyperDual tanh(HyperDual x) {
  const double sech2 = 1 / (std::cosh(x.a) * std::cosh(x.a));
  return chain(x, std::tanh(x.a), sech2, -2 * std::tanh(x.a) * sech2);
}
inline HyperDual erf(HyperDual x) {
  const double g = 2 / std::sqrt(std::numbers::pi) * std::exp(-x.a * x.a);
  return chain(x, std::erf(x.a), g, -2 * x.a * g);
}
// σ = 1/(1 + e), e = e^−x: σ' = e/(1 + e)², σ'' = e(e − 1)/(1 + e)³.
inline HyperDual sigmoid(HyperDual x) {
  const double e = std::exp(-x.a), u = 1 + e;
  return chain(x, 1 / u, e / (u * u), e * (e - 1) / (u * u * u));
}
inline HyperDual relu(HyperDual x) { return x.a > 0 ? x : HyperDual{}; }
inline HyperDual abs(HyperDual x) { return x.a < 0 ? -x : x; }

// a^b = e^(b·ln a), for a > 0.
inline HyperDual pow(HyperDual x, HyperDual y) { return exp(y * log(x)); }
// x^k: k·x^(k−1), k(k−1)·x^(k−2) (any real x where x^k is defined).
inline HyperDual pow(HyperDual x, double k) {
  return chain(x, std::pow(x.a, k), k == 0 ? 0.0 : k * std::pow(x.a, k - 1),
               k == 0 || k == 1 ? 0.0 : k * (k - 1) * std::pow(x.a, k - 2));
}
inline HyperDual pow(double k, HyperDual x) { return exp(x * std::log(k)); }
inline HyperDual min(HyperDual x, HyperDual y) { return x.a < y.a ? x : y; }
inline HyperDual max(HyperDual x, HyperDual y) { return x.a > y.a ? x : y; }

}  // namespace hyperdual
