// How a node lies in the tape's streams, given its operation: how many operand slots and data it
// takes, where they are, and what each operand's partials are (first and second). The one
// encoder (write_sum, write_strided_sum) and decoder of that layout, used by the recorder, the
// sweep, the node views, the checked mode and the second-order sweeps.
//
// A node with a fixed number of operands takes its arity in operand slots and one datum if it is
// a unary function (its partial or divisor) or keeps a constant (x ∘ c). A sum's last operand
// slot is its count slot (see Sum), which says how many slots come before it; a linear
// combination also takes one datum per term, its coefficient.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "autodiff/op.hpp"

namespace ad::detail {

// A sum's count slot: terms << 2 | strided << 1 | bias. Its operand slots are either every
// operand, in order (w₁, x₁, w₂, x₂, ... for a weighted sum), or, when each list of operands (x;
// or w and x) is an arithmetic progression of node indices, each list's first index and step;
// then the bias, if any.
// The lists of operands a sum has: x; or w and x for a weighted sum.
constexpr std::uint32_t sum_lists(Op op) { return op == Op::WeightedSum ? 2 : 1; }

struct Sum {
  static constexpr std::uint32_t count(std::size_t terms, bool strided, bool bias) {
    return static_cast<std::uint32_t>(terms << 2 | std::size_t{strided} << 1 | std::size_t{bias});
  }
  Sum(std::uint32_t count, Op op)
      : terms(count >> 2),
        strided(count & 2),
        bias(count & 1),
        lists(sum_lists(op)),
        slots((strided ? 2 * lists : lists * terms) + bias),
        data(op == Op::Linear ? terms : 0) {}
  std::uint32_t terms;
  bool strided, bias;
  std::uint32_t lists;
  std::uint32_t slots;  // operand slots, the count slot excluded
  std::uint32_t data;   // the coefficients of a linear combination
};

// Writes the slots of a sum of n terms whose L lists of operands are each a progression of node
// indices, `first` + k·`step` modulo 2^32 (a row of weights recorded in order, a layer's outputs,
// as in a dense layer): each list's first index and step, then the bias's index, if any, and the
// count slot, from o on. 2·L slots however long the sum; returns the slots written.
template <std::size_t L>
inline std::size_t write_strided_sum(std::uint32_t* o, const std::array<std::uint32_t, L>& first,
                                     const std::array<std::uint32_t, L>& step, std::size_t n,
                                     const std::uint32_t* bias) {
  std::size_t slots = 0;
  for (std::size_t l = 0; l < L; ++l) {
    o[slots++] = first[l];
    o[slots++] = step[l];
  }
  if (bias != nullptr) o[slots++] = *bias;
  o[slots++] = Sum::count(n, true, bias != nullptr);
  return slots;
}

// Writes the operand slots of a sum of n terms over L lists of operands (linear: x; weighted sum:
// w and x, interleaved), then the bias and the count slot, from o on. An operand's node index is
// key(operand) − shift modulo 2^32 (the tape's fast path passes its id's low bits and the chunk's
// offset, so that finding progressions costs no subtraction). Strided (write_strided_sum) when
// n > 2 and every list is a progression. Returns the slots written.
template <std::size_t L, class Operand, class Key>
inline std::size_t write_sum(std::uint32_t* o, std::span<const Operand> w,
                             std::span<const Operand> x, std::size_t n, const Operand* bias,
                             Key&& key, std::uint32_t shift) {
  const auto index = [&](const Operand& v) { return key(v) - shift; };
  const auto list = [&](std::size_t l) { return L == 2 && l == 0 ? w : x; };
  bool strided = n > 2;
  std::array<std::uint32_t, L> at{}, step{};
  for (std::size_t l = 0; l < L && strided; ++l) {
    at[l] = key(list(l)[0]);
    step[l] = key(list(l)[1]) - at[l];  // modulo 2^32, as in the sweep
  }
  for (std::size_t k = 1; k < n && strided; ++k)
    for (std::size_t l = 0; l < L; ++l)
      strided &= key(list(l)[k]) == static_cast<std::uint32_t>(at[l] + k * step[l]);
  const std::uint32_t bias_index = bias != nullptr ? index(*bias) : 0;
  const std::uint32_t* b = bias != nullptr ? &bias_index : nullptr;
  if (strided) {
    for (std::size_t l = 0; l < L; ++l) at[l] -= shift;
    return write_strided_sum<L>(o, at, step, n, b);
  }
  std::size_t slots = 0;
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t l = 0; l < L; ++l) o[slots++] = index(list(l)[k]);
  if (b != nullptr) o[slots++] = *b;
  o[slots++] = Sum::count(n, false, b != nullptr);
  return slots;
}

// The data a node of a fixed number of operands takes: its partial, divisor or constant.
constexpr std::uint32_t fixed_data(Op op) {
  return is_unary_function(op) || info(op).has_constant ? 1 : 0;
}

