// Names and text from the user reach the terminal and the files escaped (ad::printable): Mazur's
// network (examples/tutorial2.json) with an escape sequence or a NUL in its names, run end to end.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/run_cli.hpp"

using cli_test::run;

namespace {

constexpr char kEsc[] = "\\u001b[31m";  // as JSON writes an ESC: the text \u001b

// tutorial2.json with `names` renamed to name[0] + `inserted` + the rest, and the hidden layer
// named "L" + `inserted`; its published figures (which name out_o1) dropped.
std::string write_renamed(const std::string& file, const std::vector<std::string>& names,
                          const std::string& inserted) {
  auto network = nlohmann::json::parse(
      cli_test::slurp(std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json"));
  network.erase("published");
  std::string text = network.dump(1);
  const auto replace = [&](const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  };
  for (const std::string& n : names)
    replace('"' + n + '"', '"' + n.substr(0, 1) + inserted + n.substr(1) + '"');
  replace("\"hidden\"", "\"L" + inserted + "\"");
  // A name of the test's own: ctest -j2 runs the tests that share `file` at once, and one
  // rewriting it while another's program reads it made a test fail at random.
  const std::string path = testing::TempDir() +
                           testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                           file;
  std::ofstream(path) << text;
  return path;
}

std::string control_names() { return write_renamed("ctl.json", {"w5", "h1", "o1", "i1"}, kEsc); }
std::string nul_names() { return write_renamed("nul.json", {"w5"}, "\\u0000"); }

bool has_control(const std::string& text) {
  for (char ch : text)
    if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n') return true;
  return false;
}

TEST(Escape, HessianNamesAreEscaped) {
  const auto r = run("net " + control_names() + " --hessian=all");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(has_control(r.out)) << r.out;
  EXPECT_NE(r.out.find("\nw\\x1b[31m5    0.00157156"), std::string::npos) << r.out;
  const auto nul = run("net " + nul_names() + " --hessian");
  ASSERT_EQ(nul.status, 0) << nul.err;
  EXPECT_FALSE(has_control(nul.out)) << nul.out;
  EXPECT_NE(nul.out.find("\nw\\x005    0.00157156"), std::string::npos) << nul.out;
}

// The tape view's layer box (a cluster) was written with std::quoted, found by ADL in place of
// the DOT quoting: a raw ESC in the file, and a raw NUL that made dot fail.
TEST(Escape, TapeViewClusterLabelsAreEscaped) {
  const std::string dot = testing::TempDir() + "escape_tape.dot";
  ASSERT_EQ(run("net " + control_names() + " --dot " + dot + " --view tape").status, 0);
  std::string text = cli_test::slurp(dot);
  EXPECT_FALSE(has_control(text));
  EXPECT_NE(text.find("label=\"L\\\\x1b[31m\";"), std::string::npos) << text;
  ASSERT_EQ(run("net " + nul_names() + " --dot " + dot + " --view tape").status, 0);
  text = cli_test::slurp(dot);
  EXPECT_FALSE(has_control(text));
  EXPECT_NE(text.find("label=\"L\\\\x00\";"), std::string::npos) << text;
}

// A 60,000-term sum made a 120 KB label, which dot refuses (over 16384 bytes): every label line
// is cut to 80 characters, "…" in the middle.
TEST(Escape, LongLabelsAreCutInTheMiddle) {
  std::string sum = "x";
  for (int k = 1; k < 60000; ++k) sum += "+x";
  const std::string dot = testing::TempDir() + "escape_long.dot";
  ASSERT_EQ(run("grad '" + sum + "' --at x=1 --dot " + dot).status, 0);
  const std::string text = cli_test::slurp(dot);
  std::string cut = "label=\"";  // the first 40 characters, "…", the last 39
  for (int k = 0; k < 20; ++k) cut += "x+";
  cut += "…";
  for (int k = 0; k < 19; ++k) cut += "x+";
  EXPECT_NE(text.find(cut + "x\\n"), std::string::npos) << text.substr(0, 400);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) EXPECT_LT(line.size(), 400u) << line;
}

// A syntax error quoted nlohmann's last read token whole: a 1 MB string or number in the file
// made a 1 MB message. The token is cut to 80 characters, "…" in the middle.
TEST(Escape, JsonSyntaxErrorsQuoteAtMost80Characters) {
  const std::string path = testing::TempDir() + "escape_huge.json";
  std::ofstream(path) << "{\"a\": \"" << std::string(1000000, 'a') << '\n';
  auto r = run("net " + path);
  EXPECT_EQ(r.status, 2);
  EXPECT_LT(r.err.size(), 400u);
  EXPECT_NE(r.err.find("last read: '\"" + std::string(39, 'a') + "…" + std::string(31, 'a') +
                       "<U+000A>'"),
            std::string::npos)
      << r.err;
  std::ofstream(path) << "{\"a\": " << std::string(1000000, '1') << "x\n";
  r = run("net " + path);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: " + path +
                       ": line 1, column 7: invalid JSON: number overflow parsing '" +
                       std::string(40, '1') + "…" + std::string(39, '1') + "'\n");
}

// Refusing /dev/zero read up to the 256 MiB cap in a string grown by doubling: 529 MB at the
// peak, "out of memory" under a 400 MB address-space limit. One reserved buffer fits. (An
// endless file that starts as a network file: /dev/zero alone is refused by its first byte.)
TEST(Escape, AnEndlessFileIsRefusedWithinTheCapsMemory) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space: a 400 MB limit stops it";
#endif
  const int raw = std::system(("ulimit -v 400000; (printf '{'; cat /dev/zero) | " +
                               cli_test::program() + " net - 2>/dev/null")
                                  .c_str());
  EXPECT_EQ(WEXITSTATUS(raw), 2);
}

}  // namespace

