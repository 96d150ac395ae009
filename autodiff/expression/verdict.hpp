// Judging a derivative worked out by hand: values on doubles with a bound on their rounding
// error, a bound on the rounding error of the engine's gradient, the verdict (yours against the
// engine), and the finite difference with an honest error estimate, reported beside it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autodiff/expression/expression.hpp"
#include "autodiff/tape.hpp"

namespace ad::expr {

// The unit roundoff of double: a correctly rounded operation has relative error at most u.
inline constexpr double kUnitRoundoff = 0x1p-53;

// A value computed on doubles and a bound on |value − the exact value of the same expression at
// the same (double) inputs and constants|, to first order in u.
struct Bounded {
  double value;
  double error;
};

// evaluate() with a running first-order error bound (forward error analysis): a sum or
// difference adds its operands' errors and u·|result|, a product |b|·err(a) + |a|·err(b) +
// u·|result|, a quotient err(a)/|b| + |a/b²|·err(b) + u·|result|, a function f adds
// |f'(a)|·err(a) and 4u·|f(a)| (the library's functions are within a few ulps; the sigmoid is
// three roundings). Numbers are exact, and so are variables (both sides of a comparison use the
// same doubles) unless `errors` gives a variable's bound (a named sub-expression's, say). Throws
// as evaluate() does.
Bounded evaluate_bounded(const Expression& expression, const Node& node, const Values& values,
                         const Values* errors = nullptr);
inline Bounded evaluate_bounded(const Expression& expression, const Values& values,
                                const Values* errors = nullptr) {
  return evaluate_bounded(expression, expression.root(), values, errors);
}
// The step of evaluate_bounded at an operation: its value and bound from its operands'. `op`
// is node.op, given so that the node is read only to report an error (an evaluator that keeps
// the operations in an array of its own does not reach into the tree for each).
Bounded bounded_operation(const Expression& expression, const Node& node, Op op,
                          std::span<const Bounded> operands);

// A bound on the rounding error of the engine's d y/d x for every node x of the tape (indexed
// by node), read from the recorded partials (NodeView), not from the engine's sweep. With M(x)
// = Σ over the paths from y to x of |the product of the partials along the path| (a sweep that
// adds |adjoint|·|partial|) and W(x) the largest weight of such a path, the bound is u·W·M: each
// step of a path weighs 1 (the rounding of adjoint·partial) plus the roundings in its partial
// (0 for ±1, a constant or an operand's value, 1 for a quotient, 4 for a library function), and
// a node that sums n contributions n − 1 more (recursive summation). Where the gradient is a
// sum of terms that cancel, M is the size of those terms, not of the result.
// Not covered: a partial whose own formula cancels (tanh' = 1 − y² for |x| ≳ 10), where the
// engine's gradient is no better than the partial.
std::vector<double> gradient_rounding(const ad::Tape& tape, const ad::Var& y);
inline double gradient_rounding(const ad::Tape& tape, const ad::Var& y, const ad::Var& x) {
  return gradient_rounding(tape, y).at(tape.index(x));
}

// A bound on the rounding error of each entry of H·e_column, the column of the engine's Hessian
// of y with respect to `inputs` that hessian_vector gives along the unit vector e_column, by
// the rule of gradient_rounding: u·W·M, M the sum of the magnitudes of all the terms the
// forward-over-reverse sweep adds up for the entry (the same sweep on |partials|, |second
// partials| and |tangents|, so terms that cancel count by their size), and W a count of the
// roundings in one term and the sums. W is not tracked path by path as for the first order but
// bounded for the whole tape, conservatively: a term is a product along at most three paths
// (the adjoint's from y, the tangent's from the input, the adjoint tangent's down to the other
// input) of at most `steps` steps each, each step one multiplication and a partial of at most 4
// roundings, times one second partial (at most 8), and the sums add at most one rounding per
// edge for each of the three quantities. The bound is of the engine's use of its second
// partials (a checked tape has made them finite), not of their own cancellation (tanh'' for
// large |x|). Indexed as `inputs`.
std::vector<double> hessian_rounding(const ad::Tape& tape, const ad::Var& y,
                                     const std::vector<ad::Var>& inputs, std::size_t column);

// Yours against the engine: they agree iff
//   |yours − engine| ≤ T·max(|yours|, |engine|) + k·(yours_error + engine_error),   k = 4,
// with T the tolerance and the errors the rounding bounds above. The rule is relative (the
// rounding terms are ~1e-16 of the values unless terms cancel); where the engine's value is
// within rounding of zero, the floor is k·(the bounds), which scale with the magnitudes that
// cancel there, never a fixed number.
struct Verdict {
  bool agree;
  // False where yours passes the rule but the rounding floor leaves the engine's value less than
  // one significant digit (or is not finite, after an underflow), or the values are subnormal: a
  // derivative and its negation could both pass, so the point cannot judge yours; not agree.
  // A difference beyond the rule is a disagreement at any point: the rounding bounds cannot
  // explain it (x^60's derivative plus 1 at 0.3 is 1 away from 8e-30).
  bool decidable;
  double difference;  // |yours − engine|
  double allowed;     // the right-hand side of the rule
  double floor;       // its rounding part, k·(yours_error + engine_error)
  // The rounding floor, not T, sets the precision of the check here (terms cancel): an
  // agreement holds only to the digits the floor leaves.
  bool limited_by_rounding;
  // Yours was written as a number and disagrees, but is the engine's value rounded or cut to
  // the digits written: it matches to the digits given. The verdict stays DISAGREE.
  bool within_last_digit;
};
inline constexpr double kRoundingSafety = 4;
Verdict judge(double yours, double yours_error, double engine, double engine_error,
              double tolerance, std::optional<double> last_digit_unit = {});

// The precision a number is written with: "0.0821" has 3 significant digits and its last digit
// is worth 1e-4; "-2.50": 3 and 0.01; "1e-3": 1 and 1e-3; "7": 1 and 1; "1230": 3 and 10 (the
// trailing zeros of a number without a point only place its digits). std::nullopt when the
// text is not a plain number (a formula) or its value is zero (0 means exactly zero).
struct WrittenPrecision {
  int significant_digits;
  double last_digit_unit;
};
std::optional<WrittenPrecision> written_precision(std::string_view text);

// Central finite difference with respect to one variable, on doubles: steps h and h/2
// combined by Richardson extrapolation (error O(h^4)), for h = 1e-3, 1e-4, ..., 1e-9 times
// max(1, |x|); of the steps whose stencil stays in the domain, the one with the smallest error
// estimate is taken.
struct FiniteDifference {
  double estimate;
  // An estimate of |estimate − exact|: the smaller of |D(h/2) − D(h)| and the change of the
  // extrapolated estimate from h to h/10, plus the rounding error of the stencil, from the
  // rounding bound of f at each point (evaluate_bounded's error + u·|f|) divided by the step.
  double error;
  double step;
  // The one-sided differences disagree with the central one beyond their error estimates (only
  // second_difference looks): f's derivative has a kink or a jump here, the central difference
  // is an average of slopes that differ, not a derivative, and `error` is widened to cover them.
  bool kink;
};
// The function as a callable that evaluates it with its rounding bound at a point and throws
// DomainError outside its domain (so a caller can re-evaluate definitions at each point).
// std::nullopt when no step keeps the stencil inside the domain; the callable's exceptions
// propagate when f cannot be evaluated at the point itself. `values` may hold only the variables
// differentiated in, for a callable bound to the rest of the point (Nearby::function): the
// differences change nothing else.
using BoundedFunction = std::function<Bounded(const Values&)>;
std::optional<FiniteDifference> finite_difference(const BoundedFunction& f, const Values& values,
                                                  const std::string& variable);
std::optional<FiniteDifference> finite_difference(const Expression& expression,
                                                  const Values& values,
                                                  const std::string& variable);

// ∂²f/∂a∂b on doubles: the central finite difference in b of the central finite difference in a,
// the inner one's error estimate standing as the outer one's rounding bound of f, so the "±"
// covers both. Each of the two is compared with its one-sided differences at the same point:
// where they disagree beyond their errors (relu(x)^2 at 0, whose one-sided second derivatives
// are 2 and 0; abs(x) at 0, whose first derivative jumps) the "±" is widened to cover them and
// `kink` is set. std::nullopt when no step keeps the stencils inside the domain.
std::optional<FiniteDifference> second_difference(const BoundedFunction& f, const Values& values,
                                                  const std::string& a, const std::string& b);

}  // namespace ad::expr
