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

// The command line with the positional argument (grad's and check's expression, net's file)
// given by name (--expression=-x^2, --file=-t.json) where CLI11 would take it for an option or
// for an option's value: an argument that begins with a single '-' and is not an option of the
// subcommand, and the argument after "--" (the options after it are still read as options).
// Throws a usage error for a flag given an empty value (--hessian=), which CLI11 takes as given.
std::vector<std::string> positional_by_name(const CLI::App& app, std::vector<std::string> args) {
  const CLI::App* sub = args.empty() ? nullptr : subcommand(app, args[0]);
  if (sub == nullptr) return args;
  const std::string name = args[0] == "net" ? "--file=" : "--expression=";
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg == "--") {
      if (i + 1 < args.size()) {
        args[i] = name + args[i + 1];
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      }
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') continue;
    const bool long_name = arg.starts_with("--");
    const std::string option_name = long_name ? arg.substr(0, arg.find('=')) : arg.substr(0, 2);
    const CLI::Option* option = sub->get_option_no_throw(option_name);
    if (option == nullptr && !long_name) {
      arg = name + arg;
      continue;
    }
    if (option == nullptr) continue;  // CLI11 names the unknown option
    const bool takes_value = option->get_items_expected_max() > 0;
    if (!takes_value && arg == option_name + "=")
      throw CLI::ValidationError(option_name + "=",
                                 "an empty value: write " + option_name + " alone or a value");
    // An option's value may begin with '-' too (--at x=-1 is one word, -d x=-2*x another).
    const bool attached = long_name ? arg.find('=') != std::string::npos : arg.size() > 2;
    if (takes_value && !attached) ++i;
  }
  return args;
}

// CLI11's message for an option of one value given more than once ("--at: At Most 1 required but
// received 2"), said in words; other messages as CLI11 words them.
std::string in_words(const CLI::Error& e) {
  const std::string what = e.what();
  const std::string at_most = ": At Most 1 required but received ";
  const auto cut = what.find(at_most);
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) == nullptr || cut == std::string::npos)
    return what;
  const std::string option = what.substr(0, cut), times = what.substr(cut + at_most.size());
  return option + " is given once, not " + times + " times" +
         (option == "--at" ? ": give all the variables' values in one --at, comma-separated "
                             "(--at x=1,y=2)"
                           : "");
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

// --version with anything else (autodiff --version extra): CLI11 would print the version and
// ignore the rest.
void require_version_alone(const std::vector<std::string>& args) {
  const auto options_end = std::find(args.begin(), args.end(), "--");
  const auto version = std::find(args.begin(), options_end, "--version");
  if (args.size() > 1 && version != options_end)
    throw CLI::ExtrasError("--version takes no other arguments, not '" +
                               ad::printable(args[version == args.begin() ? 1 : 0]) + "'",
                           ad::cli::kUsage);
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
  app.set_version_flag("--version", "autodiff " AUTODIFF_VERSION,
                       "print the program's version and exit");
  // CLI11's own messages are one line that quotes the command line: all of it shown printable()
  // (a newline as "\n") after "autodiff: " as every other message, then the pointer to --help on
  // a line of its own.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "autodiff: " + ad::clipped(ad::printable(in_words(e))) +
           "\nRun with --help for more information.\n";
  });
  int status = ad::cli::kOk;
  try {
    std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
    require_version_alone(args);
    require_known_subcommand(app, args);
    args = positional_by_name(app, std::move(args));
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  } catch (const CLI::RuntimeError& e) {
    status = e.get_exit_code();  // a subcommand failed and said why
  } catch (const CLI::ParseError& e) {
    status = app.exit(e) == 0 ? ad::cli::kOk : ad::cli::kUsage;
  } catch (const ad::IoError& e) {
    std::cerr << "autodiff: " << ad::clipped(ad::printable(e.what(), true)) << '\n';
    status = ad::cli::kFile;
  } catch (const ad::NonFinite& e) {  // the engine's and the networks' numeric errors
    std::cerr << "autodiff: " << ad::clipped(ad::printable(e.what(), true)) << '\n';
    status = ad::cli::kNumeric;
  } catch (const std::bad_alloc&) {
    std::cerr << "autodiff: out of memory\n";
    status = ad::cli::kNumeric;
  } catch (
      const std::exception& e) {  // the library misused, or a bug: the subcommands catch the rest
    std::cerr << "autodiff: internal error (please report it): "
              << ad::clipped(ad::printable(e.what(), true)) << '\n';
    status = ad::cli::kInternal;
  }
  // Output that could not be written (a full disk, a closed pipe) is an error, not a success.
  // (A stream that failed earlier keeps no errno: clear it and write again to learn why.)
  if (!std::cout) std::cout.clear(), std::cout.put('\n');
  errno = 0;
  if (!std::cout.flush()) {
    std::cerr << "autodiff: cannot write to standard output"
              << (errno != 0 ? std::string(": ") + std::strerror(errno) : "") << '\n';
    return ad::cli::kFile;
  }
  // With an output given as "-", the result or report is on standard error: lost there, it is a
  // failure too (with no way left, maybe, to say so). A failure's own status is kept.
  if (!std::cerr.flush() && status == ad::cli::kOk) return ad::cli::kFile;
  return status;
}
