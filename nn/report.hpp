// The report: the cross-check (engine vs delta rule vs finite differences vs the published
// figures) and one run of a network file, as data, text and JSON: what `autodiff net FILE` prints.
// Every function takes the network with its Topology (a NetworkFile holds both) and compiles
// nothing.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "nn/history.hpp"
#include "nn/network_file.hpp"
#include "nn/progress.hpp"

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

// The network trained once, read on the way: for each step count of `stops`, the values of the
// named nodes at the parameters those steps give (a recording after the last of them), with the
// loss and the outputs. Bit for bit what training from scratch to each count gives, at the cost of
// one training run to the largest.
struct Reading {
  double loss = 0;
  std::vector<std::vector<double>> outputs;  // per sample
  std::map<std::string, double> nodes;
};
// `history`, if given, records the curve of its steps() (one of the stops) on the way.
using Readings = std::map<int, Reading>;
Readings train_and_read(const Network& network, const Topology& topology,
                        const std::map<int, std::vector<std::string>>& stops,
                        const Progress& progress = {}, History* history = nullptr);
// The stops the published figures "A after N" and "new w5" (w5 after 1 step) ask for.
std::map<int, std::vector<std::string>> figure_stops(const Network& network);

// Throws nn::Error if a figure's quantity is not one of the forms of nn::Figure or names no node.
// `readings` (train_and_read(figure_stops())) saves the training when the caller has them.
std::vector<FigureCheck> check_figures(const Network& network, const Topology& topology,
                                       const Readings* readings = nullptr);
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
  std::size_t parameter_count = 0;
  // The parameters checked, in order: every one, or with a sample, the sample and any whose
  // engine and delta-rule gradients disagree (these two are compared on every parameter).
  std::vector<ParameterCheck> parameters;
  bool sampled = false;
  std::vector<FigureCheck> figures;
  bool gradients_agree = true;  // engine, delta rule and finite differences, every parameter
  int discrepancies = 0;        // published figures that disagree with the exact value
};

// A finite difference costs four passes over the network, so checking every parameter is
// quadratic in its size: above `full_up_to` parameters, only a sample of `sample` is (the first and
// the last weight and bias into every layer, and the rest drawn with a fixed seed), unless `full`.
struct CheckOptions {
  std::size_t full_up_to = 1000, sample = 64;
  bool full = false;
  Progress progress;
  const Readings* readings = nullptr;  // for the figures, if the caller has them
  // The engine's gradients at the file's parameters, if the caller has them: a recording saved.
  const std::vector<double>* engine = nullptr;
  History* history = nullptr;  // run(): the training curve of its `steps`, if given
};
// The parameters a sampled check takes, ascending: every one if there are at most `size`;
// otherwise the first and last weight and bias into each layer, then parameters drawn from
// mt19937_64 (seed 1) until there are `size` (or as many as the layers' ends, if more).
std::vector<std::size_t> check_sample(const Network& network, const Topology& topology,
                                      std::size_t size);

CrossCheck cross_check(const Network& network, const Topology& topology,
                       const CheckOptions& options = {});
std::string to_text(const CrossCheck& report);
nlohmann::json to_json(const CrossCheck& report);

// ---- One run of a network ----

struct StepResult {
  std::string network;
  double loss = 0;
  std::vector<std::string> output_names;
  std::vector<std::vector<double>> outputs;  // per sample
  // The neurons' net inputs and outputs and the errors (net_h1, out_h1, E1, E_total), first pass.
  std::vector<std::pair<std::string, double>> node_values;
  // Per parameter, in the order of Network::parameters(): the names once, the values by index.
  std::vector<std::string> parameter_names;
  std::vector<double> parameters_before, gradients, parameters_after;
  int steps = 0;                     // 0: one evaluation and one update only
  std::optional<double> loss_after;  // after `steps` updates, when steps >= 1
  std::vector<std::vector<double>> outputs_after;
  CrossCheck check;
};

// Evaluates the network, takes one gradient step (parameters_after) and, when steps >= 1,
// trains `steps` steps from the start and reports loss_after and outputs_after. The training for
// `steps` and for the published figures is one run, to the largest step count. `options.progress`
// hears of the training and of the finite differences; `options.history` (made for `steps`) is
// filled by that run, and holds the lines recorded so far if training diverges.
StepResult run(const NetworkFile& file, int steps = 0, const CheckOptions& options = {});

// {"loss", "outputs": {neuron: number}, "gradients": {parameter: number}, "parameters_after":
// {...}} and, when steps >= 1, "loss_after" and "outputs_after". With a batch, each output is
// an array of the samples' outputs.
nlohmann::json to_json(const StepResult& result);

// The human output: forward values, errors, gradients, the cross-check report, the updated
// parameters and the loss after training.
void print_report(std::ostream& out, const NetworkFile& file, const StepResult& result);

}  // namespace ad::nn
