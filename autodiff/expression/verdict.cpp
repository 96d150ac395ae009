// Rounding-error bounds, the verdict on a derivative and the finite difference (see verdict.hpp).
#include "autodiff/expression/verdict.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <span>

namespace ad::expr {

namespace {

constexpr double u = kUnitRoundoff;
// The rounding of a library function's result, in units of u (see evaluate_bounded).
constexpr double kFunctionRounding = 4;
// The roundings, in units of u, in a partial computed from the recorded values: none where it
// is ±1, a constant, ½ or the other operand of a product; one for a quotient; a library
// function's (with the product or sum around it) otherwise.
double partial_rounding(Op op) {
  switch (info(op).kind == OpKind::WithConstant ? info(op).binary : op) {  // x / c as a / b
    case Op::Div:
      return 1;
    case Op::Pow:
      return kFunctionRounding;
    default:
      return is_unary_function(op) ? kFunctionRounding : 0;
  }
}

// |partial|·error, the error an operand carries into the result: 0 for an exact operand (even
// where the partial is infinite, as sqrt's at 0), infinite where the partial is not a number.
double carried(double partial, double error) {
  if (error == 0) return 0;
  const double e = std::abs(partial) * error;
  return std::isnan(e) ? std::numeric_limits<double>::infinity() : e;
}

}  // namespace

Bounded bounded_operation(const Expression& expression, const Node& node, Op op,
                          std::span<const Bounded> operands) {
  std::array<double, 2> x{}, e{};  // an operation has one operand or two
  for (std::size_t k = 0; k < operands.size(); ++k) {
    x[k] = operands[k].value;
    e[k] = operands[k].error;
  }
  const std::span<const double> given(x.data(), operands.size());
  const double value = operation_value(op, given);
  const double y = std::isfinite(value) ? value : apply(expression, node, given);  // throws
  // A result that falls below the normal doubles has lost its relative precision: a subnormal
  // one, or a 0 from operations whose exact result is never 0 for non-zero operands (exp(-900),
  // 1e-200*1e-200). No relative bound holds, and none is claimed. (relu(-1), log(1) and
  // acos(1) are exactly 0.)
  const auto never_zero = [](Op op) {
    switch (op) {
      case Op::Mul:
      case Op::Div:
      case Op::Pow:
      case Op::Exp:
      case Op::Sigmoid:
        return true;
      default:
        return false;
    }
  };
  const bool operands_nonzero =
      std::none_of(given.begin(), given.end(), [](double v) { return v == 0; });
  if (operands_nonzero && std::abs(y) < std::numeric_limits<double>::min() &&
      (y != 0 || never_zero(op)) && op != Op::Add && op != Op::Sub)
    return {y, std::numeric_limits<double>::infinity()};
  const double rounding = u * std::abs(y);
  switch (op) {
    case Op::Neg:
      return {y, e[0]};
    case Op::Add:
    case Op::Sub:
      return {y, e[0] + e[1] + rounding};
    case Op::Mul:
      return {y, carried(x[1], e[0]) + carried(x[0], e[1]) + rounding};
    case Op::Div:  // err(a)/|b| + |y|·err(b)/|b|: no 1/b² that overflows where y does not
      return {y, e[0] / std::abs(x[1]) + carried(y, e[1] / std::abs(x[1])) + rounding};
    case Op::Pow: {
      const BinaryPartials p = binary_partials(Op::Pow, x[0], x[1], y);
      return {y, carried(p.a, e[0]) + carried(p.b, e[1]) + kFunctionRounding * rounding};
    }
    case Op::Min:
    case Op::Max:  // 1-Lipschitz in each operand, and exact
      return {y, std::max(e[0], e[1])};
    default:
      return {y, carried(unary_rule(op).partial(x[0], y), e[0]) + kFunctionRounding * rounding};
  }
}

Bounded evaluate_bounded(const Expression& expression, const Node& root, const Values& values,
                         const Values* errors) {
  return fold<Bounded>(root, [&](const Node& node, std::span<Bounded> operands) -> Bounded {
    if (node.kind == Node::Kind::Operation)
      return bounded_operation(expression, node, node.op, operands);
    const double value = evaluate(expression, node, values);
    if (node.kind == Node::Kind::Variable && errors != nullptr)
      if (const auto found = errors->find(node.name); found != errors->end())
        return {value, found->second};
    return {value, 0.0};
  });
}

std::vector<double> gradient_rounding(const ad::Tape& tape, const ad::Var& y) {
  const std::uint32_t top = tape.index(y);
  const std::vector<NodeView> nodes = tape.nodes();
  // size: Σ over paths of |product of partials|; weight: the largest rounding count of a path;
  // contributions: how many terms the engine's sweep adds into the node's adjoint.
  std::vector<double> size(nodes.size(), 0.0), weight(nodes.size(), 0.0);
  std::vector<std::size_t> contributions(nodes.size(), 0);
  size[top] = 1;
  for (std::size_t i = top + 1; i-- > 0;) {
    if (size[i] == 0) continue;  // on no path from y, or only through zero partials
    if (contributions[i] > 1) weight[i] += static_cast<double>(contributions[i] - 1);
    const NodeView& node = nodes[i];
    // A reciprocal partial (log's 1/x) is applied as the sweep applies it, by dividing by the
    // stored divisor, read from the table: 1/x overflows at a subnormal x where size/x does not.
    const bool divisor = is_unary_function(node.op) && unary_rule(node.op).kind == Datum::Divisor;
    for (std::size_t k = 0; k < node.operands.size(); ++k) {
      const std::uint32_t o = node.operands[k];
      size[o] += divisor ? size[i] / std::abs(unary_rule(node.op).datum(nodes[o].value, node.value))
                         : size[i] * std::abs(node.partials[k]);
      weight[o] = std::max(weight[o], weight[i] + 1 + partial_rounding(node.op));
      ++contributions[o];
    }
  }
  std::vector<double> bound(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) bound[i] = u * weight[i] * size[i];
  return bound;
}

std::vector<double> hessian_rounding(const ad::Tape& tape, const ad::Var& y,
                                     const std::vector<ad::Var>& inputs, std::size_t column) {
  const std::vector<ad::Tape::Position> at = tape.positions();
  const std::uint32_t last = tape.index(y);
  std::uint32_t first = last;
  for (const ad::Var& x : inputs) first = std::min(first, tape.index(x));
  double steps = 0, edges = 0;
  for (std::uint32_t i = first; i <= last; ++i) {
    if (tape.op(i) == Op::Leaf) continue;
    ++steps;
    tape.for_each_operand(i, at[i], [&](std::uint32_t, double) { ++edges; });
  }
  const double weight = 3 * steps * (1 + kFunctionRounding) + 2 * kFunctionRounding + 3 * edges;
  std::vector<double> tangent(last + 1, 0.0), adjoint(last + 1, 0.0),
      adjoint_tangent(last + 1, 0.0);
  std::vector<bool> seeded(last + 1, false);
  for (const ad::Var& x : inputs) seeded[tape.index(x)] = true;
  tangent[tape.index(inputs.at(column))] = 1;
  for (std::uint32_t i = first; i <= last; ++i) {
    if (tape.op(i) == Op::Leaf || seeded[i]) continue;
    tape.for_each_operand(i, at[i], [&](std::uint32_t j, double p) {
      if (tangent[j] != 0) tangent[i] += std::abs(p) * tangent[j];
    });
  }
  adjoint[last] = 1;
  for (std::uint32_t i = last + 1; i-- > first;) {
    if (tape.op(i) == Op::Leaf) continue;
    // As in the engine's sweeps, a zero factor passes nothing on (0·inf must not make a NaN).
    tape.for_each_operand(i, at[i], [&](std::uint32_t j, double p) {
      if (adjoint[i] != 0) adjoint[j] += adjoint[i] * std::abs(p);
      if (adjoint_tangent[i] != 0) adjoint_tangent[j] += adjoint_tangent[i] * std::abs(p);
    });
    tape.for_each_second(i, at[i], [&](std::uint32_t j, std::uint32_t k, double h) {
      if (tangent[k] != 0 && adjoint[i] != 0)
        adjoint_tangent[j] += adjoint[i] * std::abs(h) * tangent[k];
    });
  }
  std::vector<double> bound;
  for (const ad::Var& x : inputs) bound.push_back(u * weight * adjoint_tangent[tape.index(x)]);
  return bound;
}

Verdict judge(double yours, double yours_error, double engine, double engine_error,
              double tolerance, std::optional<double> last_digit_unit) {
  const double difference = std::abs(yours - engine);
  const double scale = std::max(std::abs(yours), std::abs(engine));
  const double floor = kRoundingSafety * (yours_error + engine_error);
  const double allowed = tolerance * scale + floor;
  // The point can judge an agreement only where the rounding floor leaves the engine's value at
  // least one significant digit (floor ≤ |engine|/10): else a derivative and its negation, or
  // twice it, could agree. The same number is judged even at zero (x − x, and 0 written for it),
  // and so is a difference beyond the rule, which rounding cannot explain; neither where the
  // rounding cannot be bounded (an underflow), nor among the subnormal doubles, whose relative
  // precision is gone.
  const bool decidable =
      std::isfinite(floor) && !(scale > 0 && scale < std::numeric_limits<double>::min()) &&
      (floor <= std::abs(engine) / 10 || yours == engine || difference > allowed);
  const bool agree = decidable && difference <= allowed;
  // Yours is the engine's value rounded or cut to the digits written: 0.0821 for 0.082167 (cut),
  // 1.8 for 1.8186; not 6.1 for 6, though within one unit of its last digit, and not 1 for
  // 0.0038 (which rounds to 0 there).
  // And to as many significant digits as yours has: 1 is not 0.508 to one digit (0.5 is), though
  // 0.508 rounds to 1 in the units' place; 1 is 0.96 to one digit (it rounds up a decade).
  bool within_last_digit = false;
  if (!agree && decidable && last_digit_unit && yours != 0 && engine != 0) {
    const double unit = *last_digit_unit;
    const double written = std::round(yours / unit), scaled = engine / unit;
    const double digits = std::floor(std::log10(std::abs(yours))) - std::round(std::log10(unit));
    // The unit of the last of yours' significant digits at the engine's magnitude; rounding
    // may carry it up a decade (0.96 to one digit is 1).
    const double cut_unit = std::pow(10.0, std::floor(std::log10(std::abs(engine))) - digits);
    const double round_unit = std::abs(std::round(engine / cut_unit)) >= std::pow(10.0, digits + 1)
                                  ? cut_unit * 10
                                  : cut_unit;
    const auto same = [&](double u) { return std::abs(u - unit) <= 1e-9 * unit; };
    within_last_digit = (same(round_unit) && written == std::round(scaled)) ||
                        (same(cut_unit) && written == std::trunc(scaled));
  }
  return {agree,
          decidable,
          difference,
          allowed,
          floor,
          scale > 0 && floor > tolerance * scale,
          within_last_digit};
}

std::optional<WrittenPrecision> written_precision(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::string digits;
  int fraction_digits = 0;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
      fraction_digits += point ? 1 : 0;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  int exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && text[i] == '+') ++i;  // from_chars takes '-' only
    const auto [end, error] = std::from_chars(text.data() + i, text.data() + text.size(), exponent);
    if (error != std::errc{}) return std::nullopt;
    i = static_cast<std::size_t>(end - text.data());
  }
  if (i != text.size()) return std::nullopt;
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return std::nullopt;
  // 1230 written without a point: its trailing zeros place the digits, they are not digits.
  int placed = 0;
  while (!point && digits.size() - placed > first + 1 && digits[digits.size() - 1 - placed] == '0')
    ++placed;
  return WrittenPrecision{static_cast<int>(digits.size() - first) - placed,
                          std::pow(10.0, exponent - fraction_digits + placed)};
}

