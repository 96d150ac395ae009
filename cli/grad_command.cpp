// autodiff grad EXPR --at x=1.5,y=-2: the value and the gradient, recorded on a checked tape, and
// with --hessian the matrix of second derivatives from the same tape.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "autodiff/graph/graph.hpp"
#include "autodiff/hessian.hpp"
#include "autodiff/text.hpp"
#include "cli/command.hpp"

namespace {

using namespace ad::cli;
namespace ex = ad::expr;

struct GradOptions {
  std::string expression;
  std::string at;
  bool json = false;
  int precision = 17;
  std::string dot;               // --dot FILE
  std::string explain;           // --explain VARIABLE
  bool precision_given = false;  // --precision also sets the --explain factors' digits
  bool hessian = false;          // --hessian
  std::string hessian_value;     // "true" for a bare --hessian; else what followed --hessian=
};

// The value, the gradient, the Hessian if asked and the explanation, as text or JSON on `to`.
void print_result(std::ostream& to, const GradOptions& options,
                  const std::vector<std::string>& names, double value,
                  const std::vector<double>& gradient,
                  const std::vector<std::vector<double>>& hessian, const std::string& explanation) {
  if (options.json) {
    nlohmann::json out;
    out["value"] = value;
    out["gradient"] = nlohmann::json::object();
    for (std::size_t i = 0; i < names.size(); ++i) out["gradient"][names[i]] = gradient[i];
    if (options.hessian) {
      out["variables"] = names;  // the object's keys are sorted: this is the matrix's order
      out["hessian"] = nlohmann::json::object();
      for (std::size_t i = 0; i < names.size(); ++i)
        for (std::size_t j = 0; j < names.size(); ++j)
          out["hessian"][names[i]][names[j]] = hessian[i][j];
    }
    if (!options.explain.empty()) out["explanation"] = explanation;
    to << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
       << '\n';  // bad UTF-8: U+FFFD
    return;
  }
  std::size_t width = 5;  // "value"
  for (const std::string& name : names) width = std::max(width, name.size() + 3);
  const auto line = [&](const std::string& label, double x) {
    to << label << std::string(width - label.size(), ' ') << " = "
       << ad::number(x, options.precision) << '\n';
  };
  line("value", value);
  for (std::size_t i = 0; i < names.size(); ++i) line("d/d" + names[i], gradient[i]);
  // A constant: say so, rather than an empty gradient (and Hessian) that reads as a failure.
  if (names.empty()) to << "no variables: nothing to differentiate with respect to\n";
  if (options.hessian && !names.empty())
    to << "\nHessian, d²f/d(row) d(column):\n"
       << ad::matrix_table(names, hessian, options.precision);
  if (!options.explain.empty()) to << '\n' << explanation;
}

void run_grad(const GradOptions& options) {
  if (options.dot == "-" && options.json)
    fail(kUsage, "--dot -: standard output carries the --json result; write the graph to a file");
  const ex::Expression expression = parse_or_fail(options.expression, "the expression");
  const std::vector<std::string> names = expression.variables();
  const ex::Values point = options.at.empty() ? ex::Values{} : parse_point(options.at, "--at");
  require_variables(point, names, "--at");

  // Checked mode: the first NaN or infinity stops the recording at its operation.
  ad::Tape tape(ad::Tape::Options{.checked = true});
  ex::Variables variables;
  for (const std::string& name : names) variables.emplace(name, ad::Var(point.at(name), name));
  if (!options.explain.empty() && !variables.contains(options.explain)) {
    std::string message =
        "--explain " + ad::printable(options.explain) + ": not a variable of the expression";
    message += ad::did_you_mean(options.explain, names);
    fail(kUsage, message);
  }
  ad::Var y;
  std::vector<double> gradient;
  std::vector<std::vector<double>> hessian;
  std::map<const ex::Node*, ad::Var> recorded;
  const auto numeric_error = [&](const ad::Error& e) {
    fail(kNumeric, "at " + describe(point, options.precision) + ": " + e.what());
  };
  try {
    y = ex::record(expression, variables, &recorded);
  } catch (const ad::Error& e) {  // DomainError: a value or local partial that is not finite
    numeric_error(e);
  }

  name_subexpressions(tape, expression, recorded);
  try {
    tape.backward(y);
    for (const std::string& name : names) gradient.push_back(tape.gradient(variables.at(name)));
  } catch (const ad::NonFinite& e) {  // a gradient that overflowed: never printed as inf
    numeric_error(e);
  }
  // The second sweep reads the same tape; being checked, it stops at a second partial that is
  // not finite (x^1.5 at 0).
  if (options.hessian) {
    require_hessian_size(names.size(), "variables", tape.index(y) + 1,
                         "Check the second derivatives you need with autodiff check -d X,Y=FORMULA "
                         "(one column of the Hessian each).");
    std::vector<ad::Var> inputs;
    for (const std::string& name : names) inputs.push_back(variables.at(name));
    try {
      hessian = ad::hessian(tape, y, inputs);
    } catch (const ad::NonFinite& e) {
      fail_second_derivative(e, tape, expression, recorded,
                             "at " + describe(point, options.precision));
    }
  }
  std::string explanation;
  if (!options.dot.empty()) {
    ad::graph::DotOptions dot;
    dot.outputs = {y};
    dot.title = options.expression;
    std::string message;
    if (!ad::graph::write_graph(options.dot, tape, dot, &message))
      fail(kFile, "--dot " + options.dot + ": " + message);
    if (!message.empty())
      std::cerr << "autodiff: "
                << ad::clipped(ad::printable("--dot " + options.dot + ": " + message)) << '\n';
  }
  if (!options.explain.empty()) {
    ad::graph::ExplainOptions explain;
    if (options.precision_given) {
      explain.precision = options.precision;
      explain.significant_digits = true;
    }
    explanation = ad::graph::explain(tape, y, variables.at(options.explain), explain);
  }

  // --dot -: standard output is the graph's alone; the result goes to standard error, as
  // `tar -cvf -` lists on standard error what it archives to standard output.
  print_result(options.dot == "-" ? std::cerr : std::cout, options, names, y.value(), gradient,
               hessian, explanation);
}

}  // namespace

