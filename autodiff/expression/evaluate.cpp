// Evaluation of a parsed expression: on doubles and on the tape.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "autodiff/expression/expression.hpp"
#include "autodiff/text.hpp"

namespace ad::expr {

namespace {

// "log(-2)", "1 / 0": the operation as it was applied, for messages.
std::string application(Op op, std::span<const double> operands) {
  const OpInfo& info = ad::info(op);
  if (op == Op::Neg) return "-(" + number(operands[0]) + ")";
  if (!info.symbol.empty() && operands.size() == 2) {
    const auto operand = [](double x) { return x < 0 ? "(" + number(x) + ")" : number(x); };
    return operand(operands[0]) + " " + std::string(info.symbol) + " " + operand(operands[1]);
  }
  std::string text = std::string(info.name) + "(";
  for (std::size_t i = 0; i < operands.size(); ++i)
    text += (i > 0 ? ", " : "") + number(operands[i]);
  return text + ")";
}

[[noreturn]] void throw_not_finite(const Expression& expression, const Node& node,
                                   std::span<const double> operands, double result) {
  std::string reason;
  if (node.op == Op::Div && operands[1] == 0)
    reason = "division by zero";
  else if (std::isnan(result))
    reason = "outside the domain of " + std::string(info(node.op).name);
  else
    reason = "the result is not a finite number";
  DomainError error(application(node.op, operands) + " = " + number(result) + ": " + reason,
                    expression.source(), node.begin, node.end - node.begin);
  error.operation = info(node.op).name;
  error.operands.assign(operands.begin(), operands.end());
  throw error;
}

ad::Var operate(Op op, const ad::Var& x) {
  switch (op) {
    case Op::Neg:
      return -x;
#define AUTODIFF_CALL(Name, fn, ...) \
  case Op::Name:                     \
    return ad::fn(x);
      AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_CALL)
#undef AUTODIFF_CALL
    default:
      throw ad::Error("expression: " + std::string(info(op).name) + " is not unary");
  }
}

// A binary operation where either side may be a constant (a double) or active (a Var); the
// mixed operations keep the constant on the tape, as the engine records x^2 or 2*x.
template <class A, class B>
ad::Var operate(Op op, const A& a, const B& b) {
  switch (op) {
#define AUTODIFF_CALL(Name, ...) \
  case Op::Name:                 \
    return ad::detail::binary<Op::Name>(a, b);
    AUTODIFF_BINARY_OPERATIONS(AUTODIFF_CALL)
#undef AUTODIFF_CALL
    default:
      throw ad::Error("expression: " + std::string(info(op).name) + " is not binary");
  }
}

struct Operand {
  bool active;
  double value;
  ad::Var var;
};

class Recorder {
 public:
  Recorder(const Expression& expression, const Variables& variables,
           std::map<const Node*, ad::Var>* recorded)
      : expression_(expression), variables_(variables), recorded_(recorded) {}

  // Operands first, in a loop (fold): an operation of constants is computed on doubles, as
  // evaluate() would, and enters the tape as a constant.
  Operand record(const Node& root) {
    return fold<Operand>(root, [&](const Node& node, std::span<Operand> operands) -> Operand {
      if (node.kind == Node::Kind::Number) return {false, node.number, {}};
      ad::Var result;
      if (node.kind == Node::Kind::Variable) {
        const auto found = variables_.find(node.name);
        if (found == variables_.end()) throw_unknown(node);
        result = found->second;
      } else if (std::none_of(operands.begin(), operands.end(),
                              [](const Operand& o) { return o.active; })) {
        std::vector<double> values;
        for (const Operand& o : operands) values.push_back(o.value);
        return {false, apply(expression_, node, values), {}};
      } else {
        try {
          result = combine(node.op, operands);
        } catch (const ad::NonFinite& e) {
          throw_non_finite(node, operands, e);
        }
      }
      if (recorded_ != nullptr) recorded_->insert_or_assign(&node, result);
      return {true, result.value(), result};
    });
  }

