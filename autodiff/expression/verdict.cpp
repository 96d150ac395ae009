// Rounding-error bounds, the verdict on a derivative and the finite difference (see verdict.hpp).
#include "autodiff/expression/verdict.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

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

// An operation's value and bound from its operands'.
Bounded bounded_operation(const Expression& expression, const Node& node,
                          const std::vector<Bounded>& operands) {
  std::vector<double> x, e;
  for (const Bounded& b : operands) {
    x.push_back(b.value);
    e.push_back(b.error);
  }
  const double y = apply(expression, node, x);
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
  const bool operands_nonzero = std::none_of(x.begin(), x.end(), [](double v) { return v == 0; });
  if (operands_nonzero && std::abs(y) < std::numeric_limits<double>::min() &&
      (y != 0 || never_zero(node.op)) && node.op != Op::Add && node.op != Op::Sub)
    return {y, std::numeric_limits<double>::infinity()};
  const double rounding = u * std::abs(y);
  switch (node.op) {
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
      return {y,
              carried(unary_rule(node.op).partial(x[0], y), e[0]) + kFunctionRounding * rounding};
  }
}

}  // namespace

Bounded evaluate_bounded(const Expression& expression, const Node& root, const Values& values,
                         const Values* errors) {
  return fold<Bounded>(root, [&](const Node& node, std::vector<Bounded> operands) -> Bounded {
    if (node.kind == Node::Kind::Operation) return bounded_operation(expression, node, operands);
    const double value = evaluate(expression, node, values);
    if (node.kind == Node::Kind::Variable && errors != nullptr)
      if (const auto found = errors->find(node.name); found != errors->end())
        return {value, found->second};
    return {value, 0.0};
  });
}

std::vector<double> gradient_rounding(const ad::Tape& tape, const ad::Var& y) {
  tape.check(y);
  const std::vector<NodeView> nodes = tape.nodes();
  // size: Σ over paths of |product of partials|; weight: the largest rounding count of a path;
  // contributions: how many terms the engine's sweep adds into the node's adjoint.
  std::vector<double> size(nodes.size(), 0.0), weight(nodes.size(), 0.0);
  std::vector<std::size_t> contributions(nodes.size(), 0);
  size[y.index()] = 1;
  for (std::size_t i = y.index() + 1; i-- > 0;) {
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

Verdict judge(double yours, double yours_error, double engine, double engine_error,
              double tolerance, std::optional<double> last_digit_unit) {
  const double difference = std::abs(yours - engine);
  const double scale = std::max(std::abs(yours), std::abs(engine));
  const double floor = kRoundingSafety * (yours_error + engine_error);
  const double allowed = tolerance * scale + floor;
  // The point can judge yours only where the rounding floor leaves the engine's value at least
  // one significant digit (floor ≤ |engine|/10): else a derivative and its negation, or twice
  // it, could agree. The same number is judged even at zero (x − x, and 0 written for it),
  // unless its rounding cannot be bounded (an underflow); so are the subnormal doubles, whose
  // relative precision is gone.
  const bool decidable = std::isfinite(floor) &&
                         !(scale > 0 && scale < std::numeric_limits<double>::min()) &&
                         (floor <= std::abs(engine) / 10 || yours == engine);
  const bool agree = decidable && difference <= allowed;
  // Within one unit of the last digit written, and the engine's value rounded to that digit
  // leads where yours does: 0.0038 is not "1 to 1 significant digit" (it rounds to 0).
  bool within_last_digit = false;
  if (!agree && decidable && last_digit_unit && difference <= *last_digit_unit) {
    const double rounded = std::round(engine / *last_digit_unit) * *last_digit_unit;
    const auto decade = [](double v) { return std::floor(std::log10(std::abs(v))); };
    within_last_digit = rounded != 0 && yours != 0 && (rounded > 0) == (yours > 0) &&
                        decade(rounded) == decade(yours);
  }
  return {agree,
          decidable,
          difference,
          allowed,
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
    if (!best || error < best->error) best = FiniteDifference{s.estimate, error, s.h};
  }
  return best;
}

std::optional<FiniteDifference> finite_difference(const Expression& expression,
                                                  const Values& values,
                                                  const std::string& variable) {
  return finite_difference([&](const Values& at) { return evaluate_bounded(expression, at); },
                           values, variable);
}

}  // namespace ad::expr
