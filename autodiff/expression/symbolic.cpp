#include "autodiff/expression/symbolic.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace ad::expr {

namespace {

bool is_number(const Node& n, std::optional<double> value = std::nullopt) {
  return n.kind == Node::Kind::Number && (!value || n.number == *value);
}
bool is_op(const Node& n, Op op) { return n.kind == Node::Kind::Operation && n.op == op; }

// An operation node as it is, without simplifying.
Node raw(Op op, std::vector<Node> operands) {
  Node n;
  n.kind = Node::Kind::Operation;
  n.op = op;
  for (const Node& operand : operands) n.height = std::max(n.height, operand.height + 1);
  n.operands = std::move(operands);
  return n;
}

std::optional<double> fold(Op op, const std::vector<Node>& operands) {
  for (const Node& operand : operands)
    if (!is_number(operand)) return std::nullopt;
  const double a = operands[0].number, b = operands.size() > 1 ? operands[1].number : 0.0;
  const double y = op == Op::Neg                     ? -a
                   : info(op).kind == OpKind::Binary ? binary_value(op, a, b)
                                                     : unary_rule(op).value(a);
  if (!std::isfinite(y)) return std::nullopt;  // left as written: 1/0 is the user's to see
  return y;
}

// ---- Products: c·n1·n2···/(d·m1·m2···) ----

struct Product {
  double coefficient = 1, denominator = 1;
  std::vector<Node> numerators, denominators;
};

void gather(const Node& node, bool inverted, Product& p) {
  if (is_number(node)) {
    (inverted ? p.denominator : p.coefficient) *= node.number;
  } else if (is_op(node, Op::Neg)) {
    p.coefficient = -p.coefficient;
    gather(node.operands[0], inverted, p);
  } else if (is_op(node, Op::Mul)) {
    gather(node.operands[0], inverted, p);
    gather(node.operands[1], inverted, p);
  } else if (is_op(node, Op::Div)) {
    gather(node.operands[0], inverted, p);
    gather(node.operands[1], !inverted, p);
  } else {
    (inverted ? p.denominators : p.numerators).push_back(node);
  }
}

Node product_of(double coefficient, std::vector<Node> factors) {
  if (coefficient != 1 || factors.empty())
    factors.insert(factors.begin(), number_node(coefficient));
  Node result = std::move(factors[0]);
  for (std::size_t i = 1; i < factors.size(); ++i)
    result = raw(Op::Mul, {std::move(result), std::move(factors[i])});
  return result;
}

Node build(Product p) {
  if (p.coefficient == 0) return number_node(0);
  double sign = 1;
  if (p.coefficient < 0) sign = -sign, p.coefficient = -p.coefficient;
  if (p.denominator < 0) sign = -sign, p.denominator = -p.denominator;
  if (const double q = p.coefficient / p.denominator; q == std::round(q)) {
    p.coefficient = q;
    p.denominator = 1;
  }
  Node result = product_of(p.coefficient, std::move(p.numerators));
  if (p.denominator != 1 || !p.denominators.empty())
    result =
        raw(Op::Div, {std::move(result), product_of(p.denominator, std::move(p.denominators))});
  return sign < 0 ? raw(Op::Neg, {std::move(result)}) : result;
}

// ---- Sums ----

void gather_terms(const Node& node, double sign, std::vector<std::pair<double, Node>>& terms) {
  if (is_op(node, Op::Add) || is_op(node, Op::Sub)) {
    gather_terms(node.operands[0], sign, terms);
    gather_terms(node.operands[1], is_op(node, Op::Sub) ? -sign : sign, terms);
  } else if (is_op(node, Op::Neg)) {
    // -(t - out) stays as written: its sum is one term, not two.
    const Node& inner = node.operands[0];
    if (is_op(inner, Op::Add) || is_op(inner, Op::Sub))
      terms.emplace_back(-sign, inner);
    else
      gather_terms(inner, -sign, terms);
  } else {
    terms.emplace_back(sign, node);
  }
}

// Like terms (the same product but for its numeric factor) are combined; constants are summed
// where the first one stands.
Node build_sum(std::vector<std::pair<double, Node>> terms) {
  struct Like {
    double count;        // terms with this key
    double coefficient;  // their numeric factors, summed
    Node node;           // the first one, as written, when it stands alone
    double sign;
    Product rest;
  };
  std::vector<std::pair<std::string, Like>> like;
  std::unordered_map<std::string, std::size_t> index;  // key -> its place in `like`
  for (auto& [sign, node] : terms) {
    Product p;
    gather(node, false, p);
    const double c = sign * p.coefficient / p.denominator;
    p.coefficient = p.denominator = 1;
    const std::string key =
        p.numerators.empty() && p.denominators.empty() ? "" : to_string(build(p));
    const auto [found, fresh] = index.emplace(key, like.size());
    if (fresh)
      like.push_back({key, Like{1, c, std::move(node), sign, std::move(p)}});
    else
      like[found->second].second.count += 1, like[found->second].second.coefficient += c;
  }
  std::optional<Node> result;
  for (auto& [key, l] : like) {
    if (l.coefficient == 0) continue;
    Node term;
    double sign = l.sign;
    if (l.count == 1 && !key.empty()) {
      term = std::move(l.node);
    } else {
      sign = l.coefficient < 0 ? -1 : 1;
      l.rest.coefficient = std::abs(l.coefficient);
      term = build(std::move(l.rest));
    }
    if (!result)
      result = sign < 0 ? raw(Op::Neg, {std::move(term)}) : std::move(term);
    else
      result = raw(sign < 0 ? Op::Sub : Op::Add, {std::move(*result), std::move(term)});
  }
  return result ? *result : number_node(0);
}

Node build_sum(const Node& a, const Node& b, bool subtract) {
  std::vector<std::pair<double, Node>> terms;
  gather_terms(a, 1, terms);
  gather_terms(b, subtract ? -1 : 1, terms);
  return build_sum(std::move(terms));
}

// ---- Printing ----

int precedence(const Node& n) {
  if (is_number(n)) return n.number < 0 ? 3 : 5;
  if (n.kind == Node::Kind::Variable) return 5;
  switch (n.op) {
    case Op::Add:
    case Op::Sub:
      return 1;
    case Op::Mul:
    case Op::Div:
      return 2;
    case Op::Neg:
      return 3;
    case Op::Pow:
      return 4;
    default:
      return 5;  // a function call
  }
}

std::string format_number(double x) {
  // The shortest text that reads back as the same double.
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, result.ptr);
}

