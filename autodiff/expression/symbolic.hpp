// Symbolic derivatives of a program (an expression with its definitions), written as a person
// would write them: each operation's partial is the formula of the engine's table (op.hpp),
// constants are folded and the trivial factors and terms dropped (x^1 → x, 1*x → x, 2-1 → 1,
// 0 terms), and a named node keeps its name (sigmoid's partial at out_o1 reads
// out_o1*(1 - out_o1)). The derivative is also given as its chain-rule terms (the product of the
// local partials along each path from the expression down to the variable) and factors, which
// are what a hand derivation most often leaves out.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "autodiff/expression/definitions.hpp"
#include "autodiff/expression/expression.hpp"

namespace ad::expr {

// Nodes built here have no source (begin = end = 0): print them with to_string.
Node number_node(double value);
Node variable_node(std::string name);
// op applied to operands, simplified: constants folded, x^1 → x, 1*x → x, x + 0 → x, -(-x) → x,
// products flattened with their numeric factors gathered in front, like terms of a sum combined.
Node simplified(Op op, std::vector<Node> operands);
Node simplify(const Node& node);

// A formula that parses back to the same value, with the parentheses it needs and no more.
// simplify and to_string recurse: they take trees up to kMaxHeight high.
std::string to_string(const Node& node);

struct Derivative {
  Node value;                 // the derivative, simplified: the sum of the terms
  std::vector<Node> terms;    // one per path (like paths combined), each a simplified product
  std::vector<Node> factors;  // every local partial along a path and every inner derivative
                              // (of a sub-expression or a name), without constants or repeats
};

// d expression / d `variable`. For a base variable it is the total derivative, through every
// definition; for a defined name it is ∂expression/∂name with the base variables and the earlier
// names held (the adjoint of backpropagation: ∂E_total/∂out_o1). Throws ad::Error for an
// operation with no formula for its partial (min, max), and DerivativeTooLong for a derivative
// of more than 10000 paths, of an expression higher than kMaxHeight, or when writing it out takes
// more than `max_work` simplifications (a bound on the time it may take that is the same in
// every build).
struct DerivativeTooLong : ad::Error {
  using ad::Error::Error;
};
Derivative derivative(const Definitions& definitions, const Expression& expression,
                      const std::string& variable,
                      std::size_t max_work = std::numeric_limits<std::size_t>::max());

}  // namespace ad::expr
