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

std::string operation_text(const NodeView& node, int precision) {
  const std::string c = detail::significant(node.constant, precision);
  switch (node.op) {
    case Op::Leaf:
      return node.name.empty() ? "constant" : "leaf";
    case Op::Neg:
      return "−x";
    case Op::AddC:
      return "x + " + c;
    case Op::SubC:
      return "x − " + c;
    case Op::CSub:
      return c + " − x";
    case Op::MulC:
      return "× " + c;
    case Op::DivC:
      return "÷ " + c;
    case Op::CDiv:
      return c + " ÷ x";
    case Op::PowC:
      return "x ^ " + c;
    case Op::CPow:
      return c + " ^ x";
    case Op::MinC:
      return "min(x, " + c + ")";
    case Op::MaxC:
      return "max(x, " + c + ")";
    case Op::HalfSquaredError:
      return "½(t − o)², t = " + c;
    case Op::Add:
      return "+";
    case Op::Sub:
      return "−";
    case Op::Mul:
      return "×";
    case Op::Div:
      return "÷";
    case Op::Pow:
      return "^";
    case Op::Linear:
      return "Σ c·x";
    case Op::WeightedSum:
      return node.operands.size() % 2 == 1 ? "Σ w·x + b" : "Σ w·x";
    default:
      return std::string(info(node.op).name);
  }
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
  const std::string c = detail::significant(node.constant, 6);
  auto x = [&](std::size_t k) { return operand_formula(tape, nodes, node.operands[k], depth - 1); };
  std::string text;
  switch (node.op) {
    case Op::Neg:
      text = "−" + x(0);
      break;
    case Op::AddC:
      text = x(0) + " + " + c;
      break;
    case Op::SubC:
      text = x(0) + " − " + c;
      break;
    case Op::CSub:
      text = c + " − " + x(0);
      break;
    case Op::MulC:
      text = c + "·" + x(0);
      break;
    case Op::DivC:
      text = x(0) + "/" + c;
      break;
    case Op::CDiv:
      text = c + "/" + x(0);
      break;
    case Op::PowC:
      text = x(0) + "^" + c;
      break;
    case Op::CPow:
      text = c + "^" + x(0);
      break;
    case Op::MinC:
      text = "min(" + x(0) + ", " + c + ")";
      break;
    case Op::MaxC:
      text = "max(" + x(0) + ", " + c + ")";
      break;
    case Op::HalfSquaredError:
      text = "½(" + c + " − " + formula(tape, nodes, node.operands[0], depth - 1) + ")²";
      break;
    case Op::Add:
      text = x(0) + " + " + x(1);
      break;
    case Op::Sub:
      text = x(0) + " − " + x(1);
      break;
    case Op::Mul:
      text = x(0) + "·" + x(1);
      break;
    case Op::Div:
      text = x(0) + "/" + x(1);
      break;
    case Op::Pow:
      text = x(0) + "^" + x(1);
      break;
    case Op::Min:
      text = "min(" + x(0) + ", " + x(1) + ")";
      break;
    case Op::Max:
      text = "max(" + x(0) + ", " + x(1) + ")";
      break;
    default:
      if (node.operands.size() == 1)
        text = std::string(info(node.op).name) + "(" +
               formula(tape, nodes, node.operands[0], depth - 1) + ")";
      else
        return tape.label(index);
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
    case Op::MinC:
    case Op::MaxC:
    case Op::Min:
    case Op::Max:
    case Op::Relu:
    case Op::Abs:
      // Piecewise: the branch taken is the number itself.
      return detail::significant(node.partials[slot], 6);
    default:
      break;
  }
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
