// The reports of a network run: the cross-check of its gradients and published figures, one
// step and a training run, as text and as JSON.
#include "nn/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "autodiff/text.hpp"
#include "nn/references.hpp"
#include "nn/trainer.hpp"

namespace ad::nn {
namespace {

int decimals_of(const std::string& printed) {
  auto dot = printed.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(printed.size() - dot - 1);
}

}  // namespace

std::string as_printed(double exact, int decimals, Rounding rounding) {
  if (!std::isfinite(exact)) return ad::number(exact);  // "inf": there are no digits to cut
  char buf[64];
  if (rounding == Rounding::Round) {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, exact);
    return buf;
  }
  // Truncate toward zero: print more digits than needed (exactly, rounded at 17 significant
  // places) and cut the string, so 0.41000000000000003 gives 0.41 and not 0.40999.
  std::snprintf(buf, sizeof buf, "%.*f", decimals + 6, exact);
  std::string s = buf;
  s.resize(s.size() - 6);
  if (decimals == 0) s.pop_back();
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);
  return s;
}

namespace {

// The figure against its exact value: it agrees when within one unit of its last decimal.
FigureCheck judge_figure(const Figure& f, double exact, Rounding rounding) {
  FigureCheck c;
  c.figure = f;
  c.decimals = decimals_of(f.printed);
  c.exact = exact;
  const double printed = std::strtod(f.printed.c_str(), nullptr);
  c.difference = printed - c.exact;
  c.agrees = std::abs(c.difference) <= std::pow(10.0, -c.decimals) * (1 + 1e-9);
  c.exact_as_printed = as_printed(c.exact, c.decimals, rounding);
  c.printed_as_tutorial_would = c.exact_as_printed == f.printed;
  return c;
}

// The engine and the delta rule sum the same products in another order: a few ulps apart.
bool exact_agree(double engine, double delta) {
  return std::abs(engine - delta) <= 1e-12 * std::max(std::abs(engine), std::abs(delta)) + 1e-15;
}

// The three gradients of `c` against each other and its figure: sets agree and verdict, and
// returns whether the three gradients agree.
bool judge_gradients(ParameterCheck& c) {
  c.largest_relative_difference = std::max({ad::relative_error(c.engine, c.delta_rule),
                                            ad::relative_error(c.engine, c.finite_difference),
                                            ad::relative_error(c.delta_rule, c.finite_difference)});
  // Finite differences carry truncation and rounding error: 1e-7 relative, or 1e-10 absolute for
  // tiny gradients.
  const double scale = std::max({std::abs(c.engine), std::abs(c.delta_rule)});
  const bool exact = exact_agree(c.engine, c.delta_rule);
  const bool fd_agree = std::abs(c.engine - c.finite_difference) <= 1e-7 * scale + 1e-10;
  c.agree = exact && fd_agree && (!c.published || c.published->agrees);
  if (!exact)
    c.verdict = "ENGINE AND DELTA RULE DISAGREE";
  else if (!fd_agree)
    c.verdict = "FINITE DIFFERENCE DISAGREES";
  else if (c.published && !c.published->agrees)
    c.verdict = "agree; the published figure differs";
  else if (c.published)
    c.verdict = "agree, and with the published figure";
  else
    c.verdict = "agree";
  return exact && fd_agree;
}

}  // namespace

std::map<int, std::vector<std::string>> figure_stops(const Network& n) {
  std::map<int, std::vector<std::string>> stops;  // steps -> nodes
  if (!n.published) return stops;
  for (const auto& f : n.published->figures) {
    auto q = parse_quantity(f.quantity);
    if (q && (q->kind == Quantity::After || q->kind == Quantity::Updated))
      stops[q->steps].push_back(q->of);
  }
  return stops;
}

