// Uses each installed part a little; install_test.cmake compares the numbers it prints with
// closed forms.
#include <autodiff/autodiff.hpp>
#include <autodiff/expression/expression.hpp>
#include <autodiff/graph/graph.hpp>
#include <cstdio>
#include <nn/network.hpp>
#include <nn/trainer.hpp>

int main() {
  {  // graph: the chain rule path by path, for y = x·x + 3x at x = 2
    ad::Tape tape;
    ad::Var x(2.0, "x");
    ad::Var y = x * x + 3.0 * x;
    const ad::graph::Explanation e = ad::graph::explain_paths(tape, y, x);
    std::printf("graph: %zu paths, sum %g\n", e.total_paths, e.path_sum);
  }
  {  // expression: d/dx of x·sin(x) at x = 1, parsed and recorded on the tape
    ad::Tape tape;
    ad::Var x(1.0, "x");
    const auto f = ad::expr::Expression::parse("x * sin(x)");
    tape.backward(ad::expr::record(f, {{"x", x}}));
    std::printf("expression: %.6f\n", x.grad());
  }
  {  // nn: one identity neuron o = w·x, loss E = ½(o − t)², its gradient dE/dw
    ad::nn::Network network;
    network.inputs = {"x"};
    network.layers = {{"output", {"o"}, ad::nn::Activation::Identity}};
    network.weights = {{"w", "x", "o", 0.5}};
    network.samples = {{{3.0}, {1.0}}};
    network.train = {"w"};
    ad::Tape tape;
    ad::nn::Trainer trainer(network, ad::nn::compile(network));
    trainer.evaluate();
    std::printf("nn: %g\n", trainer.gradients()[0]);
  }
}
