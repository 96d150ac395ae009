// The shared message helpers: numbers with a given count of digits, relative errors and the
// "did you mean" suggestion, against values worked out by hand.
#include "autodiff/text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace {

TEST(Text, NumberRoundTripsAndRoundsToItsDigits) {
  EXPECT_EQ(ad::number(0.1), "0.10000000000000001");  // 17 digits: the double nearest 0.1
  EXPECT_EQ(std::stod(ad::number(1.0 / 3.0)), 1.0 / 3.0);
  EXPECT_EQ(ad::number(2.0 / 3.0, 6), "0.666667");
  EXPECT_EQ(ad::number(1e300 * 1e10), "inf");
  EXPECT_EQ(ad::number(-std::numeric_limits<double>::quiet_NaN()), "nan");  // never "-nan"
}

TEST(Text, RelativeErrorIsToTheLargerMagnitude) {
  EXPECT_DOUBLE_EQ(ad::relative_error(1.0, 1.5), 0.5 / 1.5);
  EXPECT_DOUBLE_EQ(ad::relative_error(-2.0, 2.0), 2.0);
  EXPECT_EQ(ad::relative_error(0.0, 0.0), 0.0);
}

TEST(Text, ClosestNameIsATypoNotAnyName) {
  const std::vector<std::string> names{"x", "y", "rate", "sigmoid"};
  EXPECT_EQ(ad::closest_name("rte", names), "rate");
  EXPECT_EQ(ad::closest_name("sigmoi", names), "sigmoid");
  EXPECT_EQ(ad::closest_name("z", names), std::nullopt);  // one letter for another: no typo
  EXPECT_EQ(ad::closest_name("weight", names), std::nullopt);
  EXPECT_EQ(ad::did_you_mean("rte", names), " (did you mean 'rate'?)");
  EXPECT_EQ(ad::did_you_mean("weight", names), "");
}

// Each column as wide as its widest entry or name, entries right-aligned; the row names in a
// column of their own.
TEST(Text, MatrixTableAlignsEachColumnUnderItsName) {
  EXPECT_EQ(ad::matrix_table({"x", "rate"}, {{2.5, -1}, {-1, 1000}}, 6),
            "        x  rate\n"
            "x     2.5    -1\n"
            "rate   -1  1000\n");
}

// Wider than the line: blocks of columns, each with its header and every row, a blank line
// between. Widths count characters, so a UTF-8 name (α: two bytes, one column) lines up.
TEST(Text, MatrixTableWrapsWideMatricesInBlocksOfColumns) {
  const std::vector<std::vector<double>> m = {{1, 2, 3}, {2, 40, 5}, {3, 5, 600}};
  EXPECT_EQ(ad::matrix_table({"α", "b", "cc"}, m, 6, 12),
            "    α   b\n"
            "α   1   2\n"
            "b   2  40\n"
            "cc  3   5\n"
            "\n"
            "     cc\n"
            "α     3\n"
            "b     5\n"
            "cc  600\n");
  // A column wider than the line still gets a block of its own.
  EXPECT_EQ(ad::matrix_table({"x"}, {{123456}}, 6, 3), "        x\nx  123456\n");
}

// A name from a file is shown escaped in the table, and lined up by its escaped width: a raw
// ESC would recolour the terminal, a raw NUL would vanish and shift the columns.
TEST(Text, MatrixTableShowsNamesPrintable) {
  EXPECT_EQ(
      ad::matrix_table({std::string("w\x1b[31m5"), std::string("a\0b", 3)}, {{1, 2}, {2, 3}}, 6),
      "            w\\x1b[31m5  a\\x00b\n"
      "w\\x1b[31m5           1       2\n"
      "a\\x00b               2       3\n");
}

// Control characters, C1 controls, bytes that are not UTF-8 and the bidirectional overrides
// and isolates are escaped; other UTF-8 text (é, α, U+2029 after the bidi range) is kept.
TEST(Text, PrintableEscapesControlsAndBidiOverrides) {
  EXPECT_EQ(ad::printable("a\x1b[31mb\r\t\n"), "a\\x1b[31mb\\r\\t\\n");
  EXPECT_EQ(ad::printable("a\nb", true), "a\nb");
  EXPECT_EQ(ad::printable(std::string("\0\x7f\xff", 3)), "\\x00\\x7f\\xff");
  EXPECT_EQ(ad::printable("\xc2\x9b"), "\\u009b");
  EXPECT_EQ(ad::printable("x + \u202eabc"), "x + \\u202eabc");
  EXPECT_EQ(ad::printable("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069"),
            "\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069");
  EXPECT_EQ(ad::printable("é α \u2029 \u2065 \u206a \u2029"), "é α \u2029 \u2065 \u206a \u2029");
}

// Lines longer than the bound lose their middle to "…", whole UTF-8 characters; DOT quoting
// escapes quotes, backslashes and controls (the text \x00, a backslash doubled for dot).
TEST(Text, ShortenedAndDotString) {
  EXPECT_EQ(ad::shortened("abcdefghij\nabc", 5), "ab…ij\nabc");
  EXPECT_EQ(ad::shortened("ααααββββ", 4), "αα…β");
  EXPECT_EQ(ad::shortened("abc", 3), "abc");
  EXPECT_EQ(ad::dot_string(std::string("a\"b\\c\nd\0\x1b", 9)),
            "\"a\\\"b\\\\c\\nd\\\\x00\\\\x1b\"");
  EXPECT_EQ(ad::dot_string("abcdefghij", 5), "\"ab…ij\"");
}

}  // namespace

// Lines longer than the bound are cut in the middle, at character boundaries; others are kept.
TEST(Text, ClippedCutsLongLinesInTheMiddle) {
  EXPECT_EQ(ad::clipped("short\nlines", 10), "short\nlines");
  const std::string long_line = std::string(30, 'a') + "\u00e9" + std::string(30, 'b');
  const std::string cut = ad::clipped("x\n" + long_line + "\ny", 20);
  EXPECT_EQ(cut, "x\n" + std::string(10, 'a') + " ... (47 bytes left out) ... " +
                     std::string(5, 'b') + "\ny");
  // Never inside a UTF-8 character: é (2 bytes) at the cut moves it.
  const std::string accents = std::string(9, 'a') + "\u00e9\u00e9\u00e9" + std::string(40, 'b');
  const std::string c = ad::clipped(accents, 20);
  EXPECT_TRUE(c.starts_with(std::string(9, 'a') + " ... (")) << c;
}

// Names longer than 256 bytes get no suggestion (the distance costs the product of the lengths),
// nor do names of a length two or more from the candidate's.
TEST(Text, ClosestNameSkipsHopelessCandidates) {
  const std::string longer(300, 'a');
  EXPECT_EQ(ad::closest_name(longer, {longer + "b"}), std::nullopt);
  EXPECT_EQ(ad::closest_name("alpha", {"alph", "alphabet"}), "alph");
}
