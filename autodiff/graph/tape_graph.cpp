#include <string_view>

#include "autodiff/graph/format.hpp"
#include "autodiff/graph/graph.hpp"

namespace ad::graph {

TapeGraph make_graph(const std::vector<NodeView>& nodes) {
  TapeGraph g(nodes.size());
  for (const NodeView& node : nodes)
    for (std::uint32_t slot = 0; slot < node.operands.size(); ++slot)
      boost::add_edge(node.operands[slot], node.index, EdgeData{node.partials[slot], slot}, g);
  return g;
}

namespace {

constexpr std::size_t kLongestFormula = 40;

bool is_word(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_';
}

// A formula used inside a longer one: parenthesized unless it is one word or a call.
std::string operand_form(std::string text) {
  bool simple = true;
  for (char ch : text) simple = simple && (is_word(ch) || ch == '.');
  return simple || text.front() == '(' ? text : "(" + text + ")";
}

// Replace each whole-word occurrence of the variables in `from` (one letter: x, y, a, b, c).
std::string substitute(std::string_view text, const std::string (&values)[5]) {
  static constexpr char kVariables[5] = {'x', 'y', 'a', 'b', 'c'};
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool alone =
        (i == 0 || !is_word(text[i - 1])) && (i + 1 == text.size() || !is_word(text[i + 1]));
    int variable = -1;
    for (int k = 0; k < 5; ++k)
      if (alone && text[i] == kVariables[k] && !values[k].empty()) variable = k;
    if (variable >= 0)
      out += values[variable];
    else
      out += text[i];
  }
  return out;
}

}  // namespace

std::string operation_text(const NodeView& node, int precision) {
  switch (node.op) {
    case Op::Leaf:
      return node.name.empty() ? "constant" : "leaf";
    case Op::Linear:
      return "Σ c·x";
    case Op::WeightedSum:
      return node.operands.size() % 2 == 1 ? "Σ w·x + b" : "Σ w·x";
    default:
      break;
  }
  const OpInfo& op = info(node.op);
  if (op.label.empty()) return std::string(op.name);
  std::string values[5];  // x, y, a, b, c: the label names the constant c
  values[4] = detail::significant(node.constant, precision);
  return substitute(op.label, values);
}

std::string operation_text(const Tape& tape, const NodeView& node, int precision) {
  // A sum of a few named nodes reads as its terms: E_total = E1 + E2.
  constexpr std::size_t kMostTerms = 8;
  if (node.op != Op::Linear || node.operands.empty() || node.operands.size() > kMostTerms)
    return operation_text(node, precision);
  std::string text;
  for (std::size_t k = 0; k < node.operands.size(); ++k) {
    const std::string_view name = tape.name(node.operands[k]);
    if (name.empty()) return operation_text(node, precision);
    const double c = node.partials[k];
    if (k > 0)
      text += c < 0 ? " − " : " + ";
    else if (c < 0)
      text += "−";
    if (std::fabs(c) != 1) text += detail::significant(std::fabs(c), precision) + "·";
    text += name;
  }
  return text;
}

namespace {

std::string formula(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                    int depth);

std::string operand_formula(const Tape& tape, const std::vector<NodeView>& nodes,
                            std::uint32_t index, int depth) {
  return operand_form(formula(tape, nodes, index, depth));
}

std::string formula(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                    int depth) {
  const NodeView& node = nodes[index];
  if (!node.name.empty()) return std::string(node.name);
  if (node.op == Op::Leaf) return detail::significant(node.value, 6);
  if (depth == 0 || node.operands.size() > 2) return tape.label(index);
  const OpInfo& op = info(node.op);
  std::string text;
  if (op.form.empty()) {  // a unary function
    if (node.operands.size() != 1) return tape.label(index);
    text = std::string(op.name) + "(" + formula(tape, nodes, node.operands[0], depth - 1) + ")";
  } else {
    std::string values[5];  // x, y, a, b, c
    for (std::size_t k = 0; k < node.operands.size(); ++k)
      values[node.operands.size() == 1 ? 0 : 2 + k] =
          op.kind == OpKind::Mixed  // its form encloses x in parentheses of its own
              ? formula(tape, nodes, node.operands[k], depth - 1)
              : operand_formula(tape, nodes, node.operands[k], depth - 1);
    if (op.has_constant) values[4] = detail::significant(node.constant, 6);
    text = substitute(op.form, values);
  }
  return text.size() > kLongestFormula ? tape.label(index) : text;
}

}  // namespace

std::string node_text(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index) {
  return formula(tape, nodes, index, 3);
}

std::string symbolic_partial(const Tape& tape, const std::vector<NodeView>& nodes,
                             std::uint32_t index, std::uint32_t slot) {
  const NodeView& node = nodes[index];
  auto text = [&](std::uint32_t k) {
    return operand_form(node_text(tape, nodes, node.operands[k]));
  };
  const std::string c = detail::significant(node.constant, 6);
  switch (node.op) {
    // The sums: the table's x_i, w_i and c_i are the paired operand and the coefficient.
    case Op::WeightedSum:
      if (node.operands.size() % 2 == 1 && slot + 1 == node.operands.size()) return "1";
      return node_text(tape, nodes, node.operands[slot % 2 == 0 ? slot + 1 : slot - 1]);
    case Op::Linear:
      return detail::significant(node.partials[slot], 6);
    // Richer than the table where the table's text names a function of the result.
    case Op::Sigmoid: {
      const std::string y = operand_form(node_text(tape, nodes, index));
      return y + "·(1 − " + y + ")";
    }
    case Op::Tanh:
      return "1 − " + operand_form(node_text(tape, nodes, index)) + "²";
    case Op::Tan:
      return "1 + " + operand_form(node_text(tape, nodes, index)) + "²";
    case Op::Exp:
      return node_text(tape, nodes, index);
    case Op::PowC:
      if (node.constant == 2) return "2·" + text(0);
      if (node.constant == 1) return "1";
      return c + "·" + text(0) + "^" + detail::significant(node.constant - 1, 6);
    case Op::Relu:
    case Op::Abs:
      // Piecewise: the branch taken is the number itself.
      return detail::significant(node.partials[slot], 6);
    default:
      break;
  }
  // Piecewise without a formula (min, max): the same.
  if (info(node.op).formula[0].empty()) return detail::significant(node.partials[slot], 6);
  std::string values[5];  // x, y, a, b, c
  if (node.operands.size() == 1) values[0] = text(0);
  if (node.operands.size() == 2) {
    values[2] = text(0);
    values[3] = text(1);
  }
  values[1] = operand_form(node_text(tape, nodes, index));
  if (info(node.op).has_constant) values[4] = operand_form(c);
  return substitute(info(node.op).partial_text[slot < 2 ? slot : 1], values);
}

}  // namespace ad::graph