Readings train_and_read(const Network& n, const Topology& t,
                        const std::map<int, std::vector<std::string>>& stops,
                        const Progress& progress, History* history) {
  Readings readings;
  if (stops.empty()) return readings;
  ad::Tape tape;
  Trainer trainer(&n, &t);
  const int last = stops.rbegin()->first;
  const auto report = [&](std::uint64_t done, double loss) {
    if (progress) progress("training steps", done, static_cast<std::uint64_t>(last), loss);
  };
  report(0, std::numeric_limits<double>::quiet_NaN());
  for (const auto& [steps, nodes] : stops) {
    while (trainer.steps_taken() < steps) {
      const int k = trainer.steps_taken();
      const bool wanted = history != nullptr && history->wants(k);
      if (wanted) history->take_parameters(trainer.parameters());  // before the step updates them
      const double loss = trainer.step();                          // at k steps' parameters
      if (wanted) history->record(k, loss);
      report(static_cast<std::uint64_t>(k + 1), loss);
    }
    // A recording at the parameters these steps give; the next step records the same again.
    Reading& r = readings[steps];
    r.loss = trainer.evaluate();
    if (history != nullptr && history->wants(steps)) {
      history->take_parameters(trainer.parameters());
      history->record(steps, r.loss);
    }
    r.outputs = trainer.outputs();
    for (const std::string& name : nodes) r.nodes[name] = trainer.node(name).value();
  }
  return readings;
}

std::vector<FigureCheck> check_figures(const Network& n, const Topology& t, const Readings* given) {
  std::vector<FigureCheck> checks;
  if (!n.published) return checks;
  for (std::size_t i = 0; i < n.published->figures.size(); ++i)  // before any training
    check_quantity(n, n.published->figures[i].quantity,
                   "/published/figures/" + std::to_string(i) + "/quantity");
  const Readings trained = given ? Readings{} : train_and_read(n, t, figure_stops(n));
  const Readings& readings = given ? *given : trained;
  ad::Tape tape;
  Trainer first(&n, &t);
  first.evaluate();
  for (const Figure& f : n.published->figures) {
    const Quantity q = *parse_quantity(f.quantity);
    double exact = 0.0;
    switch (q.kind) {
      case Quantity::Value:
        exact = first.node(q.of).value();
        break;
      case Quantity::Derivative:
        tape.backward(first.node(q.of));
        exact = tape.gradient(first.node(q.wrt));
        break;
      case Quantity::Updated:  // the parameter as the recording after one step holds it
      case Quantity::After:
        exact = readings.at(q.steps).nodes.at(q.of);
        break;
    }
    checks.push_back(judge_figure(f, exact, n.published->rounding));
  }
  return checks;
}

std::vector<std::size_t> check_sample(const Network& n, const Topology& t, std::size_t size) {
  const std::size_t count = n.parameter_count();
  std::set<std::size_t> chosen;
  if (count <= size) {
    for (std::size_t p = 0; p < count; ++p) chosen.insert(p);
    return {chosen.begin(), chosen.end()};
  }
  // The weights into a layer, and its biases, are two groups: their first and last are where
  // an off-by-one in the wiring or in the delta rule's indexing would show.
  std::map<std::pair<std::size_t, bool>, std::pair<std::size_t, std::size_t>> ends;
  const auto extend = [&](std::size_t layer, std::size_t p) {
    auto [it, fresh] = ends.try_emplace({layer, n.is_bias(p)}, p, p);
    it->second = {std::min(it->second.first, p), std::max(it->second.second, p)};
  };
  for (const auto& neuron : t.neurons) {
    for (const auto& in : neuron.in) extend(neuron.layer, in.parameter);
    if (neuron.bias) extend(neuron.layer, *neuron.bias);
  }
  for (const auto& [group, range] : ends) chosen.insert({range.first, range.second});
  std::mt19937_64 draw(1);  // the same sample on every machine: the generator is standardised
  while (chosen.size() < size) chosen.insert(draw() % count);
  return {chosen.begin(), chosen.end()};
}

namespace {

// The parameters to check against finite differences: all of them, or the sample and any whose
// engine and delta-rule gradients disagree.
std::vector<std::size_t> to_check(const Network& n, const Topology& t, const CheckOptions& options,
                                  const std::vector<double>& engine,
                                  const std::vector<double>& delta) {
  const std::size_t size = options.full || n.parameter_count() <= options.full_up_to
                               ? n.parameter_count()
                               : options.sample;
  std::vector<std::size_t> sample = check_sample(n, t, size);
  if (sample.size() == n.parameter_count()) return sample;
  std::set<std::size_t> checked(sample.begin(), sample.end());
  for (std::size_t p = 0; p < engine.size(); ++p)
    if (!exact_agree(engine[p], delta[p])) checked.insert(p);
  return {checked.begin(), checked.end()};
}

}  // namespace