void add_grad_command(CLI::App& app) {
  auto options = std::make_shared<GradOptions>();
  CLI::App* grad = app.add_subcommand(
      "grad", "Print the value of an expression and its gradient with respect to every variable.");
  // Not ->required(): CLI11 would say "--expression is required", an option nobody typed.
  CLI::Option* expression =
      grad->add_option("expression,--expression", options->expression,
                       "the expression, e.g. 'x^2*sin(y)' or '-x^2' (quote it)")
          ->type_name("EXPR");
  grad->add_option("--at", options->at,
                   "the point, e.g. x=1.5,y=-2 (a value may be a constant expression: x=1/3)")
      ->type_name("POINT");
  grad->add_flag("--json", options->json,
                 "print {\"value\": number, \"gradient\": {variable: number}}");
  CLI::Option* precision =
      grad->add_option("--precision", options->precision,
                       "significant digits (default 17; with --explain, also of its factors)")
          ->type_name("N")
          ->check(whole_number(1, 17));
  grad->add_option("--dot", options->dot,
                   "write the computation graph to FILE as Graphviz DOT, - for standard output "
                   "(rendered by Graphviz's dot when FILE ends in .svg, .png or .pdf)")
      ->check(file_to_write())
      ->type_name("FILE");
  // A flag holding its text, not a bool: CLI11 would read --hessian=0 or =no as "off", silently.
  // Bare, it holds "true"; the callback refuses any other value.
  CLI::Option* hessian = grad->add_flag("--hessian", options->hessian_value,
                                        "also print the Hessian, the matrix of second derivatives "
                                        "d²f/dx dy, under the gradient "
                                        "(with --json: \"hessian\": {variable: {variable: number}} "
                                        "and \"variables\", its rows' "
                                        "order); takes no value")
                             ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  grad->add_option("--explain", options->explain,
                   "print the chain rule for d/dVARIABLE step by step: every path from the "
                   "expression to VARIABLE, each local partial, each product and their sum")
      ->type_name("VARIABLE");
  grad->callback([options, precision, hessian, expression] {
    if (expression->count() == 0)
      fail(kUsage, "an expression is required: autodiff grad EXPR --at POINT");
    options->precision_given = precision->count() > 0;
    options->hessian = hessian->count() > 0;
    if (options->hessian && options->hessian_value != "true")
      fail(kUsage, "--hessian=" + options->hessian_value +
                       ": --hessian takes no value; give --hessian alone for the Hessian, or "
                       "leave it out");
    run_grad(*options);
  });
}
