// The engine's gradient of any function, checked against central finite differences: the
// project's counterpart of Stan's expect_ad. A test names a function once, as a generic lambda
// that works on plain doubles and on ad::Var, and the helper checks, at every point given:
//  * the recorded value equals the function evaluated on doubles;
//  * each partial derivative equals a Richardson-extrapolated central difference, to a
//    tolerance that follows from the step: the difference of the two estimates (a bound on
//    the truncation error) plus the rounding error of the differences, 64·ε·(|f| + 1)/h.
// The finite differences use only the double overloads (std:: and the reference functions
// below), never the engine, so the check is independent of it.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "autodiff/autodiff.hpp"

namespace reference {
// Plain-double definitions of the engine's functions that std:: lacks, from their textbook
// formulas (not from the engine's table).
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double relu(double x) { return x > 0 ? x : 0.0; }
inline double half_squared_error(double output, double target) {
  return 0.5 * (target - output) * (target - output);
}
using std::abs, std::acos, std::asin, std::atan, std::cbrt, std::cos, std::cosh, std::erf, std::exp,
    std::expm1, std::log, std::log1p, std::max, std::min, std::pow, std::sin, std::sinh, std::sqrt,
    std::tan, std::tanh;
}  // namespace reference

namespace testing_support {

// Every operation the checks below have seen on a tape, so a test can demand that each entry
// of the operation table is covered.
inline std::set<ad::Op>& covered_operations() {
  static std::set<ad::Op> ops;
  return ops;
}

struct Difference {
  double estimate;
  double tolerance;
};

// ∂f/∂x_i at x by central differences with steps h and h/2, combined by Richardson
// extrapolation (error O(h^4)). h is scaled to |x_i| and kept below max_step, so that a test
// can keep the stencil away from a kink or the edge of a domain.
template <std::size_t N, class F>
Difference central_difference(const F& f, std::array<double, N> x, std::size_t i,
                              double max_step = 1e-3) {
  const double h = std::min(max_step, 1e-3 * std::max(1.0, std::abs(x[i])));
  const auto at = [&](double dx) {
    std::array<double, N> y = x;
    y[i] += dx;
    return static_cast<double>(std::apply(f, y));
  };
  const double d1 = (at(h) - at(-h)) / (2 * h);
  const double d2 = (at(h / 2) - at(-h / 2)) / h;
  const double estimate = (4 * d2 - d1) / 3;
  const double fx = std::abs(static_cast<double>(std::apply(f, x)));
  const double rounding = 64 * std::numeric_limits<double>::epsilon() * (fx + 1) / h;
  return {estimate, std::abs(d2 - d1) + rounding};
}

// Checks the engine's value and gradient of f at each point against f on doubles and central
// differences. f must be callable with N doubles and with N ad::Vars.
template <std::size_t N, class F>
void expect_gradient(const F& f, const std::vector<std::array<double, N>>& points,
                     double max_step = 1e-3) {
  for (const auto& point : points) {
    ad::Tape tape;
    std::array<ad::Var, N> x;
    for (std::size_t i = 0; i < N; ++i) {
      std::ostringstream name;
      name << 'x' << i;
      x[i] = ad::Var(point[i], name.str());
    }
    const ad::Var y = std::apply(f, x);
    for (const ad::NodeView& node : tape.nodes()) covered_operations().insert(node.op);
    const double expected = std::apply(f, point);
    std::ostringstream at;
    at.precision(17);
    at << "at (";
    for (std::size_t i = 0; i < N; ++i) at << (i ? ", " : "") << point[i];
    at << ")";
    const std::string where = at.str();
    EXPECT_NEAR(y.value(), expected,
                4 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(expected)))
        << where;
    tape.backward(y);
    for (std::size_t i = 0; i < N; ++i) {
      const Difference d = central_difference(f, point, i, max_step);
      EXPECT_NEAR(x[i].grad(), d.estimate, d.tolerance) << "∂f/∂x" << i << " " << where;
    }
  }
}

// Points spread over the real line: negative, near zero, large magnitude.
inline std::vector<std::array<double, 1>> real_line() {
  return {{-31.7}, {-4.2}, {-1.3}, {-0.37}, {-1e-3}, {2e-3}, {0.29}, {1.1}, {3.8}, {27.4}};
}
// Points on (0, ∞), for log, sqrt and friends.
inline std::vector<std::array<double, 1>> positive() {
  return {{1e-3}, {0.0731}, {0.5}, {1.0}, {2.7}, {41.0}, {1.3e4}};
}
// Points inside (−1, 1).
inline std::vector<std::array<double, 1>> unit_interval() {
  return {{-0.93}, {-0.5}, {-0.07}, {0.0}, {0.31}, {0.77}, {0.96}};
}

}  // namespace testing_support
