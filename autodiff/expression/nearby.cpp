// A program evaluated near one point, re-evaluating only what a move changes (see nearby.hpp).
#include "autodiff/expression/nearby.hpp"

#include <algorithm>
#include <memory>

namespace ad::expr {

Nearby::Nearby(const Definitions& definitions, const Expression& expression, Values point)
    : point_(std::move(point)) {
  // A defined name given in the point is held there: its definition is not evaluated.
  std::map<std::string, std::size_t> defined;
  for (const Definition& d : definitions.all())
    if (!point_.contains(d.name)) {
      add(d.expression, defined);
      defined[d.name] = items_.size() - 1;
    }
  add(expression, defined);
  root_ = items_.size() - 1;
  scratch_.resize(items_.size());
  stamp_.assign(items_.size(), 0);
}

void Nearby::add(const Expression& expression, const std::map<std::string, std::size_t>& defined) {
  fold<std::size_t>(expression.root(), [&](const Node& node, std::span<std::size_t> operands) {
    const std::size_t index = items_.size();
    Item item{&expression, &node,   {kNone, kNone},
              kNone,       node.op, static_cast<std::uint8_t>(operands.size())};
    std::copy(operands.begin(), operands.end(), item.operands.begin());
    users_.emplace_back();
    for (const std::size_t operand : operands) users_[operand].push_back(index);
    if (node.kind == Node::Kind::Variable) {
      uses_[node.name].push_back(index);
      if (const auto found = defined.find(node.name); found != defined.end()) {
        item.definition = found->second;
        users_[found->second].push_back(index);
      }
    }
    items_.push_back(item);
    return index;
  });
}

// As Definitions::evaluate_bounded does, item by item.
void Nearby::evaluate_point() {
  std::vector<Bounded> base;
  base.reserve(items_.size());
  for (const Item& item : items_) {
    if (item.arity > 0) {
      const std::array<Bounded, 2> operands{base[item.operands[0]],
                                            item.arity == 2 ? base[item.operands[1]] : Bounded{}};
      base.push_back(bounded_operation(*item.expression, *item.node, item.op,
                                       std::span(operands.data(), item.arity)));
    } else if (item.definition != kNone) {
      base.push_back(base[item.definition]);
    } else {  // a number, or a variable of the point (evaluate names one that is not)
      base.push_back({evaluate(*item.expression, *item.node, point_), 0.0});
    }
  }
  base_ = std::move(base);
  evaluated_ = true;
}

// The items above the moved names, operands first: the same for every step of a difference.
const std::vector<std::size_t>& Nearby::plan(const Values& moved) {
  std::vector<std::string> names;
  for (const auto& [name, value] : moved) names.push_back(name);
  if (names == planned_for_) return plan_;
  plan_.clear();
  std::vector<bool> seen(items_.size(), false);
  std::vector<std::size_t> pending;
  for (const std::string& name : names)
    if (const auto found = uses_.find(name); found != uses_.end())
      pending.insert(pending.end(), found->second.begin(), found->second.end());
  while (!pending.empty()) {
    const std::size_t item = pending.back();
    pending.pop_back();
    if (seen[item]) continue;
    seen[item] = true;
    plan_.push_back(item);
    pending.insert(pending.end(), users_[item].begin(), users_[item].end());
  }
  std::sort(plan_.begin(), plan_.end());
  planned_for_ = std::move(names);
  return plan_;
}

Bounded Nearby::operator()(const Values& moved) {
  if (!evaluated_) evaluate_point();
  const std::vector<std::size_t>& items = plan(moved);
  ++call_;
  for (const std::size_t i : items) {
    const Item& item = items_[i];
    Bounded value{};
    if (item.arity > 0) {
      const std::array<Bounded, 2> operands{
          current(item.operands[0]), item.arity == 2 ? current(item.operands[1]) : Bounded{}};
      value = bounded_operation(*item.expression, *item.node, item.op,
                                std::span(operands.data(), item.arity));
    } else if (const auto found = moved.find(item.node->name); found != moved.end()) {
      value = {found->second, 0.0};  // a given value is exact, as a defined name held
    } else {
      value = current(item.definition);
    }
    scratch_[i] = value;
    stamp_[i] = call_;
  }
  return current(root_);
}

BoundedFunction Nearby::function(const Definitions& definitions, const Expression& expression,
                                 Values point) {
  auto nearby = std::make_shared<Nearby>(definitions, expression, std::move(point));
  return [nearby](const Values& moved) { return (*nearby)(moved); };
}

}  // namespace ad::expr
