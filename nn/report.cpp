// The reports of a network run: the cross-check of its gradients and published figures, one
// step and a training run, as text and as JSON.
#include "nn/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <map>
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

// The value of every node a figure names "after N" steps, for each such N: N steps from the
// start, then a recording at the parameters they give.
std::map<int, std::map<std::string, double>> values_after(const Network& n, const Topology& t) {
  std::map<int, std::map<std::string, double>> after;  // steps -> node -> value
  for (const auto& f : n.published->figures) {
    auto q = parse_quantity(f.quantity);
    if (q && q->kind == Quantity::After) after[q->steps][q->of] = 0;
  }
  for (auto& [steps, nodes] : after) {
    Trainer trainer(n, t);
    trainer.train(steps);
    trainer.evaluate();
    for (auto& [name, value] : nodes) value = trainer.node(name).value();
  }
  return after;
}

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

// The three gradients of `c` against each other and its figure: sets agree and verdict, and
// returns whether the three gradients agree.
bool judge_gradients(ParameterCheck& c) {
  c.largest_relative_difference = std::max({ad::relative_error(c.engine, c.delta_rule),
                                            ad::relative_error(c.engine, c.finite_difference),
                                            ad::relative_error(c.delta_rule, c.finite_difference)});
  // The delta rule sums the same products in another order: a few ulps. Finite differences
  // carry truncation and rounding error: 1e-7 relative, or 1e-10 absolute for tiny gradients.
  const double scale = std::max({std::abs(c.engine), std::abs(c.delta_rule)});
  const bool exact_agree = std::abs(c.engine - c.delta_rule) <= 1e-12 * scale + 1e-15;
  const bool fd_agree = std::abs(c.engine - c.finite_difference) <= 1e-7 * scale + 1e-10;
  c.agree = exact_agree && fd_agree && (!c.published || c.published->agrees);
  if (!exact_agree)
    c.verdict = "ENGINE AND DELTA RULE DISAGREE";
  else if (!fd_agree)
    c.verdict = "FINITE DIFFERENCE DISAGREES";
  else if (c.published && !c.published->agrees)
    c.verdict = "agree; the published figure differs";
  else if (c.published)
    c.verdict = "agree, and with the published figure";
  else
    c.verdict = "agree";
  return exact_agree && fd_agree;
}

}  // namespace

std::vector<FigureCheck> check_figures(const Network& n, const Topology& t) {
  std::vector<FigureCheck> checks;
  if (!n.published) return checks;
  ad::Tape tape;
  Trainer first(n, t);
  first.evaluate();
  Trainer once(n, t);
  once.step();
  std::map<int, std::map<std::string, double>> after = values_after(n, t);
  first.evaluate();
  for (std::size_t i = 0; i < n.published->figures.size(); ++i) {
    const Figure& f = n.published->figures[i];
    check_quantity(n, f.quantity, "/published/figures/" + std::to_string(i) + "/quantity");
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
      case Quantity::Updated:
        for (std::size_t p = 0; p < n.parameter_count(); ++p)
          if (n.parameter_name(p) == q.of) exact = once.network().parameter(p);
        break;
      case Quantity::After:
        exact = after[q.steps][q.of];
        break;
    }
    checks.push_back(judge_figure(f, exact, n.published->rounding));
  }
  return checks;
}

CrossCheck cross_check(const Network& n, const Topology& t) {
  CrossCheck report;
  report.network = n.name;
  std::vector<double> engine;
  {
    ad::Tape tape;
    Trainer trainer(n, t);
    trainer.evaluate();
    engine = trainer.gradients();
  }
  const std::vector<double> delta = delta_rule_gradients(n, t);
  const std::vector<double> fd = finite_difference_gradients(n, t);
  report.figures = check_figures(n, t);
  for (const auto& f : report.figures) report.discrepancies += !f.agrees;
  const std::string loss_name = n.samples.size() == 1 ? "E_total" : "E_mean";
  for (std::size_t p = 0; p < n.parameter_count(); ++p) {
    ParameterCheck c;
    c.name = n.parameter_name(p);
    c.bias = n.is_bias(p);
    c.trained = std::find(t.trained.begin(), t.trained.end(), p) != t.trained.end();
    c.engine = engine[p];
    c.delta_rule = delta[p];
    c.finite_difference = fd[p];
    for (const auto& f : report.figures) {
      const auto q = parse_quantity(f.figure.quantity);
      if (q && q->kind == Quantity::Derivative && q->of == loss_name && q->wrt == c.name)
        c.published = f;
    }
    report.gradients_agree = judge_gradients(c) && report.gradients_agree;
    report.parameters.push_back(c);
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
  out << (r.gradients_agree ? "  All gradients agree.\n" : "  SOME GRADIENTS DISAGREE.\n");
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

StepResult run(const NetworkFile& file, int steps) {
  const Network& n = file.network;
  const Topology& topology = file.topology;
  StepResult r;
  r.network = n.name.empty() ? file.path : n.name;
  r.steps = steps;
  r.output_names = n.outputs();
  ad::Tape tape;
  {
    Trainer t(n, topology);
    r.loss = t.step();
    r.outputs = t.outputs();
    if (n.samples.size() == 1)
      for (const auto& name : node_names(n)) r.node_values.emplace_back(name, t.node(name).value());
    for (std::size_t p = 0; p < n.parameter_count(); ++p) {
      std::string name(n.parameter_name(p));
      r.parameters_before.emplace_back(name, n.parameter(p));
      r.gradients.emplace_back(name, t.gradients()[p]);
      r.parameters_after.emplace_back(name, t.network().parameter(p));
    }
  }
  if (steps >= 1) {
    Trainer t(n, topology);
    t.train(steps);
    r.loss_after = t.evaluate();
    r.outputs_after = t.outputs();
  }
  r.check = cross_check(n, topology);
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
  for (const auto& [name, g] : r.gradients) j["gradients"][name] = g;
  j["parameters_after"] = nlohmann::json::object();
  for (const auto& [name, v] : r.parameters_after) j["parameters_after"][name] = v;
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
    for (const auto& [name, v] : r.node_values) {
      if (name.rfind("net_", 0) == 0 || name.rfind("out_", 0) == 0 || name[0] == 'E')
        rows.push_back({ad::printable(name), "= " + ad::number(v, 15)});
    }
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
  for (std::size_t p = 0; p < r.parameters_after.size(); ++p)
    out << "  " << ad::printable(r.parameters_after[p].first) << ": "
        << ad::number(r.parameters_before[p].second, 12) << " -> "
        << ad::number(r.parameters_after[p].second, 15) << "\n";
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