CrossCheck cross_check(const Network& n, const Topology& t, const CheckOptions& options) {
  CrossCheck report;
  report.network = n.name;
  report.parameter_count = n.parameter_count();
  std::vector<double> recorded;
  if (!options.engine) {
    ad::Tape tape;
    Trainer trainer(&n, &t);
    trainer.evaluate();
    recorded = trainer.gradients();
  }
  const std::vector<double>& engine = options.engine ? *options.engine : recorded;
  const std::vector<double> delta = delta_rule_gradients(n, t);
  const std::vector<std::size_t> checked = to_check(n, t, options, engine, delta);
  report.sampled = checked.size() < n.parameter_count();
  report.figures = check_figures(n, t, options.readings);
  for (const auto& f : report.figures) report.discrepancies += !f.agrees;
  const std::string loss_name = n.samples.size() == 1 ? "E_total" : "E_mean";
  const auto progress = [&](std::size_t done) {
    if (options.progress)
      options.progress("finite differences", done, checked.size(),
                       std::numeric_limits<double>::quiet_NaN());
  };
  progress(0);
  std::vector<bool> trained(n.parameter_count(), false);  // a search of t.trained each: 10^7
  for (std::size_t p : t.trained) trained[p] = true;
  std::vector<double> values = n.parameters();
  for (std::size_t p : checked) {
    ParameterCheck c;
    c.name = n.parameter_name(p);
    c.bias = n.is_bias(p);
    c.trained = trained[p];
    c.engine = engine[p];
    c.delta_rule = delta[p];
    c.finite_difference = finite_difference_gradient(n, t, values, p);
    for (const auto& f : report.figures) {
      const auto q = parse_quantity(f.figure.quantity);
      if (q && q->kind == Quantity::Derivative && q->of == loss_name && q->wrt == c.name)
        c.published = f;
    }
    report.gradients_agree = judge_gradients(c) && report.gradients_agree;
    report.parameters.push_back(c);
    progress(report.parameters.size());
  }
  return report;
}

