// autodiff check EXPR -d x=FORMULA ... --at x=1,y=2 ...: verifies derivatives worked out by hand
// at every point. The verdict compares yours with the engine's gradient, which is exact to
// rounding: they agree iff |yours − engine| ≤ T·max(|yours|, |engine|) + 4·(the rounding bounds
// of both), the bounds coming from the magnitudes that cancel in each (verdict.hpp), so the rule
// is relative and no derivative is accepted for being small. A central finite difference,
// computed on doubles without the engine, is reported beside it as a check of the engine, with
// its error estimate; it never decides the verdict on your derivative. --let names
// sub-expressions. When a formula disagrees the report names the likely mistake with its
// correction (diagnosis.hpp), and with --verbose shows the value of each term and factor you
// wrote beside the engine's quantities. -d x,y=FORMULA checks a second derivative ∂²f/∂x∂y the
// same way, against the engine's Hessian (no diagnosis for second derivatives); with second
// derivatives alone, only they are judged.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <tuple>

#include "autodiff/expression/definitions.hpp"
#include "autodiff/expression/diagnosis.hpp"
#include "autodiff/expression/nearby.hpp"
#include "autodiff/hessian.hpp"
#include "autodiff/text.hpp"
#include "cli/command.hpp"
#include "cli/judgement.hpp"
#include "nn/progress.hpp"