void write(const Node& n, std::string& out);

// The operand, in parentheses unless it binds at least as tightly as `least`; a negation on the
// right of an operator always gets them (a*(-b), a - (-b), x^(-1)).
void write_operand(const Node& n, int least, bool right, std::string& out) {
  const int p = precedence(n);
  const bool wrap = p < least || (right && p == 3);
  if (wrap) out += '(';
  write(n, out);
  if (wrap) out += ')';
}

// Appends the text, so that a long sum is written in linear time.
void write(const Node& n, std::string& out) {
  if (n.kind == Node::Kind::Number) {
    out += format_number(n.number);
    return;
  }
  if (n.kind == Node::Kind::Variable) {
    out += n.name;
    return;
  }
  const OpInfo& op = info(n.op);
  switch (n.op) {
    case Op::Neg:
      out += '-';
      write_operand(n.operands[0], 2, false, out);
      return;
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Div: {
      const int p = precedence(n);
      // a - (b + c), a/(b*c): the right operand needs parentheses at the same level, except
      // after + and * where they change nothing.
      const bool associative = n.op == Op::Add || n.op == Op::Mul;
      write_operand(n.operands[0], p, false, out);
      out += p == 1 ? " " + std::string(op.symbol) + " " : std::string(op.symbol);
      write_operand(n.operands[1], associative ? p : p + 1, true, out);
      return;
    }
    case Op::Pow:
      write_operand(n.operands[0], 5, false, out);
      out += '^';
      write_operand(n.operands[1], 5, true, out);
      return;
    default:
      out += op.name;
      out += '(';
      for (std::size_t i = 0; i < n.operands.size(); ++i) {
        if (i > 0) out += ", ";
        write(n.operands[i], out);
      }
      out += ')';
  }
}

