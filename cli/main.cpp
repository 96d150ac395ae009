// The `autodiff` program: one subcommand per task (grad, check, net), each in its own file.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/command.hpp"

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
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand failed and said why
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : ad::cli::kUsage;
  } catch (const std::exception& e) {
    std::cerr << "autodiff: " << e.what() << '\n';
    return ad::cli::kNumeric;
  }
  return ad::cli::kOk;
}
