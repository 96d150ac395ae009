// Reading the tape: each node as a NodeView (operation, value, adjoint, operands and their
// partials), decoded by node_layout.hpp, for the graph, the explanation and reports.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "autodiff/tape.hpp"

namespace ad {

// Where every node's operands and data start: the streams can only be read from their ends, as
// the sweep does, because no node records its offsets.
std::vector<Tape::Position> Tape::positions() const {
  std::vector<Position> at;
  positions(at);
  return at;
}

void Tape::positions(std::vector<Position>& at) const {
  at.resize(size_);
  detail::Cursor cursor{operand_.data + operand_size_, datum_.data + datum_size_};
  for (std::size_t i = size_; i-- > 0;) {
    const std::uint32_t n = cursor.step_back(op_.data[i]);
    at[i] = {static_cast<std::size_t>(cursor.operand - operand_.data),
             static_cast<std::size_t>(cursor.datum - datum_.data), n};
  }
}

NodeView Tape::view(std::uint32_t i, const Position& at) const {
  NodeView node{i,
                op_.data[i],
                slot_.data[i].value,
                i < swept_ ? slot_.data[i].adjoint : std::numeric_limits<double>::quiet_NaN(),
                std::numeric_limits<double>::quiet_NaN(),
                {},
                {},
                name(i)};
  if (info(node.op).has_constant) node.constant = datum_.data[at.datum];
  for_each_operand(i, at, [&](std::uint32_t j, double partial) {
    node.operands.push_back(j);
    node.partials.push_back(partial);
  });
  return node;
}

std::vector<NodeView> Tape::nodes() const {
  const std::vector<Position> at = positions();
  std::vector<NodeView> out;
  out.reserve(size_);
  for (std::uint32_t i = 0; i < size_; ++i) out.push_back(view(i, at[i]));
  return out;
}

NodeView Tape::node(std::uint32_t index) const {
  if (index >= size_)
    throw Error("node #" + std::to_string(index) + " does not exist: the tape has " +
                    std::to_string(size_) + " nodes",
                {.place = "node #" + std::to_string(index), .reason = "no such node"});
  return view(index, positions()[index]);
}

}  // namespace ad
