// The tape copied into a Boost graph, and the texts of its nodes and partials that the DOT
// labels and the explanation print.
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

// True when text is one parenthesized whole, "(a + b)", and not "(a) + (b)".
bool enclosed(std::string_view text) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
    if (depth == 0) return i + 1 == text.size() && i > 0;
  }
  return false;
}

// A formula used inside a longer one: parenthesized unless it is one word ("w1", "s1.E1",
// "log#26"), a call ("log(1 − o)") or already enclosed.
std::string operand_form(std::string text) {
  std::size_t word = 0;
  while (word < text.size() && (is_word(text[word]) || text[word] == '.' || text[word] == '#'))
    ++word;
  const bool simple = word == text.size() || (word > 0 && enclosed(text.substr(word)));
  return simple || enclosed(text) ? text : "(" + text + ")";
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

namespace {

std::string formula(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                    int depth);

std::string operand_formula(const Tape& tape, const std::vector<NodeView>& nodes,
                            std::uint32_t index, int depth) {
  return operand_form(formula(tape, nodes, index, depth));
}

std::string sum_text(const Tape& tape, const std::vector<NodeView>& nodes, const NodeView& node,
                     int depth, int precision);

// What the node computes, written in its operands' formulas (their names where they have one),
// whatever its own name; tape.label(index) at depth 0 and for a sum of more than two terms.
std::string expansion(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                      int depth) {
  const NodeView& node = nodes[index];
  if (depth > 0 && (node.op == Op::Linear || node.op == Op::WeightedSum))
    return sum_text(tape, nodes, node, depth, 6);
  if (depth == 0 || node.operands.size() > 2) return tape.label(index);
  const OpInfo& op = info(node.op);
  if (op.form.empty()) {  // a unary function
    if (node.operands.size() != 1) return tape.label(index);
    return std::string(op.name) + "(" + formula(tape, nodes, node.operands[0], depth - 1) + ")";
  }
  std::string values[5];  // x, y, a, b, c
  for (std::size_t k = 0; k < node.operands.size(); ++k)
    values[node.operands.size() == 1 ? 0 : 2 + k] =
        op.kind == OpKind::Mixed  // its form encloses x in parentheses of its own
            ? formula(tape, nodes, node.operands[k], depth - 1)
            : operand_formula(tape, nodes, node.operands[k], depth - 1);
  if (op.has_constant) values[4] = detail::significant(node.constant, 6);
  return substitute(op.form, values);
}

std::string formula(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                    int depth) {
  const NodeView& node = nodes[index];
  if (!node.name.empty()) return std::string(node.name);
  if (node.op == Op::Leaf) return detail::significant(node.value, 6);
  const std::string text = expansion(tape, nodes, index, depth);
  return text.size() > kLongestFormula ? tape.label(index) : text;
}

// A sum by its terms in the operands' formulas, "E1 + E2", "w1·i1 + w2·i2 + b1"; a long one
// shows its first two terms and its last, and says how many there are.
std::string sum_text(const Tape& tape, const std::vector<NodeView>& nodes, const NodeView& node,
                     int depth, int precision) {
  constexpr std::size_t kMostTerms = 4;
  const std::size_t n = node.operands.size();
  const bool weighted = node.op == Op::WeightedSum;  // operands w1, x1, w2, x2, ..., [b]
  const std::size_t terms = weighted ? (n + 1) / 2 : n;
  auto operand = [&](std::size_t k) {
    return operand_formula(tape, nodes, node.operands[k], depth - 1);
  };
  auto term = [&](std::size_t t, bool first) {
    if (weighted)
      return (first ? "" : " + ") +
             (2 * t + 1 < n ? operand(2 * t) + "·" + operand(2 * t + 1) : operand(2 * t));
    const double c = node.partials[t];
    return std::string(c < 0 ? (first ? "−" : " − ") : (first ? "" : " + ")) +
           (std::fabs(c) != 1 ? detail::significant(std::fabs(c), precision) + "·" : "") +
           operand(t);
  };
  if (terms == 0) return "0";
  std::string text;
  for (std::size_t t = 0; t < terms; ++t) {
    if (terms > kMostTerms && t == 2) {
      text += " + …" + term(terms - 1, false) + " (" + std::to_string(terms) + " terms)";
      break;
    }
    text += term(t, t == 0);
  }
  return text;
}

}  // namespace

std::string operation_text(const Tape& tape, const std::vector<NodeView>& nodes,
                           std::uint32_t index, int precision) {
  const NodeView& node = nodes[index];
  if (node.op == Op::Linear || node.op == Op::WeightedSum)
    return sum_text(tape, nodes, node, 3, precision);
  if (node.op == Op::Leaf) return operation_text(node, precision);
  const std::string text = expansion(tape, nodes, index, 3);
  return text.size() > kLongestFormula ? expansion(tape, nodes, index, 1) : text;
}

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
