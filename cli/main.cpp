// The `autodiff` program: one subcommand per task (grad, check, net), each in its own file.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <new>

#include "autodiff/text.hpp"
#include "cli/command.hpp"

namespace {

const CLI::App* subcommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands({}))
    if (sub->get_name() == name) return sub;
  return nullptr;
}

// The command line with an expression that begins with '-' ('-x^2') given as --expression=-x^2,
// so that CLI11 takes it as the expression and not as an unknown option: in grad and check, an
// argument before "--" that starts with a single '-' and is not an option of the subcommand is
// the expression.
std::vector<std::string> expression_by_name(const CLI::App& app, std::vector<std::string> args) {
  if (args.empty() || (args[0] != "grad" && args[0] != "check")) return args;
  const CLI::App* sub = subcommand(app, args[0]);
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg == "--") return args;
    if (arg.size() < 2 || arg[0] != '-') continue;
    const bool long_name = arg.starts_with("--");
    const CLI::Option* option =
        sub->get_option_no_throw(long_name ? arg.substr(0, arg.find('=')) : arg.substr(0, 2));
    if (option == nullptr && !long_name) {
      arg = "--expression=" + arg;
      return args;
    }
    // An option's value may begin with '-' too (--at x=-1 is one word, -d x=-2*x another).
    const bool attached =
        arg.starts_with("--") ? arg.find('=') != std::string::npos : arg.size() > 2;
    if (option != nullptr && option->get_type_size_max() > 0 && !attached) ++i;
  }
  return args;
}

// The first argument names no subcommand: say which, and which there are.
void require_known_subcommand(const CLI::App& app, const std::vector<std::string>& args) {
  if (args.empty() || args[0].starts_with("-") || subcommand(app, args[0]) != nullptr) return;
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  std::string message = "unknown subcommand '" + ad::printable(args[0]) + "'";
  const std::string suggestion = ad::did_you_mean(args[0], names);
  message += suggestion.empty() ? "; the subcommands are grad, check and net" : suggestion;
  throw CLI::ExtrasError(message, ad::cli::kUsage);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "autodiff: gradients of expressions and networks by reverse-mode automatic "
      "differentiation.\nRun 'autodiff SUBCOMMAND --help' for each subcommand.",
      "autodiff"};
  // Set before the subcommands are added: each copies it.
  app.footer(ad::cli::expression_help() + "\n\n" + ad::cli::kExitStatusHelp);
  app.require_subcommand(1);
  add_grad_command(app);
  add_check_command(app);
  add_net_command(app);
  // CLI11's own messages quote the command line: escape its control characters too.
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    return ad::printable(CLI::FailureMessage::simple(a, e), true);
  });
  int status = ad::cli::kOk;
  try {
    std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
    require_known_subcommand(app, args);
    args = expression_by_name(app, std::move(args));
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  } catch (const CLI::RuntimeError& e) {
    status = e.get_exit_code();  // a subcommand failed and said why
  } catch (const CLI::ParseError& e) {
    status = app.exit(e) == 0 ? ad::cli::kOk : ad::cli::kUsage;
  } catch (const ad::IoError& e) {
    std::cerr << "autodiff: " << ad::printable(e.what(), true) << '\n';
    status = ad::cli::kFile;
  } catch (const ad::NonFinite& e) {  // the engine's and the networks' numeric errors
    std::cerr << "autodiff: " << ad::printable(e.what(), true) << '\n';
    status = ad::cli::kNumeric;
  } catch (const std::bad_alloc&) {
    std::cerr << "autodiff: out of memory\n";
    status = ad::cli::kNumeric;
  } catch (
      const std::exception& e) {  // the library misused, or a bug: the subcommands catch the rest
    std::cerr << "autodiff: internal error (please report it): " << ad::printable(e.what(), true)
              << '\n';
    status = ad::cli::kInternal;
  }
  // Output that could not be written (a full disk, a closed pipe) is an error, not a success.
  errno = 0;
  if (!std::cout.flush()) {
    std::cerr << "autodiff: cannot write to standard output"
              << (errno != 0 ? std::string(": ") + std::strerror(errno) : "") << '\n';
    return ad::cli::kFile;
  }
  return status;
}
