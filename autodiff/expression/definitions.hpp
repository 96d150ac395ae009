// Named sub-expressions: `out = sigmoid(w*x + b)`, `E = 0.5*(t - out)^2`, each of which may use
// the earlier ones. A program is an expression together with such definitions; its base variables
// are the variables that no definition names. Evaluating defines each name in order, so the
// expression, a derivative and a formula written by hand may use every name.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "autodiff/expression/expression.hpp"
#include "autodiff/expression/verdict.hpp"

namespace ad::expr {

struct Definition {
  std::string name;
  Expression expression;
};

class Definitions {
 public:
  // Adds `name = source`. Throws SyntaxError (with a caret) when the name is not an identifier,
  // is a function's name or is already defined, when the source does not parse, or when a name
  // is used before its definition (a definition may use only earlier ones, never itself).
  void add(const std::string& name, const std::string& source);
  // The same from "NAME=FORMULA", as the command line gives it.
  void add(const std::string& text);

  const std::vector<Definition>& all() const { return definitions_; }
  bool empty() const { return definitions_.empty(); }
  // The definition of `name`, or nullptr.
  const Definition* find(std::string_view name) const;

  // The variables of `expressions` and of every definition that no definition names, in order
  // of first appearance (expressions first).
  std::vector<std::string> base_variables(const std::vector<const Expression*>& expressions) const;

  // `inputs` plus the value of each definition, in order. A name already given in `inputs` is
  // held at that value (the later definitions use it), so the derivative with respect to a name,
  // the others held, is a finite difference in that name. Throws as evaluate() does.
  Values values(const Values& inputs) const;
  double evaluate(const Expression& expression, const Values& inputs) const {
    return ad::expr::evaluate(expression, values(inputs));
  }
  // The same with a bound on its rounding error, each definition's own rounding carried into the
  // expressions that use it (the inputs are exact).
  Bounded evaluate_bounded(const Expression& expression, const Values& inputs) const;
  // The whole program as a function of its inputs, for finite differences.
  BoundedFunction function(const Expression& expression) const;

  // Records each definition in order on the active tape into `variables` (which holds the base
  // variables' Vars), each node named by its definition's name so reports and graphs show it.
  void record(Variables& variables) const;

 private:
  std::vector<Definition> definitions_;
};

}  // namespace ad::expr
