// `--dot FILE` under a hostile review (items 9, 10, 11): '-' for standard output, the image
// format from the extension in any case, links to nothing, named pipes, dot's empty output and
// floods of messages, and the node cap of a picture dot must lay out. A stand-in `dot` on PATH
// plays Graphviz where its behaviour is the point.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "cli/run_cli.hpp"

namespace fs = std::filesystem;
using cli_test::run;
using cli_test::slurp;

namespace {

const std::string kTutorial = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial1.json";

// The DOT of `grad 'x*y' --at x=1,y=2`, by hand: x and y are inputs, x·y the output; ∂/∂x = y = 2
// and ∂/∂y = x = 1 label the edges and are the leaves' gradients.
const std::string kProductDot = R"(digraph G {
rankdir=LR;
nodesep=0.15;
ranksep=0.02;
node [fontname="Helvetica", margin="0.04,0.03"];
edge [fontname="Helvetica", fontsize=13];
label="x*y";
labelloc=t;
0[label="x\nvalue: 1\ngrad: 2", shape=box, style="filled", fillcolor="#cfe2f3"];
1[label="y\nvalue: 2\ngrad: 1", shape=box, style="filled", fillcolor="#cfe2f3"];
2[label="x*y\nvalue: 2\ngrad: 1", shape=box, style="filled,bold", fillcolor="#f4cccc"];
0->2 [label="2"];
1->2 [label="1"];
}
)";