// ---- The derivative ----

using Path = std::vector<Node>;  // the factors along one path, outermost first
constexpr std::size_t kMaxPaths = 10000;

class Differentiator {
 public:
  Differentiator(const Definitions& definitions, std::string variable)
      : definitions_(definitions), variable_(std::move(variable)) {}

  std::vector<Path> paths(const Node& node, const Node* self = nullptr) {
    if (node.kind == Node::Kind::Number) return {};
    // Each level of functions and products nested in one another lengthens every path below it:
    // writing out a chain of n of them costs about n^4. Sums do not nest that way.
    const bool nests = node.kind == Node::Kind::Variable ||
                       (node.op != Op::Add && node.op != Op::Sub && node.op != Op::Neg);
    if (nests && ++depth_ > kMaxNesting)
      throw DerivativeTooLong("the derivative nests more than " + std::to_string(kMaxNesting) +
                              " functions and products deep");
    struct Leave {
      std::size_t& depth;
      bool nests;
      ~Leave() {
        if (nests) --depth;
      }
    } leave{depth_, nests};
    if (node.kind == Node::Kind::Variable) {
      if (node.name == variable_) return {Path{}};
      const Definition* d = definitions_.find(node.name);
      if (d == nullptr) return {};
      if (const auto found = names_.find(node.name); found != names_.end()) return found->second;
      const Node name = variable_node(d->name);
      std::vector<Path> result = paths(d->expression.root(), &name);
      note_inner(result);
      return names_[d->name] = result;
    }
    // y, the node itself, only where a partial names it (exp, sigmoid): simplifying every
    // subtree of a long sum would cost its square.
    std::optional<Node> y;
    if (self != nullptr) y = *self;
    std::vector<Path> result;
    for (std::size_t i = 0; i < node.operands.size(); ++i) {
      std::vector<Path> inner = paths(node.operands[i]);
      if (inner.empty()) continue;
      // An operand's inner derivative is a chain-rule factor of what it feeds; a sum's operands
      // are terms, not factors (and noting each partial sum of a long sum costs its square).
      if (node.op != Op::Add && node.op != Op::Sub && node.op != Op::Neg) note_inner(inner);
      const Node partial = this->partial(node, i, y);
      if (is_number(partial, 0)) continue;
      if (!is_number(partial)) note(partial);
      for (Path& path : inner) {
        // a*b through a reads as a person writes it: (da)*b, as in 2*sin(x)*cos(x)*exp(-x).
        if (node.op == Op::Mul && i == 0)
          path.push_back(partial);
        else
          path.insert(path.begin(), partial);
        result.push_back(std::move(path));
      }
      if (result.size() > kMaxPaths)
        throw DerivativeTooLong("the derivative has more than " + std::to_string(kMaxPaths) +
                                " chain-rule paths");
    }
    return result;
  }

  std::vector<Node> factors;

 private:
  // ∂node/∂(operand i), from the table's formula with x, a, b the operands and y the node.
  Node partial(const Node& node, std::size_t i, std::optional<Node>& y) {
    const std::string_view formula = info(node.op).formula[i];
    if (formula.empty())
      throw ad::Error("no symbolic derivative of " + std::string(info(node.op).name));
    const Expression parsed = Expression::parse(std::string(formula));
    std::function<Node(const Node&)> substitute = [&](const Node& n) -> Node {
      if (n.kind == Node::Kind::Variable) {
        if (n.name == "y") {
          if (!y) y = simplify(node);
          return *y;
        }
        return simplify(node.operands[n.name == "b" ? 1 : 0]);  // x or a
      }
      if (n.kind == Node::Kind::Number) return n;
      std::vector<Node> operands;
      for (const Node& o : n.operands) operands.push_back(substitute(o));
      return simplified(n.op, std::move(operands));
    };
    return substitute(parsed.root());
  }

  void note(const Node& factor) {
    if (is_number(factor)) return;
    if (noted_.insert(to_string(factor)).second) factors.push_back(factor);
  }
  // The inner derivative of an operand or a name, as a whole.
  void note_inner(const std::vector<Path>& inner) { note(sum_of(inner).first); }

