// The diagnosis on hand-made mistakes of every kind, on expressions and on both tutorials'
// networks written as definitions. Each expects the kind and the term, and checks the corrected
// formula independently: against a finite difference of the program (the verdict given to the
// diagnosis) and against the right derivative written by hand.
#include "autodiff/expression/diagnosis.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace ex = ad::expr;

namespace {

struct Case {
  std::vector<std::string> lets;
  std::string expression, variable, wrong;
  std::optional<std::string> kind;  // nullopt: no single mistake explains it
  std::optional<int> term;
  std::string right;  // the right derivative, by hand
  std::vector<ex::Values> points;
};

// A plain relative tolerance against a finite difference of the program, at every point.
bool agrees_with_finite_difference(const ex::Definitions& d, const ex::Expression& expression,
                                   const std::string& variable, const ex::Expression& formula,
                                   const std::vector<ex::Values>& points) {
  for (const ex::Values& point : points) {
    ex::Values at = point;
    if (d.find(variable) != nullptr) at[variable] = d.values(point).at(variable);
    const auto fd = ex::finite_difference(d.function(expression), at, variable);
    const double value = d.evaluate(formula, point);
    if (!fd || std::abs(value - fd->estimate) >
                   fd->error + 1e-6 * std::max(std::abs(value), std::abs(fd->estimate)))
      return false;
  }
  return true;
}

void check(const Case& c) {
  SCOPED_TRACE(c.expression + ", d/d" + c.variable + " = " + c.wrong);
  ex::Definitions d;
  for (const std::string& let : c.lets) d.add(let);
  const ex::Expression expression = ex::Expression::parse(c.expression);
  const ex::Expression wrong = ex::Expression::parse(c.wrong);
  const auto agrees = [&](const ex::Expression& candidate) {
    return agrees_with_finite_difference(d, expression, c.variable, candidate, c.points);
  };
  ASSERT_FALSE(agrees(wrong)) << "the mistake is not one";
  ASSERT_TRUE(agrees(ex::Expression::parse(c.right))) << "the hand derivative is wrong";
  const auto diagnosis = ex::diagnose({d, expression, c.variable, wrong, c.points, {}}, agrees);
  if (!c.kind) {
    EXPECT_FALSE(diagnosis) << diagnosis->kind << ": " << diagnosis->corrected;
    return;
  }
  ASSERT_TRUE(diagnosis);
  EXPECT_EQ(diagnosis->kind, *c.kind) << ex::describe(*diagnosis);
  EXPECT_EQ(diagnosis->term, c.term) << ex::describe(*diagnosis);
  // The corrected formula equals the hand derivative at every point, and at others too.
  const ex::Expression corrected = ex::Expression::parse(diagnosis->corrected);
  const ex::Expression right = ex::Expression::parse(c.right);
  for (const ex::Values& point : c.points) {
    const double a = d.evaluate(corrected, point), b = d.evaluate(right, point);
    EXPECT_NEAR(a, b, 1e-12 * std::max(1.0, std::abs(b))) << diagnosis->corrected;
  }
}

const std::vector<ex::Values> kX = {{{"x", 0.7}}, {{"x", 1.9}}};
const std::vector<ex::Values> kXY = {{{"x", 0.7}, {"y", 1.3}}, {{"x", 1.9}, {"y", -0.4}}};

TEST(Diagnosis, WrongSign) {
  // The example: the sign of the second term.
  check({{},
         "sin(x)^2*exp(-x)",
         "x",
         "2*sin(x)*cos(x)*exp(-x) + sin(x)^2*exp(-x)",
         "wrong_sign",
         2,
         "2*sin(x)*cos(x)*exp(-x) - sin(x)^2*exp(-x)",
         kX});
  // One point only: still the sign, not a coincidence.
  check({{},
         "sin(x)^2*exp(-x)",
         "x",
         "2*sin(x)*cos(x)*exp(-x) + sin(x)^2*exp(-x)",
         "wrong_sign",
         2,
         "2*sin(x)*cos(x)*exp(-x) - sin(x)^2*exp(-x)",
         {{{"x", 1.0}}}});
  check({{}, "x^3 - x^2", "x", "3*x^2 + 2*x", "wrong_sign", 2, "3*x^2 - 2*x", kX});
  check({{}, "x*cos(x)", "x", "cos(x) + x*sin(x)", "wrong_sign", 2, "cos(x) - x*sin(x)", kX});
  check({{}, "exp(-x)", "x", "exp(-x)", "wrong_sign", 1, "-exp(-x)", kX});
  // A leading minus that should not be there.
  check({{}, "exp(x) + x^2", "x", "-exp(x) + 2*x", "wrong_sign", 1, "exp(x) + 2*x", kX});
}

TEST(Diagnosis, MissingFactor) {
  check({{}, "sin(x^2)", "x", "cos(x^2)", "missing_factor", 1, "2*x*cos(x^2)", kX});
  check({{}, "exp(3*x^2)", "x", "exp(3*x^2)", "missing_factor", 1, "6*x*exp(3*x^2)", kX});
  check({{},
         "sqrt(1 + x^2)",
         "x",
         "1/(2*sqrt(1 + x^2))",
         "missing_factor",
         1,
         "x/sqrt(1 + x^2)",
         kX});
  check({{},
         "log(cos(x))",
         "x",
         "1/cos(x)",
         "missing_factor",
         1,
         "-tan(x)",
         {{{"x", 0.3}}, {{"x", 1.2}}}});
  check(
      {{}, "x^2 + sin(y*x)", "x", "2*x + cos(y*x)", "missing_factor", 2, "2*x + y*cos(y*x)", kXY});
}

TEST(Diagnosis, MissingTerm) {
  check({{}, "x*sin(x)", "x", "x*cos(x)", "missing_term", std::nullopt, "sin(x) + x*cos(x)", kX});
  check({{}, "x*exp(x)", "x", "exp(x)", "missing_term", std::nullopt, "(1 + x)*exp(x)", kX});
  check({{}, "x^2*log(x)", "x", "x", "missing_term", std::nullopt, "2*x*log(x) + x", kX});
}

TEST(Diagnosis, ConstantFactor) {
  check({{}, "x^2*y", "x", "x*y", "constant_factor", 1, "2*x*y", kXY});
  check({{}, "sin(x)^2", "x", "sin(x)*cos(x)", "constant_factor", 1, "2*sin(x)*cos(x)", kX});
  check({{}, "0.5*x^2", "x", "2*x", "constant_factor", 1, "x", kX});
  check({{}, "x^2 + sin(x)", "x", "2*x + 2*cos(x)", "constant_factor", 2, "2*x + cos(x)", kX});
  check({{}, "x^3", "x", "x^2", "constant_factor", 1, "3*x^2", kX});
}

TEST(Diagnosis, SwappedName) {
  check({{}, "x*y", "x", "x", "swapped_name", 1, "y", kXY});
  check({{}, "x^2*y + y^3", "y", "y^2 + 3*x^2", "swapped_name", std::nullopt, "x^2 + 3*y^2", kXY});
}

TEST(Diagnosis, NoSingleMistake) {
  check({{}, "sin(x)", "x", "x^2", std::nullopt, std::nullopt, "cos(x)", kX});
  // Two mistakes at once: a sign and a factor 2.
  check({{}, "x^2*y", "x", "-x*y", std::nullopt, std::nullopt, "2*x*y", kXY});
}

// Mazur's network (tutorial 2), by its own names.
const std::vector<std::string> kMazur = {"net_h1=w1*i1 + w2*i2 + b1",
                                         "net_h2=w3*i1 + w4*i2 + b1",
                                         "out_h1=sigmoid(net_h1)",
                                         "out_h2=sigmoid(net_h2)",
                                         "net_o1=w5*out_h1 + w6*out_h2 + b2",
                                         "net_o2=w7*out_h1 + w8*out_h2 + b2",
                                         "out_o1=sigmoid(net_o1)",
                                         "out_o2=sigmoid(net_o2)",
                                         "E1=0.5*(target_o1 - out_o1)^2",
                                         "E2=0.5*(target_o2 - out_o2)^2",
                                         "E_total=E1 + E2"};
const std::vector<ex::Values> kMazurStart = {{{"i1", 0.05},
                                              {"i2", 0.10},
                                              {"w1", 0.15},
                                              {"w2", 0.20},
                                              {"w3", 0.25},
                                              {"w4", 0.30},
                                              {"w5", 0.40},
                                              {"w6", 0.45},
                                              {"w7", 0.50},
                                              {"w8", 0.55},
                                              {"b1", 0.35},
                                              {"b2", 0.60},
                                              {"target_o1", 0.01},
                                              {"target_o2", 0.99}}};
const std::string kW5 = "-(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h1";
const std::string kOutH1 =
    "-(target_o1 - out_o1)*out_o1*(1 - out_o1)*w5 - (target_o2 - "
    "out_o2)*out_o2*(1 - out_o2)*w7";

TEST(Diagnosis, MazurNetwork) {
  check({kMazur, "E_total", "w5", "-(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h2",
         "swapped_name", 1, kW5, kMazurStart});
  check({kMazur, "E_total", "w5", "-(target_o1 - out_o1)*out_h1", "missing_factor", 1, kW5,
         kMazurStart});
  check({kMazur, "E_total", "w5", "(target_o1 - out_o1)*out_o1*(1 - out_o1)*out_h1", "wrong_sign",
         1, kW5, kMazurStart});
  check({kMazur, "E_total", "out_h1",
         "-(target_o1 - out_o1)*out_o1*(1 - out_o1)*w6 - (target_o2 - out_o2)*out_o2*(1 - "
         "out_o2)*w7",
         "swapped_name", 1, kOutH1, kMazurStart});
  check({kMazur, "E_total", "w1",
         "-(target_o1 - out_o1)*out_o1*(1 - out_o1)*w5*out_h1*(1 - out_h1)*i1", "missing_term",
         std::nullopt, "(" + kOutH1 + ")*out_h1*(1 - out_h1)*i1", kMazurStart});
  check({kMazur, "E_total", "out_o1", "-2*(target_o1 - out_o1)", "constant_factor", 1,
         "out_o1 - target_o1", kMazurStart});
}

// Lamsal's network (tutorial 1): its own wiring (w2 and w3 numbered the other way) and names.
TEST(Diagnosis, LamsalNetwork) {
  const std::vector<std::string> lets = {"sum_h1=i1*w1 + i2*w3 + b1",
                                         "sum_h2=i1*w2 + i2*w4 + b1",
                                         "h1=sigmoid(sum_h1)",
                                         "h2=sigmoid(sum_h2)",
                                         "sum_o1=h1*w5 + h2*w6 + b2",
                                         "sum_o2=h1*w7 + h2*w8 + b2",
                                         "o1=sigmoid(sum_o1)",
                                         "o2=sigmoid(sum_o2)",
                                         "E=0.5*(t1 - o1)^2 + 0.5*(t2 - o2)^2"};
  const std::vector<ex::Values> start = {{{"i1", 0.1},
                                          {"i2", 0.5},
                                          {"w1", 0.1},
                                          {"w2", 0.2},
                                          {"w3", 0.3},
                                          {"w4", 0.4},
                                          {"w5", 0.5},
                                          {"w6", 0.6},
                                          {"w7", 0.7},
                                          {"w8", 0.8},
                                          {"b1", 0.25},
                                          {"b2", 0.35},
                                          {"t1", 0.05},
                                          {"t2", 0.95}}};
  const std::string w3 = "((o1 - t1)*o1*(1 - o1)*w5 + (o2 - t2)*o2*(1 - o2)*w7)*h1*(1 - h1)*i2";
  // i1 for i2: the inputs of the other tutorial's numbering.
  check({lets, "E", "w3", "((o1 - t1)*o1*(1 - o1)*w5 + (o2 - t2)*o2*(1 - o2)*w7)*h1*(1 - h1)*i1",
         "swapped_name", 1, w3, start});
  check({lets, "E", "w6", "(o1 - t1)*h2", "missing_factor", 1, "(o1 - t1)*o1*(1 - o1)*h2", start});
}

}  // namespace