std::optional<FiniteDifference> finite_difference(const BoundedFunction& f, const Values& values,
                                                  const std::string& variable) {
  Values at = values;
  const double x = values.at(variable);
  (void)f(values);  // f must be defined at the point itself: its exceptions propagate
  // The difference quotient over [x − h, x + h] as rounded (so the width is the one taken), and
  // its rounding error: f's bound at both ends, plus the rounding of f's last digit, over the
  // width, plus the subtraction and the division.
  struct Quotient {
    double value, rounding;
  };
  const auto quotient = [&](double h) {
    const double high = x + h, low = x - h;
    at[variable] = high;
    const Bounded a = f(at);
    at[variable] = low;
    const Bounded b = f(at);
    const double width = high - low;
    const double value = (a.value - b.value) / width;
    const double rounding =
        (a.error + b.error + u * (std::abs(a.value) + std::abs(b.value))) / width +
        2 * u * std::abs(value);
    return Quotient{value, rounding};
  };
  // Richardson estimates R(h) for h = 1e-3, 1e-4, ... (times max(1, |x|)). The error of R(h)
  // is about |R(h) − R(h/10)| plus the rounding error of R(h/10), whose truncation error is
  // 10^4 times smaller; the estimate with the smallest error wins. A large step has large
  // truncation error (near a singularity, as for sqrt(x) at small x), a small one large rounding.
  struct Step {
    double h, estimate, bound, rounding;  // bound: |D(h/2) − D(h)| + rounding, when alone
  };
  std::vector<std::optional<Step>> steps;
  const double scale = std::max(1.0, std::abs(x));
  for (double h = 1e-3 * scale; h >= 1e-9 * scale; h /= 10) {
    try {
      const Quotient d1 = quotient(h), d2 = quotient(h / 2);
      const double rounding = (4 * d2.rounding + d1.rounding) / 3;
      steps.push_back(Step{h, (4 * d2.value - d1.value) / 3,
                           std::abs(d2.value - d1.value) + rounding, rounding});
    } catch (const DomainError&) {
      steps.emplace_back();  // the stencil left the domain (sqrt or log near 0)
    }
  }
  std::optional<FiniteDifference> best;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    if (!steps[k]) continue;
    const Step& s = *steps[k];
    double error = s.bound;
    if (k + 1 < steps.size() && steps[k + 1])
      error =
          std::min(error, std::abs(s.estimate - steps[k + 1]->estimate) + steps[k + 1]->rounding);
    if (!best || error < best->error) best = FiniteDifference{s.estimate, error, s.h, false};
  }
  return best;
}

