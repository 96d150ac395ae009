// Uses the installed core engine; install_test.cmake checks the derivative it prints.
#include <autodiff/autodiff.hpp>
#include <cstdio>

int main() {
  ad::Tape tape;
  ad::Var x(2.0, "x");
  ad::Var y = x * x + 3.0 * x;
  tape.backward(y);
  std::printf("%g\n", x.grad());
}