namespace {

// A sum of n terms k*x (k = 1..n), and its derivative 1+2+...+n with term `flipped` negated.
std::pair<std::string, std::string> long_sum(int n, int flipped) {
  std::string f, d;
  for (int k = 1; k <= n; ++k) {
    f += (k > 1 ? "+" : "") + std::to_string(k) + "*x";
    d += (k == flipped ? "-" : k > 1 ? "+" : "") + std::to_string(k);
  }
  return {f, d};
}

// Review of issue 12, item 6: a search that stopped at its limit said "none of the usual ones".
// A sum of 1,200 terms is past kMaxHeight (1,000): the search is not made, and says so.
TEST(Diagnosis, ASumTooLongToSearchIsNotSaidToHaveNoMistake) {
  const auto [f, d] = long_sum(1200, 1199);
  const ex::Definitions none;
  ex::DiagnosisSearch search;
  const auto found = ex::diagnose(
      {none, ex::Expression::parse(f), "x", ex::Expression::parse(d), {{{"x", 1.0}}}, {}},
      [](const ex::Expression&) { return true; }, &search);
  EXPECT_FALSE(found);
  EXPECT_EQ(search.end, ex::DiagnosisSearch::End::TooDeep);
  EXPECT_EQ(search.height, 1201u);  // 1199 additions above 1200*x, itself 2 high
  EXPECT_EQ(ex::describe_no_diagnosis(search),
            "not searched for: the formula or f is 1201 levels deep, past the search's limit of "
            "1000 (a sum of n terms is n - 1 levels above its deepest term)");
}

// Found by a hostile review: a sum of exactly 1000 terms k*x was said to be "a sum of over 1000
// terms". The limit is on the tree's height, 1000 levels, a leaf one: 1000 terms k*x are 1001
// high and not searched; 1000 names are 1000 high and searched.
TEST(Diagnosis, TheDepthLimitIsTheTreesHeightNotACountOfTerms) {
  const ex::Definitions none;
  const auto search_of = [&](const std::string& f, const std::string& d) {
    ex::DiagnosisSearch search;
    const auto found = ex::diagnose(
        {none, ex::Expression::parse(f), "x", ex::Expression::parse(d), {{{"x", 1.0}}}, {}},
        [](const ex::Expression&) { return true; }, &search);
    return std::pair{found.has_value(), search};
  };
  const auto [f1000, d1000] = long_sum(1000, 2);
  const auto [found1000, too_deep] = search_of(f1000, d1000);
  EXPECT_FALSE(found1000);
  EXPECT_EQ(too_deep.end, ex::DiagnosisSearch::End::TooDeep);
  EXPECT_EQ(ex::describe_no_diagnosis(too_deep),
            "not searched for: the formula or f is 1001 levels deep, past the search's limit of "
            "1000 (a sum of n terms is n - 1 levels above its deepest term)");
  std::string names = "x";
  for (int k = 1; k < 1000; ++k) names += "+x";
  EXPECT_TRUE(search_of(names, "-1000").first);
}

// "after 1 candidate", not "1 candidates".
TEST(Diagnosis, OneCandidateIsSingular) {
  ex::DiagnosisSearch search;
  search.end = ex::DiagnosisSearch::End::Limit;
  search.candidates = 1;
  EXPECT_EQ(ex::describe_no_diagnosis(search),
            "the search for the usual mistakes stopped at its limit (a long formula) after 1 "
            "candidate; none matched so far");
}

// 600 terms k*x^2 with term 550's factor 2 missing: the symbolic derivative is past its work
// limit, so only the 600 signs and the whole formula's are tried (601 candidates), and the report
// says the search stopped there.
TEST(Diagnosis, ASearchStoppedAtItsLimitSaysAfterHowManyCandidates) {
  std::string f, d;
  for (int k = 1; k <= 600; ++k) {
    f += (k > 1 ? "+" : "") + std::to_string(k) + "*x^2";
    d += (k > 1 ? "+" : "") + std::to_string(k == 550 ? k : 2 * k) + "*x";
  }
  const ex::Definitions none;
  const ex::Expression expression = ex::Expression::parse(f);
  const std::vector<ex::Values> points = {{{"x", 1.0}}};
  ex::DiagnosisSearch search;
  const auto found = ex::diagnose(
      {none, expression, "x", ex::Expression::parse(d), points, {}},
      [&](const ex::Expression& candidate) {
        return agrees_with_finite_difference(none, expression, "x", candidate, points);
      },
      &search);
  EXPECT_FALSE(found);
  EXPECT_EQ(search.end, ex::DiagnosisSearch::End::Limit);
  EXPECT_EQ(search.candidates, 601u);
  EXPECT_EQ(ex::describe_no_diagnosis(search),
            "the search for the usual mistakes stopped at its limit (a long formula) after 601 "
            "candidates; none matched so far");
}

// max has no symbolic derivative: only a sign and a name are tried, and the report says which.
TEST(Diagnosis, WithoutASymbolicDerivativeTheKindsNotTriedAreNamed) {
  const ex::Definitions none;
  const ex::Expression expression = ex::Expression::parse("max(x,1)*x");
  const std::vector<ex::Values> points = {{{"x", 2.0}}};
  ex::DiagnosisSearch search;
  const auto found = ex::diagnose(
      {none, expression, "x", ex::Expression::parse("3*x"), points, {}},
      [&](const ex::Expression& candidate) {
        return agrees_with_finite_difference(none, expression, "x", candidate, points);
      },
      &search);
  EXPECT_FALSE(found);
  EXPECT_EQ(search.end, ex::DiagnosisSearch::End::NoDerivative);
  EXPECT_EQ(ex::describe_no_diagnosis(search),
            "neither a wrong sign nor a name for another; the other usual mistakes (a constant "
            "factor, a missing chain-rule factor or term) were not searched for: min and max have "
            "no symbolic derivative");
}

}  // namespace
