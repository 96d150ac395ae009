// The tape copied into a Boost graph, and the texts of its nodes and partials that the DOT
// labels and the explanation print.
#include <string_view>

#include "autodiff/graph/format.hpp"
#include "autodiff/graph/graph.hpp"
#include "autodiff/text.hpp"

namespace ad::graph {

TapeGraph make_graph(const std::vector<NodeView>& nodes) {
  TapeGraph g(nodes.size());
  for (const NodeView& node : nodes)
    for (std::uint32_t slot = 0; slot < node.operands.size(); ++slot)
      boost::add_edge(node.operands[slot], node.index, EdgeData{node.partials[slot], slot}, g);
  return g;
}

namespace {

// A formula longer than this many columns is written shorter: its long sums briefly, then its
// operands less deep. Operands are written at most kDepth levels deep, "…" below.
constexpr std::size_t kLongestFormula = 40;
constexpr int kDepth = 6;

bool too_long(const std::string& text) { return ad::display_width(text) > kLongestFormula; }

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

// How tightly a formula holds together, loosest first, as the expression language reads it
// (autodiff/expression/parser.cpp): a leading sign binds tighter than · and / but looser than ^
// (−x·y is (−x)·y, −x^2 is −(x^2)), · and / group from the left, ^ from the right.
enum class Level { Sum, Sign, Product, Power, Atom };

struct Formula {
  std::string text;
  Level level = Level::Atom;
};

// A formula that starts with a minus sign reads as a signed one: "−0.5·x" after a + needs
// parentheses as −x does.
Formula leveled(std::string text, Level level) {
  if (text.starts_with("−") && level > Level::Sign) level = Level::Sign;
  return {std::move(text), level};
}

Formula number(double v) { return leveled(detail::significant(v, 6), Level::Atom); }

// A name is one operand if it is one word ("w1", "s1.E1"), a call or enclosed; a name the user
// spelled as a formula ("a + b") is treated as a sum.
Formula name_formula(std::string_view name) {
  std::size_t word = 0;
  while (word < name.size() && (is_word(name[word]) || name[word] == '.')) ++word;
  const bool one =
      word == name.size() || (word > 0 && enclosed(name.substr(word))) || enclosed(name);
  return {std::string(name), one ? Level::Atom : Level::Sum};
}

// The operator next to position [at, at + size) of a form, spaces skipped: the one before it or
// after it; "" at the form's edge, a parenthesis or a comma.
std::string_view neighbour(std::string_view form, std::size_t at, std::size_t size, bool after) {
  static constexpr std::string_view kOperators[] = {"+", "−", "·", "/", "^", "²"};
  std::size_t i = after ? at + size : at;
  while (after ? i < form.size() && form[i] == ' ' : i > 0 && form[i - 1] == ' ')
    i += after ? 1 : static_cast<std::size_t>(-1);
  for (std::string_view op : kOperators)
    if (after ? form.substr(i).starts_with(op) : form.substr(0, i).ends_with(op)) return op;
  return "";
}

// The formula between the operators `before` and `after` of a longer one, in parentheses only
// where the expression language would otherwise read it differently.
std::string wrap(const Formula& f, std::string_view before, std::string_view after) {
  const bool sum = before == "+" || before == "−", product = before == "·" || before == "/";
  const bool parentheses =
      (f.level == Level::Sign && !before.empty()) ||                // a − (−b), a·(−b)
      (sum && f.level < Level::Product) ||                          // a − (b − c), −(a + b)
      ((product || before == "^") && f.level < Level::Power) ||     // a/(b·c), x^(y·z)
      ((after == "^" || after == "²") && f.level < Level::Atom) ||  // (x^y)^z, (−x)^2
      ((after == "·" || after == "/") && f.level == Level::Sum);    // (a + b)·c
  return parentheses ? "(" + f.text + ")" : f.text;
}

// Replace each whole-word occurrence of the variables x, y, a, b, c in `form` by its value
// (those with an empty text are left), wrapped as its neighbours require.
std::string substitute(std::string_view form, const Formula (&values)[5]) {
  static constexpr char kVariables[5] = {'x', 'y', 'a', 'b', 'c'};
  std::string out;
  for (std::size_t i = 0; i < form.size(); ++i) {
    const bool alone =
        (i == 0 || !is_word(form[i - 1])) && (i + 1 == form.size() || !is_word(form[i + 1]));
    int variable = -1;
    for (int k = 0; k < 5; ++k)
      if (alone && form[i] == kVariables[k] && !values[k].text.empty()) variable = k;
    if (variable >= 0)
      out += wrap(values[variable], neighbour(form, i, 1, false), neighbour(form, i, 1, true));
    else
      out += form[i];
  }
  return out;
}

// The level of what an operation's form writes at its top: a + b, a·b, a^b, −x or a call.
Level level_of(Op op) {
  const OpInfo& i = info(op);
  if (i.kind == OpKind::Neg) return Level::Sign;
  if (i.kind == OpKind::Mixed) return Level::Product;  // ½(c − x)²
  switch (i.kind == OpKind::WithConstant ? i.binary : op) {
    case Op::Add:
    case Op::Sub:
      return Level::Sum;
    case Op::Mul:
    case Op::Div:
      return Level::Product;
    case Op::Pow:
      return Level::Power;
    default:
      return Level::Atom;  // f(x), min(a, b)
  }
}

bool is_sum(const NodeView& node) { return node.op == Op::Linear || node.op == Op::WeightedSum; }

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
  Formula values[5];  // x, y, a, b, c: the label names the constant c
  values[4] = leveled(detail::significant(node.constant, precision), Level::Atom);
  return substitute(op.label, values);
}

namespace {

Formula formula(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                int depth);

// A sum by its terms in the operands' formulas, "E1 + E2", "w1·i1 + w2·i2 + b1"; a long one
// shows its first two terms and its last and says how many there are, a brief one ("a + … + z",
// inside a longer formula) its first and last.
Formula sum_formula(const Tape& tape, const std::vector<NodeView>& nodes, const NodeView& node,
                    int depth, int precision, bool brief) {
  constexpr std::size_t kMostTerms = 4;
  const std::size_t n = node.operands.size();
  const bool weighted = node.op == Op::WeightedSum;  // operands w1, x1, w2, x2, ..., [b]
  const std::size_t terms = weighted ? (n + 1) / 2 : n;
  auto operand = [&](std::size_t k, std::string_view before, std::string_view after) {
    return wrap(formula(tape, nodes, node.operands[k], depth - 1), before, after);
  };
  auto term = [&](std::size_t t, bool first) -> Formula {
    const std::string_view plus = first ? "" : "+";
    if (weighted && 2 * t + 1 < n)
      return {std::string(first ? "" : " + ") + operand(2 * t, plus, "·") + "·" +
                  operand(2 * t + 1, "·", ""),
              Level::Product};
    if (weighted)  // the bias
      return {(first ? "" : " + ") + operand(2 * t, plus, ""),
              formula(tape, nodes, node.operands[2 * t], depth - 1).level};
    const double c = node.partials[t];
    const std::string sign = c < 0 ? (first ? "−" : " − ") : (first ? "" : " + ");
    if (std::fabs(c) != 1)
      return leveled(
          sign + detail::significant(std::fabs(c), precision) + "·" + operand(t, "·", ""),
          Level::Product);
    return leveled(sign + operand(t, c < 0 ? "−" : plus, ""),
                   formula(tape, nodes, node.operands[t], depth - 1).level);
  };
  if (terms == 0) return {"0", Level::Atom};
  if (terms == 1) return term(0, true);
  if (brief) return {term(0, true).text + " + …" + term(terms - 1, false).text, Level::Sum};
  std::string text;
  for (std::size_t t = 0; t < terms; ++t) {
    if (terms > kMostTerms && t == 2) {
      text += " + …" + term(terms - 1, false).text + " (" + std::to_string(terms) + " terms)";
      break;
    }
    text += term(t, t == 0).text;
  }
  return {text, Level::Sum};
}

// What the node computes, written in its operands' formulas (their names where they have one),
// whatever its own name.
Formula expansion(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                  int depth) {
  const NodeView& node = nodes[index];
  if (is_sum(node)) return sum_formula(tape, nodes, node, depth, 6, false);
  const OpInfo& op = info(node.op);
  if (op.form.empty())  // a unary function
    return {
        std::string(op.name) + "(" + formula(tape, nodes, node.operands[0], depth - 1).text + ")",
        Level::Atom};
  Formula values[5];  // x, y, a, b, c
  for (std::size_t k = 0; k < node.operands.size(); ++k)
    values[node.operands.size() == 1 ? 0 : 2 + k] =
        formula(tape, nodes, node.operands[k], depth - 1);
  if (op.has_constant) values[4] = number(node.constant);
  return leveled(substitute(op.form, values), level_of(node.op));
}

// The node as a formula at most kLongestFormula bytes long where it can be: its name, its value
// (a constant), else its expansion, a long sum written briefly, the operands `depth` deep and
// "…" below.
Formula formula(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                int depth) {
  const NodeView& node = nodes[index];
  if (!node.name.empty()) return name_formula(node.name);
  if (node.op == Op::Leaf) return number(node.value);
  if (depth <= 0) return {"…", Level::Atom};
  Formula f = expansion(tape, nodes, index, depth);
  if (too_long(f.text) && is_sum(node)) f = sum_formula(tape, nodes, node, depth, 6, true);
  return too_long(f.text) ? formula(tape, nodes, index, depth - 1) : f;
}

}  // namespace

std::string operation_text(const Tape& tape, const std::vector<NodeView>& nodes,
                           std::uint32_t index, int precision) {
  const NodeView& node = nodes[index];
  if (is_sum(node)) return sum_formula(tape, nodes, node, kDepth, precision, false).text;
  if (node.op == Op::Leaf) return operation_text(node, precision);
  std::string text = expansion(tape, nodes, index, kDepth).text;
  for (int depth = kDepth - 1; depth > 0 && too_long(text); --depth)
    text = expansion(tape, nodes, index, depth).text;
  return text;
}

std::string node_text(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index) {
  return formula(tape, nodes, index, kDepth).text;
}

std::string symbolic_partial(const Tape& tape, const std::vector<NodeView>& nodes,
                             std::uint32_t index, std::uint32_t slot) {
  const NodeView& node = nodes[index];
  Formula values[5];  // x, y, a, b, c
  if (node.operands.size() == 1) values[0] = formula(tape, nodes, node.operands[0], kDepth);
  if (node.operands.size() == 2) {
    values[2] = formula(tape, nodes, node.operands[0], kDepth);
    values[3] = formula(tape, nodes, node.operands[1], kDepth);
  }
  values[1] = formula(tape, nodes, index, kDepth);
  values[4] = number(node.constant);
  switch (node.op) {
    // The sums: the table's x_i, w_i and c_i are the paired operand and the coefficient.
    case Op::WeightedSum:
      if (node.operands.size() % 2 == 1 && slot + 1 == node.operands.size()) return "1";
      return node_text(tape, nodes, node.operands[slot % 2 == 0 ? slot + 1 : slot - 1]);
    case Op::Linear:
      return detail::significant(node.partials[slot], 6);
    // Richer than the table where the table's text names a function of the result.
    case Op::Sigmoid:
      return substitute("y·(1 − y)", values);
    case Op::Tanh:
      return substitute("1 − y²", values);
    case Op::Tan:
      return substitute("1 + y²", values);
    case Op::Exp:
      return values[1].text;
    case Op::PowC:
      if (node.constant == 2) return substitute("2·x", values);
      if (node.constant == 1) return "1";
      return values[4].text + "·" + wrap(values[0], "·", "^") + "^" +
             wrap(number(node.constant - 1), "^", "");
    case Op::Relu:
    case Op::Abs:
      // Piecewise: the branch taken is the number itself.
      return detail::significant(node.partials[slot], 6);
    default:
      break;
  }
  // Piecewise without a formula (min, max): the same.
  if (info(node.op).formula[0].empty()) return detail::significant(node.partials[slot], 6);
  return substitute(info(node.op).partial_text[slot < 2 ? slot : 1], values);
}

}  // namespace ad::graph
