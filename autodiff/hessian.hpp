// Second derivatives of a recorded output: Hessian-vector products and Hessians, by a
// forward-over-reverse sweep over the same tape (nothing is recorded again).
#pragma once

#include <span>
#include <vector>

#include "autodiff/tape.hpp"

namespace ad {

// H·v, where H is the Hessian of y with respect to `inputs` (H_ij = ∂²y/∂x_i∂x_j): a tangent
// pass along v over the tape, then a reverse pass that carries the adjoints and their tangents,
// using each operation's first and second partials (op.hpp, with its conventions at kinks). An
// input that is not a leaf is treated as independent: its tangent is v's entry, not its
// operands'. The tape's own gradients are left as they were.
// Throws TapeMismatch if y or an input is not from this recording of `tape`, Error if v and
// `inputs` differ in size, and NonFinite, saying where, if an entry is NaN or, on a checked tape,
// not finite, or (checked tape) a second partial on the way is not finite.
std::vector<double> hessian_vector(const Tape& tape, const Var& y, std::span<const Var> inputs,
                                   std::span<const double> v);

// The Hessian of y with respect to `inputs`, n × n as rows: n Hessian-vector products (one per
// unit vector), symmetrized, (H + Hᵀ)/2, so that rounding cannot make it asymmetric. Throws as
// hessian_vector.
std::vector<std::vector<double>> hessian(const Tape& tape, const Var& y,
                                         std::span<const Var> inputs);

}  // namespace ad
