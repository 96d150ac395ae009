// The report: the cross-check (engine vs delta rule vs finite differences vs the published
// figures) and one run of a network file, as data, text and JSON: what `autodiff net FILE` prints.
// Every function takes the network with its Topology (a NetworkFile holds both) and compiles
// nothing.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "nn/network_file.hpp"

namespace ad::nn {

// ---- Published figures ----

struct FigureCheck {
  Figure figure;
  int decimals = 0;         // printed decimals
  double exact = 0.0;       // from the engine (forward values, derivatives, training)
  double difference = 0.0;  // printed − exact
  bool agrees = false;      // within one unit of the last printed decimal
  // The exact value written the tutorial's way (truncated or rounded to `decimals`), and
  // whether that is the printed text.
  std::string exact_as_printed;
  bool printed_as_tutorial_would = false;
};

// Throws nn::Error if a figure's quantity is not one of the forms of nn::Figure or names no node.
std::vector<FigureCheck> check_figures(const Network& network, const Topology& topology);
// `exact` written with `decimals` decimals, truncated (toward zero) or rounded.
std::string as_printed(double exact, int decimals, Rounding rounding);

// ---- Gradients ----

struct ParameterCheck {
  std::string name;
  bool bias = false, trained = false;
  double engine = 0, delta_rule = 0, finite_difference = 0;
  std::optional<FigureCheck> published;    // the figure for d E_total / d this, if printed
  double largest_relative_difference = 0;  // among engine, delta rule, finite difference
  bool agree = false;                      // the three agree (and the figure, if any)
  std::string verdict;
};

struct CrossCheck {
  std::string network;
  std::vector<ParameterCheck> parameters;
  std::vector<FigureCheck> figures;
  bool gradients_agree = true;  // engine, delta rule and finite differences, every parameter
  int discrepancies = 0;        // published figures that disagree with the exact value
};

CrossCheck cross_check(const Network& network, const Topology& topology);
std::string to_text(const CrossCheck& report);
nlohmann::json to_json(const CrossCheck& report);

// ---- One run of a network ----

struct StepResult {
  std::string network;
  double loss = 0;
  std::vector<std::string> output_names;
  std::vector<std::vector<double>> outputs;                 // per sample
  std::vector<std::pair<std::string, double>> node_values;  // named nodes, first pass
  std::vector<std::pair<std::string, double>> parameters_before, gradients, parameters_after;
  int steps = 0;                     // 0: one evaluation and one update only
  std::optional<double> loss_after;  // after `steps` updates, when steps >= 1
  std::vector<std::vector<double>> outputs_after;
  CrossCheck check;
};

// Evaluates the network, takes one gradient step (parameters_after) and, when steps >= 1,
// trains `steps` steps from the start and reports loss_after and outputs_after.
StepResult run(const NetworkFile& file, int steps = 0);

// {"loss", "outputs": {neuron: number}, "gradients": {parameter: number}, "parameters_after":
// {...}} and, when steps >= 1, "loss_after" and "outputs_after". With a batch, each output is
// an array of the samples' outputs.
nlohmann::json to_json(const StepResult& result);

// The human output: forward values, errors, gradients, the cross-check report, the updated
// parameters and the loss after training.
void print_report(std::ostream& out, const NetworkFile& file, const StepResult& result);

}  // namespace ad::nn
