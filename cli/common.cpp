// What the subcommands share (see command.hpp): help text, failing with a status, points, the
// naming of sub-expressions and the check of file names.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <optional>

#include "cli/command.hpp"
#include "nn/progress.hpp"

namespace ad::cli {

using ad::expr::Expression;
using ad::expr::Values;

std::string expression_help() {
  std::string functions;
  for (const auto& f : ad::expr::functions())
    functions +=
        (functions.empty() ? "" : " ") + std::string(f.name) + (f.arity == 2 ? "(a,b)" : "");
  return "Expressions: numbers (2, 1.5, .5, 1e-3, 2.5E+4), variables (names such as x, w1, "
         "rate), + - * / ^, unary minus, parentheses and functions. -x^2 = -(x^2), 2^3^2 = "
         "2^(3^2), x-y-z = (x-y)-z. Functions: " +
         functions + ".";
}

void fail(int status, const std::string& message) {
  std::cerr << "autodiff: " << ad::clipped(ad::printable(message, true)) << '\n';
  throw CLI::RuntimeError(status);
}

Expression parse_or_fail(const std::string& text, const std::string& what) {
  try {
    return Expression::parse(text);
  } catch (const ad::expr::ExpressionError& e) {
    fail(kUsage, "in " + what + ": " + e.what());
  }
}

void name_subexpressions(ad::Tape& tape, const Expression& expression,
                         const std::map<const ad::expr::Node*, ad::Var>& recorded) {
  for (const auto& [node, var] : recorded) {
    if (node->kind != ad::expr::Node::Kind::Operation) continue;
    // A long sub-expression is named by its ends: in a sum of n terms the texts of the partial
    // sums would add up to n² characters.
    constexpr std::size_t kLongest = 80;
    const std::string_view whole = expression.text(*node);
    if (whole.size() > kLongest) {
      std::size_t head = kLongest / 2, tail = whole.size() - kLongest / 2;
      while ((whole[head] & 0xC0) == 0x80) --head;  // whole UTF-8 characters
      while ((whole[tail] & 0xC0) == 0x80) ++tail;
      tape.set_name(var, "(" + std::string(whole.substr(0, head)) + "..." +
                             std::string(whole.substr(tail)) + ")");
      continue;
    }
    const std::string text(whole);
    int depth = 0;
    bool operator_outside = false;
    for (char c : text) {
      depth += c == '(' ? 1 : (c == ')' ? -1 : 0);
      const bool is_operator =
          (c != '\0' && std::strchr("+-*/^ ", c) != nullptr) || (c & 0x80) != 0;  // − × · in UTF-8
      operator_outside = operator_outside || (depth == 0 && is_operator);
    }
    tape.set_name(var, operator_outside ? "(" + text + ")" : text);
  }
}

void fail_second_derivative(const ad::NonFinite& error, const ad::Tape& tape,
                            const Expression& expression,
                            const std::map<const ad::expr::Node*, ad::Var>& recorded,
                            const std::string& where) {
  for (const auto& [node, var] : recorded)
    if (error.place == "node #" + std::to_string(tape.index(var)))
      fail(kNumeric,
           where + ": " +
               ad::expr::DomainError(ad::printable(expression.text(*node)) +
                                         ": the second derivative is not finite here (" +
                                         error.reason + ")",
                                     expression.source(), node->begin, node->end - node->begin)
                   .what());
  fail(kNumeric, where + ": " + error.what());
}

Values parse_point(const std::string& text, const std::string& option) {
  Values point;
  // Split at the commas outside parentheses, so a value may be pow(2, -3).
  std::vector<std::string> parts(1);
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0)
      parts.emplace_back();
    else
      parts.back() += c;
  }
  const std::string shown = option + " " + ad::printable(text);
  for (const std::string& part : parts) {
    const auto equals = part.find('=');
    const auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      return s;
    };
    const std::string name = trim(part.substr(0, equals));
    if (equals == std::string::npos || name.empty())
      fail(kUsage, shown + ": expected NAME=VALUE, found '" + ad::printable(part) + "'");
    if (point.contains(name)) fail(kUsage, shown + ": '" + ad::printable(name) + "' given twice");
    const std::string value = trim(part.substr(equals + 1));
    if (value.empty()) fail(kUsage, shown + ": no value for '" + ad::printable(name) + "'");
    const Expression e =
        parse_or_fail(value, "the value of " + ad::printable(name) + " in " + option);
    if (const auto vars = e.variables(); !vars.empty())
      fail(kUsage, shown + ": the value of '" + ad::printable(name) + "' must be a number, not " +
                       (value == vars.front()
                            ? "the variable '" + vars.front() + "'"
                            : "'" + ad::printable(value) + "', an expression of the variable '" +
                                  vars.front() + "'"));
    try {
      point[name] = ad::expr::evaluate(e, {});
    } catch (const ad::expr::ExpressionError& error) {
      // A bad value is a bad command line, whether 1e400 (which does not parse) or 1/0.
      fail(kUsage,
           "in the value of " + ad::printable(name) + " in " + option + ": " + error.what());
    }
  }
  return point;
}

void require_variables(const Values& point, const std::vector<std::string>& variables,
                       const std::string& option) {
  for (const auto& [name, value] : point) {
    if (std::find(variables.begin(), variables.end(), name) != variables.end()) continue;
    std::string message =
        option + ": '" + ad::printable(name) + "' is not a variable of the expression";
    message += variables.empty() ? ", which has none" : ad::did_you_mean(name, variables);
    fail(kUsage, message);
  }
  for (const std::string& name : variables)
    if (!point.contains(name))
      fail(kUsage, "no value for the variable '" + name + "': give it with " + option + " " + name +
                       "=VALUE");
}