namespace {

// Rows of cells in columns, each as wide as its widest cell (at least `least`), one space
// between: a long name widens its column and is never cut. Text from the input is escaped.
std::string aligned(const std::vector<std::vector<std::string>>& rows,
                    const std::vector<std::size_t>& least) {
  const auto width = [](const std::string& cell) {  // in characters
    return static_cast<std::size_t>(
        std::count_if(cell.begin(), cell.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  std::vector<std::size_t> widths = least;
  for (const auto& row : rows)
    for (std::size_t k = 0; k + 1 < row.size(); ++k) widths[k] = std::max(widths[k], width(row[k]));
  std::string out;
  for (const auto& row : rows) {
    out += "  ";
    for (std::size_t k = 0; k < row.size(); ++k)
      out += row[k] + (k + 1 < row.size() ? std::string(widths[k] - width(row[k]) + 1, ' ') : "\n");
  }
  return out;
}

std::string scientific(double x) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(1) << x;
  return s.str();
}

}  // namespace

std::string to_text(const CrossCheck& r) {
  std::ostringstream out;
  out << "Cross-check of the gradients"
      << (r.network.empty() ? "" : " of " + ad::printable(r.network)) << "\n"
      << "  engine: reverse sweep of the tape; delta rule: the tutorials' hand formulas on plain\n"
      << "  doubles; finite diff.: central differences of the loss; figure: as the tutorial "
         "prints\n"
      << "  it; rel. diff.: the largest relative difference among the first three.\n";
  std::vector<std::vector<std::string>> rows{
      {"parameter", "engine", "delta rule", "finite diff.", "figure", "rel.diff.", "verdict"}};
  for (const auto& p : r.parameters)
    rows.push_back({ad::printable(p.name), ad::number(p.engine, 13), ad::number(p.delta_rule, 13),
                    ad::number(p.finite_difference, 13),
                    p.published ? ad::printable(p.published->figure.printed) : "-",
                    scientific(p.largest_relative_difference),
                    p.verdict + (p.trained ? "" : " (not trained)")});
  out << aligned(rows, {10, 19, 19, 19, 9, 9, 0});
  if (r.sampled)
    out << "  A sample: " << r.parameters.size() << " of the " << r.parameter_count
        << " parameters (the first and last weight and bias into each layer, the others drawn\n"
        << "  with a fixed seed), as finite differences cost four passes over the network each;\n"
        << "  the engine and the delta rule were compared on every one. --full-check checks all.\n";
  out << (!r.gradients_agree ? "  SOME GRADIENTS DISAGREE.\n"
          : r.sampled        ? "  All checked gradients agree.\n"
                             : "  All gradients agree.\n");
  if (!r.figures.empty()) {
    out << "\nThe tutorial's printed figures against the exact values (a figure printed with k\n"
        << "decimals agrees when it is within one unit of its k-th decimal)\n";
    std::vector<std::vector<std::string>> rows{
        {"figure", "printed", "exact", "exact, as", "verdict"}, {"", "", "", "printed", ""}};
    for (const auto& f : r.figures)
      rows.push_back({ad::printable(f.figure.label), ad::printable(f.figure.printed),
                      ad::number(f.exact, 15), f.exact_as_printed,
                      f.agrees ? "agrees" : "DISCREPANCY"});
    out << aligned(rows, {26, 14, 22, 14, 0});
    out << "  " << r.figures.size() - r.discrepancies << " of " << r.figures.size()
        << " figures agree; " << r.discrepancies << " discrepanc"
        << (r.discrepancies == 1 ? "y" : "ies") << ".\n";
  }
  return out.str();
}

nlohmann::json to_json(const CrossCheck& r) {
  nlohmann::json j;
  j["network"] = r.network;
  j["gradients_agree"] = r.gradients_agree;
  j["parameter_count"] = r.parameter_count;
  j["sampled"] = r.sampled;  // "parameters" lists the ones checked
  j["discrepancies"] = r.discrepancies;
  j["parameters"] = nlohmann::json::array();
  for (const auto& p : r.parameters) {
    nlohmann::json e{{"name", p.name},
                     {"bias", p.bias},
                     {"trained", p.trained},
                     {"engine", p.engine},
                     {"delta_rule", p.delta_rule},
                     {"finite_difference", p.finite_difference},
                     {"largest_relative_difference", p.largest_relative_difference},
                     {"agree", p.agree},
                     {"verdict", p.verdict}};
    if (p.published) e["published"] = p.published->figure.printed;
    j["parameters"].push_back(e);
  }
  j["figures"] = nlohmann::json::array();
  for (const auto& f : r.figures)
    j["figures"].push_back({{"label", f.figure.label},
                            {"quantity", f.figure.quantity},
                            {"printed", f.figure.printed},
                            {"exact", f.exact},
                            {"difference", f.difference},
                            {"agrees", f.agrees},
                            {"exact_as_printed", f.exact_as_printed}});
  return j;
}

StepResult run(const NetworkFile& file, int steps, const CheckOptions& options) {
  const Network& n = file.network;
  const Topology& topology = file.topology;
  StepResult r;
  r.network = n.name.empty() ? file.path : n.name;
  r.steps = steps;
  r.output_names = n.outputs();
  {
    ad::Tape tape;
    Trainer t(&n, &topology);
    r.loss = t.step();
    r.outputs = t.outputs();
    if (n.samples.size() == 1)
      for (const auto& name : node_names(n, false))
        r.node_values.emplace_back(name, t.node(name).value());
    r.parameters_before = n.parameters();
    r.gradients = t.gradients();
    r.parameters_after = t.parameters();
  }
  // Made once the recording is gone: at the limit, each would add hundreds of megabytes to the
  // other.
  r.parameter_names.reserve(n.parameter_count());  // no moving millions of names as they grow
  for (std::size_t p = 0; p < n.parameter_count(); ++p)
    r.parameter_names.emplace_back(n.parameter_name(p));
  // One training run for the --steps asked and the figures' "after N".
  std::map<int, std::vector<std::string>> stops = figure_stops(n);
  if (steps >= 1) stops[steps];
  const Readings readings = train_and_read(n, topology, stops, options.progress, options.history);
  if (steps >= 1) {
    r.loss_after = readings.at(steps).loss;
    r.outputs_after = readings.at(steps).outputs;
  }
  CheckOptions check = options;
  check.readings = &readings;
  check.engine = &r.gradients;  // taken at the file's parameters, before the step
  r.check = cross_check(n, topology, check);
  return r;
}

nlohmann::json to_json(const StepResult& r) {
  auto outputs = [&](const std::vector<std::vector<double>>& o) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t k = 0; k < r.output_names.size(); ++k) {
      if (o.size() == 1) {
        j[r.output_names[k]] = o[0][k];
      } else {
        j[r.output_names[k]] = nlohmann::json::array();
        for (const auto& sample : o) j[r.output_names[k]].push_back(sample[k]);
      }
    }
    return j;
  };
  nlohmann::json j;
  j["loss"] = r.loss;
  j["outputs"] = outputs(r.outputs);
  j["gradients"] = nlohmann::json::object();
  j["parameters_after"] = nlohmann::json::object();
  for (std::size_t p = 0; p < r.parameter_names.size(); ++p) {
    j["gradients"][r.parameter_names[p]] = r.gradients[p];
    j["parameters_after"][r.parameter_names[p]] = r.parameters_after[p];
  }
  if (r.loss_after) {
    j["loss_after"] = *r.loss_after;
    j["outputs_after"] = outputs(r.outputs_after);
  }
  return j;
}