 public:
  static std::pair<Node, std::vector<Node>> sum_of(const std::vector<Path>& paths) {
    // The sum is built once from all the terms (adding them one by one costs the square).
    std::vector<Node> terms;
    std::vector<std::pair<double, Node>> gathered;
    for (const Path& path : paths) {
      Node term = number_node(1);
      for (const Node& factor : path) term = simplified(Op::Mul, {std::move(term), factor});
      gather_terms(term, 1, gathered);
      terms.push_back(std::move(term));
    }
    Node total = build_sum(std::move(gathered));
    return {std::move(total), std::move(terms)};
  }

 private:
  const Definitions& definitions_;
  std::string variable_;
  std::map<std::string, std::vector<Path>, std::less<>> names_;
  std::unordered_set<std::string> noted_;  // the texts of `factors`
  static constexpr std::size_t kMaxNesting = 64;
  std::size_t depth_ = 0;  // of paths() calls that nest
};

}  // namespace

Node number_node(double value) {
  Node n;
  n.number = value;
  return n;
}

Node variable_node(std::string name) {
  Node n;
  n.kind = Node::Kind::Variable;
  n.name = std::move(name);
  return n;
}

namespace {
// The simplifications done by the derivative being built in this thread, against its budget.
thread_local std::size_t work = 0, work_limit = std::numeric_limits<std::size_t>::max();
}  // namespace

Node simplified(Op op, std::vector<Node> operands) {
  if (++work > work_limit)
    throw DerivativeTooLong("the derivative is too long to write out (over " +
                            std::to_string(work_limit) + " simplifications)");
  if (const auto value = fold(op, operands)) return number_node(*value);
  switch (op) {
    case Op::Neg:
    case Op::Mul:
    case Op::Div: {
      Product p;
      gather(raw(op, std::move(operands)), false, p);
      if (p.denominator == 0) break;
      return build(std::move(p));
    }
    case Op::Add:
    case Op::Sub:
      return build_sum(operands[0], operands[1], op == Op::Sub);
    case Op::Pow:
      if (is_number(operands[1], 1)) return operands[0];
      if (is_number(operands[1], 0) || is_number(operands[0], 1)) return number_node(1);
      break;
    default:
      break;
  }
  return raw(op, std::move(operands));
}

Node simplify(const Node& node) {
  if (node.kind != Node::Kind::Operation)
    return node.kind == Node::Kind::Number ? number_node(node.number) : variable_node(node.name);
  std::vector<Node> operands;
  for (const Node& o : node.operands) operands.push_back(simplify(o));
  return simplified(node.op, std::move(operands));
}

std::string to_string(const Node& n) {
  std::string out;
  write(n, out);
  return out;
}

Derivative derivative(const Definitions& definitions, const Expression& expression,
                      const std::string& variable, std::size_t max_work) {
  const auto too_high = [](const Expression& e) { return e.root().height > kMaxHeight; };
  if (too_high(expression) ||
      std::any_of(definitions.all().begin(), definitions.all().end(),
                  [&](const Definition& d) { return too_high(d.expression); }))
    throw DerivativeTooLong("the expression is more than " + std::to_string(kMaxHeight) +
                            " operations deep for a symbolic derivative");
  work = 0;
  work_limit = max_work;
  struct Reset {
    ~Reset() { work_limit = std::numeric_limits<std::size_t>::max(); }
  } reset;
  Differentiator d(definitions, variable);
  const std::vector<Path> paths = d.paths(expression.root());
  auto [value, terms] = Differentiator::sum_of(paths);
  // Paths that give the same product (x*x: x and x) are one term, as in the sum.
  std::vector<Node> combined;
  std::unordered_map<std::string, std::size_t> index;  // a term's text -> its place
  for (Node& term : terms) {
    const auto [same, fresh] = index.emplace(to_string(term), combined.size());
    if (fresh)
      combined.push_back(std::move(term));
    else
      combined[same->second] = simplified(Op::Add, {combined[same->second], term});
  }
  return {std::move(value), std::move(combined), std::move(d.factors)};
}

}  // namespace ad::expr