std::string folder(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / ("dot_output_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string() + "/";
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

int status_of(const std::string& command) {
  const int raw = std::system(command.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

bool graphviz_installed() { return status_of("command -v dot >/dev/null 2>&1") == 0; }

// Runs `arguments` with a stand-in `dot` (the shell script `script`) first on PATH.
cli_test::Run run_with_dot(const std::string& dir, const std::string& script,
                           const std::string& arguments) {
  write(dir + "dot", "#!/bin/sh\n" + script);
  fs::permissions(dir + "dot", fs::perms::owner_all);
  const std::string path = std::getenv("PATH");
  ::setenv("PATH", (dir + ":" + path).c_str(), 1);
  const auto r = run(arguments);
  ::setenv("PATH", path.c_str(), 1);
  return r;
}

}  // namespace

// Item 11: `--dot -` created a file named '-'. It is standard output, the DOT alone there; the
// result goes to standard error.
TEST(DotOutput, DashIsStandardOutput) {
  ASSERT_FALSE(fs::exists("-"));
  const auto r = run("grad 'x*y' --at x=1,y=2 --dot -");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kProductDot);
  EXPECT_EQ(r.err, "value = 2\nd/dx  = 2\nd/dy  = 1\n");
  EXPECT_FALSE(fs::exists("-"));
}

// The same for net: the view on standard output is the one a file would hold, the report moves.
TEST(DotOutput, DashIsStandardOutputForNet) {
  const std::string dir = folder("net_dash");
  const auto to_file = run("net " + kTutorial + " --dot " + dir + "n.dot");
  ASSERT_EQ(to_file.status, 0) << to_file.err;
  const auto r = run("net " + kTutorial + " --dot -");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, slurp(dir + "n.dot"));
  EXPECT_EQ(r.err, to_file.out);
  EXPECT_FALSE(fs::exists("-"));
}

// Each edge of a node with two different operands carries that operand's own partial:
// ∂(a·b)/∂a = b = 3 on the edge from a, ∂(a·b)/∂b = a = 2 on the edge from b, in either order of
// the factors (a swap would leave every node's label as it was).
TEST(DotOutput, EachEdgeCarriesItsOperandsPartial) {
  for (const std::string expression : {"a*b", "b*a", "a/b"}) {
    const auto r = run("grad '" + expression + "' --at a=2,b=3 --dot -");
    ASSERT_EQ(r.status, 0) << r.err;
    std::map<std::string, std::string> id;  // first label line -> node id
    const std::regex node("(\\d+)\\[label=\"([^\\\\\"]*)"),
        edge("(\\d+)->(\\d+) \\[label=\"([^\"]*)\"");
    for (std::sregex_iterator m(r.out.begin(), r.out.end(), node), end; m != end; ++m)
      id[(*m)[2]] = (*m)[1];
    std::map<std::string, std::string> partial;  // source id -> edge label
    for (std::sregex_iterator m(r.out.begin(), r.out.end(), edge), end; m != end; ++m)
      partial[(*m)[1]] = (*m)[3];
    ASSERT_EQ(partial.size(), 2u) << r.out;
    // a/b: ∂/∂a = 1/b = 1/3, ∂/∂b = −a/b² = −2/9.
    const bool quotient = expression == "a/b";
    EXPECT_EQ(partial[id["a"]], quotient ? "0.333333" : "3") << expression << "\n" << r.out;
    EXPECT_EQ(partial[id["b"]], quotient ? "−0.222222" : "2") << expression << "\n" << r.out;
  }
}

// The output, named "(x*sin(y))" on the tape so that ∂(x*sin(y))/∂x reads right, is labelled
// without the parentheses around the whole of it; parentheses that do not enclose all of the
// text, as in (a+b)*(c+d), and those the user wrote inside it stay.
TEST(DotOutput, TheOutputsLabelHasNoParenthesesAroundItAll) {
  struct Case {
    std::string expression, at, label;
  };
  const Case cases[] = {
      {"x*sin(y)", "x=1,y=2", "x*sin(y)"},   {"(a+b)*(c+d)", "a=1,b=2,c=3,d=4", "(a+b)*(c+d)"},
      {"(a+b)*c", "a=1,b=2,c=3", "(a+b)*c"}, {"(a+b)", "a=1,b=2", "a+b"},
      {"-(a+b)", "a=1,b=2", "-(a+b)"},       {"sin(x)", "x=1", "sin(x)"}};
  for (const Case& c : cases) {
    const auto r = run("grad '" + c.expression + "' --at " + c.at + " --dot -");
    ASSERT_EQ(r.status, 0) << c.expression << "\n" << r.err;
    std::smatch m;  // the output's box, drawn bold: its first label line
    ASSERT_TRUE(
        std::regex_search(r.out, m, std::regex(R"re(\d+\[label="([^\\"]*)\\n[^\n]*bold)re")))
        << r.out;
    EXPECT_EQ(m[1], c.label) << c.expression << "\n" << r.out;
  }
}

// --json and --dot - would both be standard output.
TEST(DotOutput, DashWithJsonIsRefused) {
  for (const std::string& arguments :
       {std::string("grad x --at x=1 --json --dot -"), "net " + kTutorial + " --json --dot -"}) {
    const auto r = run(arguments);
    EXPECT_EQ(r.status, 2) << arguments;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err,
              "autodiff: --dot -: standard output carries the --json result; write the graph to "
              "a file\n");
  }
  EXPECT_FALSE(fs::exists("-"));
}

// Item 11: `--dot x.SVG` wrote DOT text: the format is the extension's, whatever its case. The
// stand-in dot records the arguments it was given.
TEST(DotOutput, TheExtensionChoosesTheFormatInAnyCase) {
  const std::string dir = folder("case");
  for (const std::string name : {"g.SVG", "g.Png", "g.pdf"}) {
    const auto r = run_with_dot(dir, "cat >/dev/null\necho \"rendered $1\"\n",
                                "grad x --at x=1 --dot " + dir + name);
    EXPECT_EQ(r.status, 0) << r.err;
    std::string format = name.substr(2);
    for (char& ch : format) ch = static_cast<char>(std::tolower(ch));
    EXPECT_EQ(slurp(dir + name), "rendered -T" + format + "\n");
  }
}

// Item 9: a sum of 99 powers of x is 198 nodes (x, 99 powers, 98 additions), all fed by x; dot
// took minutes on such a picture. An image keeps 60 (59 and the summary) and says so; the
// stand-in dot passes on what it was given.
TEST(DotOutput, AnImageKeepsAtMostSixtyNodes) {
  const std::string dir = folder("cap");
  std::string sum = "x^1";
  for (int k = 2; k <= 99; ++k) sum += "+x^" + std::to_string(k);
  const auto r = run_with_dot(dir, "cat\n", "grad '" + sum + "' --at x=0.5 --dot " + dir + "s.svg");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "autodiff: --dot " + dir +
                       "s.svg: the graph has 198 nodes; showing the 59 nearest the outputs, the "
                       "other 139 are collapsed into one node (an image shows at most 60, for dot "
                       "to lay it out in seconds; a .dot file shows all of them)\n");
  std::size_t vertices = 0;  // lines "N[label=...]", not "N->M [label=...]"
  std::istringstream lines(slurp(dir + "s.svg"));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])) &&
        line.find("->") == std::string::npos)
      ++vertices;
  EXPECT_EQ(vertices, 60u);
  // The DOT text keeps all 198.
  EXPECT_EQ(run("grad '" + sum + "' --at x=0.5 --dot " + dir + "s.dot").err, "");
}