namespace {

// Review of issue 12, item 2: messages were printed with printable(message, keep_newlines), so a
// newline the user typed came out raw, breaking the message's first line. Escaped where the
// message embeds the text, the message keeps its own lines: the excerpt and the caret.
TEST(Escape, ANewlineInAnOptionsValueIsEscapedInTheMessage) {
  const auto r = run("check E --let 'E=x+\n\n*2'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --let E=x+\\n\\n*2: expected a number, a variable, a function or '(', "
            "found '*' at column 5\n"
            "  x+\\n\\n*2\n"
            "        ^\n");
  const auto at = run("grad 'x' --at 'x=1,\ny=2'");
  EXPECT_EQ(at.status, 2);
  EXPECT_EQ(at.err, "autodiff: --at: '\\ny' is not a variable of the expression\n");
}

// The chain-rule explanation names the sub-expression (x*<newline>y) as written: escaped.
TEST(Escape, ANewlineInANameIsEscapedInTheExplanation) {
  const auto r = run("grad 'x*\ny' --at x=1,y=2 --explain x --precision 3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "value = 2\n"
            "d/dx  = 2\n"
            "d/dy  = 1\n"
            "\n"
            "∂(x*\\ny)/∂x: 1 path from (x*\\ny) to x\n"
            "\n"
            "path 1: (x*\\ny) → x\n"
            "  ∂(x*\\ny)/∂x = y = 2.00\n"
            "  product: 2.00 = 2.00\n"
            "\n"
            "sum over all paths: 2.00\n"
            "gradient from the reverse sweep: 2.00\n");
}

// A network file's names may hold a newline (JSON's \n): the explanation and a file error show
// it as \n, each on the line where it belongs.
TEST(Escape, ANewlineInANetworkNameIsEscaped) {
  const std::string file = write_renamed("newline.json", {"w5"}, "\\n");
  const auto r = run("net " + file + " --explain 'w\n5'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("∂E_total/∂w\\n5: "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("w\n5"), std::string::npos) << r.out;
  const std::string bad = testing::TempDir() + "newline_key.json";
  std::ofstream(bad) << "{\"a\\nb\": 1}";
  const auto e = run("net " + bad);
  EXPECT_EQ(e.status, 2);
  EXPECT_EQ(e.err, "autodiff: " + bad + ": /a\\nb: unknown key \"a\\nb\"\n");
}

}  // namespace

namespace {

// Review s7, item 4: a neuron renamed o<U+200B>1 (a zero-width space) printed as o1 and so
// read as the other, and an expression's variable did too. Escaped as U+202E is, the rows
// line up by the escaped text.
TEST(Escape, AZeroWidthSpaceInANameIsEscaped) {
  const auto r = run("net " + write_renamed("zero_width.json", {"o1"}, "\\u200b"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("  net_h2       = 0.3925\n"
                       "  out_h2       = 0.596884378259767\n"
                       "  net_o\\u200b1 = 1.10590596705977\n"
                       "  out_o\\u200b1 = 0.751365069552316\n"
                       "  net_o2       = 1.22492140409647\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("\u200b"), std::string::npos) << r.out;
  const auto e = run("grad 'o\u200b1*2' --at 'o\u200b1=3'");
  EXPECT_EQ(e.status, 2);
  EXPECT_EQ(e.err,
            "autodiff: in the expression: unexpected character '\\u200b' at column 2\n"
            "  o\\u200b1*2\n"
            "   ^~~~~~\n");
}

}  // namespace
