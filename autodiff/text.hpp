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
// symmetry ∂²f/∂x∂y = ∂²f/∂y∂x rather than being asked to take it on trust. Widths are
// display_width() (UTF-8 and CJK names line up); a matrix wider than `line_width` is printed in
// blocks of columns, each with every row, as R and NumPy print wide matrices. Names are shown
// printable().
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

// Every line of `text` longer than `most` bytes cut in its middle, whole UTF-8 characters kept:
// "aaaa ... (59,620 bytes left out) ... aaaa". A message quotes what the user gave (a 120 KB
// name, a point); the program's messages pass through this, so none is longer than that.
std::string clipped(std::string_view text, std::size_t most = 400);

// The text safe to print on a terminal: control characters (an escape sequence's ESC, a carriage
// return, a newline unless `keep_newlines`), DEL, the C1 controls, bytes that are not UTF-8,
// the bidirectional overrides and isolates (U+202A to U+202E, U+2066 to U+2069, which reorder
// what follows on the line) and the characters drawn as nothing (the soft hyphen U+00AD,
// U+180E, the zero-width spaces and marks U+200B to U+200F, U+2028 to U+2029, U+2060 to
// U+206F, U+FEFF: "o\u200b1" would read as "o1") are written escaped (\x1b, \r, \n, \u009b,
// \u202e, \u200b, \xff); other text as is.
std::string printable(std::string_view text, bool keep_newlines = false);

// `text` with each line longer than `columns` characters cut in the middle to `columns`, "…" in
// place of what is left out; whole UTF-8 characters are kept or left out.
std::string shortened(std::string_view text, std::size_t columns);

// A Graphviz DOT string literal of `text` shown printable(): in quotes, quotes and backslashes
// escaped (a NUL shows as the text \x00 rather than ending dot's input), newlines as DOT's \n;
// each line shortened to `columns`. The one quoting of both graph views' labels and ids.
std::string dot_string(std::string_view text, std::size_t columns = std::string_view::npos);

// The bytes of the UTF-8 character at text[at] (1 for a byte that is not UTF-8).
std::size_t character_size(std::string_view text, std::size_t at);

// The columns `text` takes on a terminal: one per UTF-8 character, two for an East Asian wide
// one (CJK, Hangul, full-width forms), none for a combining mark (U+0301 in "e\u0301", drawn
// over the e); a byte that is not UTF-8 counts one. The one width by
// which tables line up their columns.
std::size_t display_width(std::string_view text);

// `text` with XML's special characters (& < > ") as entities, for SVG text and Graphviz's
// HTML-like labels.
std::string xml_escaped(std::string_view text);

}  // namespace ad