// Item 10: dot exiting 0 with nothing written replaced the SVG with an empty file.
TEST(DotOutput, AnEmptyImageIsAFailure) {
  const std::string dir = folder("empty");
  write(dir + "old.svg", "<svg>old</svg>");
  const auto r = run_with_dot(dir, "exit 0\n", "grad x --at x=1 --dot " + dir + "old.svg");
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "autodiff: --dot " + dir + "old.svg: dot -Tsvg wrote nothing (exit status 0)\n");
  EXPECT_EQ(slurp(dir + "old.svg"), "<svg>old</svg>");
}

// Item 10: dot's standard error was relayed whole (5 MB of it). Its first 20 lines are, escaped
// (an ESC would reach the terminal), and the count of the bytes left out.
TEST(DotOutput, DotsMessagesAreAnExcerpt) {
  const std::string dir = folder("flood");
  const std::string first = "Error: \x1b[2J bad\n";
  const std::string line(99, 'w');
  const auto r = run_with_dot(
      dir, "printf 'Error: \\033[2J bad\\n' >&2\nyes " + line + " | head -n 50000 >&2\nexit 1\n",
      "grad x --at x=1 --dot " + dir + "flood.svg");
  EXPECT_EQ(r.status, 4);
  std::string expected = "autodiff: --dot " + dir +
                         "flood.svg: dot -Tsvg failed (exit status 1): Error: \\x1b[2J bad\n";
  for (int k = 0; k < 19; ++k) expected += line + "\n";
  const std::size_t left_out = first.size() + 50000 * 100 - (first.size() + 19 * 100);
  expected += "... (" + std::to_string(left_out) + " more bytes left out)\n";
  EXPECT_EQ(r.err, expected);
  EXPECT_FALSE(fs::exists(dir + "flood.svg"));
}

// Item 11: a link to a file not yet there was replaced by a file. It is written through, as the
// shell's > writes through it: the link stays, its target is created.
TEST(DotOutput, ALinkToNothingIsWrittenThrough) {
  const std::string dir = folder("dangling");
  fs::create_directory(dir + "out");
  fs::create_symlink("out/g.dot", dir + "link.dot");
  const auto r = run("grad 'x*y' --at x=1,y=2 --dot " + dir + "link.dot");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir + "link.dot"));
  EXPECT_EQ(slurp(dir + "out/g.dot"), kProductDot);
  // A loop of links is refused, not replaced.
  fs::create_symlink("b", dir + "a");
  fs::create_symlink("a", dir + "b");
  const auto loop = run("grad x --at x=1 --dot " + dir + "a");
  EXPECT_EQ(loop.status, 4);
  EXPECT_EQ(loop.err,
            "autodiff: --dot " + dir +
                "a: cannot open the file for writing: Too many levels of symbolic links\n");
  EXPECT_TRUE(fs::is_symlink(dir + "a"));
}