 private:
  static ad::Var combine(Op op, std::span<const Operand> x) {
    if (x.size() == 1) return operate(op, x[0].var);
    if (x[0].active && x[1].active) return operate(op, x[0].var, x[1].var);
    if (x[0].active) return operate(op, x[0].var, x[1].value);
    return operate(op, x[0].value, x[1].var);
  }

  [[noreturn]] void throw_unknown(const Node& node) const {
    std::vector<std::string> names;
    for (const auto& [name, var] : variables_) names.push_back(name);
    std::string message = "unknown variable '" + node.name + "'";
    message += ad::did_you_mean(node.name, names);
    throw UnknownVariable(message, expression_.source(), node.begin, node.end - node.begin);
  }

  // The checked tape stopped at this node: say which operation, at which operand values.
  [[noreturn]] void throw_non_finite(const Node& node, std::span<const Operand> operands,
                                     const ad::NonFinite& e) const {
    std::vector<double> values;
    for (const Operand& o : operands) values.push_back(o.value);
    const double result = operation_value(node.op, values);
    if (!std::isfinite(result)) throw_not_finite(expression_, node, values, result);
    // The engine says which partial is not finite: "∂/∂x = inf"; an unnamed operand it calls
    // by its operation and index ("∂/∂sub#1"), which the user knows by what they wrote.
    std::string reason = e.reason;
    for (std::size_t k = 0; k < operands.size(); ++k) {
      if (!operands[k].active) continue;
      const ad::Tape& tape = ad::Tape::active();
      const std::string engine = "∂/∂" + tape.label(tape.index(operands[k].var)) + " ";
      if (reason.starts_with(engine))
        reason = "∂/∂" + written(node.operands[k]) + " " + reason.substr(engine.size());
    }
    const std::string detail = " (" + reason + ")";
    DomainError error(application(node.op, values) + " = " + number(result) +
                          " has no finite derivative there" + detail,
                      expression_.source(), node.begin, node.end - node.begin);
    error.operation = e.operation;
    error.operands = values;
    throw error;
  }

  // A sub-expression as the user wrote it, in parentheses where an operator shows: (x-1); shown
  // printable(), as it goes into a message.
  std::string written(const Node& node) const {
    const std::string text = ad::printable(expression_.text(node));
    int depth = 0;
    for (char c : text) {
      depth += c == '(' ? 1 : (c == ')' ? -1 : 0);
      if (depth == 0 && c != '\0' && std::strchr("+-*/^ ", c) != nullptr) return "(" + text + ")";
    }
    return text;
  }

  const Expression& expression_;
  const Variables& variables_;
  std::map<const Node*, ad::Var>* recorded_;
};

}  // namespace

double evaluate(const Expression& expression, const Node& root, const Values& values) {
  return fold<double>(root, [&](const Node& node, std::span<double> operands) {
    switch (node.kind) {
      case Node::Kind::Number:
        return node.number;
      case Node::Kind::Variable: {
        const auto found = values.find(node.name);
        if (found == values.end()) {
          std::vector<std::string> names;
          for (const auto& [name, value] : values) names.push_back(name);
          std::string message = "unknown variable '" + node.name + "'";
          message += ad::did_you_mean(node.name, names);
          throw UnknownVariable(message, expression.source(), node.begin, node.end - node.begin);
        }
        return found->second;
      }
      case Node::Kind::Operation:
        break;
    }
    return apply(expression, node, operands);
  });
}

double operation_value(Op op, std::span<const double> x) {
  if (op == Op::Neg) return -x[0];
  if (info(op).kind == OpKind::Binary) return binary_value(op, x[0], x[1]);
  return unary_rule(op).value(x[0]);
}

double apply(const Expression& expression, const Node& node, std::span<const double> operands) {
  const double result = operation_value(node.op, operands);
  if (!std::isfinite(result)) throw_not_finite(expression, node, operands, result);
  return result;
}

ad::Var record(const Expression& expression, const Variables& variables,
               std::map<const Node*, ad::Var>* recorded) {
  const Operand root = Recorder(expression, variables, recorded).record(expression.root());
  return root.active ? root.var : ad::Var(root.value);
}

}  // namespace ad::expr