CLI::Validator whole_number(int least, int most, const std::string& most_in_words) {
  const std::string range = "a whole number from " + std::to_string(least) + " to " +
                            (most_in_words.empty() ? std::to_string(most) : most_in_words);
  return CLI::Validator(
      [=](const std::string& text) -> std::string {
        const bool digits =
            !text.empty() && text.size() <= 10 &&
            std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
        const long long n = digits ? std::stoll(text) : -1;
        if (digits && n >= least && n <= most && (text.size() == 1 || text[0] != '0')) return "";
        return "must be " + range + " in decimal digits, not '" + ad::printable(text) + "'";
      },
      "INT in [" + std::to_string(least) + " - " +
          (most_in_words.empty() ? std::to_string(most) : most_in_words) + "]");
}

namespace {

// The power of ten of the first nonzero digit of a number in decimal notation (0.0975 → -2,
// 12.5e1 → 2); nullopt for zero.
std::optional<long long> leading_power(const std::string& text) {
  constexpr long long kHuge = 1LL << 40;
  const std::size_t e = std::min(text.find_first_of("eE"), text.size());
  const std::size_t begin = text.find_first_not_of("+-");
  const std::string mantissa = text.substr(begin, e - begin);
  const std::size_t first = mantissa.find_first_of("123456789");
  if (first == std::string::npos) return std::nullopt;
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  // Clamped (1e-99999999999999999999 saturates strtoll) so that the sum below cannot overflow.
  const long long exponent =
      e < text.size() ? std::clamp(std::strtoll(text.c_str() + e + 1, nullptr, 10), -kHuge, kHuge)
                      : 0;
  const auto position = static_cast<long long>(point) - static_cast<long long>(first);
  return (first < point ? position - 1 : position) + exponent;
}

}  // namespace

CLI::Validator tolerance_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::string range =
            "must be a number above 0 and below 1 in decimal notation, e.g. 1e-6 (with 1 or more a "
            "derivative of the wrong sign could agree), not '" +
            ad::printable(text) + "'";
        if (text.empty() || text.find_first_not_of("0123456789.eE+-") != std::string::npos)
          return range;
        char* end = nullptr;
        const double nearest = std::strtod(text.c_str(), &end);
        const std::optional<long long> power = leading_power(text);
        if (end != text.c_str() + text.size() || text.starts_with('-') || !power) return range;
        // As --at refuses it: a number that is not zero but reads as 0.
        if (nearest == 0)
          return "the number '" + ad::printable(text) + "' is out of the range of a double";
        // Below 1 as written (a power below 0), though the nearest double is 1: the largest
        // double below 1, which the reports print in full.
        if (nearest == 1 && *power < 0) text = ad::number(std::nextafter(1.0, 0.0));
        return nearest > 0 && std::strtod(text.c_str(), nullptr) < 1 ? "" : range;
      },
      "");
}

std::string tolerance_text(double tolerance) {
  for (int digits = 3;; ++digits)
    if (const std::string text = ad::number(tolerance, digits);
        digits == 17 || std::strtod(text.c_str(), nullptr) == tolerance)
      return text;
}

std::string describe(const Values& point, int precision) {
  std::string text;
  for (const auto& [name, value] : point)
    text += (text.empty() ? "" : ", ") + name + " = " + ad::number(value, precision);
  return text;
}

namespace {

// "standard output" or "standard error" when `path` is the file the program's own stream 1 or 2
// writes to (/dev/stdout, /proc/self/fd/2, or the file the shell redirected it to), else "". A
// terminal or /dev/null (a character device) is written in place and loses nothing, so it is
// not counted; a regular file would be replaced by the rename (and what the stream wrote lost),
// and a pipe would carry both outputs mixed.
std::string standard_stream_of(const std::string& path) {
  struct ::stat file {};
  if (::stat(path.c_str(), &file) != 0 || S_ISCHR(file.st_mode)) return "";
  for (const int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct ::stat stream {};
    if (::fstat(fd, &stream) == 0 && stream.st_dev == file.st_dev && stream.st_ino == file.st_ino)
      return fd == STDOUT_FILENO ? "standard output" : "standard error";
  }
  return "";
}

}  // namespace

CLI::Validator file_to_write() {
  return {[](const std::string& name) -> std::string {
            if (name.empty()) return "needs a file name, not ''";
            const std::string stream = name == "-" ? "" : standard_stream_of(name);
            if (stream.empty()) return "";
            return name + " is the program's " + stream +
                   ": give - to write to standard output alone (the result or report then goes "
                   "to standard error), or another file";
          },
          ""};
}

void require_hessian_size(std::size_t rows, const std::string& what, std::size_t nodes,
                          const std::string& instead) {
  const double swept = static_cast<double>(rows) * static_cast<double>(nodes);
  if (rows <= kMostHessianRows && swept <= kMostHessianSweptNodes) return;
  const auto entries = static_cast<std::uint64_t>(rows) * rows;
  std::string message = "--hessian: " + ad::nn::grouped(rows) + " " + what + " make a Hessian of " +
                        ad::nn::grouped(entries) + " entries (about " +
                        ad::nn::grouped((entries * 50 + 999'999) / 1'000'000) + " MB as printed)";
  if (nodes > 0)
    message += " and " + ad::nn::grouped(rows) + " sweeps of the " + ad::nn::grouped(nodes) +
               "-node tape (" + ad::number(swept, 2) + " node steps)";
  message += "; the limit is " + ad::nn::grouped(kMostHessianRows) + " " + what + " and " +
             ad::number(kMostHessianSweptNodes, 2) + " node steps. " + instead;
  fail(kUsage, message);
}

}  // namespace ad::cli
