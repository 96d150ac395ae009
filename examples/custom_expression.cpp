// The README's custom-expression example, built and run by CTest so it cannot rot.
#include <cstdio>

#include "autodiff/autodiff.hpp"

int main() {
  ad::Tape tape;                      // records every operation until it ends
  ad::Var x(1.5, "x"), y(-2.0, "y");  // named inputs
  ad::Var f = x * y + sin(x) * exp(y) - pow(x, 2.0) / y;
  tape.backward(f);  // one reverse sweep: every gradient
  std::printf("f     = %.17g\n", f.value());
  std::printf("df/dx = %.17g\n", x.grad());  // y + cos(x)·e^y − 2x/y
  std::printf("df/dy = %.17g\n", y.grad());  // x + sin(x)·e^y + x²/y²
  std::printf("nodes = %zu, bytes = %zu\n", tape.size(), tape.bytes_used());
}
