// The node labels' formulas (ad::graph::node_text, operation_text): the fewest parentheses that
// still read as the tape computed, checked against hand-written strings and, independently, by
// parsing each text back with the expression language and evaluating it.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autodiff/expression/expression.hpp"
#include "autodiff/graph/graph.hpp"
#include "autodiff/tape.hpp"

namespace {

struct Case {
  std::string expected;                                 // written by hand
  std::function<ad::Var(ad::Var, ad::Var, ad::Var)> f;  // recorded on a, b, c
};

// At a, b, c = 2, 3, 2 a wrong grouping changes the value: a − (b − c) = 1 but a − b − c = −3,
// a/(b·c) = 1/3 but a/b·c = 4/3, a^(b^c) = 2^9 but (a^b)^c = 2^6, (−a)^2 = 4 but −a^2 = −4.
const std::vector<Case>& cases() {
  using ad::Var;
  static const std::vector<Case> table = {
      {"a − (b − c)", [](Var a, Var b, Var c) { return a - (b - c); }},
      {"a − b − c", [](Var a, Var b, Var c) { return (a - b) - c; }},
      {"a/(b·c)", [](Var a, Var b, Var c) { return a / (b * c); }},
      {"a·b/c", [](Var a, Var b, Var c) { return (a * b) / c; }},
      {"(a + b)·c", [](Var a, Var b, Var c) { return (a + b) * c; }},
      {"−(a + b)", [](Var a, Var b, Var) { return -(a + b); }},
      {"−a·b", [](Var a, Var b, Var) { return -a * b; }},
      {"a^b^c", [](Var a, Var b, Var c) { return pow(a, pow(b, c)); }},
      {"(a^b)^c", [](Var a, Var b, Var c) { return pow(pow(a, b), c); }},
      {"(−a)^2", [](Var a, Var, Var) { return pow(-a, 2.0); }},
      {"sin(a + b)", [](Var a, Var b, Var) { return sin(a + b); }},
      {"a·(b/c)", [](Var a, Var b, Var c) { return a * (b / c); }},
      {"a·(−b)", [](Var a, Var b, Var) { return a * -b; }},
      {"a − (−b)", [](Var a, Var b, Var) { return a - -b; }},
      {"a·b^c", [](Var a, Var b, Var c) { return a * pow(b, c); }},
      {"−a^2", [](Var a, Var, Var) { return -pow(a, 2.0); }},
      {"0.5·(a − b)^2", [](Var a, Var b, Var) { return 0.5 * pow(a - b, 2.0); }},
      {"a + (−0.5)", [](Var a, Var, Var) { return a + -0.5; }},
      {"2 − (a + b)", [](Var a, Var b, Var) { return 2.0 - (a + b); }},
      {"a^(−1)", [](Var a, Var, Var) { return pow(a, -1.0); }},
      {"(a + b)/(b − c)", [](Var a, Var b, Var c) { return (a + b) / (b - c); }},
  };
  return table;
}

}  // namespace

TEST(LabelPrecedence, FewestParenthesesAndTheSameValueParsedBack) {
  const ad::expr::Values at{{"a", 2.0}, {"b", 3.0}, {"c", 2.0}};
  for (const Case& k : cases()) {
    ad::Tape tape;
    const ad::Var a(at.at("a"), "a"), b(at.at("b"), "b"), c(at.at("c"), "c");
    const ad::Var y = k.f(a, b, c);
    const auto nodes = tape.nodes();
    const std::string text = ad::graph::node_text(tape, nodes, tape.index(y));
    EXPECT_EQ(text, k.expected);
    EXPECT_EQ(ad::graph::operation_text(tape, nodes, tape.index(y), 6), k.expected);
    // The parser reads the labels' − and · as - and *.
    const double parsed = ad::expr::evaluate(ad::expr::Expression::parse(text), at);
    EXPECT_DOUBLE_EQ(parsed, y.value()) << text;
  }
}

// A long unnamed operand is written by its own formula, a long sum by its first and last terms,
// never by a tape label such as "linear#81" that reads like a variable.
TEST(LabelAbbreviation, ALongOperandIsShortenedNotReplacedByATapeLabel) {
  ad::Tape tape;
  std::vector<ad::Var> errors;
  for (int s = 1; s <= 4; ++s) errors.emplace_back(0.1 * s, "s" + std::to_string(s) + ".E_total");
  const ad::Var mean = ad::named(ad::sum(errors) / 4.0, "E_mean");
  const auto nodes = tape.nodes();
  EXPECT_EQ(ad::graph::operation_text(tape, nodes, tape.index(mean), 6),
            "(s1.E_total + … + s4.E_total)/4");
  // A chain too deep for one label: the innermost operands become "…", never "log#3".
  ad::Var v(0.5, "x");
  for (int k = 0; k < 8; ++k) v = log(v + 2.0);
  const std::string deep = ad::graph::node_text(tape, tape.nodes(), tape.index(v));
  EXPECT_EQ(deep, "log(log(log(… + 2) + 2) + 2)");
  EXPECT_EQ(deep.find('#'), std::string::npos);
}