// Item 11: `--dot FIFO` waited for ever for a reader. With none it is refused at once; with one
// (a shell pipeline's) the DOT goes through it.
TEST(DotOutput, ANamedPipeIsWrittenOnlyWhenRead) {
  const std::string dir = folder("fifo");
  ASSERT_EQ(::mkfifo((dir + "p").c_str(), 0600), 0);
  const std::string cli = cli_test::program();
  const int status = status_of("timeout 20 " + cli + " grad x --at x=1 --dot " + dir + "p >" + dir +
                               "out 2>" + dir + "err");
  EXPECT_EQ(status, 4);  // timeout's 124 if it blocked
  EXPECT_EQ(slurp(dir + "err"),
            "autodiff: --dot " + dir + "p: cannot write to the pipe: no process is reading it\n");
  EXPECT_EQ(status_of("timeout 20 " + cli + " grad 'x*y' --at x=1,y=2 --dot /dev/fd/3 3>&1 " +
                      ">/dev/null | cat >" + dir + "read.dot"),
            0);
  EXPECT_EQ(slurp(dir + "read.dot"), kProductDot);
}

// With Graphviz itself: the 198-node sum lays out in seconds (minutes before the cap).
TEST(DotOutput, GraphvizLaysOutTheCappedSumQuickly) {
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string dir = folder("graphviz");
  std::string sum = "x^1";
  for (int k = 2; k <= 99; ++k) sum += "+x^" + std::to_string(k);
  const std::string cli = cli_test::program();
  EXPECT_EQ(status_of("timeout 60 " + cli + " grad '" + sum + "' --at x=0.5 --dot " + dir +
                      "s.SVG 2>/dev/null >/dev/null"),
            0);
  EXPECT_EQ(slurp(dir + "s.SVG").rfind("<?xml", 0), 0u);
}

// Review s7, item 1: an output naming the program's own standard output or error went through
// the temporary file renamed over the file the shell redirected into: `--dot /dev/stderr
// 2>>log` left log holding the DOT alone, `net --dot /dev/stdout >out` lost the report. Refused,
// by device and inode (so /proc/self/fd/1 and the redirected file's own name too), before
// anything is written; a terminal or /dev/null (a device, written in place) is not.
TEST(DotOutput, AnOutputThatIsStandardOutputOrErrorIsRefused) {
  const std::string dir = folder("std_streams");
  const std::string cli = cli_test::program();
  const std::string tutorial2 = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json";
  const auto refusal = [](const std::string& option, const std::string& path,
                          const std::string& stream) {
    return "autodiff: " + option + ": " + path + " is the program's " + stream +
           ": give - to write to standard output alone (the result or report then goes to "
           "standard error), or another file\nRun with --help for more information.\n";
  };
  write(dir + "log.txt", "existing log\n");
  EXPECT_EQ(status_of(cli + " grad 'x*y' --at x=1,y=2 --dot /dev/stderr 2>>" + dir + "log.txt"), 2);
  EXPECT_EQ(slurp(dir + "log.txt"),
            "existing log\n" + refusal("--dot", "/dev/stderr", "standard error"));
  EXPECT_EQ(status_of(cli + " net " + tutorial2 + " --dot /dev/stdout >" + dir + "out.txt 2>" +
                      dir + "err.txt"),
            2);
  EXPECT_EQ(slurp(dir + "out.txt"), "");
  EXPECT_EQ(slurp(dir + "err.txt"), refusal("--dot", "/dev/stdout", "standard output"));
  EXPECT_EQ(status_of(cli + " net " + tutorial2 + " --steps 1 --history /proc/self/fd/1 >" + dir +
                      "out.txt 2>" + dir + "err.txt"),
            2);
  EXPECT_EQ(slurp(dir + "err.txt"), refusal("--history", "/proc/self/fd/1", "standard output"));
  EXPECT_EQ(status_of(cli + " net " + tutorial2 + " --steps 1 --plot " + dir + "out.txt >" + dir +
                      "out.txt 2>" + dir + "err.txt"),
            2);
  EXPECT_EQ(slurp(dir + "err.txt"), refusal("--plot", dir + "out.txt", "standard output"));
  EXPECT_EQ(slurp(dir + "out.txt"), "");
  EXPECT_EQ(status_of(cli + " grad x --at x=1 --dot /dev/stdout >/dev/null 2>" + dir + "err.txt"),
            0);
  EXPECT_EQ(slurp(dir + "err.txt"), "");
}
