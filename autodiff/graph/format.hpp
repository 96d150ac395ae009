// Number formatting shared by the DOT labels and the explanation (internal to graph/).
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace ad::graph::detail {

// %g with the given significant digits; "−" for negative numbers, as in the labels' formulas.
// keep_zeros: %#g, so every digit asked for is shown (0.741365070).
inline std::string significant(double v, int digits, bool keep_zeros = false) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "∞" : "−∞";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, keep_zeros ? "%#.*g" : "%.*g", digits, std::fabs(v));
  return (v < 0 ? "−" : "") + std::string(buffer);
}

// Fixed decimals, as the tutorials print (0.19480); scientific when fixed would hide the
// number (|v| < 10^−decimals) or be long (|v| ≥ 10^6).
inline std::string decimals(double v, int digits) {
  if (std::isnan(v) || std::isinf(v)) return significant(v, digits);
  char buffer[64];
  const double a = std::fabs(v);
  if (a != 0 && (a < std::pow(10.0, -digits) || a >= 1e6))
    std::snprintf(buffer, sizeof buffer, "%.*e", digits, a);
  else
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, a);
  return (v < 0 ? "−" : "") + std::string(buffer);
}

}  // namespace ad::graph::detail
