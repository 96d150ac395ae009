// The expression language of the `autodiff` program: numbers, variables, + - * / ^, unary
// minus, parentheses and the engine's functions by name.
//
//   expression := term (('+' | '-') term)*
//   term       := unary (('*' | '/') unary)*
//   unary      := ('-' | '+') unary | power
//   power      := primary ('^' unary)?          right-associative: 2^3^2 = 2^(3^2)
//   primary    := number | variable | function '(' expression (',' expression)? ')'
//               | '(' expression ')'
//
// So -x^2 = -(x^2), 2^-1 = 0.5 and x-y-z = (x-y)-z, as in mathematics. The functions are every
// unary function of the engine's table (op.hpp), read from it, plus pow, min and max of two
// arguments. A parsed expression is a small tree that is evaluated either on doubles (for
// finite differences, without the engine: verdict.hpp) or on ad::Var (recorded on the active tape).
#pragma once

#include <cstddef>
#include <iterator>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "autodiff/error.hpp"
#include "autodiff/var.hpp"

namespace ad::expr {

// An error at a place in an expression. what() holds the message, the column, the expression
// and a caret under the place:
//   unknown function 'sinn' (did you mean 'sin'?) at column 5
//     x + sinn(y)
//         ^~~~
class ExpressionError : public ad::Error {
 public:
  // offset and length are in bytes of source; the column shown counts characters.
  ExpressionError(std::string message, std::string_view source, std::size_t offset,
                  std::size_t length = 1);
  // The message without the place: the same as `reason`.
  const std::string& message() const { return reason; }
  std::size_t column() const { return column_; }  // 1-based, in characters; `place` says it

 private:
  std::size_t column_;
};

// The text is not an expression, or names an unknown function, or calls one with the wrong
// number of arguments.
struct SyntaxError : ExpressionError {
  using ExpressionError::ExpressionError;
};
// A variable with no value.
struct UnknownVariable : ExpressionError {
  using ExpressionError::ExpressionError;
};
// A value or derivative that is not a finite number: log of a negative, 0/0, sqrt'(0).
struct DomainError : ExpressionError {
  using ExpressionError::ExpressionError;
};

// One node of the tree: a number, a variable, or an operation of the engine's table on its
// operands (Neg, the unary functions, Add, Sub, Mul, Div, Pow, Min, Max). A chain such as
// x+x+...+x is a tree as deep as it is long, so copying and destroying a node never recurse.
struct Node {
  enum class Kind { Number, Variable, Operation };
  Kind kind = Kind::Number;
  double number = 0.0;  // Number
  std::string name;     // Variable
  Op op = Op::Leaf;     // Operation
  std::vector<Node> operands;
  std::size_t begin = 0;  // bytes [begin, end) of the source this node was parsed from
  std::size_t end = 0;
  std::size_t height = 1;  // of the tree under this node
  bool depends_on_variables() const;

  Node() = default;
  Node(const Node& other);
  Node(Node&&) noexcept = default;
  Node& operator=(const Node& other);
  Node& operator=(Node&&) noexcept = default;
  ~Node();
};

// Parentheses and function calls nested deeper than this are a SyntaxError: the parser recurses
// into them, about 5 KB of stack a level in an -O1 AddressSanitizer build, and the bound keeps
// that well within a 1 MiB thread stack (Chains.* in tests/expression/parser_test.cpp). Chains
// (x+x+...+x, --x, 2^2^...^2) are read in loops and have no bound.
inline constexpr std::size_t kMaxNesting = 128;
// The symbolic steps of `autodiff check` (symbolic.hpp, diagnosis.hpp) recurse over the tree:
// they take trees up to this height, and say so of a higher one.
inline constexpr std::size_t kMaxHeight = 1000;

// Calls visit(node, results of its operands) on every node under `root`, operands first, and
// returns the root's result: without recursion, so a tree 100,000 deep is walked as any other.
// The operands' results are a span of one stack of results (no allocation per node: the
// finite differences evaluate an expression of 60,000 terms thousands of times).
template <class T, class Visit>
T fold(const Node& root, Visit visit) {
  if (root.operands.empty()) return visit(root, std::span<T>());
  struct Frame {
    const Node* node;
    std::size_t next;  // its next operand to visit
  };
  std::vector<Frame> stack{{&root, 0}};
  std::vector<T> results;
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next < top.node->operands.size()) {
      const Node* operand = &top.node->operands[top.next++];
      stack.push_back({operand, 0});
      continue;
    }
    const std::size_t n = top.node->operands.size(), first = results.size() - n;
    T result = visit(*top.node, std::span<T>(results.data() + first, n));
    results.resize(first);
    results.push_back(std::move(result));
    stack.pop_back();
  }
  return std::move(results.back());
}

class Expression {
 public:
  // Throws SyntaxError.
  static Expression parse(std::string source);

  const std::string& source() const { return source_; }
  const Node& root() const { return root_; }
  // The source text of a node (with its parentheses, if it was written in some).
  std::string_view text(const Node& node) const;
  // Its variables, in order of first appearance.
  std::vector<std::string> variables() const;

 private:
  std::string source_;
  Node root_;
};

using Values = std::map<std::string, double, std::less<>>;
using Variables = std::map<std::string, ad::Var, std::less<>>;

// The value on doubles, without the engine. Throws UnknownVariable for a variable not in
// `values`, DomainError where a result is NaN or infinite.
double evaluate(const Expression& expression, const Node& node, const Values& values);
inline double evaluate(const Expression& expression, const Values& values) {
  return evaluate(expression, expression.root(), values);
}
// The value of an operation node from the values of its operands: the step evaluate() takes at
// that node, for evaluators that carry more than the value (verdict.hpp). Throws DomainError
// where the result is NaN or infinite.
double apply(const Expression& expression, const Node& node, std::span<const double> operands);

// Records the expression on the active tape. A sub-expression without variables is computed
// on doubles and enters as a constant, so x^2 records pow(x, 2.0) and 2*x records x·2. With a
// checked tape (Tape::Options{.checked = true}), a non-finite value or local partial throws
// DomainError at the operation. `recorded`, if given, receives the Var of every node that
// depends on a variable.
ad::Var record(const Expression& expression, const Variables& variables,
               std::map<const Node*, ad::Var>* recorded = nullptr);

// The known names, for messages and help: the functions with their number of arguments.
struct Function {
  std::string_view name;
  Op op;
  int arity;
};
const std::vector<Function>& functions();

}  // namespace ad::expr
