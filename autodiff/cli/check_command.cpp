// autodiff check EXPR -d x=FORMULA ... --at x=1,y=2 ...: verifies derivatives worked out by hand
// at every point. The verdict compares yours with the engine's gradient, which is exact to
// rounding: they agree iff |yours − engine| ≤ T·max(|yours|, |engine|) + 4·(the rounding bounds
// of both), the bounds coming from the magnitudes that cancel in each (verdict.hpp), so the rule
// is relative and no derivative is accepted for being small. A central finite difference,
// computed on doubles without the engine, is reported beside it as a check of the engine, with
// its error estimate; it never decides the verdict on your derivative. When a formula disagrees,
// the report shows the value of each term and factor you wrote beside the engine's quantities,
// so the wrong step can be found.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "autodiff/cli/command.hpp"
#include "autodiff/expression/verdict.hpp"

namespace {

using namespace autodiff_cli;
namespace ex = ad::expression;
using nlohmann::json;

struct CheckOptions {
  std::string expression;
  std::vector<std::string> derivatives;  // "x=2*x*sin(y)"
  std::vector<std::string> points;       // "x=1,y=2"
  double tolerance = 1e-6;
  bool json = false;
  int precision = 17;
};

// |a − b| relative to the larger magnitude (0 when both are 0).
double relative_error(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  return scale == 0 ? 0.0 : std::abs(a - b) / scale;
}

// The finite difference confirms the engine when they differ by no more than the tolerance, the
// finite difference's error estimate and the engine's rounding bound allow.
bool confirms(const ex::FiniteDifference& fd, double engine, double engine_error,
              double tolerance) {
  const ex::Verdict v = ex::judge(fd.estimate, 0, engine, engine_error, tolerance);
  return v.difference <= v.allowed + fd.error;
}

// A variable whose formula names a variable the expression lacks is a usage error, with the
// closest name and a caret.
void require_known_variables(const ex::Expression& formula, const ex::Node& node,
                             const std::vector<std::string>& variables, const std::string& what) {
  if (node.kind == ex::Node::Kind::Variable &&
      std::find(variables.begin(), variables.end(), node.name) == variables.end()) {
    std::string message = "'" + node.name + "' is not a variable of the expression";
    if (const auto close = ex::closest_name(node.name, variables))
      message += " (did you mean '" + *close + "'?)";
    fail(kUsage,
         "in " + what + ": " +
             ex::UnknownVariable(message, formula.source(), node.begin, node.end - node.begin)
                 .what());
  }
  for (const ex::Node& operand : node.operands)
    require_known_variables(formula, operand, variables, what);
}

// The top-level terms of a sum (a subtracted term counts as -t) or the factors of a product (a
// divisor counts as a factor 1/b), as the user wrote them.
struct Part {
  const ex::Node* node;
  bool flipped;  // a term after '-', a factor after '/'
};
void split(const ex::Node& node, ad::Op plus, ad::Op minus, bool flipped, std::vector<Part>& out) {
  if (node.kind == ex::Node::Kind::Operation && (node.op == plus || node.op == minus)) {
    split(node.operands[0], plus, minus, flipped, out);
    split(node.operands[1], plus, minus, node.op == minus ? !flipped : flipped, out);
  } else {
    out.push_back({&node, flipped});
  }
}

// The engine's account of a sub-expression N of f at a point: its value, its derivative with
// respect to each variable and ∂f/∂N. A correct hand derivation is built from these numbers.
struct SubExpression {
  std::string text;
  double value;
  std::map<std::string, double> derivative;  // ∂N/∂variable
  double outer;                              // ∂f/∂N
};

struct Engine {
  double value;
  std::map<std::string, double> gradient;
  std::map<std::string, double> rounding;  // a bound on the rounding error of each gradient
  std::vector<SubExpression> parts;        // in recording order: inner ones first
};

Engine run_engine(const ex::Expression& expression, const std::vector<std::string>& names,
                  const ex::Values& point, int precision) {
  ad::Tape tape(ad::Tape::Options{.checked = true});
  ex::Variables variables;
  for (const std::string& name : names) variables.emplace(name, ad::Var(point.at(name), name));
  std::map<const ex::Node*, ad::Var> recorded;
  Engine engine;
  try {
    const ad::Var f = ex::record(expression, variables, &recorded);
    engine.value = f.value();
    // The sub-expressions, once per text (x may occur many times), in recording order.
    std::vector<std::pair<std::string, ad::Var>> nodes;
    for (const auto& [node, var] : recorded) {
      std::string text(expression.text(*node));
      if (std::none_of(nodes.begin(), nodes.end(), [&](const auto& n) { return n.first == text; }))
        nodes.emplace_back(std::move(text), var);
    }
    std::sort(nodes.begin(), nodes.end(),
              [](const auto& a, const auto& b) { return a.second.index() < b.second.index(); });
    // One sweep from f gives the gradient and every ∂f/∂N; one sweep from each N its ∂N/∂x.
    tape.backward(f);
    const std::vector<double> rounding = ex::gradient_rounding(tape, f);
    for (const std::string& name : names) {
      engine.gradient[name] = tape.gradient(variables.at(name));
      engine.rounding[name] = rounding.at(variables.at(name).index());
    }
    for (const auto& [text, var] : nodes)
      engine.parts.push_back({text, var.value(), {}, tape.gradient(var)});
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      tape.backward(nodes[i].second);
      for (const std::string& name : names)
        engine.parts[i].derivative[name] = tape.gradient(variables.at(name));
    }
  } catch (const ad::Error& e) {  // DomainError, NonFinite
    fail(kNumeric, "at " + describe(point, precision) + ": " + e.what());
  }
  return engine;
}

