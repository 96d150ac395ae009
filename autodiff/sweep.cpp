// The reverse sweep: backward() walks the tape from the output back to its first operation, and
// each node passes its adjoint on to its operands, times the local partials of op.hpp.
#include <algorithm>
#include <cstdint>

#include "autodiff/tape.hpp"

namespace ad {

// The sweep's state: the nodes' values and adjoints, the ends of the operand and data streams
// not yet read (each node's are read backwards from them, see node_layout.hpp), and the carry.
//
// What node i passes to node i − 1, its most frequent operand (x in y = f(x) just recorded), is
// carried to the next step instead of through memory, where in a chain every node would wait for
// the store of the one after it. Node i − 1's adjoint is then (its other contributions) + carry,
// the same sum in the same order.
//
// The partials not stored are computed from the values, with the operation known at compile
// time in each step, so binary_partials and mixed_partial fold to one expression. A node whose
// adjoint is 0 passes nothing on (and 0 · inf must not make a NaN); the test is left out where
// the partials are ±1, which cannot make a NaN.
struct Tape::Sweep {
  Slot* s;
  const std::uint32_t* o;
  const double* d;
  double carry = 0.0;

  // Node i's adjoint, with what was carried to it.
  double take(std::size_t i) {
    const double g = s[i].adjoint + carry;
    s[i].adjoint = g;
    carry = 0.0;
    return g;
  }
  // Node i passes x on to node j.
  void pass(std::size_t i, std::uint32_t j, double x) {
    if (j == i - 1)
      carry += x;
    else
      s[j].adjoint += x;
  }

  // Node i, of operation op, passes its adjoint g on. Its operands and data are read back from
  // o and d as node_layout.hpp lays them out, with op known at compile time.
  template <Op op>
  [[gnu::always_inline]] void step(std::size_t i, double g) {
    if constexpr (info(op).kind == OpKind::Sum)
      step_sum<op>(g);
    else
      step_fixed<op>(i, g);
  }

  template <Op op>
  [[gnu::always_inline]] void step_fixed(std::size_t i, double g) {
    constexpr OpKind kind = info(op).kind;
    o -= info(op).arity;
    d -= detail::fixed_data(op);
    if constexpr (kind == OpKind::Neg) {
      pass(i, o[0], -g);
    } else if constexpr (kind == OpKind::Unary && datum_kind(op) == Datum::Partial) {
      if (g != 0) pass(i, o[0], g * d[0]);
    } else if constexpr (kind == OpKind::Unary) {
      if (g != 0) pass(i, o[0], g / d[0]);  // not g · (1/d): 1/d may overflow where g/d does not
    } else if constexpr (kind == OpKind::WithConstant || kind == OpKind::Mixed) {
      if (g != 0 || unit_partials(op))
        pass(i, o[0], g * mixed_partial(op, s[o[0]].value, s[i].value, d[0]));
    } else {
      static_assert(kind == OpKind::Binary);
      if (g != 0 || unit_partials(op)) {
        const BinaryPartials p = binary_partials(op, s[o[0]].value, s[o[1]].value, s[i].value);
        pass(i, o[0], g * p.a);
        pass(i, o[1], g * p.b);
      }
    }
  }

  template <Op op>
  [[gnu::always_inline]] void step_sum(double g) {
    const detail::Sum sum(*--o, op);
    o -= sum.slots;
    d -= sum.data;
    if (g == 0) return;
    if constexpr (detail::sum_lists(op) == 1)
      linear(sum, g);
    else
      weighted_sum(sum, g);
    if (sum.bias) s[o[sum.slots - 1]].adjoint += g;
  }

