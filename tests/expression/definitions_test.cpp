// Named sub-expressions: what a name may be, in which order definitions may use each other,
// their values, and their recording on the tape by name.
#include "autodiff/expression/definitions.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "autodiff/tape.hpp"

namespace ex = ad::expr;

namespace {

std::string error_of(const std::vector<std::string>& lets) {
  ex::Definitions d;
  try {
    for (const std::string& let : lets) d.add(let);
  } catch (const ex::SyntaxError& e) {
    return e.what();
  }
  return "";
}

TEST(Definitions, BadNamesAndOrderAreErrorsWithACaret) {
  EXPECT_EQ(error_of({"2out=x"}),
            "'2out' is not a name: a name is letters, digits and _, not starting with a digit at "
            "column 1\n  2out\n  ^~~~");
  EXPECT_EQ(error_of({"sin=x"}),
            "'sin' is a function, not a name to define at column 1\n  sin\n  ^~~");
  EXPECT_EQ(error_of({"a=x", "a=y"}), "'a' is already defined at column 1\n  a\n  ^");
  // A definition may use only earlier ones: E uses out before out is defined.
  EXPECT_EQ(error_of({"E=(t - out)^2", "out=sigmoid(x)"}),
            "'out' is used by the definition of 'E' before it is defined: a definition may use "
            "only earlier ones at column 6\n  (t - out)^2\n       ^~~");
  EXPECT_EQ(error_of({"a=a + 1"}), "'a' is used in its own definition at column 1\n  a + 1\n  ^");
  EXPECT_NE(error_of({"a"}).find("expected NAME=FORMULA"), std::string::npos);
  EXPECT_NE(error_of({"a=x +"}).find("expected a number"), std::string::npos);
}

TEST(Definitions, ValuesInOrderAndHeldNames) {
  ex::Definitions d;
  d.add("out=sigmoid(w*x + b)");
  d.add(" E = 0.5*(t - out)^2");
  const ex::Expression f = ex::Expression::parse("E + out");
  EXPECT_EQ(d.base_variables({&f}), (std::vector<std::string>{"w", "x", "b", "t"}));
  const ex::Values point = {{"w", 0.5}, {"x", 2}, {"b", -0.25}, {"t", 1}};
  const double out = 1 / (1 + std::exp(-(0.5 * 2 - 0.25)));
  const ex::Values v = d.values(point);
  EXPECT_DOUBLE_EQ(v.at("out"), out);
  EXPECT_DOUBLE_EQ(v.at("E"), 0.5 * (1 - out) * (1 - out));
  EXPECT_DOUBLE_EQ(d.function(f)(point).value, 0.5 * (1 - out) * (1 - out) + out);
  // A name given is held: E follows it, out is not recomputed.
  ex::Values held = point;
  held["out"] = 0.25;
  EXPECT_DOUBLE_EQ(d.evaluate(f, held), 0.5 * 0.75 * 0.75 + 0.25);
}

TEST(Definitions, RecordedByName) {
  ex::Definitions d;
  d.add("out=sigmoid(w*x)");
  d.add("same=out");  // another name for out: a node of its own
  d.add("E=0.5*(t - same)^2");
  ad::Tape tape;
  ex::Variables variables = {
      {"w", ad::Var(0.5, "w")}, {"x", ad::Var(2.0, "x")}, {"t", ad::Var(1.0, "t")}};
  d.record(variables);
  const ad::Var f = ex::record(ex::Expression::parse("E"), variables);
  EXPECT_EQ(tape.name(tape.index(variables.at("out"))), "out");
  EXPECT_EQ(tape.name(tape.index(variables.at("E"))), "E");
  tape.backward(f);
  const double out = 1 / (1 + std::exp(-1.0));
  // By hand: ∂E/∂same = ∂E/∂out = -(t - out), dE/dw = -(t - out)·out·(1 - out)·x.
  EXPECT_NEAR(tape.gradient(variables.at("same")), -(1 - out), 1e-15);
  EXPECT_NEAR(tape.gradient(variables.at("out")), -(1 - out), 1e-15);
  EXPECT_NEAR(tape.gradient(variables.at("w")), -(1 - out) * out * (1 - out) * 2, 1e-15);
}

}  // namespace