// Shows where a formula for ∂f/∂name goes wrong: the value of every term and factor the user
// wrote, each beside the engine's quantities that have the same value, then the table of the
// engine's quantities. Returns the same as JSON: {"terms": [...], "engine_quantities": [...]}.
json diagnose(const ex::Expression& formula, const Engine& engine, const std::string& name,
              const ex::Values& point, int p, std::ostream& text) {
  const auto same_as = [&](double v) {
    json found = json::array();
    // 0 and ±1 equal too many quantities to point at any.
    if (v == 0 || std::abs(v) == 1) return found;
    const auto match = [&](double q, const std::string& label) {
      if (found.size() < 3 && relative_error(v, q) <= 1e-9) found.push_back(label);
    };
    for (const SubExpression& part : engine.parts) {
      match(part.value, "value of " + part.text);
      if (part.text != name) match(part.derivative.at(name), "d(" + part.text + ")/d" + name);
      match(part.outer, "df/d(" + part.text + ")");
    }
    return found;
  };
  const auto notes = [](const json& labels) {
    std::string note;
    for (const auto& label : labels)
      note += (note.empty() ? "   same as " : ", ") + label.get<std::string>();
    return note;
  };

  json result = {{"terms", json::array()}, {"engine_quantities", json::array()}};
  std::vector<Part> terms;
  split(formula.root(), ad::Op::Add, ad::Op::Sub, false, terms);
  text << "    your formula term by term (the terms should add up to the engine's "
       << format(engine.gradient.at(name), p) << "):\n";
  for (const Part& term : terms) {
    const double value = ex::evaluate(formula, *term.node, point) * (term.flipped ? -1 : 1);
    const std::string term_text = (term.flipped ? "-" : "") + std::string(formula.text(*term.node));
    const json term_same = term.node->depends_on_variables() ? same_as(value) : json::array();
    text << "      term " << term_text << " = " << format(value, p) << notes(term_same) << '\n';
    std::vector<Part> factors;
    split(*term.node, ad::Op::Mul, ad::Op::Div, false, factors);
    json factors_json = json::array();
    for (const Part& factor : factors) {
      double v = ex::evaluate(formula, *factor.node, point);
      if (factor.flipped) v = 1 / v;
      const std::string factor_text =
          (factor.flipped ? "1/" : "") + std::string(formula.text(*factor.node));
      const json factor_same = factor.node->depends_on_variables() ? same_as(v) : json::array();
      if (factors.size() > 1)
        text << "        factor " << factor_text << " = " << format(v, p) << notes(factor_same)
             << '\n';
      factors_json.push_back({{"text", factor_text}, {"value", v}, {"same_as", factor_same}});
    }
    result["terms"].push_back(
        {{"text", term_text}, {"value", value}, {"factors", factors_json}, {"same_as", term_same}});
  }

  const auto column = [](const std::string& x, std::size_t width) {
    return x + std::string(x.size() < width ? width - x.size() : 1, ' ');
  };
  text << "    the engine's quantities at this point, for comparison:\n      "
       << column("sub-expression N", 30) << column("value of N", 25) << column("dN/d" + name, 25)
       << "df/dN\n";
  for (const SubExpression& part : engine.parts) {
    const double derivative = part.derivative.at(name);
    text << "      " << column(part.text, 30) << column(format(part.value, p), 25)
         << column(format(derivative, p), 25) << format(part.outer, p) << '\n';
    result["engine_quantities"].push_back({{"subexpression", part.text},
                                           {"value", part.value},
                                           {"derivative", derivative},
                                           {"outer_derivative", part.outer}});
  }
  return result;
}

