// The symbolic derivative against finite differences on doubles (every function of the table,
// the binary operations, definitions) and against derivations done by hand, in the form a
// person writes them.
#include "autodiff/expression/symbolic.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace ex = ad::expr;

namespace {

// d/d`variable` of the program at `point`, symbolically, against a finite difference of the
// program on doubles, within the difference's own error estimate (plus 1e-9 relative).
void expect_matches_finite_difference(const ex::Definitions& definitions, const std::string& f,
                                      const std::string& variable, const ex::Values& point) {
  const ex::Expression expression = ex::Expression::parse(f);
  const ex::Derivative d = ex::derivative(definitions, expression, variable);
  // The printed formula parses back: that is what is evaluated.
  const ex::Expression printed = ex::Expression::parse(ex::to_string(d.value));
  ex::Values at = point;
  if (definitions.find(variable) != nullptr) at[variable] = definitions.values(point).at(variable);
  const auto fd = ex::finite_difference(definitions.function(expression), at, variable);
  ASSERT_TRUE(fd) << f;
  const double symbolic = definitions.evaluate(printed, point);
  EXPECT_NEAR(symbolic, fd->estimate, fd->error + 1e-9 * std::abs(fd->estimate))
      << "d/d" << variable << " " << f << " = " << ex::to_string(d.value);
  // The terms add up to the derivative.
  double sum = 0;
  for (const ex::Node& term : d.terms)
    sum += definitions.evaluate(ex::Expression::parse(ex::to_string(term)), point);
  EXPECT_NEAR(sum, symbolic, 1e-12 * std::max(1.0, std::abs(symbolic))) << f;
}

ex::Definitions mazur() {
  ex::Definitions d;
  for (const char* let :
       {"net_h1=w1*i1 + w2*i2 + b1", "net_h2=w3*i1 + w4*i2 + b1", "out_h1=sigmoid(net_h1)",
        "out_h2=sigmoid(net_h2)", "net_o1=w5*out_h1 + w6*out_h2 + b2",
        "net_o2=w7*out_h1 + w8*out_h2 + b2", "out_o1=sigmoid(net_o1)", "out_o2=sigmoid(net_o2)",
        "E1=0.5*(target_o1 - out_o1)^2", "E2=0.5*(target_o2 - out_o2)^2", "E_total=E1 + E2"})
    d.add(let);
  return d;
}

const ex::Values kMazurStart = {{"i1", 0.05},        {"i2", 0.10},       {"w1", 0.15}, {"w2", 0.20},
                                {"w3", 0.25},        {"w4", 0.30},       {"w5", 0.40}, {"w6", 0.45},
                                {"w7", 0.50},        {"w8", 0.55},       {"b1", 0.35}, {"b2", 0.60},
                                {"target_o1", 0.01}, {"target_o2", 0.99}};

TEST(Symbolic, EveryFunctionOfTheTable) {
  for (const ex::Function& f : ex::functions()) {
    if (f.arity != 1) continue;
    // Inside every domain (asin, acos: |u| < 1; log, sqrt: u > 0) and away from relu's kink.
    const std::string inner = "(0.3*x + 0.2)";
    const std::string text = std::string(f.name) + inner + "*x";
    for (double x : {0.4, 1.1}) expect_matches_finite_difference({}, text, "x", {{"x", x}});
  }
}

TEST(Symbolic, BinaryOperations) {
  for (const char* f : {"x + y", "x - y", "x*y", "x/y", "x^y", "y^x", "pow(x, 3)", "2^x",
                        "x/(1 + y^2)", "-x*y", "x^-2", "(x - y)^3"})
    for (const char* v : {"x", "y"})
      expect_matches_finite_difference({}, f, v, {{"x", 1.3}, {"y", 0.7}});
}

TEST(Symbolic, MinAndMaxHaveNoFormula) {
  EXPECT_THROW(ex::derivative({}, ex::Expression::parse("max(x, 1)*x"), "x"), ad::Error);
}

TEST(Symbolic, ReadsLikeAHandDerivation) {
  const auto d = [](const std::string& f, const std::string& v) {
    return ex::to_string(ex::derivative({}, ex::Expression::parse(f), v).value);
  };
  // The example, term for term as a person writes it.
  EXPECT_EQ(d("sin(x)^2*exp(-x)", "x"), "2*sin(x)*cos(x)*exp(-x) - sin(x)^2*exp(-x)");
  EXPECT_EQ(d("x*sin(x)", "x"), "sin(x) + x*cos(x)");
  EXPECT_EQ(d("x*x", "x"), "2*x");  // like terms combined
  EXPECT_EQ(d("sqrt(x^2 + 1)", "x"), "x/sqrt(x^2 + 1)");
  EXPECT_EQ(d("x^3 - 2*x + 5", "x"), "3*x^2 - 2");
}

TEST(Symbolic, Simplification) {
  EXPECT_EQ(ex::to_string(ex::simplify(ex::Expression::parse("x^1*1 + 0*y + (2 - 1)").root())),
            "x + 1");
  EXPECT_EQ(ex::to_string(ex::simplify(ex::Expression::parse("-(-x)*2*3").root())), "6*x");
  EXPECT_EQ(ex::to_string(ex::simplify(ex::Expression::parse("a - (b - c)").root())), "a - b + c");
  EXPECT_EQ(ex::to_string(ex::simplify(ex::Expression::parse("(a*b)^2/(c*d)").root())),
            "(a*b)^2/(c*d)");
}

TEST(Symbolic, ThroughDefinitionsByTheirNames) {
  const ex::Definitions d = mazur();
  const ex::Expression e = ex::Expression::parse("E_total");
  // Mazur's ∂E_total/∂w5, as his text derives it.
  const ex::Derivative w5 = ex::derivative(d, e, "w5");
  EXPECT_EQ(ex::to_string(w5.value), "-(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h1");
  EXPECT_NEAR(d.evaluate(ex::Expression::parse(ex::to_string(w5.value)), kMazurStart), 0.082167041,
              0.5e-9);  // his printed figure
  // ∂E_total/∂out_o1, the adjoint of a name (the base variables held): 0.74136507 in his text.
  const ex::Derivative out_o1 = ex::derivative(d, e, "out_o1");
  EXPECT_EQ(ex::to_string(out_o1.value), "-(target_o1 - out_o1)");
  EXPECT_NEAR(d.evaluate(ex::Expression::parse(ex::to_string(out_o1.value)), kMazurStart),
              0.74136507, 0.5e-8);
  // w1 has two paths, through o1 and through o2.
  EXPECT_EQ(ex::derivative(d, e, "w1").terms.size(), 2u);
  for (const char* v : {"w1", "w4", "w6", "b1", "i2", "out_h1", "net_o2", "E1"})
    expect_matches_finite_difference(d, "E_total", v, kMazurStart);
}

}  // namespace
