// autodiff net FILE: runs a network file (nn/): forward values, errors, every gradient checked
// against the delta rule and finite differences, one update, optionally N training steps, the
// graph (--dot), the page stepping through it (--html), the chain rule for one parameter
// (--explain), the loss's Hessian with its eigenvalues (--hessian) and the training curve
// (--history, --plot).
#include <unistd.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autodiff/error.hpp"
#include "autodiff/file.hpp"
#include "autodiff/graph/graph.hpp"
#include "autodiff/text.hpp"
#include "cli/command.hpp"
#include "cli/net_check.hpp"
#include "nn/hessian.hpp"
#include "nn/network_view.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/trainer.hpp"

namespace {

using namespace ad::cli;

struct NetOptions {
  std::string file;
  bool json = false;
  int steps = 0;
  std::string dot;      // --dot FILE
  std::string html;     // --html FILE: the page that steps through the tape
  std::string history;  // --history FILE: JSON lines, one a step
  std::string plot;     // --plot FILE: the SVG of the loss against the step
  bool history_parameters = false;
  std::string explain;  // --explain PARAMETER
  int precision = 9;    // significant digits of the explanation's factors: the tutorials' 9
  // --view: what --dot draws, "network" or "tape"
  std::string view = "network";
  bool precision_given = false;
  bool hessian = false;             // --hessian[=all]
  std::string hessian_value;        // "true" (the trained parameters) or "all"
  std::vector<std::string> checks;  // --check 'w5=FORMULA'
  double tolerance = 1e-6;
  bool full_check = false;  // finite differences for every parameter, however many
  unsigned threads = 0;  // --threads N: a batch's threads, over the file's "threads"; 0: not given
};

ad::graph::Role role(ad::nn::NodeRole r) {
  switch (r) {
    case ad::nn::NodeRole::Input:
      return ad::graph::Role::Input;
    case ad::nn::NodeRole::Parameter:
      return ad::graph::Role::Parameter;
    case ad::nn::NodeRole::Hidden:
      return ad::graph::Role::Hidden;
    case ad::nn::NodeRole::Output:
      return ad::graph::Role::Output;
  }
  return ad::graph::Role::Auto;
}

// The tape's picture as --view tape draws it: the network's roles and layers, and each
// parameter's value after the update.
ad::graph::DotOptions tape_picture(const ad::nn::NetworkFile& file, const ad::nn::Trainer& trainer,
                                   const ad::nn::StepResult& result) {
  const ad::nn::Network& network = file.network;
  ad::graph::DotOptions dot;
  dot.outputs = {trainer.loss_var()};
  dot.title = network.name.empty() ? file.path : network.name;
  // The tape is the first step's: with more steps, say so, or "after update" (after that step)
  // reads as the network view's value after all of them.
  if (result.steps > 1)
    dot.title += "\nthe tape of step 1 of " + std::to_string(result.steps) +
                 "; after update: after that step";
  for (const auto& [index, info] : trainer.node_info())
    dot.annotations[index] = {role(info.role), info.cluster, {}, info.sample, info.fold};
  for (std::size_t p = 0; p < network.parameter_count(); ++p)
    dot.annotations[trainer.tape().index(trainer.parameter_vars()[p])].after_update =
        result.parameters_after[p];
  return dot;
}

// --explain's options: the factors the tutorials print, between named nodes, to their digits.
ad::graph::ExplainOptions explain_options(const NetOptions& options) {
  ad::graph::ExplainOptions explain;
  explain.merge_unnamed = true;
  explain.fold_unit = true;
  explain.precision = options.precision;
  explain.significant_digits = true;
  return explain;
}

// The index of the parameter --explain names (parameter_count() when none is asked for); ends
// with kUsage when it names none.
std::size_t explained_parameter(const NetOptions& options, const ad::nn::NetworkFile& file) {
  const ad::nn::Network& network = file.network;
  if (options.explain.empty()) return network.parameter_count();
  std::vector<std::string> names;
  for (std::size_t p = 0; p < network.parameter_count(); ++p) {
    names.emplace_back(network.parameter_name(p));
    if (names.back() == options.explain) return p;
  }
  std::string message = "--explain " + ad::printable(options.explain) + ": not a parameter of " +
                        ad::printable(file.path);
  message += ad::did_you_mean(options.explain, names);
  fail(kUsage, message);
}

// --html: the page of the first forward pass, with the training curve when one was recorded.
// A loss of too many nodes for a page gets none: the refusal is returned, to be raised after
// the report is printed (the run's result is not lost for want of a page).
std::string write_html(const NetOptions& options, const ad::nn::NetworkFile& file,
                       ad::nn::Trainer& trainer, const ad::nn::StepResult& result,
                       const ad::nn::History* history) {
  ad::graph::PageOptions page{.dot = tape_picture(file, trainer, result),
                              .explained = trainer.parameter_vars(),
                              .explain = explain_options(options),
                              .precision = options.precision};
  if (history != nullptr && !history->lines().empty())
    page.curve_svg = ad::nn::loss_plot(page.dot.title, history->lines());
  const std::size_t count = ad::graph::page_nodes(trainer.tape(), trainer.loss_var());
  if (count > ad::graph::kMostPageNodes)
    return ("--html " + options.html + ": the loss is computed from " + std::to_string(count) +
            " nodes; a page steps through at most " + std::to_string(ad::graph::kMostPageNodes) +
            " (" +
            (options.dot.empty() ? "write the graph with --dot instead)"
                                 : "the graph is in --dot " + options.dot + ")"));
  std::string message;
  if (!ad::graph::write_page(options.html, trainer.tape(), trainer.loss_var(), page, &message))
    fail(kFile, "--html " + options.html + ": " + message);
  if (!message.empty())
    std::cerr << "autodiff: "
              << ad::clipped(ad::printable("--html " + options.html + ": " + message)) << '\n';
  return "";
}

// Records the network's first forward pass and writes its graph and page and/or explains a
// parameter; `refused_page` gets write_html's refusal, if any.
void graph_outputs(const NetOptions& options, const ad::nn::NetworkFile& file,
                   const ad::nn::StepResult& result, const ad::nn::History* history,
                   std::string& explanation, std::string& refused_page) {
  const ad::nn::Network& network = file.network;
  // None asked for: no third recording of the network (at ten million weights, seconds).
  if (options.dot.empty() && options.html.empty() && options.explain.empty()) return;
  const std::size_t explained = explained_parameter(options, file);
  ad::Tape tape;
  ad::nn::Trainer trainer(network, file.topology);
  trainer.evaluate();
  if (!options.dot.empty() && options.view == "network") {
    std::string message;
    if (!ad::graph::write_dot_file(options.dot, ad::nn::network_dot(file, options.steps), &message))
      fail(kFile, "--dot " + options.dot + ": " + message);
  } else if (!options.dot.empty()) {
    std::string message;
    if (!ad::graph::write_graph(options.dot, trainer.tape(), tape_picture(file, trainer, result),
                                &message))
      fail(kFile, "--dot " + options.dot + ": " + message);
    if (!message.empty())
      std::cerr << "autodiff: "
                << ad::clipped(ad::printable("--dot " + options.dot + ": " + message)) << '\n';
  }
  if (!options.html.empty()) refused_page = write_html(options, file, trainer, result, history);
  if (explained < network.parameter_count())
    explanation = ad::graph::explain(trainer.tape(), trainer.loss_var(),
                                     trainer.parameter_vars()[explained], explain_options(options));
}

// The eigenvalues of a symmetric matrix, ascending (Eigen's self-adjoint solver sorts them).
std::vector<double> eigenvalues(const std::vector<std::vector<double>>& matrix) {
  const auto n = static_cast<Eigen::Index>(matrix.size());
  Eigen::MatrixXd a(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      a(i, j) = matrix[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(a, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success)
    throw ad::NonFinite("the Hessian's eigenvalues did not converge");
  const Eigen::VectorXd& values = solver.eigenvalues();
  return {values.data(), values.data() + values.size()};
}

struct Curvature {
  ad::nn::LossHessian hessian;
  std::vector<double> eigenvalues;
};

// --hessian: the matrix, its eigenvalues and what they mean; digits 6 unless --precision. The
// eigenvalues wrap at about 100 columns: a network of 50 parameters has 50 of them.
void print_curvature(std::ostream& out, const Curvature& c, int digits) {
  out << '\n';
  // After training's report, say which parameters the curvature is of.
  if (c.hessian.steps > 0)
    out << "The curvature where training stopped, after the " << c.hessian.steps << " steps above ("
        << c.hessian.loss_name << " = " << ad::number(c.hessian.loss, 12) << "):\n";
  ad::nn::print_hessian(out, c.hessian, digits);
  // Flat ones (see nn::kFlat) are rounding error in the largest, not values: printed as ≈0.
  double largest = 0;
  for (double l : c.eigenvalues) largest = std::max(largest, std::abs(l));
  std::string line = "Eigenvalues (ascending):";
  for (double l : c.eigenvalues) {
    const std::string text = std::abs(l) <= ad::nn::kFlat * largest ? "≈0" : ad::number(l, digits);
    if (line.size() + 1 + text.size() > 100) {
      out << line << '\n';
      line = " ";
    }
    line += ' ' + text;
  }
  out << line << '\n' << ad::nn::curvature_meaning(c.eigenvalues, c.hessian.gradient) << '\n';
}

// The files written, by option: none may replace the network file ("-": standard input's file)
// or another of them.
void refuse_overwrites(const NetOptions& options) {
  struct Output {
    std::string option, path, what;
  };
  const std::vector<Output> outputs = {{"--dot", options.dot, "the graph"},
                                       {"--html", options.html, "the page"},
                                       {"--history", options.history, "the history"},
                                       {"--plot", options.plot, "the plot"}};
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Output& out = outputs[i];
    if (out.path.empty()) continue;
    if (ad::same_file(out.path, options.file == "-" ? "/dev/stdin" : options.file))
      fail(kUsage, out.option + " " + ad::printable(out.path) + ": that is the network file " +
                       ad::printable(options.file) + "; write " + out.what + " to another file");
    for (std::size_t j = 0; j < i; ++j)
      if (out.path == "-" && outputs[j].path == "-")
        fail(kUsage, out.option + " -: " + outputs[j].option +
                         " - has standard output already; write one of them to a file");
      else if (outputs[j].path == out.path || ad::same_file(outputs[j].path, out.path))
        fail(kUsage, out.option + " " + ad::printable(out.path) + ": " + outputs[j].option +
                         " writes that file already; give each its own file");
  }
  if ((!options.history.empty() || !options.plot.empty()) && options.steps < 1)
    fail(kUsage, std::string(options.history.empty() ? "--plot" : "--history") +
                     " records a training run: give its length with --steps N (N >= 1)");
}

// The output given as "-" (--dot, --html, --history or --plot), which then has standard output to
// itself (refuse_overwrites() lets only one be "-"), or "".
std::string output_to_stdout(const NetOptions& options) {
  if (options.dot == "-") return "--dot";
  if (options.html == "-") return "--html";
  if (options.history == "-") return "--history";
  if (options.plot == "-") return "--plot";
  return "";
}

// `text` to the file at `path`, or to standard output for "-" (whose errors are reported as the
// program ends); a failure is the option's.
void write_output(const std::string& option, const std::string& path, const std::string& text) {
  try {
    if (path == "-")
      std::cout << text;
    else
      ad::write_file(path, text);
  } catch (const ad::IoError& e) {
    fail(kFile, option + " " + e.what());
  }
}

// --history and --plot, from what training recorded (all of it, or up to a divergence).
void write_curve(const NetOptions& options, const ad::nn::NetworkFile& file,
                 const ad::nn::History& history) {
  const std::string& name = file.network.name.empty() ? file.path : file.network.name;
  if (!options.history.empty())
    write_output("--history", options.history, ad::nn::to_json_lines(history, file.network));
  if (!options.plot.empty())
    write_output("--plot", options.plot, ad::nn::loss_plot(name, history.lines()));
}

void run_net(const NetOptions& options) {
  if (options.hessian && options.hessian_value != "true" && options.hessian_value != "all")
    fail(kUsage, "--hessian=" + ad::printable(options.hessian_value) +
                     ": write --hessian (the trained parameters) or --hessian=all (every "
                     "parameter)");
  refuse_overwrites(options);
  const std::string to_stdout = output_to_stdout(options);
  if (!to_stdout.empty() && options.json)
    fail(kUsage, to_stdout + " -: standard output carries the --json result; write " +
                     (to_stdout == "--dot"    ? "the graph"
                      : to_stdout == "--html" ? "the page"
                                              : "the " + to_stdout.substr(2)) +
                     " to a file");
  ad::nn::NetworkFile file;
  try {
    file = ad::nn::load_network_file(options.file);
  } catch (const ad::IoError& e) {
    fail(kFile, e.what());
  } catch (const ad::nn::FileError& e) {
    fail(kUsage, e.what());
  }
  if (options.threads > 0) file.network.threads = options.threads;
  if (options.history_parameters &&
      file.network.parameter_count() > ad::nn::kHistoryParametersAtMost)
    fail(kUsage, "--history-parameters: " + ad::printable(file.path) + " has " +
                     std::to_string(file.network.parameter_count()) +
                     " parameters; the history keeps them for networks of at most " +
                     std::to_string(ad::nn::kHistoryParametersAtMost) +
                     " (10,001 lines of every one would be a file nobody reads)");
  const bool curve = !options.history.empty() || !options.plot.empty();
  ad::nn::History history(std::max(options.steps, 1), options.history_parameters);
  ad::nn::StepResult result;
  std::string explanation, refused_page;
  std::ostringstream checks_text;
  DerivationChecks checks;
  Curvature curvature;
  try {
    // Long runs say how far they are: in place on a terminal, and an estimate past a minute.
    ad::nn::ProgressMeter meter(std::cerr, ::isatty(STDERR_FILENO) == 1);
    result = ad::nn::run(file, options.steps,
                         {.full = options.full_check,
                          .progress = std::ref(meter),
                          .history = curve ? &history : nullptr});
    if (curve) write_curve(options, file, history);
    if (options.hessian) {
      const bool all = options.hessian_value == "all";
      require_hessian_size(all ? file.network.parameter_count() : file.topology.trained.size(),
                           "parameters", 0,
                           all ? "--hessian alone takes the parameters of the file's train list: "
                                 "list those you need there."
                               : "List fewer parameters in the file's train list.");
      curvature.hessian = ad::nn::loss_hessian(file.network, file.topology, all, options.steps);
      if (curvature.hessian.names.empty())
        fail(kUsage, "--hessian: " + ad::printable(file.path) +
                         " trains no parameter; --hessian=all takes every one");
      curvature.eigenvalues = eigenvalues(curvature.hessian.matrix);
    }
    graph_outputs(options, file, result, curve ? &history : nullptr, explanation, refused_page);
    if (!options.checks.empty())
      checks = check_derivations(file.network, file.topology, options.checks, options.tolerance,
                                 options.precision, checks_text);
  } catch (const ad::nn::Error& e) {
    fail(kUsage, ad::printable(file.path) + ": " + e.what());
  } catch (const ad::Error& e) {
    // The lines recorded before a run diverged show how it did.
    if (curve && !history.lines().empty()) write_curve(options, file, history);
    fail(kNumeric, ad::printable(file.path) + ": " + e.what());
  }
  if (options.json) {
    nlohmann::json out = ad::nn::to_json(result);
    if (!options.explain.empty()) out["explanation"] = explanation;
    if (!options.checks.empty()) out["checks"] = checks.json;
    if (options.hessian) {
      // The object's keys are sorted; "parameters" gives the matrix's row and column order.
      out["hessian"] = ad::nn::hessian_json(curvature.hessian);
      out["parameters"] = curvature.hessian.names;
      out["eigenvalues"] = curvature.eigenvalues;
      out["hessian_after_steps"] = curvature.hessian.steps;
    }
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';  // bad UTF-8: U+FFFD
  } else {
    // --dot -, --html -, --history - or --plot -: standard output is that file's alone, the report
    // goes to standard error.
    std::ostream& to = output_to_stdout(options).empty() ? std::cout : std::cerr;
    ad::nn::print_report(to, file, result);
    if (!explanation.empty()) to << '\n' << explanation;
    to << checks_text.str();
    if (options.hessian)
      print_curvature(to, curvature, options.precision_given ? options.precision : 6);
  }
  if (!refused_page.empty()) fail(kFile, refused_page);
  if (!result.check.gradients_agree || !checks.agree) throw CLI::RuntimeError(kDisagree);
}

// The arguments CLI11 left over (net allows extras) are a usage error; ours to refuse, so that
// `--hessian all` (a flag's value needs the '=') is told how to write it rather than that "all"
// was not expected.
void refuse_extras(const CLI::App& net, const CLI::Option& hessian) {
  const std::vector<std::string> extras = net.remaining();
  if (extras.empty()) return;
  if (hessian.count() > 0 && extras.front() == "all")
    fail(kUsage, "--hessian all: write --hessian=all (with '='), for every parameter");
  fail(kUsage, "unexpected argument: " + extras.front());
}

}  // namespace

void add_net_command(CLI::App& app) {
  auto options = std::make_shared<NetOptions>();
  CLI::App* net = app.add_subcommand(
      "net",
      "Run a network file: forward values, errors, every gradient cross-checked (engine, delta "
      "rule, finite differences, published figures), one update, and optionally N training "
      "steps.\nExample: autodiff net examples/tutorial1.json --steps 10000");
  // Not ->required(): CLI11 would say "--file is required", an option nobody typed.
  CLI::Option* file =
      net->add_option("file,--file", options->file,
                      "the network file (JSON), e.g. examples/tutorial1.json; - for standard input")
          ->type_name("FILE");
  net->add_flag("--json", options->json,
                "print {\"loss\", \"outputs\", \"gradients\", \"parameters_after\"} (and with "
                "--steps, \"loss_after\" and \"outputs_after\")");
  net->add_flag("--full-check", options->full_check,
                "check every parameter's gradient against finite differences (networks of more "
                "than 1000 parameters are checked on a sample of 64: four passes over the "
                "network per parameter make the full check quadratic in its size)");
  net->add_option("--steps", options->steps, "train N gradient steps and report the loss after")
      ->check(whole_number(0, 1000000000, "10^9"))
      ->type_name("N");
  CLI::Option* dot =
      net->add_option("--dot", options->dot,
                      "write the network's picture (see --view) to FILE as Graphviz DOT, - for "
                      "standard output (rendered by dot when FILE ends in .svg, .png or .pdf)")
          ->check(file_to_write())
          ->type_name("FILE");
  CLI::Option* history =
      net->add_option("--history", options->history,
                      "with --steps N: write the training curve to FILE, one JSON line a step, "
                      "{\"step\": k, \"loss\": the loss after k steps}, from step 0 (the loss "
                      "before training) to N: every step up to N = 10,000, beyond that every "
                      "ceil(N/10,000)-th step and the last; - for standard output")
          ->check(file_to_write())
          ->type_name("FILE");
  net->add_flag("--history-parameters", options->history_parameters,
                "--history's lines also hold \"parameters\": {name: value} (networks of at most "
                "100 parameters)")
      ->needs(history);
  net->add_option("--plot", options->plot,
                  "with --steps N: draw the loss against the step, the loss on a log scale, as an "
                  "SVG picture in FILE (- for standard output)")
      ->check(file_to_write())
      ->type_name("FILE");
  net->add_option("--html", options->html,
                  "write a web page to FILE (- for standard output) that steps through the "
                  "forward pass and the reverse sweep on the tape's graph: each node's value, "
                  "each local partial and the running dE_total/dnode; a click on a parameter "
                  "shows its chain rule (as --explain); with --history or --plot, the training "
                  "curve too. One file, no network: the graph laid out by Graphviz's dot, inline")
      ->check(file_to_write())
      ->type_name("FILE");
  net->add_option("--view", options->view,
                  "what --dot draws: 'network' (the default), the network as the tutorials "
                  "draw it, neurons in columns with net and out, each weight on its edge with "
                  "its value, gradient and (with --steps) new value; 'tape', the recorded tape, "
                  "every operation with its value, gradient and local partials")
      ->check(CLI::IsMember({"network", "tape"}))
      ->needs(dot)
      ->type_name("network|tape");
  net->add_option("--threads", options->threads,
                  "train a batch of more than 8 samples on N threads (default: the file's "
                  "\"threads\", else the number of cores); the samples go in blocks of 8, one "
                  "tape each, so the results are the same to the last bit on any number")
      ->check(whole_number(1, 1024))
      ->type_name("N");
  net->add_option("--explain", options->explain,
                  "print the chain rule for dE/dPARAMETER path by path, as the tutorials do")
      ->type_name("PARAMETER");
  CLI::Option* precision =
      net->add_option("--precision", options->precision,
                      "significant digits of the --explain factors (default 9, as the tutorials "
                      "print them) and of the --hessian matrix and eigenvalues (default 6)")
          ->type_name("N")
          ->check(whole_number(1, 17));
  // A flag holding its text ("true" bare, or what follows --hessian=), not an option taking a
  // value: an option would take `--hessian FILE --json`'s FILE as its value.
  CLI::Option* hessian =
      net->add_flag(
             "--hessian", options->hessian_value,
             "also print the Hessian of the loss with respect to the trained parameters (every "
             "parameter with --hessian=all), where training stopped (after --steps N), its "
             "eigenvalues "
             "and what they say about the loss there (a bowl, a saddle, flat directions); with "
             "--json, "
             "\"hessian\" {p: {q: number}}, \"parameters\" (its rows' order), \"eigenvalues\" "
             "(ascending) and \"hessian_after_steps\"")
          ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  net->add_option("--check", options->checks,
                  "NAME=FORMULA or 'd E_total / d NAME=FORMULA': a derivative of E_total you "
                  "worked out, checked against the network; NAME is a parameter or any named "
                  "node (out_h1, net_o1, E1, i1), and the formula may use every name of the "
                  "network: inputs, target_o1, weights, biases, net_*, out_*, E1, E_total, "
                  "learning_rate. Repeatable. With a batch, a parameter's formula is evaluated "
                  "per sample and averaged as the loss E_mean is; a node's is checked per "
                  "sample, of that sample's E_total (or of E_mean: 'd E_mean / d NAME=...'). "
                  "Example: --check 'w5=-(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h1'")
      ->type_name("NAME=FORMULA")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);  // one value per occurrence: `-d x=1 EXPR` leaves EXPR alone
  net->add_option("--tolerance", options->tolerance,
                  "for --check: yours agrees when |yours - engine| <= T*max(|yours|, |engine|) "
                  "+ 4*(the rounding-error bounds of both), as in `autodiff check`")
      ->capture_default_str()
      ->transform(tolerance_number())
      ->type_name("T");
  net->allow_extras();  // refused by refuse_extras
  net->callback([options, precision, hessian, net, file] {
    if (file->count() == 0) fail(kUsage, "a network file is required: autodiff net FILE");
    refuse_extras(*net, *hessian);
    options->precision_given = precision->count() > 0;
    options->hessian = hessian->count() > 0;
    run_net(*options);
  });
}