void print_report(std::ostream& out, const NetworkFile& file, const StepResult& r) {
  const Network& n = file.network;
  out << "Network " << ad::printable(r.network) << " (" << ad::printable(file.path)
      << "): " << n.inputs.size() << " inputs";
  for (const auto& layer : n.layers)
    out << ", " << layer.neurons.size() << " " << to_string(layer.activation);
  out << "; loss " << to_string(n.loss) << ", learning rate " << ad::number(n.learning_rate, 12)
      << ", " << n.samples.size() << " sample" << (n.samples.size() == 1 ? "" : "s") << "\n\n";
  if (!r.node_values.empty()) {
    out << "Forward pass (net_X: weighted sum into neuron X; out_X: its activation; E1, E2, ...:\n"
        << "each output's error; E_total: the loss)\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, v] : r.node_values)
      rows.push_back({ad::printable(name), "= " + ad::number(v, 15)});
    out << aligned(rows, {9, 0});
  } else {
    out << "Forward pass, per sample (outputs):\n";
    for (std::size_t s = 0; s < r.outputs.size(); ++s) {
      out << "  sample " << s + 1 << ":";
      for (std::size_t k = 0; k < r.output_names.size(); ++k)
        out << " " << ad::printable(r.output_names[k]) << " = " << ad::number(r.outputs[s][k], 10);
      out << "\n";
    }
  }
  out << "  loss = " << ad::number(r.loss, 15) << "\n\n";
  out << to_text(r.check) << "\n";
  out << "After one gradient step (parameter: before -> after; gradients all taken at the old "
         "values)\n";
  // A sampled network's millions of lines would bury the report: the sample's, and --json has all.
  std::set<std::string_view> shown;
  for (const ParameterCheck& c : r.check.parameters) shown.insert(c.name);
  if (r.check.sampled)
    out << "  (the " << shown.size() << " parameters checked above; --json gives every one)\n";
  for (std::size_t p = 0; p < r.parameters_after.size(); ++p)
    if (!r.check.sampled || shown.contains(r.parameter_names[p]))
      out << "  " << ad::printable(r.parameter_names[p]) << ": "
          << ad::number(r.parameters_before[p], 12) << " -> "
          << ad::number(r.parameters_after[p], 15) << "\n";
  if (r.loss_after) {
    out << "\nAfter " << r.steps << " gradient step" << (r.steps == 1 ? "" : "s")
        << ": loss = " << ad::number(*r.loss_after, 12) << "\n";
    for (std::size_t s = 0; s < r.outputs_after.size(); ++s)
      for (std::size_t k = 0; k < r.output_names.size(); ++k)
        out << "  " << (r.outputs_after.size() > 1 ? "sample " + std::to_string(s + 1) + " " : "")
            << ad::printable(r.output_names[k]) << " = " << ad::number(r.outputs_after[s][k], 12)
            << "\n";
  }
}

}  // namespace ad::nn
