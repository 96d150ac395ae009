// The few ways the project writes numbers and names in its messages, in one place: a number
// with a given count of significant digits, the relative difference of two numbers, and the
// "did you mean" suggestion for a misspelt name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ad {

// x with `digits` significant digits (%.*g); 17 round-trips a double. A NaN is "nan", never
// "-nan": the sign of a NaN means nothing to a reader.
std::string number(double x, int digits = 17);

// |a − b| relative to the larger magnitude (0 when both are 0).
double relative_error(double a, double b);

// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string>& candidates);

// " (did you mean 'sin'?)" when closest_name finds one, else "": appended to a message about
// an unknown name.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace ad
