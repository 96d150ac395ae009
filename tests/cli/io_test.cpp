// The program's files and streams under attack (issue 12): deep or malformed JSON, output that
// cannot be written, outputs that would clobber inputs, unbounded inputs, Graphviz's errors.
// Each test runs the issue's exact input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cli/run_cli.hpp"

namespace fs = std::filesystem;
using cli_test::run;
using cli_test::slurp;

namespace {

const std::string kTutorial = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial1.json";

// A fresh empty folder for one test.
std::string folder(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / ("io_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string() + "/";
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// tutorial1.json with its first `from` replaced by `to`.
std::string tutorial_with(const std::string& from, const std::string& to) {
  std::string text = slurp(kTutorial);
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

// The exit status of a shell command line.
int status_of(const std::string& command) {
  const int raw = std::system(command.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

bool graphviz_installed() { return status_of("command -v dot >/dev/null 2>&1") == 0; }

}  // namespace

// Item 1: `python3 -c "print('['*100000+']'*100000)" > d.json; autodiff net d.json` was a
// SIGSEGV; so was the same nesting as the value of "name" or "learning_rate". (An array alone is
// now refused by its first '[': a network file starts with '{'. In an object it is nested.)
TEST(Io, DeepJsonIsRefusedAtItsPlace) {
  const std::string dir = folder("deep");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  write(dir + "d.json", "{\"a\": " + deep + "}\n");
  auto r = run("net " + dir + "d.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: " + dir +
                       "d.json: line 1, column 70: arrays and objects nested more than 64 deep "
                       "(a network file needs 4)\n");
  for (const std::string key : {"\"name\": \"tutorial1 (Lamsal)\"", "\"learning_rate\": 0.6"}) {
    write(dir + "v.json", tutorial_with(key, key.substr(0, key.find(':')) + ": " + deep));
    r = run("net " + dir + "v.json");
    EXPECT_EQ(r.status, 2) << key;
    EXPECT_NE(r.err.find("nested more than 64 deep"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// Item 2: `autodiff grad x --at x=1 >/dev/full` printed 0; the same for check, net, --json,
// --help and a closed standard output.
TEST(Io, OutputThatCannotBeWrittenIsExitStatus4) {
  const std::string err = testing::TempDir() + "io_test_full.err";
  for (const std::string& arguments : std::vector<std::string>{
           "grad x --at x=1", "check 'x^2' --at x=1 -d x='2*x'", "net " + kTutorial,
           "grad x --at x=1 --json", "net " + kTutorial + " --json", "--help", "net --help",
           "net " + kTutorial + " --hessian"}) {
    for (const char* redirect : {">/dev/full", ">&-"}) {
      const std::string command =
          cli_test::program() + " " + arguments + " " + std::string(redirect) + " 2>" + err;
      EXPECT_EQ(status_of(command), 4) << command;
      EXPECT_EQ(slurp(err).rfind("autodiff: cannot write to standard output", 0), 0u)
          << command << "\n"
          << slurp(err);
      // With the system's reason, also where the stream failed before the end (--hessian's
      // report flushes on its way, and a failed stream keeps no errno).
      if (std::string(redirect) == ">/dev/full") {
        EXPECT_EQ(slurp(err),
                  "autodiff: cannot write to standard output: No space left on device\n")
            << command;
      }
    }
  }
  std::remove(err.c_str());
}

// Review s7, item 2: with an output on standard output (`-`) the result or report goes to
// standard error; when that could not be written it was lost with exit status 0. Now 4; a run
// that writes nothing there is 0, and a failure's own status (3) is kept.
TEST(Io, AResultThatCannotBeWrittenToStandardErrorIsExitStatus4) {
  const std::string cli = cli_test::program();
  for (const std::string& arguments :
       std::vector<std::string>{"grad x --at x=1 --dot -", "net " + kTutorial + " --dot -",
                                "net " + kTutorial + " --steps 1 --history -"}) {
    for (const char* redirect : {"2>/dev/full", "2>&-"}) {
      const std::string command = cli + " " + arguments + " >/dev/null " + redirect;
      EXPECT_EQ(status_of(command), 4) << command;
    }
  }
  EXPECT_EQ(status_of(cli + " grad x --at x=1 >/dev/null 2>/dev/full"), 0);
  EXPECT_EQ(status_of(cli + " grad 'log(x)' --at x=-1 >/dev/null 2>/dev/full"), 3);
}

// Item 3: `autodiff net self.json --dot self.json` replaced the network with DOT text.
TEST(Io, TheGraphNeverReplacesTheNetworkFile) {
  const std::string dir = folder("self");
  const std::string original = slurp(kTutorial);
  write(dir + "self.json", original);
  for (const std::string& dot : std::vector<std::string>{dir + "self.json", dir + "./self.json"}) {
    const auto r = run("net " + dir + "self.json --dot " + dot);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "autodiff: --dot " + dot + ": that is the network file " + dir +
                         "self.json; write the graph to another file\n");
    EXPECT_EQ(slurp(dir + "self.json"), original);
  }
  // Read from standard input, the network file is still the one the graph would replace.
  const auto r = run("net - --dot " + dir + "self.json < " + dir + "self.json");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(slurp(dir + "self.json"), original);
}

// Item 3: `autodiff net t.json --dot keep.svg` overwrote, then deleted, an unrelated keep.svg.dot.
TEST(Io, AnSvgTouchesNoOtherFile) {
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string dir = folder("keep");
  write(dir + "keep.svg.dot", "precious");
  const auto r = run("net " + kTutorial + " --dot " + dir + "keep.svg");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(dir + "keep.svg.dot"), "precious");
  EXPECT_NE(slurp(dir + "keep.svg").find("<svg"), std::string::npos);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);
}

// Item 3 and 15: when dot fails, the old SVG stays whole, dot's own words are on our standard
// error and nothing of it reaches standard output. A stand-in `dot` fails on purpose.
TEST(Io, GraphvizErrorsGoToStandardErrorAndKeepTheOldFile) {
  const std::string dir = folder("fake_dot");
  write(dir + "dot",
        "#!/bin/sh\necho 'junk on stdout'\necho 'Error: syntax error in line 3' >&2\nexit 1\n");
  fs::permissions(dir + "dot", fs::perms::owner_all);
  write(dir + "old.svg", "<svg>old</svg>");
  const std::string path = std::getenv("PATH");
  ::setenv("PATH", (dir + ":" + path).c_str(), 1);
  const auto r = run("grad x --at x=1 --json --dot " + dir + "old.svg");
  ::setenv("PATH", path.c_str(), 1);
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "autodiff: --dot " + dir +
                "old.svg: dot -Tsvg failed (exit status 1): Error: syntax error in line 3\n");
  EXPECT_EQ(slurp(dir + "old.svg"), "<svg>old</svg>");
}

// Item 15: `mkdir d.svg; autodiff grad x --at x=1 --json --dot d.svg` put Graphviz's error in
// the JSON on standard output.
TEST(Io, AnSvgPathThatIsAFolderIsAFileErrorOnStandardError) {
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string dir = folder("svg_folder");
  fs::create_directory(dir + "d.svg");
  const auto r = run("grad x --at x=1 --json --dot " + dir + "d.svg");
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "autodiff: --dot " + dir + "d.svg: cannot write the file: Is a directory\n");
}

// Item 15: `--dot ''` was silently ignored.
TEST(Io, AnEmptyDotNameIsAUsageError) {
  for (const std::string& arguments :
       std::vector<std::string>{"grad x --at x=1 --dot ''", "net " + kTutorial + " --dot ''"}) {
    const auto r = run(arguments);
    EXPECT_EQ(r.status, 2) << arguments;
    EXPECT_EQ(r.err.rfind("autodiff: --dot: needs a file name, not ''\n", 0), 0u) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// Item 15: a NUL in a name ended dot's input; it is drawn as the text \x00.
TEST(Io, ANulInANameIsDrawnEscaped) {
  if (!graphviz_installed()) GTEST_SKIP() << "Graphviz's dot is not installed";
  const std::string dir = folder("nul");
  write(dir + "nul.json",
        R"({"inputs": {"x": 1}, "targets": {"y": 0.5},
            "layers": [{"neurons": ["y"], "activation": "sigmoid"}],
            "weights": [{"name": "w\u0000evil", "from": "x", "to": "y", "value": 0.3}]})");
  auto r = run("net " + dir + "nul.json --dot " + dir + "nul.svg");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(slurp(dir + "nul.svg").find(R"(w\x00evil)"), std::string::npos);
  r = run("net " + dir + "nul.json --view tape --dot " + dir + "nul.dot");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(slurp(dir + "nul.dot").find(R"(label="w\\x00evil\n)"), std::string::npos);
}

// Item 15: internal labels such as "sub#1" or "mul#1" never reach a message.
TEST(Io, MessagesNameSubExpressionsAsWritten) {
  auto r = run("grad '(x-0)^0.5+x' --at x=0");
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err.rfind("autodiff: at x = 0: 0 ^ 0.5 = 0 has no finite derivative there "
                        "(∂/∂(x-0) = inf) at column 1\n",
                        0),
            0u)
      << r.err;
  r = run("check 'x*1e300*1e10' --at x=0 -d x=1");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("the chain rule overflows at (x*1e300): "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('#'), std::string::npos) << r.err;
}

// Item 4: `autodiff net /dev/zero` read until memory ran out. An endless file that starts as a
// network file does ('{' and then NULs), and is refused at the cap.
TEST(Io, AnEndlessNetworkFileIsTooLarge) {
  const std::string err = testing::TempDir() + "endless.err";
  const int raw = std::system(
      ("(printf '{'; cat /dev/zero) | " + cli_test::program() + " net - 2>" + err).c_str());
  EXPECT_EQ(WEXITSTATUS(raw), 2);
  EXPECT_EQ(cli_test::slurp(err),
            "autodiff: -: larger than 256 MiB, the most a network file may be\n");
}

// Review of issue 12, item 11: a file that does not start with '{' is no network file, and is
// refused by its first bytes rather than read whole (/dev/zero, at once).
TEST(Io, AFileNotStartingWithABraceIsRefusedAtOnce) {
  auto r = run("net /dev/zero");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(
      r.err,
      "autodiff: /dev/zero: line 1, column 1: a network file is a JSON object and starts "
      "with '{'; this one starts with "
      "'\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00...'\n");
  const std::string dir = folder("not_an_object");
  write(dir + "array.json", "\n  [1, 2]");
  r = run("net " + dir + "array.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: " + dir +
                       "array.json: line 2, column 3: a network file is a JSON object and starts "
                       "with '{'; this one starts with '[1, 2]'\n");
}

// Item 11: a directory, a missing file, and `-` for standard input.
TEST(Io, FileErrorsGiveTheSystemsReasonAndDashIsStandardInput) {
  const std::string dir = folder("file_errors");
  auto r = run("net " + dir);
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.err, "autodiff: " + dir + ": cannot read the file: Is a directory\n");
  r = run("net " + dir + "missing.json");
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.err,
            "autodiff: " + dir + "missing.json: cannot open the file: No such file or directory\n");
  const auto from_file = run("net " + kTutorial + " --json");
  const auto from_stdin = run("net - --json < " + kTutorial);
  ASSERT_EQ(from_stdin.status, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, from_file.out);
}

// Item 12: a key given twice was used silently; NaN, Infinity and comments were "invalid JSON:
// I'".
TEST(Io, JsonThatIsNotQuiteJsonIsSaidInWords) {
  const std::string dir = folder("json");
  write(dir + "twice.json",
        tutorial_with("\"learning_rate\": 0.6", "\"learning_rate\": 0.6, \"learning_rate\": 5"));
  auto r = run("net " + dir + "twice.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: " + dir +
                       "twice.json: line 99, column 25: \"learning_rate\" is given twice in one "
                       "object (first at line 99, column 3); JSON would keep one silently, so "
                       "give it once\n");
  const std::pair<std::string, std::string> cases[] = {
      {R"({"a": NaN})",
       "line 1, column 7: invalid JSON: found NaN, but JSON has no NaN or "
       "Infinity: write a finite number"},
      {R"({"a": -Infinity})",
       "line 1, column 7: invalid JSON: found -Infinity, but JSON has no "
       "NaN or Infinity: write a finite number"},
      {"{\"a\": 1 // why\n}",
       "line 1, column 9: invalid JSON: found a comment (//), but JSON has no comments: remove it"},
      {R"(/* c */ {"a": 1})",
       "line 1, column 1: invalid JSON: found a comment (/*), but JSON has no comments: remove it"},
  };
  for (const auto& [text, message] : cases) {
    write(dir + "bad.json", text);
    r = run("net " + dir + "bad.json");
    EXPECT_EQ(r.status, 2) << text;
    EXPECT_EQ(r.err, "autodiff: " + dir + "bad.json: " + message + "\n");
  }
}