// Where a node's operands and data start, and how many operand slots it has (a sum's count slot
// excluded, so that it is operand[count]).
struct Position {
  std::size_t operand, datum;
  std::uint32_t count;
};

// Reads the streams backwards, one node at a time, from the ends of its operands and data.
struct Cursor {
  const std::uint32_t* operand;
  const double* datum;
  // Moves over the node's operand slots and data; returns its operand slots (as Position::count).
  std::uint32_t step_back(Op op) {
    if (info(op).arity == kVariadic) {
      const Sum sum(*--operand, op);
      operand -= sum.slots;
      datum -= sum.data;
      return sum.slots;
    }
    operand -= info(op).arity;
    datum -= fixed_data(op);
    return info(op).arity;
  }
};

// Calls f(k, w, x) for each term k of the sum whose operand slots start at `operand` (`count`
// of them): w and x are its operands' node indices (w = x for a linear combination).
template <class F>
void for_each_term(Op op, const std::uint32_t* operand, std::uint32_t count, F&& f) {
  const Sum sum(operand[count], op);
  const std::uint32_t x_list = sum.lists - 1;  // w = x for a linear combination
  if (sum.strided) {
    std::uint32_t w = operand[0], x = operand[2 * x_list];
    const std::uint32_t w_step = operand[1], x_step = operand[2 * x_list + 1];
    for (std::uint32_t k = 0; k < sum.terms; ++k, w += w_step, x += x_step) f(k, w, x);
  } else {
    for (std::uint32_t k = 0; k < sum.terms; ++k)
      f(k, operand[sum.lists * k], operand[sum.lists * k + x_list]);
  }
}

// Calls f(operand's node index, ∂y/∂operand) for each operand of the node y = op(...) whose
// operand slots start at `operand` (`count` of them) and data at `datum`, in order; value(j) is
// node j's value. The sweep computes the same partials, with the operation known at compile time.
template <class Value, class F>
void for_each_operand(Op op, double y, const std::uint32_t* operand, std::uint32_t count,
                      const double* datum, Value&& value, F&& f) {
  if (op == Op::Neg) {
    f(operand[0], -1.0);
  } else if (is_unary_function(op)) {
    f(operand[0], datum_kind(op) == Datum::Divisor ? 1.0 / datum[0] : datum[0]);
  } else if (info(op).has_constant) {
    f(operand[0], mixed_partial(op, value(operand[0]), y, datum[0]));
  } else if (info(op).arity == 2) {
    const BinaryPartials p = binary_partials(op, value(operand[0]), value(operand[1]), y);
    f(operand[0], p.a);
    f(operand[1], p.b);
  } else if (info(op).arity == kVariadic) {
    for_each_term(op, operand, count, [&](std::uint32_t k, std::uint32_t w, std::uint32_t x) {
      if (op == Op::Linear) {
        f(x, datum[k]);
      } else {
        f(w, value(x));
        f(x, value(w));
      }
    });
    const Sum sum(operand[count], op);
    if (sum.bias) f(operand[sum.slots - 1], 1.0);
  }
}

// Calls f(j, k, ∂²y/∂j∂k) for each ordered pair of operand slots (j, k) of the node y = op(...)
// whose second partial is not 0 (NaN included), both (j, k) and (k, j) for a mixed one; laid out
// as for for_each_operand. −x and a linear combination have none, a weighted sum (bilinear in w
// and x) only ∂²/∂wᵢ∂xᵢ = 1, a sum or difference none (their second partials are 0, which pass
// nothing on: 0 times an infinite tangent must not make a NaN).
template <class Value, class F>
void for_each_second(Op op, double y, const std::uint32_t* operand, std::uint32_t count,
                     const double* datum, Value&& value, F&& f_all) {
  const auto f = [&](std::uint32_t j, std::uint32_t k, double h) {
    if (h != 0) f_all(j, k, h);
  };
  if (is_unary_function(op)) {
    f(operand[0], operand[0], unary_second(op, value(operand[0]), y));
  } else if (info(op).has_constant) {
    f(operand[0], operand[0], mixed_second(op, value(operand[0]), y, datum[0]));
  } else if (info(op).arity == 2) {
    const BinarySecond h = binary_second(op, value(operand[0]), value(operand[1]), y);
    f(operand[0], operand[0], h.aa);
    f(operand[0], operand[1], h.ab);
    f(operand[1], operand[0], h.ab);
    f(operand[1], operand[1], h.bb);
  } else if (op == Op::WeightedSum) {
    for_each_term(op, operand, count, [&](std::uint32_t, std::uint32_t w, std::uint32_t x) {
      f(w, x, 1.0);
      f(x, w, 1.0);
    });
  }
}

}  // namespace ad::detail