std::optional<FiniteDifference> finite_difference(const Expression& expression,
                                                  const Values& values,
                                                  const std::string& variable) {
  return finite_difference([&](const Values& at) { return evaluate_bounded(expression, at); },
                           values, variable);
}

namespace {

// Widens d where f's derivative in `variable` is not continuous at the point. The one-sided
// differences D(h) = (f(x ± h) − f(x))/(±h) at d's step h, h/2 and h/4 are extrapolated twice
// on each side, R = (8·D(h/4) − 6·D(h/2) + D(h))/3 (error O(h³) where f is smooth), with the
// once-extrapolated 2·D(h/4) − D(h/2) beside it as an estimate of R's truncation error. A
// smooth f has R within d's error, R's rounding and that truncation of d's estimate on both
// sides; at a kink the two R are the two slopes, and at a jump they grow as 1/h, so d's estimate
// stands for no derivative: `kink` is set. Returns how far from d's estimate the two R reach,
// their errors included, for the caller to widen d's error to (0 where a one-sided stencil
// leaves the domain).
double check_one_sided(const BoundedFunction& f, const Values& values, const std::string& variable,
                       FiniteDifference& d) {
  double reach = 0;  // how far from d's estimate the one-sided estimates and their errors reach
  Values at = values;
  const double x = values.at(variable);
  const Bounded centre = f(values);
  const auto rounding = [](const Bounded& v) { return v.error + u * std::abs(v.value); };
  try {
    for (const double side : {1.0, -1.0}) {
      double quotient[3], error[3];  // at h, h/2, h/4
      for (int k = 0; k < 3; ++k) {
        at[variable] = x + side * d.step / (1 << k);
        const Bounded v = f(at);
        const double width = at[variable] - x;
        quotient[k] = (v.value - centre.value) / width;
        error[k] =
            (rounding(v) + rounding(centre)) / std::abs(width) + 2 * u * std::abs(quotient[k]);
      }
      const double r = (8 * quotient[2] - 6 * quotient[1] + quotient[0]) / 3;
      const double once = 2 * quotient[2] - quotient[1];
      const double r_error = (8 * error[2] + 6 * error[1] + error[0]) / 3 + std::abs(r - once);
      const double off = std::abs(r - d.estimate);
      d.kink = d.kink || off > d.error + r_error;
      reach = std::max(reach, off + r_error);
    }
  } catch (const DomainError&) {  // a one-sided stencil left the domain: nothing to compare
    return 0;
  }
  return reach;
}

}  // namespace

