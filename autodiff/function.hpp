// Record once, replay: ad::record keeps a recording as an ad::Function, which re-evaluates it at
// new input values (a forward pass over the tape) and sweeps it backward, as CppAD's ADFun does.
//
//   ad::Tape tape;
//   std::vector<ad::Var> x = {ad::Var(1.0, "x"), ad::Var(2.0, "y")};
//   ad::Function f = ad::record(x, [&] { return x[0] * sin(x[1]); });
//   double y = f.forward({3.0, 4.0});          // the value at x = 3, y = 4
//   std::vector<double> g = f.gradient();      // ∂/∂x, ∂/∂y there
//   auto [value, gradient] = f({5.0, 6.0});    // both at once
//
// The Function refers to the tape it was recorded on (the active one), as a Var does: the tape
// must outlive it, and a clear() of the tape ends it (forward() then throws TapeMismatch). A
// replay rewrites the values of the nodes from the first input on: Vars the caller holds keep
// the values of the recording; tape.value(tape.index(v)) is the current one.
//
// Bit for bit the value and gradient of recording afresh at the new point, provided the
// computation records the same nodes there. What a replay cannot see is the caller's use of a
// Var's value as a plain double (if (x.value() > 0), ad::Var(x.value() * 2)): it stays what it
// was. Comparisons of Vars (x < y, x >= 0.5, ...) made while recording are checked again, and a
// replay where one would go the other way throws ComparisonChanged (CppAD's compare_change).
// min, max, abs and relu need no such check: they are operations of the tape, which a replay
// evaluates afresh, branch and partial included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

#include "autodiff/error.hpp"
#include "autodiff/tape.hpp"
#include "autodiff/var.hpp"

namespace ad {

// A replay in which a comparison made while recording goes the other way: the recording no
// longer describes the computation there. `place` names the comparison ("comparison 2 of 3").
struct ComparisonChanged : Error {
  using Error::Error;
};

namespace detail {
// The comparisons made while a Function was recorded, in order (see note_comparison).
struct Comparisons {
  static constexpr std::uint32_t kConstant = ~std::uint32_t{0};
  struct Entry {
    Compare kind;
    bool result;
    std::uint32_t a, b;  // node indices, or kConstant
    double a_value, b_value;
    std::size_t after;  // the nodes recorded before it
  };
  Tape* tape;
  std::vector<Entry> entries;
};
}  // namespace detail

class Function {
 public:
  // The number of inputs.
  std::size_t inputs() const { return inputs_.size(); }
  // The output's value at x: replays the recording with the inputs set to x. Throws Error if
  // x has not inputs() values, NonFinite on a checked tape for an input or a node that is not
  // finite, ComparisonChanged (naming the comparison) if a recorded comparison goes the other way.
  // After a throw the tape holds a partial replay, and gradient() throws until the next forward().
  double forward(std::span<const double> x);
  double forward(std::initializer_list<double> x) { return forward(std::span(x.begin(), x.end())); }
  // ∂output/∂xᵢ at the point of the last forward() (the recording's before any): one reverse
  // sweep. Throws NonFinite if a gradient is NaN, as Tape::gradient does.
  std::vector<double> gradient();
  // The same into g, which must have inputs() entries: no allocation, for a training loop.
  void gradient(std::span<double> g);
  // forward(x) and gradient().
  struct Result {
    double value;
    std::vector<double> gradient;
  };
  Result operator()(std::span<const double> x) {
    const double y = forward(x);
    return {y, gradient()};
  }
  Result operator()(std::initializer_list<double> x) {
    return (*this)(std::span(x.begin(), x.end()));
  }
  // The output's value at the last forward() (at the recording's point before any).
  double value() const { return value_; }
  // The tape the Function reads and rewrites.
  Tape& tape() const { return *tape_; }
  // Whether the tape still holds the recording (it was not cleared since).
  bool valid() const;

 private:
  friend class Recording;
  Function() = default;
  void check_tape() const;
  void check_inputs(std::span<const double> x) const;
  // Throws ComparisonChanged if comparison k does not hold at the values on the tape.
  void check_comparison(std::size_t k, std::span<const double> x) const;

  Tape* tape_ = nullptr;
  std::vector<Var> inputs_;
  Var output_;
  // Their node indices, looked up once: while the output is on the tape (check_tape()), so are
  // the inputs, recorded before it, at the same indices.
  std::vector<std::uint32_t> input_nodes_;
  std::uint32_t output_node_ = 0;
  double value_ = 0.0;
  bool ready_ = true;  // whether the values on the tape are those of a complete forward()
  std::size_t first_ = 0, end_ = 0;       // the nodes a replay recomputes: [first_, end_)
  Tape::Ahead start_;                     // where node first_ starts
  std::vector<std::uint32_t> sum_slots_;  // the operand slots of each sum among them, in order
  std::vector<detail::Comparisons::Entry> comparisons_;
};

// The state of ad::record while the computation runs: checks the inputs, collects the
// comparisons, and makes the Function of the output.
class Recording {
 public:
  explicit Recording(std::span<const Var> inputs);
  ~Recording() { detail::comparisons = outer_; }
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;
  Function finish(const Var& output);

 private:
  detail::Comparisons log_;
  detail::Comparisons* outer_;
  std::vector<Var> inputs_;
};

// Records f(), a computation of the inputs returning one Var, on the active tape, where the
// inputs (leaves: ad::Var(value, name)) must be; returns it as a Function of the inputs, in
// their order.
template <class F>
Function record(std::span<const Var> inputs, F&& f) {
  Recording recording(inputs);
  const Var output = std::forward<F>(f)();
  return recording.finish(output);
}

}  // namespace ad
