// The curvature of a network's loss: its Hessian on the engine, printed, and what its eigenvalues
// say.
#include "nn/hessian.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autodiff/hessian.hpp"
#include "autodiff/text.hpp"
#include "nn/trainer.hpp"

namespace ad::nn {

LossHessian loss_hessian(const Network& network, const Topology& topology, bool all, int steps) {
  ad::Tape tape;
  Trainer trainer(network, topology);
  trainer.train(steps);
  trainer.evaluate();
  LossHessian h;
  h.loss_name = network.samples.size() > 1 ? "E_mean" : "E_total";
  h.loss = trainer.loss();
  h.steps = steps;
  if (all) {
    h.parameters.resize(network.parameter_count());
    std::iota(h.parameters.begin(), h.parameters.end(), std::size_t{0});
  } else {
    h.parameters = topology.trained;
  }
  std::vector<ad::Var> vars;
  for (std::size_t p : h.parameters) {
    h.names.emplace_back(network.parameter_name(p));
    h.gradient.push_back(trainer.gradients()[p]);
    vars.push_back(trainer.parameter_vars()[p]);
  }
  h.matrix = ad::hessian(tape, trainer.loss_var(), vars);
  // The Trainer's tape is not checked (training must not pay for it), so an overflow in the
  // second sweep arrives here as an entry; said as the Trainer says a non-finite gradient.
  for (std::size_t i = 0; i < h.names.size(); ++i)
    for (std::size_t k = 0; k < h.names.size(); ++k)
      if (!std::isfinite(h.matrix[i][k])) {
        const std::string reason = "the second derivative d²" + h.loss_name + "/d" + h.names[i] +
                                   " d" + h.names[k] + " is " + number(h.matrix[i][k], 6) +
                                   ", not a finite number";
        throw NumericError(
            (steps > 0 ? "after " + std::to_string(steps) + " training steps, "
                       : "at the parameters the network starts from, ") +
                reason,
            {.place = steps > 0 ? "after training" : "the starting parameters", .reason = reason});
      }
  return h;
}

void print_hessian(std::ostream& out, const LossHessian& h, int digits) {
  out << "Hessian of " << h.loss_name << ", d²" << h.loss_name << "/d(row) d(column):\n"
      << ad::matrix_table(h.names, h.matrix, digits);
}

nlohmann::json hessian_json(const LossHessian& h) {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i < h.names.size(); ++i)
    for (std::size_t k = 0; k < h.names.size(); ++k) j[h.names[i]][h.names[k]] = h.matrix[i][k];
  return j;
}

namespace {

std::string count(std::size_t k, const char* what) { return std::to_string(k) + " " + what; }

// The first sentence of curvature_meaning: the shape the signs give.
std::string shape(std::size_t up, std::size_t down, std::size_t flat) {
  if (up == 0 && down == 0)
    return "Every eigenvalue is zero: the loss does not curve in any direction here.";
  if (up > 0 && down > 0)
    return "Mixed signs (" + count(up, "positive") + ", " + count(down, "negative") +
           "): a saddle-like region, where the loss curves upward along some directions and "
           "downward along others.";
  if (down == 0 && flat == 0)
    return "All positive: the Hessian is positive definite, the loss curves upward in every "
           "direction (a bowl).";
  if (down == 0)
    return "None negative: the Hessian is positive semidefinite, the loss curves upward in every "
           "direction but the flat ones (a valley).";
  return "All negative" + std::string(flat == 0 ? "" : " but the flat ones") +
         ": the loss curves downward in every direction (a cap).";
}

}  // namespace

std::string curvature_meaning(std::span<const double> eigenvalues,
                              std::span<const double> gradient) {
  double largest = 0, steepest = 0;
  for (double l : eigenvalues) largest = std::max(largest, std::abs(l));
  for (double g : gradient) steepest = std::max(steepest, std::abs(g));
  std::size_t up = 0, down = 0, flat = 0;
  for (double l : eigenvalues) {
    if (std::abs(l) <= kFlat * largest)
      ++flat;
    else
      ++(l > 0 ? up : down);
  }
  std::string s = shape(up, down, flat);
  if (flat > 0 && flat < eigenvalues.size())
    s += "\n" + count(flat, "near zero") +
         " (|λ| <= 1e-12 · the largest |λ|): flat directions, along which the loss does not "
         "curve.";
  const bool bowl = up == eigenvalues.size();
  if (steepest <= kStationary)
    s += bowl         ? "\nThe gradient is zero here: this is a local minimum."
         : up && down ? "\nThe gradient is zero here: a saddle point, not a minimum."
                      : "\nThe gradient is zero here.";
  else
    s += "\nThe gradient is not zero here (its largest entry: " + number(steepest, 3) + "): " +
         (bowl ? "the bottom of the bowl, a local minimum, is elsewhere."
               : "this is not a stationary point.");
  return s;
}

}  // namespace ad::nn
