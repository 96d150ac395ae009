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
  const std::string path = testing::TempDir() + file;
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
  std::ofstream(path) << '"' << std::string(1000000, 'a') << '\n';
  auto r = run("net " + path);
  EXPECT_EQ(r.status, 2);
  EXPECT_LT(r.err.size(), 400u);
  EXPECT_NE(r.err.find("last read: '\"" + std::string(39, 'a') + "…" + std::string(31, 'a') +
                       "<U+000A>'"),
            std::string::npos)
      << r.err;
  std::ofstream(path) << std::string(1000000, '1') << "x\n";
  r = run("net " + path);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: " + path + ": invalid JSON: number overflow parsing '" +
                       std::string(40, '1') + "…" + std::string(39, '1') + "'\n");
}

// Refusing /dev/zero read up to the 256 MiB cap in a string grown by doubling: 529 MB at the
// peak, "out of memory" under a 400 MB address-space limit. One reserved buffer fits.
TEST(Escape, AnEndlessFileIsRefusedWithinTheCapsMemory) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space: a 400 MB limit stops it";
#endif
  const int raw = std::system(
      ("ulimit -v 400000; " + std::string(AUTODIFF_CLI) + " net /dev/zero 2>/dev/null").c_str());
  EXPECT_EQ(WEXITSTATUS(raw), 2);
}

}  // namespace
