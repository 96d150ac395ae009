// What the subcommands of the `autodiff` program share: the exit statuses, error reporting,
// number formatting and the --at points.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "autodiff/expression/expression.hpp"
#include "autodiff/tape.hpp"
#include "autodiff/text.hpp"

namespace ad::cli {

// The program's exit statuses (also in --help and the README).
enum ExitStatus : int {
  kOk = 0,
  kDisagree = 1,  // check: a derivative disagrees; net: the gradients' cross-check fails
  kUsage = 2,     // a bad command line, expression, point or input file
  kNumeric = 3,   // a value or derivative is not finite: outside a function's domain
  kFile = 4,      // a file cannot be read or written, standard output included
  kInternal = 5,  // a bug: an exception the program did not expect
};

inline constexpr const char* kExitStatusHelp =
    "Exit status: 0 ok; 1 a derivative disagrees (check, or net's cross-check); 2 usage "
    "error (bad option, "
    "expression, point or input file); 3 numeric error (a value or derivative is not finite, "
    "e.g. log of a negative, 0/0); 4 a file cannot be read or written (standard output "
    "included); 5 an internal error (please report it).";

// The expression language in a paragraph, with the functions read from the engine's table.
std::string expression_help();

// Prints "autodiff: <message>" on stderr and ends the subcommand with `status`.
[[noreturn]] void fail(int status, const std::string& message);

// "x=1.5,y=-2" -> {x: 1.5, y: -2}. A value may be any expression without variables (1/3,
// 2^-10, -sqrt(2)). Ends the subcommand with kUsage on a malformed point.
ad::expr::Values parse_point(const std::string& text, const std::string& option);

// Ends the subcommand with kUsage unless `point` gives a value to each of `variables` and to
// nothing else, naming the missing or unknown variable.
void require_variables(const ad::expr::Values& point, const std::vector<std::string>& variables,
                       const std::string& option);

// --hessian's limits (docs/cli.md): n rows are n² entries, about 50 bytes each as printed
// (2,000 rows: about 200 MB), and n sweeps of the tape (rows × nodes under 5·10^8 is under a
// minute; 2,000 rows of a 6,000-node tape take 6 s, mostly printing).
inline constexpr std::size_t kMostHessianRows = 2000;
inline constexpr double kMostHessianSweptNodes = 5e8;
// Ends the subcommand with kUsage, before any sweep, when a Hessian of `rows` rows (`what`:
// "variables", "parameters") on a tape of `nodes` nodes (0: not known yet) is past the limits,
// saying its size, the estimate and `instead`.
void require_hessian_size(std::size_t rows, const std::string& what, std::size_t nodes,
                          const std::string& instead);

// Parses an expression; a syntax error ends the subcommand with kUsage.
ad::expr::Expression parse_or_fail(const std::string& text, const std::string& what);

// Names each recorded operation of `expression` on the tape as the user wrote it, in
// parentheses where an operator shows (∂(x*y + x)/∂(x*y) reads right), so that the graph, the
// derivation and the errors of the sweeps speak of the sub-expressions.
void name_subexpressions(ad::Tape& tape, const ad::expr::Expression& expression,
                         const std::map<const ad::expr::Node*, ad::Var>& recorded);

// Ends the subcommand with kNumeric for a second-derivative sweep stopped by a second partial
// that is not finite (x^1.5 at 0), said as the recording's errors are: the sub-expression of
// `expression` at whose node it arose, at its column, with a caret; the engine's message when
// the node is not one of the expression's (a --let definition's). `where`: "at x = 0"; `tape`:
// the one `recorded` is on.
[[noreturn]] void fail_second_derivative(const ad::NonFinite& error, const ad::Tape& tape,
                                         const ad::expr::Expression& expression,
                                         const std::map<const ad::expr::Node*, ad::Var>& recorded,
                                         const std::string& where);

// Options are read as decimal numbers only: CLI11 alone reads 010 as octal 8 and 0x10 as 16.
// A whole number from `least` to `most` (said as `most_in_words` if given: "10^9"), no leading 0.
CLI::Validator whole_number(int least, int most, const std::string& most_in_words = "");
// --tolerance: a number above 0 and below 1 (with 1 or more a derivative of the wrong sign
// could agree) in decimal notation (0.001, 1e-6), not hexadecimal, inf or nan. One below 1 as
// written is read as the nearest double below 1 also when the nearest of all is 1
// (0.999999999999999999); one that reads as 0 (1e-400) is refused as --at refuses it.
CLI::Validator tolerance_number();
// The tolerance as the reports print it: 3 significant digits, or as many as it takes to read
// back as the number accepted (0.99999999999999989, not 1).
std::string tolerance_text(double tolerance);

// "x = 1.5, y = -2"
std::string describe(const ad::expr::Values& point, int precision);

// For an option naming a file to write (--dot, --history, --plot): refuses an empty name, which
// would otherwise write nothing and say nothing, and the file that is the program's own standard
// output or standard error (/dev/stdout, or `--dot log 2>>log`), which the temporary file
// renamed into place would replace, losing what was written there ("-" is standard output).
CLI::Validator file_to_write();

}  // namespace ad::cli

void add_grad_command(CLI::App& app);
void add_check_command(CLI::App& app);
void add_net_command(CLI::App& app);
