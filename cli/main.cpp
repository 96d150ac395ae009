// The `autodiff` program: one subcommand per task (grad, check, net), each in its own file.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <new>

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
  int status = ad::cli::kOk;
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    status = e.get_exit_code();  // a subcommand failed and said why
  } catch (const CLI::ParseError& e) {
    status = app.exit(e) == 0 ? ad::cli::kOk : ad::cli::kUsage;
  } catch (const ad::IoError& e) {
    std::cerr << "autodiff: " << e.what() << '\n';
    status = ad::cli::kFile;
  } catch (const ad::NonFinite& e) {  // the engine's and the networks' numeric errors
    std::cerr << "autodiff: " << e.what() << '\n';
    status = ad::cli::kNumeric;
  } catch (const std::bad_alloc&) {
    std::cerr << "autodiff: out of memory\n";
    status = ad::cli::kNumeric;
  } catch (
      const std::exception& e) {  // the library misused, or a bug: the subcommands catch the rest
    std::cerr << "autodiff: internal error (please report it): " << e.what() << '\n';
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
