// The one root of every error thrown by the engine, the expression language, the networks and
// the program: what() is the message a user reads; the fields say the same in parts, so a caller
// reacts to an error by reading them, never by parsing the message.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ad {

// What went wrong and where, in parts. Each field is empty where it does not apply.
struct ErrorContext {
  std::string operation{};         // the operation that failed: "log", "pow"
  std::vector<double> operands{};  // its operand values, in the operation's order
  std::string place{};             // where: "node #12", "column 5", "/weights/3/from", "line 2"
  std::string file{};              // the file the input came from
  std::string reason{};            // what is wrong, without the place: "∂/∂x = inf"
};

// Base of every error the project throws.
struct Error : std::runtime_error, ErrorContext {
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  Error(const std::string& message, ErrorContext context)
      : std::runtime_error(message), ErrorContext(std::move(context)) {}
};

// A value used with a tape it does not belong to: recorded before the tape was cleared, on
// another tape, or never recorded at all (a default-constructed Var).
struct TapeMismatch : Error {
  using Error::Error;
};

// No tape is active in this thread, or tapes were ended out of order.
struct NoActiveTape : Error {
  using Error::Error;
};

// The checked mode met a NaN or an infinity in a value or a local partial, or a gradient that
// is NaN was read.
struct NonFinite : Error {
  using Error::Error;
};

// A file that cannot be opened, read or written: `file` names it, `reason` says why (the
// system's words). Distinct from a file whose content is wrong, which its reader reports.
struct IoError : Error {
  using Error::Error;
};

}  // namespace ad
