// What the fuzzers do with one input, shared with the regression test that replays every
// committed corpus file and every crash the fuzzers found. Each function takes arbitrary bytes
// and may only end in one of the documented errors (which it catches) or normally: any other
// exception escapes, which libFuzzer reports as a crash and the regression test as a failure;
// a memory error or undefined behaviour is caught by the sanitizers.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "autodiff/autodiff.hpp"
#include "autodiff/expression/expression.hpp"
#include "autodiff/expression/verdict.hpp"
#include "nn/network_file.hpp"
#include "nn/trainer.hpp"

namespace fuzz {

// Parse an expression; if it parses, evaluate it on doubles, record it on a checked tape and
// differentiate it, and take its finite differences, at a fixed point.
inline void expression(std::string_view bytes) {
  namespace ex = ad::expr;
  try {
    const ex::Expression e = ex::Expression::parse(std::string(bytes));
    ex::Values values;
    double x = 0.75;
    for (const std::string& name : e.variables()) values[name] = (x = -1.3 * x + 0.1);
    try {
      (void)ex::evaluate(e, values);
    } catch (const ex::DomainError&) {
    }
    {
      ad::Tape tape(ad::Tape::Options{.checked = true});
      ex::Variables vars;
      for (const auto& [name, value] : values) vars.emplace(name, ad::Var(value, name));
      try {
        const ad::Var y = ex::record(e, vars);
        tape.backward(y);
        for (const auto& [name, v] : vars) (void)tape.gradient(v);
      } catch (const ex::DomainError&) {
      } catch (const ad::NonFinite&) {
      }
    }
    for (const auto& [name, value] : values) {
      try {
        (void)ex::finite_difference(e, values, name);
      } catch (const ex::DomainError&) {  // f itself is not finite at the point
      }
    }
  } catch (const ex::SyntaxError&) {
  }
}

// Read a network file from text; if it is valid and small, record one forward and backward pass
// of it on the engine and compare nothing (the unit tests do that): it must just not crash.
inline void network(std::string_view bytes) {
  try {
    const ad::nn::NetworkFile file = ad::nn::parse_network_file(bytes, "fuzz.json");
    const ad::nn::Network& n = file.network;
    std::size_t units = n.inputs.size();
    for (const ad::nn::Layer& layer : n.layers) units += layer.neurons.size();
    if (n.parameter_count() > 10000 || units * n.samples.size() > 100000) return;
    ad::Tape tape;
    ad::nn::Trainer trainer(n, file.topology);
    (void)trainer.step();
  } catch (const ad::nn::FileError&) {
  } catch (const ad::nn::Error&) {
  } catch (
      const ad::nn::NumericError&) {  // a loss or gradient beyond the doubles (huge_value.json)
  }
}

}  // namespace fuzz
