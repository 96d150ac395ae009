// The few ways the project writes numbers and names in its messages, in one place: a number
// with a given count of significant digits, the relative difference of two numbers, a matrix
// with named rows and columns, the "did you mean" suggestion for a misspelt name, and text from
// the input made safe to print on a terminal.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ad {

// x with `digits` significant digits (%.*g); 17 round-trips a double. A NaN is "nan", never
// "-nan": the sign of a NaN means nothing to a reader.
std::string number(double x, int digits = 17);

// A square matrix as a table: a header line of the names, then one row per name, each entry
// right-aligned under its column's name, `digits` significant digits. The whole matrix, also
// when it is symmetric (a Hessian): a learner reads row x as the gradient of d/dx and sees the
// symmetry ∂²f/∂x∂y = ∂²f/∂y∂x rather than being asked to take it on trust. Widths count
// characters (UTF-8 names line up); a matrix wider than `line_width` is printed in blocks of
// columns, each with every row, as R and NumPy print wide matrices.
std::string matrix_table(const std::vector<std::string>& names,
                         const std::vector<std::vector<double>>& matrix, int digits,
                         std::size_t line_width = 120);

// |a − b| relative to the larger magnitude (0 when both are 0).
double relative_error(double a, double b);

// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string>& candidates);

// " (did you mean 'sin'?)" when closest_name finds one, else "": appended to a message about
// an unknown name.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

// The text safe to print on a terminal: control characters (an escape sequence's ESC, a carriage
// return, a newline unless `keep_newlines`), DEL, the C1 controls and bytes that are not UTF-8
// are written escaped (\x1b, \r, \n, \u009b, \xff); other text as is.
std::string printable(std::string_view text, bool keep_newlines = false);

// The bytes of the UTF-8 character at text[at] (1 for a byte that is not UTF-8).
std::size_t character_size(std::string_view text, std::size_t at);

}  // namespace ad
