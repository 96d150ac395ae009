// The tape's checks and what they throw: the checked mode, the diagnosis of a gradient that is
// not finite, and the messages for a Var used where it does not belong.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/tape.hpp"
#include "autodiff/text.hpp"

namespace ad {

// ---- A Var where it does not belong ----

void Tape::throw_no_active_tape() {
  throw NoActiveTape(
      "no tape is active in this thread: create an ad::Tape (it records until it is destroyed) "
      "before making or combining Vars",
      {.reason = "no tape is active in this thread"});
}

void Tape::throw_mismatch(const Var& v) const {
  if (v.id() == Var::kNeverRecorded)
    throw TapeMismatch(
        "a Var that was never recorded (default-constructed) was used: it is on no tape",
        {.reason = "never recorded"});
  const bool mine = std::any_of(runs_.begin(), runs_.end(), [&](const ChunkRun& r) {
    return (v.id() - r.first) / kChunk < r.chunks;
  });
  // Its index within its chunk: its index on its tape unless that recording passed 2^23 nodes.
  const std::string place = "node #" + std::to_string(v.id() % kChunk);
  const std::string node = place + " (value " + number(v.value()) + ")";
  if (mine)
    throw TapeMismatch(node +
                           " was recorded before its tape was cleared; clear() invalidates every "
                           "Var recorded before it: record it again",
                       {.place = place, .reason = "recorded before its tape was cleared"});
  // An operation records on the active tape; backward() and the Hessian read the tape they are
  // called on, which need not be the active one.
  const char* tape =
      this == detail::active_tape ? "the one active in this thread" : "the one it is used with";
  throw TapeMismatch(
      node + " belongs to another tape than " + tape + "; values of two tapes cannot be combined",
      {.place = place, .reason = "belongs to another tape"});
}

void Tape::abort_destroyed_elsewhere() {
  // A destructor cannot report by throwing, and returning would leave the constructing thread's
  // active-tape pointer on freed memory: stop here, saying which rule was broken.
  std::fputs(
      "autodiff: an ad::Tape was destroyed on another thread than the one that constructed it; "
      "a tape is its constructing thread's active tape until it is destroyed, so it must be "
      "destroyed on that thread (docs/engine.md, \"Threads\")\n",
      stderr);
  std::abort();
}

void detail::throw_length_mismatch(const char* what, std::size_t a, std::size_t b) {
  const std::string reason =
      std::to_string(a) + " coefficients for " + std::to_string(b) + " terms";
  throw Error(std::string(what) + ": " + reason, {.operation = what, .reason = reason});
}

// ---- The checked mode ----

// A node just recorded: its value and local partials must be finite.
void Tape::check_node(std::uint32_t index, const Position& at) const {
  const Op op = op_.data[index];
  const double y = slot_.data[index].value;
  if (op == Op::Leaf) {
    if (!std::isfinite(y)) [[unlikely]]
      throw_checked({op, index, at, label(index), y, {}, {}});
    return;
  }
  std::string reason, what;
  if (!std::isfinite(y)) {
    reason = "value = " + number(y);
    what = "gave the value " + number(y);
  }
  // A reciprocal partial 1/d is tested by its divisor, which the sweep uses: 1/d may overflow
  // (log at a subnormal x) where the adjoint divided by d does not.
  const bool divisor = datum_kind(op) == Datum::Divisor;
  const double d = divisor ? datum_.data[at.datum] : 0.0;
  for_each_operand(index, at, [&](std::uint32_t j, double partial) {
    if (what.empty() && (divisor ? !std::isfinite(d) || d == 0 : !std::isfinite(partial))) {
      reason = "∂/∂" + label(j) + " = " + number(partial);
      what = "has the local partial " + reason + " (its derivative does not exist there)";
    }
  });
  if (!what.empty()) throw_checked({op, index, at, {}, y, reason, what});
}

// A second partial a second-order sweep is about to use, on a checked tape.
void Tape::check_second(std::uint32_t index, const Position& at, std::uint32_t j, std::uint32_t k,
                        double h) const {
  if (!checked_ || std::isfinite(h)) return;
  if (j > k) std::swap(j, k);  // ∂²/∂a∂b, in recording order, whichever way the sweep met it
  const std::string reason =
      "∂²/" + (j == k ? "∂" + label(j) + "²" : "∂" + label(j) + "∂" + label(k)) + " = " + number(h);
  throw_checked({op_.data[index],
                 index,
                 at,
                 {},
                 slot_.data[index].value,
                 reason,
                 "has the second partial " + reason +
                     " (its second derivative does not exist there, or is outside the doubles)"});
}

void Tape::throw_checked(const CheckFailure& found) const {
  ErrorContext context{{}, {}, "node #" + std::to_string(found.index), {}, found.reason};
  if (found.op == Op::Leaf) {
    context.reason = "input " + std::string(found.input) + " = " + number(found.value);
    const std::string message =
        "checked mode: input " + std::string(found.input) + " is " + number(found.value);
    throw NonFinite(message, std::move(context));
  }
  const NodeView node = view(found.index, found.at);
  context.operation = info(found.op).name;
  std::string operands;
  for (std::size_t k = 0; k < node.operands.size(); ++k) {
    if (k > 0) operands += ", ";
    context.operands.push_back(slot_.data[node.operands[k]].value);
    operands += label(node.operands[k]) + " = " + number(context.operands.back());
  }
  if (info(found.op).has_constant) {
    // In the operation's order: c / x has the constant first.
    const Op b = info(found.op).binary;
    const bool first = with_constant(b, true) == found.op && with_constant(b, false) != found.op;
    const std::string c = "c = " + number(node.constant);
    context.operands.insert(first ? context.operands.begin() : context.operands.end(),
                            node.constant);
    operands = first ? c + ", " + operands : operands + ", " + c;
  }
  const std::string message = "checked mode: " + context.operation + " at " + context.place + " " +
                              found.what + "; operands: " + operands;
  throw NonFinite(message, std::move(context));
}

// ---- A gradient that is not finite ----

void Tape::throw_no_gradient(const Var& x) const {
  const std::uint32_t i = index(x);
  if (i >= swept_)
    throw Error(
        "no gradient for " + label(i) +
            ": it was recorded after the last backward(), or backward() was not called",
        {.place = "node #" + std::to_string(i), .reason = "no backward() since it was recorded"});
  const double g = slot_.data[i].adjoint;
  const std::string reason = "the gradient is " + std::string(std::isnan(g) ? "NaN" : number(g));
  std::string message =
      "the gradient with respect to " + label(i) + " is " + (std::isnan(g) ? "NaN" : number(g));
  const std::string where = where_not_finite(i);
  if (!where.empty()) message += ": " + where;
  if (!checked_)
    message +=
        "; record with Tape::Options{.checked = true} to stop at the first operation "
        "whose value or local partial is not finite";
  throw NonFinite(message, {.place = "node #" + std::to_string(i), .reason = reason});
}

// The node j nearest the output, among those on a path from the output to x, whose gradient is
// not finite: every node that passes it a contribution (they are recorded after it) has a finite
// gradient, so either one of the contributions (that gradient times a local partial) or their
// sum went beyond the doubles, or a local partial was not finite.
std::string Tape::where_not_finite(std::uint32_t x) const {
  const std::vector<Position> at = positions();
  std::vector<bool> reaches(size_, false);  // x is on the node's operand paths
  reaches[x] = true;
  for (std::uint32_t i = x + 1; i < size_; ++i)
    for_each_operand(i, at[i], [&](std::uint32_t k, double) {
      if (reaches[k]) reaches[i] = true;
    });
  std::size_t end = std::min(swept_, size_);  // one past the node sought
  while (end > x && (!reaches[end - 1] || std::isfinite(slot_.data[end - 1].adjoint))) --end;
  if (end == x) return "";
  const auto j = static_cast<std::uint32_t>(end - 1);
  std::string found;
  for (std::uint32_t i = j + 1; i < size_ && found.empty(); ++i) {
    const double g = slot_.data[i].adjoint;
    if (!reaches[i] || g == 0) continue;  // the sweep passes nothing on from a zero gradient
    const bool divisor = datum_kind(op_.data[i]) == Datum::Divisor;
    for_each_operand(i, at[i], [&](std::uint32_t k, double partial) {
      if (k != j || !found.empty()) return;
      const double d = divisor ? datum_.data[at[i].datum] : 0.0;
      const double passed = divisor ? g / d : g * partial;
      if (std::isfinite(passed)) return;
      if (divisor ? !std::isfinite(d) || d == 0 : !std::isfinite(partial))
        found = "the local partial ∂" + label(i) + "/∂" + label(j) + " is " + number(partial) +
                " (its derivative does not exist there)";
      else
        found = "the chain rule overflows at " + label(i) + ": the gradient with respect to it, " +
                number(g) + ", times its local partial ∂/∂" + label(j) + ", " + number(partial) +
                ", is " + number(passed) + ", beyond the largest double (" +
                number(std::numeric_limits<double>::max()) + ")";
    });
  }
  if (found.empty())
    found = "the contributions to the gradient with respect to " + label(j) +
            " add up beyond the largest double (" + number(std::numeric_limits<double>::max()) +
            ")";
  return found;
}

}  // namespace ad
