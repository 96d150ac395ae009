// Runs the built `autodiff` program (AUTODIFF_CLI) through the shell and captures its exit
// status, standard output and standard error.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace cli_test {

struct Run {
  int status;
  std::string out;
  std::string err;
};

// Whether this machine can give script(1) a pseudo-terminal: a chroot without /dev/pts mounted
// (a fresh root made by debootstrap) cannot, and the tests of what a terminal shows skip there,
// saying why.
inline bool have_pseudo_terminals() {
  const int fd = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (fd < 0) return false;
  const bool usable = ::grantpt(fd) == 0 && ::unlockpt(fd) == 0 && ::ptsname(fd) != nullptr &&
                      ::access(::ptsname(fd), F_OK) == 0;
  ::close(fd);
  return usable;
}
inline constexpr char kNoPseudoTerminals[] =
    "no pseudo-terminal can be opened here (/dev/pts is not mounted): nothing to draw a "
    "terminal's progress line on";

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The command that runs the program: AUTODIFF_CLI, after $AUTODIFF_CLI_WRAPPER when that is set.
// tests/memcheck.sh sets it to run each run of the program under valgrind, and not the shell
// around it as tracing children would (valgrind's start-up in that shell was half the stage).
inline std::string program() {
  const char* wrapper = std::getenv("AUTODIFF_CLI_WRAPPER");
  return wrapper != nullptr && *wrapper != '\0' ? std::string(wrapper) + " " + AUTODIFF_CLI
                                                : AUTODIFF_CLI;
}

// `arguments` is shell text: quote expressions with single quotes.
inline Run run(const std::string& arguments) {
  static std::atomic<int> counter = 0;
  const std::string base = testing::TempDir() + "autodiff_cli_" + std::to_string(::getpid()) + "_" +
                           std::to_string(counter++);
  const std::string command = program() + " " + arguments + " >" + base + ".out 2>" + base + ".err";
  const int raw = std::system(command.c_str());
  Run r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(base + ".out"), slurp(base + ".err")};
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

// The number after "label = " on its own line of the output.
inline double value_after(const std::string& out, const std::string& label) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(label + " ")) continue;
    const auto equals = line.find("= ");
    if (equals != std::string::npos) return std::stod(line.substr(equals + 2));
  }
  ADD_FAILURE() << "no line '" << label << " = ...' in:\n" << out;
  return 0;
}

// |a − b| within a few units in the last place of the larger.
inline void expect_close(double actual, double expected, double ulps = 4) {
  EXPECT_NEAR(actual, expected,
              ulps * std::numeric_limits<double>::epsilon() *
                  std::max(std::abs(actual), std::abs(expected)));
}

}  // namespace cli_test