void run_check(const CheckOptions& options) {
  const ex::Expression expression = parse_or_fail(options.expression, "the expression");
  const std::vector<std::string> names = expression.variables();
  if (names.empty()) fail(kUsage, "the expression has no variables: nothing to check");
  if (!(std::isfinite(options.tolerance) && options.tolerance > 0))
    fail(kUsage, "--tolerance " + format(options.tolerance, 3) +
                     ": must be a finite positive number, e.g. 1e-6");

  std::map<std::string, ex::Expression> manual;
  for (const std::string& d : options.derivatives) {
    const auto equals = d.find('=');
    if (equals == std::string::npos)
      fail(kUsage, "-d " + d + ": expected VARIABLE=FORMULA, e.g. -d x='2*x'");
    std::string name = d.substr(0, equals);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string message = "-d " + d + ": '" + name + "' is not a variable of the expression";
      if (const auto close = ex::closest_name(name, names))
        message += " (did you mean '" + *close + "'?)";
      fail(kUsage, message);
    }
    if (manual.contains(name)) fail(kUsage, "-d: the derivative for '" + name + "' given twice");
    const std::string what = "the derivative for " + name;
    ex::Expression formula = parse_or_fail(d.substr(equals + 1), what);
    require_known_variables(formula, formula.root(), names, what);
    manual.emplace(name, std::move(formula));
  }
  if (manual.empty())
    fail(kUsage, "give the derivative you worked out for at least one variable, e.g. -d " +
                     names.front() + "='...'");
  if (options.points.empty())
    fail(kUsage, "give at least one point with --at, e.g. --at " + names.front() + "=1");

  const int p = options.precision;
  bool all_agree = true;
  json report = {{"expression", options.expression},
                 {"tolerance", options.tolerance},
                 {"checks", json::array()}};
  std::ostringstream text;
  text << "checking the derivatives of " << options.expression << " (tolerance "
       << format(options.tolerance, 3) << ")\n";
  std::size_t checked = 0, agreeing = 0;

  for (const std::string& at : options.points) {
    const ex::Values point = parse_point(at, "--at");
    require_variables(point, names, "--at");
    const Engine engine = run_engine(expression, names, point, p);
    text << "\nat " << describe(point, p) << ": f = " << format(engine.value, p) << '\n';

    for (const std::string& name : names) {
      const double g = engine.gradient.at(name);
      const double g_error = engine.rounding.at(name);
      const auto fd = ex::finite_difference(expression, point, name);
      const bool fd_confirms = !fd || confirms(*fd, g, g_error, options.tolerance);
      const auto formula = manual.find(name);
      std::optional<ex::Bounded> mine;
      if (formula != manual.end()) {
        try {
          mine = ex::evaluate_bounded(formula->second, point);
        } catch (const ex::ExpressionError& e) {
          fail(kNumeric,
               "the derivative for " + name + " at " + describe(point, p) + ": " + e.what());
        }
      }
      // Yours is judged against the engine only; a derivative you did not give leaves the
      // engine against the finite difference.
      std::optional<ex::Verdict> verdict;
      std::optional<ex::WrittenPrecision> written;
      if (mine) {
        written = ex::written_precision(formula->second.source());
        verdict = ex::judge(mine->value, mine->error, g, g_error, options.tolerance,
                            written ? std::optional(written->last_digit_unit) : std::nullopt);
      }
      const bool ok = verdict ? verdict->agree : fd_confirms;
      all_agree = all_agree && ok;
      ++checked;
      agreeing += ok ? 1 : 0;

      json row = {{"variable", name},
                  {"at", point},
                  {"engine", g},
                  {"engine_error", g_error},
                  {"manual", mine ? json(mine->value) : json(nullptr)},
                  {"manual_error", mine ? json(mine->error) : json(nullptr)},
                  {"formula", mine ? json(formula->second.source()) : json(nullptr)},
                  {"difference", verdict ? json(verdict->difference) : json(nullptr)},
                  {"allowed", verdict ? json(verdict->allowed) : json(nullptr)},
                  {"digits_given", written ? json(written->significant_digits) : json(nullptr)},
                  {"matches_digits_given", verdict && verdict->within_last_digit},
                  {"finite_difference", fd ? json(fd->estimate) : json(nullptr)},
                  {"finite_difference_error", fd ? json(fd->error) : json(nullptr)},
                  {"finite_difference_confirms_engine", fd ? json(fd_confirms) : json(nullptr)},
                  {"agree", ok}};
      json& rel = row["relative_error"] = json::object();
      if (mine) rel["manual_engine"] = relative_error(mine->value, g);
      if (mine && fd) rel["manual_finite_difference"] = relative_error(mine->value, fd->estimate);
      if (fd) rel["engine_finite_difference"] = relative_error(g, fd->estimate);

      text << "  d/d" << name << ": " << (ok ? "agree" : "DISAGREE") << '\n';
      const auto value_line = [&](const std::string& label, const std::string& value,
                                  const std::string& note) {
        text << "    " << label << std::string(19 - label.size(), ' ') << value << note << '\n';
      };
      value_line("engine", format(g, p), "");
      if (mine) value_line("yours", format(mine->value, p), "   = " + formula->second.source());
      if (fd)
        value_line("finite difference", format(fd->estimate, p),
                   "   (± " + format(fd->error, 2) + ")");
      else
        value_line("finite difference", "n/a", "   (every step leaves a function's domain)");
      std::string errors;
      if (mine) errors += "yours vs engine " + format(rel["manual_engine"].get<double>(), 3);
      if (mine && fd)
        errors += ", yours vs finite difference " +
                  format(rel["manual_finite_difference"].get<double>(), 3);
      if (fd)
        errors += (errors.empty() ? "" : ", ") + std::string("engine vs finite difference ") +
                  format(rel["engine_finite_difference"].get<double>(), 3);
      value_line("relative error", errors, "");
      if (verdict)
        value_line("|yours - engine|", format(verdict->difference, 3),
                   ", allowed " + format(verdict->allowed, 3));
      if (verdict && verdict->within_last_digit)
        text << "    matches to the " << written->significant_digits
             << " significant digits given; give more digits to check further\n";
      if (!fd_confirms && ok)
        text << "    the finite difference is unreliable here: it differs from the engine by more "
                "than its error estimate, and yours agrees with the engine\n";
      else if (!fd_confirms)
        text << "    the engine and the finite difference disagree: is the point at a kink or "
                "a discontinuity?\n";

      if (mine && !ok) {
        const json where = diagnose(formula->second, engine, name, point, p, text);
        row["terms"] = where["terms"];
        row["engine_quantities"] = where["engine_quantities"];
      }
      report["checks"].push_back(row);
    }
  }
  report["agree"] = all_agree;
  text << '\n' << agreeing << " of " << checked << " checks agree\n";
  if (options.json)
    std::cout << report.dump(2) << '\n';
  else
    std::cout << text.str();
  if (!all_agree) throw CLI::RuntimeError(kDisagree);
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* check = app.add_subcommand(
      "check",
      "Check derivatives worked out by hand against the engine's gradient and a central finite "
      "difference, at one or more points.\nExample: autodiff check 'x^2*sin(y)' -d "
      "x='2*x*sin(y)' -d y='x^2*cos(y)' --at x=1,y=2 --at x=-0.5,y=3");
  check->add_option("expression", options->expression, "the expression, e.g. 'x^2*sin(y)'")
      ->required()
      ->type_name("EXPR");
  check
      ->add_option("-d,--derivative", options->derivatives,
                   "VARIABLE=FORMULA: your derivative with respect to VARIABLE, a formula in "
                   "the same language or a number; once per variable")
      ->type_name("VARIABLE=FORMULA")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  check->add_option("--at", options->points, "a point, e.g. x=1,y=2; repeat for more points")
      ->type_name("POINT")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  check
      ->add_option("--tolerance", options->tolerance,
                   "a finite positive number: yours agrees when |yours - engine| <= "
                   "T*max(|yours|, |engine|) + 4*(the rounding-error bounds of both, which "
                   "grow only where terms cancel). The finite difference is a check of the "
                   "engine, shown beside it; it decides only for a variable without -d")
      ->capture_default_str()
      ->type_name("T");
  check->add_flag("--json", options->json,
                  "print the report as JSON; each check has engine, engine_error (its rounding "
                  "bound), manual, manual_error, difference (|yours - engine|), allowed (the "
                  "largest difference that agrees), digits_given (for a derivative written as a "
                  "number), matches_digits_given, finite_difference, finite_difference_error, "
                  "finite_difference_confirms_engine and agree");
  check->add_option("--precision", options->precision, "significant digits (default 17)")
      ->type_name("N")
      ->check(CLI::Range(1, 17));
  check->callback([options] { run_check(*options); });
}
