// The errors the engine throws. Each says what went wrong and where (which node, which
// operation, which operand values), so a user never meets undefined behaviour or a silent NaN.
#pragma once

#include <stdexcept>
#include <string>

namespace ad {

// Base of every error the engine throws.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
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

}  // namespace ad
