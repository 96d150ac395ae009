// autodiff grad EXPR --at x=1.5,y=-2: the value and the gradient, recorded on a checked tape, and
// with --hessian the matrix of second derivatives from the same tape.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <utility>

#include "autodiff/file.hpp"
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
  std::string html;              // --html FILE
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

// The ExplainOptions of --explain: the default digits unless --precision is given.
ad::graph::ExplainOptions explain_options(const GradOptions& options) {
  ad::graph::ExplainOptions explain;
  if (options.precision_given) {
    explain.precision = options.precision;
    explain.significant_digits = true;
  }
  return explain;
}

// The picture's title and its node's texts, shared by --dot and --html.
ad::graph::DotOptions picture(const GradOptions& options, const ad::Var& y) {
  ad::graph::DotOptions dot;
  dot.outputs = {y};
  dot.title = options.expression;
  return dot;
}

void warn(const std::string& option, const std::string& message) {
  if (!message.empty())
    std::cerr << "autodiff: " << ad::clipped(ad::printable(option + " " + message)) << '\n';
}

// --dot, of the tape whose backward(y) has run; a failure ends with kFile.
void write_dot(const GradOptions& options, ad::Tape& tape, const ad::Var& y) {
  std::string message;
  if (!ad::graph::write_graph(options.dot, tape, picture(options, y), &message))
    fail(kFile, "--dot " + options.dot + ": " + message);
  warn("--dot " + options.dot + ":", message);
}

// --html, written after the result is printed: a page refused (too many nodes) or not written
// ends with kFile, the result already out. The derivatives are of the output by its own text
// ("∂(f*g+f)/∂f"), never a name ("f") that may be one of the user's variables.
void write_html(const GradOptions& options, ad::Tape& tape, const ad::Var& y,
                const ex::Variables& variables) {
  const std::size_t count = ad::graph::page_nodes(tape, y);
  if (count > ad::graph::kMostPageNodes)
    fail(kFile, "--html " + options.html + ": the output is computed from " +
                    std::to_string(count) + " nodes; a page steps through at most " +
                    std::to_string(ad::graph::kMostPageNodes) + " and none was written (" +
                    (options.dot.empty() ? "write the graph with --dot instead)"
                                         : "the graph is in --dot " + options.dot + ")"));
  ad::graph::PageOptions page{.dot = picture(options, y),
                              .explain = explain_options(options),
                              .precision = options.precision};
  for (const auto& [name, variable] : variables) page.explained.push_back(variable);
  std::string message;
  if (!ad::graph::write_page(options.html, tape, y, page, &message))
    fail(kFile, "--html " + options.html + ": " + message);
  warn("--html " + options.html + ":", message);
}

// The outputs that would share standard output or a file, refused before any work.
void refuse_clashes(const GradOptions& options) {
  const std::pair<std::string, std::string> outputs[] = {{"--dot", options.dot},
                                                         {"--html", options.html}};
  for (const auto& [option, path] : outputs)
    if (path == "-" && options.json)
      fail(kUsage, option + " -: standard output carries the --json result; write the " +
                       (option == "--dot" ? "graph" : "page") + " to a file");
  if (!options.dot.empty() && options.dot == options.html && options.dot == "-")
    fail(kUsage, "--html -: --dot - has standard output already; write one of them to a file");
  if (!options.dot.empty() &&
      (options.dot == options.html || ad::same_file(options.dot, options.html)))
    fail(kUsage, "--html " + ad::printable(options.html) +
                     ": --dot writes that file already; give each its own file");
}

void run_grad(const GradOptions& options) {
  refuse_clashes(options);
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
  if (!options.dot.empty()) write_dot(options, tape, y);
  std::string explanation;
  if (!options.explain.empty())
    explanation =
        ad::graph::explain(tape, y, variables.at(options.explain), explain_options(options));

  // --dot - or --html -: standard output is the picture's alone; the result goes to standard
  // error, as `tar -cvf -` lists on standard error what it archives to standard output.
  const bool to_stdout = options.dot == "-" || options.html == "-";
  print_result(to_stdout ? std::cerr : std::cout, options, names, y.value(), gradient, hessian,
               explanation);
  if (!options.html.empty()) write_html(options, tape, y, variables);
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
  grad->add_option("--html", options->html,
                   "write a web page to FILE (- for standard output) that steps through the "
                   "forward pass and the reverse sweep on the graph: each node's value, each "
                   "local partial and the running df/dnode; a click on a variable shows its "
                   "chain rule (as --explain). One file, no network: the graph laid out by "
                   "Graphviz's dot, inline")
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
