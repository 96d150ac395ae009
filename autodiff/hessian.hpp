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
// operands', and nothing is passed back through it to them. The tape's own gradients are left as
// they were. A zero partial or tangent passes nothing on, as in backward(): 0·inf is not a NaN.
// Throws TapeMismatch if y or an input is not from this recording of `tape` (naming which),
// Error if v and `inputs` differ in size, and NonFinite if an entry of v is not finite, or,
// saying where, if an entry of H·v is NaN or, on a checked tape, not finite, or (checked tape) a
// second partial it uses is not finite.
std::vector<double> hessian_vector(const Tape& tape, const Var& y, std::span<const Var> inputs,
                                   std::span<const double> v);

// The Hessian of y with respect to `inputs`, n × n as rows: n Hessian-vector products (one per
// unit vector), symmetrized, (H + Hᵀ)/2, so that rounding cannot make it asymmetric. Throws as
// hessian_vector, and NonFinite if the two halves of an entry are +inf and −inf.
std::vector<std::vector<double>> hessian(const Tape& tape, const Var& y,
                                         std::span<const Var> inputs);

// Both keep their work arrays (48 bytes per node up to y) for the next call on the same thread,
// so that a loop of products allocates nothing after the first; they outlive the tape. This gives
// back the calling thread's (as Stan's recover_memory does for its arena).
void release_hessian_memory();

}  // namespace ad
