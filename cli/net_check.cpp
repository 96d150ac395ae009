#include "cli/net_check.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "autodiff/expression/definitions.hpp"
#include "autodiff/text.hpp"
#include "cli/command.hpp"
#include "cli/judgement.hpp"
#include "nn/definitions.hpp"

namespace ad::cli {

namespace ex = ad::expr;
using nlohmann::json;

namespace {

std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

// "d E_total / d w5" or "dE_total/dw5" -> {"E_total", "w5"}; a bare name is of E_total. With a
// batch the numerator may also be E_mean, the loss.
struct Target {
  std::string of, name;
};
Target target_of(const std::string& spec, bool batch) {
  const auto slash = spec.find('/');
  if (slash == std::string::npos) return {"E_total", trimmed(spec)};
  const auto derivative = [&](std::string part) {
    part = trimmed(part);
    if (part.empty() || part[0] != 'd')
      fail(kUsage, "--check " + ad::printable(spec) + ": expected 'd E_total / d NAME' or NAME");
    return trimmed(part.substr(1));
  };
  const std::string top = derivative(spec.substr(0, slash));
  if (top != "E_total" && !(batch && top == "E_mean"))
    fail(kUsage, "--check " + ad::printable(spec) + ": only derivatives of E_total" +
                     (batch ? std::string(" or of the loss E_mean") : "") +
                     " can be checked (d E_total / d NAME)");
  return {top, derivative(spec.substr(slash + 1))};
}

// The names of the same kind, among which writing one for another is a likely slip.
std::vector<std::vector<std::string>> kinds(const ad::nn::Network& network,
                                            const std::vector<ad::nn::Definition>& definitions) {
  std::vector<std::vector<std::string>> k(7);
  for (const auto& w : network.weights) k[0].push_back(w.name);
  for (const auto& b : network.biases) k[1].push_back(b.name);
  k[2] = network.inputs;
  for (const auto& o : network.outputs()) k[3].push_back("target_" + o);
  for (const ad::nn::Definition& d : definitions)
    k[d.name.starts_with("out_") ? 4 : d.name.starts_with("net_") ? 5 : 6].push_back(d.name);
  return k;
}

// The network as the checks see it: its names as definitions, one point per sample, and the
// engine's account (the network recorded once, one sweep from the loss, the rounding bounds).
struct NetCheck {
  const ad::nn::Network& network;
  std::vector<ad::nn::Definition> net_definitions;
  ex::Definitions definitions;
  ex::Expression f;  // E_total, of one sample
  std::vector<ex::Values> points;
  double weight;  // of a sample's E_total in the loss
  ad::nn::Trainer& trainer;
  std::vector<double> rounding;
};

// One spec: what the derivative is of and with respect to, and your formula.
struct Spec {
  std::string of, name;
  bool parameter;
  ex::Expression formula;
};

Spec read_spec(const NetCheck& c, const std::string& spec) {
  const auto equals = spec.find('=');
  if (equals == std::string::npos)
    fail(kUsage,
         "--check " + ad::printable(spec) + ": expected NAME=FORMULA, e.g. --check 'w5=...'");
  const auto [of, name] = target_of(spec.substr(0, equals), c.points.size() > 1);
  const auto& n = c.network;
  const bool parameter =
      std::any_of(n.weights.begin(), n.weights.end(),
                  [&](const auto& w) { return w.name == name; }) ||
      std::any_of(n.biases.begin(), n.biases.end(), [&](const auto& b) { return b.name == name; });
  const bool node = c.definitions.find(name) != nullptr ||
                    std::find(n.inputs.begin(), n.inputs.end(), name) != n.inputs.end();
  if (!parameter && !node && c.points[0].contains(name))
    fail(kUsage, "--check " + ad::printable(spec) + ": '" + ad::printable(name) +
                     "' is a constant of the recording (a target or the learning rate), not a "
                     "node: nothing is differentiated with respect to it");
  if (!parameter && !node) {
    std::vector<std::string> names;
    for (const auto& [known, v] : c.definitions.values(c.points[0])) names.push_back(known);
    fail(kUsage, "--check " + ad::printable(spec) + ": '" + ad::printable(name) +
                     "' is not a node of the network" + ad::did_you_mean(name, names));
  }
  return {of, name, parameter,
          parse_or_fail(spec.substr(equals + 1), "--check " + ad::printable(name))};
}

// The judgement of one spec at one row: the parameter's (all samples combined as the loss
// combines them) or a node's at one sample.
Judgement judge_row(const NetCheck& c, const Spec& spec, std::size_t row, std::size_t rows,
                    double tolerance) {
  const std::size_t samples = c.points.size();
  const std::string what = "--check " + ad::printable(spec.name);
  const auto yours_at = [&](const ex::Expression& g, std::size_t s) {
    try {
      return c.definitions.evaluate_bounded(g, c.points[s]);
    } catch (const ex::UnknownVariable& e) {
      fail(kUsage, what + ": " + e.what());
    } catch (const ex::ExpressionError& e) {
      fail(kNumeric, what + " at sample " + std::to_string(s + 1) + ": " + e.what());
    }
  };
  // What the derivative is of: the loss (each sample's E_total weighs 1/N in it) or one
  // sample's E_total. A parameter's formula is per sample, so it is weighted like its E_total.
  const double of_weight = spec.parameter || spec.of == "E_mean" ? c.weight : 1.0;
  const double yours_weight = spec.parameter ? c.weight : 1.0;
  std::vector<std::size_t> used;
  for (std::size_t s = 0; s < samples; ++s)
    if (spec.parameter || s == row) used.push_back(s);
  const ad::Var var = ad::nn::sample_node(c.trainer, row, spec.name);
  // The engine's adjoint is of the loss: a sample's E_total weighs 1/N in it.
  const double engine = c.trainer.tape().gradient(var) * (of_weight / c.weight),
               engine_error = c.rounding.at(c.trainer.tape().index(var)) * (of_weight / c.weight);
  // Σ over the samples used of w·g(s), with its rounding.
  const auto over_samples = [&](double w, const auto& g) {
    ex::Bounded sum{0, 0};
    for (std::size_t s : used) {
      const ex::Bounded b = g(s);
      sum.value += w * b.value;
      sum.error += w * b.error + ex::kUnitRoundoff * std::abs(sum.value);
    }
    return sum;
  };
  // Yours, and what it is the derivative of as a function of the name, on doubles through the
  // definitions.
  const auto combined = [&](const ex::Expression& g) {
    return over_samples(yours_weight, [&](std::size_t s) { return yours_at(g, s); });
  };
  const ex::BoundedFunction loss_of = [&](const ex::Values& at) {
    return over_samples(of_weight, [&](std::size_t s) {
      ex::Values values = c.points[s];
      values[spec.name] = at.at(spec.name);
      return c.definitions.evaluate_bounded(c.f, values);
    });
  };
  const ex::Values at = c.definitions.values(c.points[used.front()]);
  Judgement j =
      judge(spec.name, engine, engine_error, combined(spec.formula), spec.formula.source(),
            ex::finite_difference(loss_of, {{spec.name, at.at(spec.name)}}, spec.name), tolerance);
  j.label = "d " + (spec.parameter && samples > 1 ? "E_mean" : spec.of) + " / d " + spec.name +
            (rows > 1 ? " (sample " + std::to_string(row + 1) + ")" : "");
  if (j.wants_diagnosis()) {
    std::vector<ex::Values> where;
    for (std::size_t s : used) where.push_back(c.points[s]);
    j.diagnosed = true;
    j.diagnosis = ex::diagnose(
        {c.definitions, c.f, spec.name, spec.formula, where, kinds(c.network, c.net_definitions)},
        [&](const ex::Expression& candidate) {
          const ex::Bounded b = combined(candidate);
          return ex::judge(b.value, b.error, engine, engine_error, tolerance).agree;
        },
        &j.diagnosis_search);
  }
  return j;
}

}  // namespace

DerivationChecks check_derivations(const ad::nn::Network& network, const ad::nn::Topology& topology,
                                   const std::vector<std::string>& specs, double tolerance, int p,
                                   std::ostream& text) {
  ad::Tape tape;
  ad::nn::Trainer trainer(network, topology);
  NetCheck c{network, {}, {}, ex::Expression::parse("E_total"), {}, ad::nn::sample_weight(network),
             trainer, {}};
  try {
    c.net_definitions = ad::nn::definitions(network, topology);
    for (const ad::nn::Definition& d : c.net_definitions) c.definitions.add(d.name, d.formula);
  } catch (const std::exception& e) {
    fail(kUsage,
         std::string("--check: this network's names cannot be used in formulas: ") + e.what());
  }
  for (std::size_t s = 0; s < network.samples.size(); ++s)
    c.points.push_back(ad::nn::base_values(network, s));
  trainer.evaluate();
  c.rounding = ex::gradient_rounding(tape, trainer.loss_var());

  DerivationChecks result;
  text << "\nYour derivatives, by the network's names (tolerance " << tolerance_text(tolerance)
       << "):\n";
  for (const std::string& text_spec : specs) {
    const Spec spec = read_spec(c, text_spec);
    // One check for a parameter, of the loss (the samples combined as the loss combines them),
    // one per sample for a node of the samples' recordings: of its sample's E_total, or with
    // "d E_mean / d" of the loss, which weighs each sample's E_total by 1/N.
    const std::size_t rows = spec.parameter ? 1 : c.points.size();
    for (std::size_t row = 0; row < rows; ++row) {
      const Judgement j = judge_row(c, spec, row, rows, tolerance);
      print(text, j, p);
      json row_json = to_json(j);
      row_json["derivative"] = j.label;
      if (rows > 1) row_json["sample"] = row + 1;
      result.json.push_back(row_json);
      result.agree = result.agree && j.agree;
    }
  }
  return result;
}

}  // namespace ad::cli
