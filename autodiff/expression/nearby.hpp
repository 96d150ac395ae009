// A program (definitions and an expression) evaluated with its rounding bound at points that
// differ from one point in a variable or two, as finite differences ask: the point's evaluation
// is kept node by node, and a move re-evaluates only the nodes above the moved variables. A
// finite difference in each of n variables then costs the paths from each variable to the root,
// not n evaluations of the whole program by name (checking a sum of 2,000 terms took minutes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "autodiff/expression/definitions.hpp"

namespace ad::expr {

class Nearby {
 public:
  // `definitions` and `expression` are not copied: they must outlive this.
  Nearby(const Definitions& definitions, const Expression& expression, Values point);

  // definitions.evaluate_bounded(expression, the point with `moved` replacing its values), bit
  // for bit: `moved` names base variables or defined names (a defined name given is held at
  // that value). Throws as evaluate_bounded does, the point's own errors on every call.
  Bounded operator()(const Values& moved);

  // The same as a BoundedFunction of the moved names alone, for finite_difference and
  // second_difference (call them with the moved variables only, not the whole point).
  static BoundedFunction function(const Definitions& definitions, const Expression& expression,
                                  Values point);

 private:
  // One node of the program, in an order that puts operands first (definitions first). What
  // the re-evaluation reads is kept here, so that it does not reach into the tree's nodes.
  struct Item {
    const Expression* expression;
    const Node* node;
    std::array<std::size_t, 2> operands;
    std::size_t definition;  // a defined name's root item, or kNone
    Op op;
    std::uint8_t arity;  // an operation has one operand or two; 0: a number or a name
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  void add(const Expression& expression, const std::map<std::string, std::size_t>& defined);
  void evaluate_point();
  const std::vector<std::size_t>& plan(const Values& moved);
  const Bounded& current(std::size_t item) const {
    return stamp_[item] == call_ ? scratch_[item] : base_[item];
  }

  Values point_;
  std::vector<Item> items_;
  std::vector<std::vector<std::size_t>> users_;           // the items that read each item
  std::map<std::string, std::vector<std::size_t>> uses_;  // the variable items of each name
  std::size_t root_ = 0;
  std::vector<Bounded> base_;  // at the point, once evaluated
  bool evaluated_ = false;
  std::vector<Bounded> scratch_;  // this call's values of the items it re-evaluates
  std::vector<std::size_t> stamp_;
  std::size_t call_ = 0;
  std::vector<std::string> planned_for_;  // the moved names of the last plan
  std::vector<std::size_t> plan_;         // the items above them, operands first
};

}  // namespace ad::expr