  // Σ cₖ·xₖ: ∂/∂xₖ = cₖ, the node's data.
  [[gnu::always_inline]] void linear(const detail::Sum& sum, double g) {
    if (sum.strided) {
      std::uint32_t x = o[0];
      for (std::uint32_t k = 0; k < sum.terms; ++k, x += o[1]) s[x].adjoint += g * d[k];
    } else {
      for (std::uint32_t k = 0; k < sum.terms; ++k) s[o[k]].adjoint += g * d[k];
    }
  }
  // Σ wₖ·xₖ: ∂/∂wₖ = xₖ and ∂/∂xₖ = wₖ, read from their values.
  [[gnu::always_inline]] void weighted_sum(const detail::Sum& sum, double g) {
    const auto pass_on = [&](Slot& w, Slot& x) {
      const double wv = w.value, xv = x.value;
      w.adjoint += g * xv;
      x.adjoint += g * wv;
    };
    if (sum.strided) {
      std::uint32_t w = o[0], x = o[2];
      const std::uint32_t w_step = o[1], x_step = o[3];
      for (std::uint32_t k = 0; k < sum.terms; ++k, w += w_step, x += x_step) pass_on(s[w], s[x]);
    } else {
      for (std::uint32_t k = 0; k < 2 * sum.terms; k += 2) pass_on(s[o[k]], s[o[k + 1]]);
    }
  }
};

void Tape::backward(const Var& output, Backward mode) {
  const std::uint32_t out = index(output);
  if (mode == Backward::Accumulate) {
    // Sweep this output alone, then add the earlier gradients: sweeping on top of them would
    // pass the earlier adjoints of intermediate nodes on a second time.
    earlier_.resize(swept_);
    for (std::size_t i = 0; i < swept_; ++i) earlier_[i] = slot_.data[i].adjoint;
  }
  // Adjoints are zeroed as nodes are recorded or reevaluated; only an earlier backward() leaves
  // any nonzero, outside the nodes reevaluated since.
  const std::size_t a = std::min(zeroed_from_, dirty_), b = std::clamp(zeroed_to_, a, dirty_);
  for (std::size_t i = 0; i < a; ++i) slot_.data[i].adjoint = 0.0;
  for (std::size_t i = b; i < dirty_; ++i) slot_.data[i].adjoint = 0.0;
  zeroed_from_ = zeroed_to_ = 0;
  sweep(out);
  dirty_ = std::size_t{out} + 1;
  swept_ = size_;
  if (mode == Backward::Accumulate) {
    for (std::size_t i = 0; i < earlier_.size(); ++i) slot_.data[i].adjoint += earlier_[i];
    dirty_ = std::max<std::size_t>(dirty_, earlier_.size());
  }
}

// One case per operation, each taking the step of its kind: the rows of the tables in op.hpp
// and the three operations beside them.
#define AUTODIFF_STEP(Name, ...) \
  case Op::Name:                 \
    sweep.step<Op::Name>(i, g);  \
    break;
#define AUTODIFF_STEPS_WITH_CONSTANT(Name, fn, sides, ...) \
  AUTODIFF_STEP(Name##C) AUTODIFF_IF_##sides(AUTODIFF_STEP(C##Name))

// One reverse pass, from the output `last` back to the first operation.
void Tape::sweep(std::size_t last) {
  const Op* const op = op_.data;
  detail::Cursor after{operand_.data + operand_size_, datum_.data + datum_size_};
  for (std::size_t i = size_; i-- > last + 1;) after.step_back(op[i]);  // recorded after `last`
  Sweep sweep{slot_.data, after.operand, after.datum};
  slot_.data[last].adjoint = 1.0;
  // The leaves before the first operation (the parameters, typically) pass nothing on: the loop
  // stops above them, and hands its carry to the last of them.
  std::size_t first = 0;
  while (first < last && op[first] == Op::Leaf) ++first;
  for (std::size_t i = last + 1; i-- > first;) {
    if (op[i] == Op::Leaf) {  // nothing to pass on
      if (sweep.carry != 0) slot_.data[i].adjoint += sweep.carry;
      sweep.carry = 0.0;
      continue;
    }
    const double g = sweep.take(i);
    switch (op[i]) {
      AUTODIFF_STEP(Neg)
      AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_STEP)
      AUTODIFF_BINARY_OPERATIONS(AUTODIFF_STEPS_WITH_CONSTANT)
      AUTODIFF_MIXED_OPERATIONS(AUTODIFF_STEP)
      AUTODIFF_BINARY_OPERATIONS(AUTODIFF_STEP)
      AUTODIFF_STEP(Linear)
      AUTODIFF_STEP(WeightedSum)
      default:  // Op::Leaf, taken above, and Op::Count, which no node has
        break;
    }
  }
  if (first > 0) slot_.data[first - 1].adjoint += sweep.carry;
}

#undef AUTODIFF_STEPS_WITH_CONSTANT
#undef AUTODIFF_STEP

}  // namespace ad