namespace {

using namespace ad::cli;
namespace ex = ad::expr;
using nlohmann::json;

struct CheckOptions {
  std::string expression;
  std::vector<std::string> derivatives;  // "x=2*x*sin(y)"
  std::vector<std::string> points;       // "x=1,y=2"
  std::vector<std::string> lets;         // "out=sigmoid(w*x + b)"
  bool verbose = false;
  double tolerance = 1e-6;
  bool json = false;
  int precision = 17;
};

// A variable whose formula names a variable the expression lacks is a usage error, with the
// closest name and a caret.
void require_known_variables(const ex::Expression& formula, const ex::Node& root,
                             const std::vector<std::string>& variables, const std::string& what) {
  ex::fold<int>(root, [&](const ex::Node& node, std::span<int>) {
    if (node.kind == ex::Node::Kind::Variable &&
        std::find(variables.begin(), variables.end(), node.name) == variables.end()) {
      std::string message = "'" + node.name + "' is not a variable of the expression";
      message += ad::did_you_mean(node.name, variables);
      fail(kUsage,
           "in " + what + ": " +
               ex::UnknownVariable(message, formula.source(), node.begin, node.end - node.begin)
                   .what());
    }
    return 0;
  });
}

// The top-level terms of a sum (a subtracted term counts as -t) or the factors of a product (a
// divisor counts as a factor 1/b), as the user wrote them.
struct Part {
  const ex::Node* node;
  bool flipped;  // a term after '-', a factor after '/'
};
// The line cut to `width` columns (display_width) with "..." (at a character boundary), if it
// is wider.
std::string fit(const std::string& line, std::size_t width) {
  if (ad::display_width(line) <= width) return line;
  std::size_t cut = 0;
  for (std::size_t used = 0; cut < line.size();) {
    const std::size_t size = ad::character_size(line, cut);
    used += ad::display_width(std::string_view(line).substr(cut, size));
    if (used + 3 > width) break;
    cut += size;
  }
  return line.substr(0, cut) + "...";
}

// The terminal's width, at most 100 columns (100 when the output is not a terminal).
std::size_t report_width() {
  winsize size{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 40)
    return std::min<std::size_t>(size.ws_col, 100);
  return 100;
}

// In a loop: a sum of n terms is a tree n deep.
void split(const ex::Node& root, ad::Op plus, ad::Op minus, bool flipped, std::vector<Part>& out) {
  std::vector<Part> pending{{&root, flipped}};  // the last is the leftmost
  while (!pending.empty()) {
    const Part part = pending.back();
    pending.pop_back();
    const ex::Node& node = *part.node;
    if (node.kind == ex::Node::Kind::Operation && (node.op == plus || node.op == minus)) {
      pending.push_back({&node.operands[1], node.op == minus ? !part.flipped : part.flipped});
      pending.push_back({&node.operands[0], part.flipped});
    } else {
      out.push_back(part);
    }
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

// Two variables of a second derivative, ∂²f/∂first∂second, as written after -d.
using Pair = std::pair<std::string, std::string>;

struct Engine {
  double value;
  std::map<std::string, double> gradient;
  std::map<std::string, double> rounding;  // a bound on the rounding error of each gradient
  std::vector<SubExpression> parts;        // in recording order: inner ones first
  std::map<Pair, double> hessian;          // the second derivatives asked for
  std::map<Pair, double> hessian_rounding;
};

// The engine's table of every sub-expression N of f: its value, dN/dname and df/dN, rows at
// most `width` columns (a long sub-expression gets a line of its own above its values).
// Returns the rows as JSON.
json engine_table(const Engine& engine, const std::string& name, int p, std::size_t width,
                  std::ostream& text) {
  json quantities = json::array();
  const auto column = [](const std::string& x, std::size_t width) {
    const std::size_t used = ad::display_width(x);
    return x + std::string(used < width ? width - used : 1, ' ');
  };
  const std::size_t value_width = static_cast<std::size_t>(p) + 9;  // -1.25e-100 at p digits
  const std::size_t name_width =
      width > 6 + 3 * value_width + 12 ? width - 6 - 3 * value_width : 12;
  const auto row = [&](const std::string& n, const std::string& a, const std::string& b,
                       const std::string& c) {
    text << "      ";
    if (ad::display_width(n) >= name_width)
      text << fit(n, width - 6) << "\n      " << std::string(name_width, ' ');
    else
      text << column(n, name_width);
    text << column(a, value_width) << column(b, value_width) << c << '\n';
  };
  text << "    the engine's quantities at this point, for comparison:\n";
  row("sub-expression N", "value of N", "dN/d" + name, "df/dN");
  for (const SubExpression& part : engine.parts) {
    const double derivative = part.derivative.at(name);
    row(ad::printable(part.text), ad::number(part.value, p), ad::number(derivative, p),
        ad::number(part.outer, p));
    quantities.push_back({{"subexpression", part.text},
                          {"value", part.value},
                          {"derivative", derivative},
                          {"outer_derivative", part.outer}});
  }
  return quantities;
}

// Shows where a formula for ∂f/∂name goes wrong: the value of every term and factor the user
// wrote, each beside the engine's quantities that have the same value, then the table of the
// engine's quantities. Returns the same as JSON: {"terms": [...], "engine_quantities": [...]}.
// The text's lines are at most `width` columns: a long one is cut with "...", and a long
// sub-expression of the table gets a line of its own above its values.
json diagnose(const ex::Expression& formula, const Engine& engine, const std::string& name,
              const ex::Values& point, int p, std::size_t width, std::ostream& text) {
  const auto same_as = [&](double v) {
    json found = json::array();
    // 0 and ±1 equal too many quantities to point at any.
    if (v == 0 || std::abs(v) == 1) return found;
    const auto match = [&](double q, const std::string& label) {
      if (found.size() < 3 && ad::relative_error(v, q) <= 1e-9) found.push_back(label);
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
      note += (note.empty() ? "   same as " : ", ") + ad::printable(label.get<std::string>());
    return note;
  };

  json result = {{"terms", json::array()}, {"engine_quantities", json::array()}};
  std::vector<Part> terms;
  split(formula.root(), ad::Op::Add, ad::Op::Sub, false, terms);
  text << "    your formula term by term (the terms should add up to the engine's "
       << ad::number(engine.gradient.at(name), p) << "):\n";
  for (const Part& term : terms) {
    const double value = ex::evaluate(formula, *term.node, point) * (term.flipped ? -1 : 1);
    const std::string term_text = (term.flipped ? "-" : "") + std::string(formula.text(*term.node));
    const json term_same = term.node->depends_on_variables() ? same_as(value) : json::array();
    text << fit("      term " + ad::printable(term_text) + " = " + ad::number(value, p) +
                    notes(term_same),
                width)
         << '\n';
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
        text << fit("        factor " + ad::printable(factor_text) + " = " + ad::number(v, p) +
                        notes(factor_same),
                    width)
             << '\n';
      factors_json.push_back({{"text", factor_text}, {"value", v}, {"same_as", factor_same}});
    }
    result["terms"].push_back(
        {{"text", term_text}, {"value", value}, {"factors", factors_json}, {"same_as", term_same}});
  }

  result["engine_quantities"] = engine_table(engine, name, p, width, text);
  return result;
}

// What the command line asks for, read and checked: the expression, the definitions, your
// derivatives and the points, each point with the engine's account of f there.
struct Check {
  ex::Expression expression;
  ex::Definitions definitions;
  std::vector<std::string> names;                // the base variables, given values by --at
  std::vector<std::string> targets;              // the derivatives to check, in order
  std::map<std::string, ex::Expression> manual;  // yours, by variable
  std::vector<Pair> pairs;                       // the second derivatives, in the order given
  std::map<Pair, ex::Expression> manual_second;  // yours, by pair
  std::vector<ex::Values> points;
  std::vector<Engine> engines;  // one per point
};

// ∂f/∂name for each target and the engine's account of every sub-expression, after the sweep
// from f. A sweep from each sub-expression N gives its ∂N/∂x.
void first_derivatives(ad::Tape& tape, const ad::Var& f, const std::vector<std::string>& targets,
                       const ex::Variables& variables, const ex::Expression& expression,
                       const std::map<const ex::Node*, ad::Var>& recorded, Engine& engine) {
  const std::vector<double> rounding = ex::gradient_rounding(tape, f);
  for (const std::string& name : targets) {
    engine.gradient[name] = tape.gradient(variables.at(name));
    engine.rounding[name] = rounding.at(tape.index(variables.at(name)));
  }
  // The sub-expressions, once per text (x may occur many times), in recording order. Each
  // costs a sweep and its text: past a thousand (a sum of 100,000 terms) the quadratic work is
  // not done, and the --verbose table goes without them.
  constexpr std::size_t kMostParts = 1000;
  std::vector<std::pair<std::string, ad::Var>> nodes;
  for (const auto& [node, var] : recorded) {
    if (recorded.size() > kMostParts) break;
    std::string text(expression.text(*node));
    if (std::none_of(nodes.begin(), nodes.end(), [&](const auto& n) { return n.first == text; }))
      nodes.emplace_back(std::move(text), var);
  }
  std::sort(nodes.begin(), nodes.end(), [&](const auto& a, const auto& b) {
    return tape.index(a.second) < tape.index(b.second);
  });
  for (const auto& [text, var] : nodes)
    engine.parts.push_back({text, var.value(), {}, tape.gradient(var)});
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    tape.backward(nodes[i].second);
    for (const std::string& name : targets) {
      // Only the --verbose table reads these: a sub-expression whose own derivative is not
      // finite (log(x) at a subnormal x) is shown as such, it does not stop the check.
      double d = std::numeric_limits<double>::quiet_NaN();
      try {
        d = tape.gradient(variables.at(name));
      } catch (const ad::NonFinite&) {
      }
      engine.parts[i].derivative[name] = d;
    }
  }
}

// The second derivatives asked for, on the same checked tape: ∂²f/∂a∂b is entry a of the
// Hessian's column b, one Hessian-vector product along e_b, so only the columns asked for are
// swept. (A checked sweep stops at any second partial on the tape that is not finite.)
void second_derivatives(const ad::Tape& tape, const ad::Var& f,
                        const std::vector<std::string>& names, const ex::Variables& variables,
                        const std::vector<Pair>& pairs, Engine& engine) {
  std::vector<ad::Var> inputs;
  for (const std::string& name : names) inputs.push_back(variables.at(name));
  const auto index = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  std::map<std::size_t, std::pair<std::vector<double>, std::vector<double>>> columns;
  for (const Pair& pair : pairs) {
    const std::size_t column = index(pair.second);
    if (!columns.contains(column)) {
      std::vector<double> direction(names.size(), 0.0);
      direction[column] = 1;
      columns[column] = {ad::hessian_vector(tape, f, inputs, direction),
                         ex::hessian_rounding(tape, f, inputs, column)};
    }
    engine.hessian[pair] = columns[column].first.at(index(pair.first));
    engine.hessian_rounding[pair] = columns[column].second.at(index(pair.first));
  }
}

// The engine's account of f at `point`: the derivatives in c.targets and c.pairs, on a checked
// tape. A value or derivative that is not finite ends the check (kNumeric), a second derivative
// located in the expression with a caret as `grad --hessian` does.
Engine run_engine(const Check& c, const ex::Values& point, int precision) {
  ad::Tape tape(ad::Tape::Options{.checked = true});
  ex::Variables variables;
  for (const std::string& name : c.names) variables.emplace(name, ad::Var(point.at(name), name));
  std::map<const ex::Node*, ad::Var> recorded;
  Engine engine;
  const std::string where = "at " + describe(point, precision);
  try {
    c.definitions.record(variables);
    const ad::Var f = ex::record(c.expression, variables, &recorded);
    name_subexpressions(tape, c.expression, recorded);
    engine.value = f.value();
    if (!c.targets.empty()) {
      tape.backward(f);
      first_derivatives(tape, f, c.targets, variables, c.expression, recorded, engine);
    }
    try {
      second_derivatives(tape, f, c.names, variables, c.pairs, engine);
    } catch (const ad::NonFinite& e) {
      fail_second_derivative(e, tape, c.expression, recorded, where);
    }
  } catch (const ad::Error& e) {  // DomainError, NonFinite
    fail(kNumeric, where + ": " + e.what());
  }
  return engine;
}

// "  x " -> "x"
std::string trimmed(std::string text) {
  text.erase(0, text.find_first_not_of(' '));
  text.erase(text.find_last_not_of(' ') + 1);
  return text;
}

const std::string kSecondOrderForm =
    "VARIABLE,VARIABLE=FORMULA for a second derivative, e.g. -d x,y='2*x*cos(y)'";

// For a name such as "x;y" or "x y" that is two variables joined by something other than a
// comma: the hint that a second derivative's two variables are separated by one.
std::string comma_hint(const std::string& name, const std::vector<std::string>& variables) {
  const auto is_name = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  };
  const auto cut = std::find_if_not(name.begin(), name.end(), is_name);
  const auto resume = std::find_if(cut, name.end(), is_name);
  const std::string a(name.begin(), cut), b(resume, name.end());
  const auto known = [&](const std::string& v) {
    return std::find(variables.begin(), variables.end(), v) != variables.end();
  };
  if (cut == name.end() || !known(a) || !known(b)) return "";
  return " (a second derivative's two variables are separated by a comma: -d " + a + "," + b +
         "=...)";
}

// -d A,B=FORMULA: a second derivative, of two base variables (not a name defined by --let: its
// second derivative with the variables held is not what the Hessian of f gives).
void read_second_derivative(const std::string& d, const std::string& names_part,
                            const std::vector<std::string>& known, Check& c) {
  std::vector<std::string> pair;
  for (std::size_t from = 0;;) {
    const auto comma = names_part.find(',', from);
    pair.push_back(trimmed(names_part.substr(from, comma - from)));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  if (pair.size() != 2 || pair[0].empty() || pair[1].empty())
    fail(kUsage, "-d " + ad::printable(d) + ": expected " + kSecondOrderForm);
  for (const std::string& name : pair) {
    if (c.definitions.find(name) != nullptr)
      fail(kUsage, "-d " + ad::printable(d) + ": '" + name +
                       "' is defined by --let; second derivatives are taken with respect to the "
                       "variables given by --at");
    if (std::find(c.names.begin(), c.names.end(), name) == c.names.end())
      fail(kUsage, "-d " + ad::printable(d) + ": '" + ad::printable(name) +
                       "' is not a variable of the expression" + ad::did_you_mean(name, c.names));
  }
  const Pair key{pair[0], pair[1]};
  if (c.manual_second.contains(key))
    fail(kUsage, "-d: the second derivative for '" + pair[0] + "," + pair[1] + "' given twice");
  const std::string what = "the second derivative for " + pair[0] + "," + pair[1];
  ex::Expression formula = parse_or_fail(d.substr(d.find('=') + 1), what);
  require_known_variables(formula, formula.root(), known, what);
  c.pairs.push_back(key);
  c.manual_second.emplace(key, std::move(formula));
}

// -d NAME=FORMULA, each naming a variable or a defined name once; -d A,B=FORMULA, each pair once.
std::map<std::string, ex::Expression> read_derivatives(const CheckOptions& options,
                                                       const std::vector<std::string>& known,
                                                       Check& c) {
  std::map<std::string, ex::Expression> manual;
  for (const std::string& d : options.derivatives) {
    const auto equals = d.find('=');
    if (equals == std::string::npos)
      fail(kUsage, "-d " + ad::printable(d) + ": expected " +
                       (d.find(',') != std::string::npos
                            ? kSecondOrderForm
                            : "VARIABLE=FORMULA, e.g. -d x='2*x' (or " + kSecondOrderForm + ")"));
    const std::string name = trimmed(d.substr(0, equals));
    if (name.find(',') != std::string::npos) {
      read_second_derivative(d, name, known, c);
      continue;
    }
    if (std::find(known.begin(), known.end(), name) == known.end())
      fail(kUsage, "-d " + ad::printable(d) + ": '" + ad::printable(name) +
                       "' is not a variable of the expression" + ad::did_you_mean(name, known) +
                       comma_hint(name, c.names));
    if (manual.contains(name)) fail(kUsage, "-d: the derivative for '" + name + "' given twice");
    const std::string what = "the derivative for " + name;
    ex::Expression formula = parse_or_fail(d.substr(equals + 1), what);
    require_known_variables(formula, formula.root(), known, what);
    manual.emplace(name, std::move(formula));
  }
  return manual;
}

Check read_check(const CheckOptions& options) {
  // The --let definitions first: one that defines a function's name is refused at the --let,
  // before the expression that uses the name (check sin --let sin=x) is blamed for it.
  ex::Definitions definitions;
  for (const std::string& let : options.lets) {
    try {
      definitions.add(let);
    } catch (const ex::ExpressionError& e) {
      fail(kUsage, "--let " + ad::printable(let) + ": " + e.what());
    }
  }
  Check c{parse_or_fail(options.expression, "the expression"),
          std::move(definitions),
          {},
          {},
          {},
          {},
          {},
          {},
          {}};
  // The base variables take their values from --at; a formula may also use the defined names,
  // and a derivative may be taken with respect to one (∂f/∂out, the base variables held).
  c.names = c.definitions.base_variables({&c.expression});
  std::vector<std::string> known = c.names;
  for (const ex::Definition& d : c.definitions.all()) known.push_back(d.name);
  if (c.names.empty()) fail(kUsage, "the expression has no variables: nothing to check");
  c.manual = read_derivatives(options, known, c);
  if (c.manual.empty() && c.pairs.empty())
    fail(kUsage, "give the derivative you worked out for at least one variable, e.g. -d " +
                     c.names.front() + "='...'");
  if (options.points.empty())
    fail(kUsage, "give at least one point with --at, e.g. --at " + c.names.front() + "=1");
  // The first derivatives are checked when one was given (every variable then, as the first
  // order's report does); second derivatives alone judge only themselves.
  if (!c.manual.empty()) c.targets = c.names;
  for (const ex::Definition& d : c.definitions.all())
    if (c.manual.contains(d.name)) c.targets.push_back(d.name);
  for (const std::string& at : options.points) {
    c.points.push_back(parse_point(at, "--at"));
    for (const auto& [name, value] : c.points.back())
      if (c.definitions.find(name) != nullptr)
        fail(kUsage, "--at " + ad::printable(at) + ": '" + name +
                         "' is defined by --let; it takes its value from its definition");
    require_variables(c.points.back(), c.names, "--at");
    c.engines.push_back(run_engine(c, c.points.back(), options.precision));
  }
  return c;
}

// The likely mistake in a formula that disagrees, tried against the engine at every point,
// found once per variable: the mistake, and how far the search went.
class Diagnoses {
 public:
  Diagnoses(const Check& check, double tolerance) : check_(check), tolerance_(tolerance) {}
  const std::pair<std::optional<ex::Diagnosis>, ex::DiagnosisSearch>& of(const std::string& name) {
    if (!found_.contains(name)) {
      const auto agrees = [&](const ex::Expression& candidate) {
        for (std::size_t i = 0; i < check_.points.size(); ++i) {
          const ex::Bounded yours =
              check_.definitions.evaluate_bounded(candidate, check_.points[i]);
          if (!ex::judge(yours.value, yours.error, check_.engines[i].gradient.at(name),
                         check_.engines[i].rounding.at(name), tolerance_)
                   .agree)
            return false;
        }
        return true;
      };
      ex::DiagnosisSearch search;
      auto found = ex::diagnose(
          {check_.definitions, check_.expression, name, check_.manual.at(name), check_.points, {}},
          agrees, &search);
      found_[name] = {std::move(found), search};
    }
    return found_[name];
  }

 private:
  const Check& check_;
  double tolerance_;
  std::map<std::string, std::pair<std::optional<ex::Diagnosis>, ex::DiagnosisSearch>> found_;
};

// The judgement of one derivative at point i: printed to `text`, returned as a JSON row (with
// --json only: a row holds the point, and rows for n variables n² numbers). `values` holds the
// point and the defined names' values there, and f is the program near it (ex::Nearby).
json check_one(const Check& c, std::size_t i, const ex::Values& values,
               const ex::BoundedFunction& f, const std::string& name, const CheckOptions& options,
               Diagnoses& diagnoses, std::ostream& text, bool& agree) {
  const ex::Values& point = c.points[i];
  const Engine& engine = c.engines[i];
  const int p = options.precision;
  const auto formula = c.manual.find(name);
  std::optional<ex::Bounded> mine;
  if (formula != c.manual.end()) {
    try {
      mine = c.definitions.evaluate_bounded(formula->second, point);
    } catch (const ex::ExpressionError& e) {
      fail(kNumeric, "the derivative for " + name + " at " + describe(point, p) + ": " + e.what());
    }
  }
  Judgement j = judge(name, engine.gradient.at(name), engine.rounding.at(name), mine,
                      mine ? formula->second.source() : "",
                      // With respect to a defined name: in it, the base variables held.
                      ex::finite_difference(f, {{name, values.at(name)}}, name), options.tolerance);
  if (j.wants_diagnosis()) {
    j.diagnosed = true;
    std::tie(j.diagnosis, j.diagnosis_search) = diagnoses.of(name);
  }
  agree = j.agree;
  print(text, j, p);

  json row;
  if (options.json) {
    row = to_json(j);
    row["variable"] = name;
    row["at"] = point;
    json& rel = row["relative_error"] = json::object();
    if (mine) rel["manual_engine"] = ad::relative_error(mine->value, j.engine);
    if (mine && j.fd)
      rel["manual_finite_difference"] = ad::relative_error(mine->value, j.fd->estimate);
    if (j.fd) rel["engine_finite_difference"] = ad::relative_error(j.engine, j.fd->estimate);
  }
  if (mine && !j.agree && (options.json || options.verbose)) {
    // The factor table only with --verbose (JSON has it always: it is not read by people).
    std::ostringstream discarded;
    const json where = diagnose(formula->second, engine, name, values, p, report_width(),
                                options.verbose ? text : discarded);
    row["terms"] = where["terms"];
    row["engine_quantities"] = where["engine_quantities"];
  }
  return row;
}

// The judgement of one second derivative at point i, as check_one's of a first derivative,
// without the diagnosis.
json check_second_one(const Check& c, std::size_t i, const ex::BoundedFunction& f, const Pair& pair,
                      const CheckOptions& options, std::ostream& text, bool& agree) {
  const ex::Values& point = c.points[i];
  const Engine& engine = c.engines[i];
  const int p = options.precision;
  const ex::Expression& formula = c.manual_second.at(pair);
  const std::string name = pair.first + "," + pair.second;
  ex::Bounded mine{};
  try {
    mine = c.definitions.evaluate_bounded(formula, point);
  } catch (const ex::ExpressionError& e) {
    fail(kNumeric,
         "the second derivative for " + name + " at " + describe(point, p) + ": " + e.what());
  }
  Judgement j =
      judge(name, engine.hessian.at(pair), engine.hessian_rounding.at(pair), mine, formula.source(),
            ex::second_difference(
                f, {{pair.first, point.at(pair.first)}, {pair.second, point.at(pair.second)}},
                pair.first, pair.second),
            options.tolerance);
  j.label = pair.first == pair.second ? "d²/d" + pair.first + "²"
                                      : "d²/d" + pair.first + " d" + pair.second;
  agree = j.agree;
  print(text, j, p);
  const bool disagrees = j.verdict->decidable && !j.agree;
  if (disagrees) text << "    (no diagnosis for second derivatives)\n";

  json row = to_json(j);
  row["variable"] = name;  // as written after -d, so that every row has one
  row["variables"] = {pair.first, pair.second};
  row["at"] = point;
  row["relative_error"] = {{"manual_engine", ad::relative_error(mine.value, j.engine)}};
  if (j.fd) {
    row["relative_error"]["manual_finite_difference"] =
        ad::relative_error(mine.value, j.fd->estimate);
    row["relative_error"]["engine_finite_difference"] =
        ad::relative_error(j.engine, j.fd->estimate);
  }
  if (disagrees) {
    row["diagnosis"] = nullptr;
    row["note"] = "no diagnosis for second derivatives";
  }
  return row;
}

void run_check(const CheckOptions& options) {
  const Check c = read_check(options);
  const int p = options.precision;
  Diagnoses diagnoses(c, options.tolerance);
  json report = {{"expression", options.expression},
                 {"tolerance", options.tolerance},
                 {"checks", json::array()}};
  std::ostringstream text;
  text << "checking the derivatives of " << ad::printable(options.expression) << " (tolerance "
       << tolerance_text(options.tolerance) << ")\n";
  for (const ex::Definition& d : c.definitions.all()) {
    text << "  where " << ad::printable(d.name) << " = " << ad::printable(d.expression.source())
         << '\n';
    report["definitions"].push_back({{"name", d.name}, {"formula", d.expression.source()}});
  }
  std::size_t checked = 0, agreeing = 0;
  // Thousands of variables take seconds (each a finite difference of 29 evaluations): in place on
  // a terminal, how far it is, and an estimate before a run past a minute.
  ad::nn::ProgressMeter meter(std::cerr, ::isatty(STDERR_FILENO) == 1);
  const std::size_t total = c.points.size() * (c.targets.size() + c.pairs.size());
  meter("checks", 0, total);
  for (std::size_t i = 0; i < c.points.size(); ++i) {
    const ex::Values values = c.definitions.values(c.points[i]);
    text << "\nat " << describe(c.points[i], p) << ":";
    for (const ex::Definition& d : c.definitions.all())
      text << " " << d.name << " = " << ad::number(values.at(d.name), p) << ",";
    text << " f = " << ad::number(c.engines[i].value, p) << '\n';
    const ex::BoundedFunction f = ex::Nearby::function(c.definitions, c.expression, c.points[i]);
    for (const std::string& name : c.targets) {
      bool agree = false;
      json row = check_one(c, i, values, f, name, options, diagnoses, text, agree);
      if (options.json) report["checks"].push_back(std::move(row));
      ++checked;
      agreeing += agree ? 1 : 0;
      meter("checks", checked, total);
    }
    for (const Pair& pair : c.pairs) {
      bool agree = false;
      json row = check_second_one(c, i, f, pair, options, text, agree);
      if (options.json) report["checks"].push_back(std::move(row));
      ++checked;
      agreeing += agree ? 1 : 0;
      meter("checks", checked, total);
    }
  }
  report["agree"] = agreeing == checked;
  text << '\n' << agreeing << " of " << checked << " checks agree\n";
  if (options.json)
    std::cout << report.dump(2, ' ', false, json::error_handler_t::replace)
              << '\n';  // bad UTF-8: U+FFFD
  else
    std::cout << text.str();
  if (agreeing != checked) throw CLI::RuntimeError(kDisagree);
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* check = app.add_subcommand(
      "check",
      "Check derivatives worked out by hand against the engine's gradient and a central finite "
      "difference, at one or more points.\nExample: autodiff check 'x^2*sin(y)' -d "
      "x='2*x*sin(y)' -d y='x^2*cos(y)' --at x=1,y=2 --at x=-0.5,y=3");
  // Not ->required(): CLI11 would say "--expression is required", an option nobody typed.
  CLI::Option* expression = check
                                ->add_option("expression,--expression", options->expression,
                                             "the expression, e.g. 'x^2*sin(y)'")
                                ->type_name("EXPR");
  check
      ->add_option("-d,--derivative", options->derivatives,
                   "VARIABLE=FORMULA: your derivative with respect to VARIABLE, a formula in "
                   "the same language or a number; once per variable. X,Y=FORMULA: your second "
                   "derivative d²f/dX dY (X,X=...: d²f/dX²), checked against the engine's "
                   "Hessian")
      ->type_name("VARIABLE=FORMULA")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);  // one value per occurrence: `-d x=1 EXPR` leaves EXPR alone
  check->add_option("--at", options->points, "a point, e.g. x=1,y=2; repeat for more points")
      ->type_name("POINT")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);  // one value per occurrence: `-d x=1 EXPR` leaves EXPR alone
  check
      ->add_option("--tolerance", options->tolerance,
                   "above 0 and below 1: yours agrees when |yours - engine| <= "
                   "T*max(|yours|, |engine|) + 4*(the rounding-error bounds of both, which "
                   "grow only where terms cancel). The finite difference is a check of the "
                   "engine, shown beside it; it decides only for a variable without -d")
      ->capture_default_str()
      ->transform(tolerance_number())
      ->type_name("T");
  check
      ->add_option("--let", options->lets,
                   "NAME=FORMULA: a named sub-expression, e.g. --let out='sigmoid(w*x + b)'; "
                   "repeat for more, each may use the earlier ones; the expression, the "
                   "derivatives and -d NAME (the derivative with respect to it, the variables "
                   "held) may use the names")
      ->type_name("NAME=FORMULA")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);  // one value per occurrence: `-d x=1 EXPR` leaves EXPR alone
  check->add_flag("--verbose", options->verbose,
                  "for a formula that disagrees, also show each term and factor beside the "
                  "engine's quantities");
  check->add_flag("--json", options->json,
                  "print the report as JSON; each check has engine, engine_error (its rounding "
                  "bound), manual, manual_error, difference (|yours - engine|), allowed (the "
                  "largest difference that agrees), digits_given (for a derivative written as a "
                  "number), matches_digits_given, finite_difference, finite_difference_error, "
                  "finite_difference_confirms_engine, finite_difference_at_kink (its one-sided "
                  "differences disagree), diagnosis (for one that disagrees) and "
                  "agree");
  check->add_option("--precision", options->precision, "significant digits (default 17)")
      ->type_name("N")
      ->check(whole_number(1, 17));
  check->callback([options, expression] {
    if (expression->count() == 0)
      fail(kUsage, "an expression is required: autodiff check EXPR -d VARIABLE=FORMULA --at POINT");
    run_check(*options);
  });
}
