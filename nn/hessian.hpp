// The curvature of a network's loss: its Hessian with respect to the parameters, taken on the
// engine (the Trainer's recording, then ad::hessian on the same tape), printed as an aligned
// matrix, and what the Hessian's eigenvalues say about the loss there. The eigenvalues
// themselves are computed by the caller (the program uses Eigen), so no library here needs a
// linear-algebra package.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "nn/network.hpp"

namespace ad::nn {

struct LossHessian {
  std::string loss_name;  // "E_total", or "E_mean" with a batch
  double loss = 0;
  int steps = 0;                            // gradient steps taken before (0: the file's start)
  std::vector<std::size_t> parameters;      // indices into Network::parameters()
  std::vector<std::string> names;           // the rows' and columns' heads
  std::vector<double> gradient;             // ∂loss/∂p, p in `parameters`
  std::vector<std::vector<double>> matrix;  // ∂²loss/∂p_i∂p_j, symmetric
};

// The Hessian of the loss with respect to the trained parameters (the network's train list, in
// its order), or every parameter (weights, then biases) when `all`, at the parameters reached
// after `steps` gradient steps (Trainer::train, as nn::run trains): where training stopped, the
// point a learner asks "is this a minimum?" about. Throws as Trainer::train and evaluate do
// (NumericError, Diverged), and NumericError, naming the entry, when a second derivative is not
// finite (an entry beyond the largest double): never an inf or NaN in the matrix.
LossHessian loss_hessian(const Network& network, const Topology& topology, bool all, int steps = 0);

// The matrix under a heading line, as ad::matrix_table writes it: the parameter names as row and
// column heads, each entry with `digits` significant digits.
void print_hessian(std::ostream& out, const LossHessian& hessian, int digits);

// {name: {name: number}}, every entry (both triangles).
nlohmann::json hessian_json(const LossHessian& hessian);

// An eigenvalue is a flat direction when |λ| <= kFlat · max |λ|: at that ratio it is rounding
// error in the largest one, not curvature.
inline constexpr double kFlat = 1e-12;
// The gradient counts as zero (the point is stationary) when every |∂loss/∂p| <= kStationary.
inline constexpr double kStationary = 1e-10;

// What the Hessian's eigenvalues say about the loss around the point where `gradient` was
// taken, one sentence a line (no final newline): the shape (all positive, a bowl; mixed signs, a
// saddle-like region; all negative, a cap), the flat directions (near-zero ones) if any, and
// whether the point is stationary (a bowl with a zero gradient is a local minimum).
std::string curvature_meaning(std::span<const double> eigenvalues,
                              std::span<const double> gradient);

}  // namespace ad::nn