std::optional<FiniteDifference> second_difference(const BoundedFunction& f, const Values& values,
                                                  const std::string& a, const std::string& b) {
  bool inner_kink = false;
  const BoundedFunction first = [&](const Values& at) {
    std::optional<FiniteDifference> d = finite_difference(f, at, a);
    if (!d) throw DomainError("every step leaves a function's domain", "", 0);
    const double reach = check_one_sided(f, at, a, *d);
    if (d->kink) d->error = std::max(d->error, reach);
    // Only a kink at the point itself is the point's: the outer stencil may reach one nearby,
    // and then its widened "±" steers the outer difference to a smaller step.
    inner_kink = inner_kink || (d->kink && at == values);
    return Bounded{d->estimate, d->error};
  };
  std::optional<FiniteDifference> d;
  try {
    d = finite_difference(first, values, b);
  } catch (const DomainError&) {  // the inner difference at the point itself
    return std::nullopt;
  }
  if (!d) return d;
  // A kink of f in a at the point itself makes the inner difference there uncertain, so the
  // outer one-sided estimates (which use it) may not stand out from their errors: the "±"
  // still reaches them.
  const double reach = check_one_sided(first, values, b, *d);
  d->kink |= inner_kink;
  if (d->kink) d->error = std::max(d->error, reach);
  return d;
}

}  // namespace ad::expr
