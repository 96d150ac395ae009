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
  // Next to the escaped ranges, visible characters are kept: the hair space U+200A, the
  // hyphenation point U+2027, the narrow no-break space U+202F, superscript zero U+2070.
  EXPECT_EQ(ad::printable("é α \u200a \u2027 \u202f \u2070"), "é α \u200a \u2027 \u202f \u2070");
}

// Review s7, item 4: characters drawn as nothing made "o\u200b1" read as "o1" (a spoofed name)
// and cost a column in tables. Each is escaped as U+202E is, by its code point.
TEST(Text, PrintableEscapesInvisibleCharacters) {
  EXPECT_EQ(ad::printable("o\u200b1"), "o\\u200b1");
  EXPECT_EQ(ad::printable("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f"),
            "\\u00ad\\u180e\\u200b\\u200c\\u200d\\u200e\\u200f");
  EXPECT_EQ(ad::printable("\u2028\u2029\u2060\u2061\u2065\u206a\u206f\ufeff"),
            "\\u2028\\u2029\\u2060\\u2061\\u2065\\u206a\\u206f\\ufeff");
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

// Review of issue 12, item 11: tables aligned by bytes or by characters, and a CJK character
// takes two columns on a terminal. The widths by hand: one per character, two for the wide ones.
TEST(Text, DisplayWidthCountsEastAsianWideCharactersTwice) {
  EXPECT_EQ(ad::display_width("rate"), 4u);
  EXPECT_EQ(ad::display_width("αé"), 2u);            // two bytes each, one column each
  EXPECT_EQ(ad::display_width("学习率"), 6u);        // U+5B66 U+4E60 U+7387, CJK ideographs
  EXPECT_EQ(ad::display_width("가"), 2u);            // U+AC00, a Hangul syllable
  EXPECT_EQ(ad::display_width("\uFF21"), 2u);        // FULLWIDTH LATIN CAPITAL LETTER A
  EXPECT_EQ(ad::display_width("\uFF61"), 1u);        // HALFWIDTH IDEOGRAPHIC FULL STOP
  EXPECT_EQ(ad::display_width("\U00020000"), 2u);    // CJK Extension B, four bytes
  EXPECT_EQ(ad::display_width("\xff\xfe"), 2u);      // not UTF-8: a column a byte
  EXPECT_EQ(ad::display_width("\u1100\u1160"), 3u);  // a Jamo lead (wide), a vowel (not)
}

// Review s7, item 4: a combining mark is drawn over the character before it, so "e\u0301" (é
// as two code points) takes one column, not two, and a table row lost one per mark.
TEST(Text, DisplayWidthCountsCombiningMarksAsNone) {
  EXPECT_EQ(ad::display_width("e\u0301"), 1u);                    // COMBINING ACUTE ACCENT
  EXPECT_EQ(ad::display_width("a\u0300\u036f"), 1u);              // the block's first and last
  EXPECT_EQ(ad::display_width("x\u1ab0\u1dc0\u20d0\ufe20"), 1u);  // the other four blocks
  EXPECT_EQ(ad::display_width("x\u1aff\u1dff\u20ff\ufe2f"), 1u);
  EXPECT_EQ(ad::display_width("\u0370\u1aaf\u20cf\ufe30"), 5u);  // beside them: one, U+FE30 two
}

TEST(Text, MatrixTableAlignsCjkNamesByTheirColumns) {
  EXPECT_EQ(ad::matrix_table({"学习率", "b"}, {{1, 2}, {2, 30}}, 6),
            "        学习率   b\n"
            "学习率       1   2\n"
            "b            2  30\n");
}
