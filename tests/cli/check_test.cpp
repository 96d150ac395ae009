// `autodiff check`, run end to end: verdicts, the three values against closed forms, the
// diagnosis of a wrong formula, the tolerance, exit statuses and error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"

using cli_test::expect_close;
using cli_test::run;
using nlohmann::json;

namespace {

// The check row for a variable at the point whose x is `x`.
const json& row(const json& report, const std::string& variable, double x) {
  for (const json& r : report.at("checks"))
    if (r.at("variable") == variable && r.at("at").at("x").get<double>() == x) return r;
  static const json none;
  ADD_FAILURE() << "no check for " << variable << " at x = " << x;
  return none;
}

TEST(Check, RightDerivativesAgreeAtEveryPoint) {
  const auto r =
      run("check 'x^2*sin(y)' -d x='2*x*sin(y)' -d y='x^2*cos(y)' --at x=1,y=2 "
          "--at x=-0.5,y=3 --json");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  const json report = json::parse(r.out);
  EXPECT_TRUE(report.at("agree").get<bool>());
  EXPECT_EQ(report.at("checks").size(), 4u);
  for (const auto& [x, y] : {std::pair{1.0, 2.0}, {-0.5, 3.0}}) {
    const json& dx = row(report, "x", x);
    const json& dy = row(report, "y", x);
    EXPECT_TRUE(dx.at("agree").get<bool>());
    // The closed forms, computed here.
    expect_close(dx.at("engine").get<double>(), 2 * x * std::sin(y));
    expect_close(dx.at("manual").get<double>(), 2 * x * std::sin(y));
    expect_close(dy.at("engine").get<double>(), x * x * std::cos(y));
    // The finite difference is within its own error estimate of the exact derivative.
    EXPECT_NEAR(dx.at("finite_difference").get<double>(), 2 * x * std::sin(y),
                dx.at("finite_difference_error").get<double>());
    EXPECT_NEAR(dy.at("finite_difference").get<double>(), x * x * std::cos(y),
                dy.at("finite_difference_error").get<double>());
    EXPECT_LT(dy.at("relative_error").at("engine_finite_difference").get<double>(), 1e-9);
    EXPECT_EQ(dx.at("formula"), "2*x*sin(y)");
    EXPECT_FALSE(dx.contains("terms"));  // the diagnosis is only for a wrong formula
  }
}

TEST(Check, TextReport) {
  const auto r = run("check 'x^2*sin(y)' -d x='2*x*sin(y)' --at x=1,y=2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("  d/dx: agree\n"), std::string::npos) << r.out;
  // Without a formula for y, the engine is still checked against the finite difference.
  EXPECT_NE(r.out.find("  d/dy: agree\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 of 2 checks agree"), std::string::npos) << r.out;
}

TEST(Check, WrongFormulaDisagreesAndShowsEachFactor) {
  // The slip: cos(y) for sin(y) in the derivative with respect to x.
  const double x = 1, y = 2;
  const auto r = run("check 'x^2*sin(y)' -d x='2*x*cos(y)' -d y='x^2*cos(y)' --at x=1,y=2 --json");
  EXPECT_EQ(r.status, 1) << r.err;
  const json report = json::parse(r.out);
  EXPECT_FALSE(report.at("agree").get<bool>());
  const json& dx = row(report, "x", x);
  EXPECT_FALSE(dx.at("agree").get<bool>());
  EXPECT_TRUE(row(report, "y", x).at("agree").get<bool>());
  expect_close(dx.at("manual").get<double>(), 2 * x * std::cos(y));
  EXPECT_NEAR(dx.at("relative_error").at("manual_engine").get<double>(),
              std::abs(2 * x * std::cos(y) - 2 * x * std::sin(y)) / (2 * x * std::sin(y)), 1e-12);
  // One term, three factors, each with its value.
  ASSERT_EQ(dx.at("terms").size(), 1u);
  const json& factors = dx.at("terms")[0].at("factors");
  ASSERT_EQ(factors.size(), 3u);
  EXPECT_EQ(factors[2].at("text"), "cos(y)");
  expect_close(factors[2].at("value").get<double>(), std::cos(y));
  // The engine's quantities beside them: sin(y) is what the factor should have been.
  bool found_sin = false;
  for (const json& q : dx.at("engine_quantities"))
    if (q.at("subexpression") == "sin(y)") {
      found_sin = true;
      expect_close(q.at("value").get<double>(), std::sin(y));
      expect_close(q.at("outer_derivative").get<double>(), x * x);  // ∂f/∂sin(y)
    }
  EXPECT_TRUE(found_sin);
}

TEST(Check, WrongTermIsShownInTheText) {
  const auto r = run("check 'x^2*sin(y)' -d y='x^2*cos(y) + 2*x' --at x=1.5,y=2 --precision 6");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("  d/dy: DISAGREE\n"), std::string::npos) << r.out;
  // The right term equals the engine's ∂f/∂y = x²·cos(y); the extra term 2x = 3 equals nothing.
  EXPECT_NE(r.out.find("term x^2*cos(y) = -0.93633   same as df/d(y)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("factor cos(y) = -0.416147   same as d(sin(y))/dy"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("term 2*x = 3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 of 2 checks agree"), std::string::npos) << r.out;
}

TEST(Check, NumberAsDerivativeAndTolerance) {
  EXPECT_EQ(run("check 'x^3' -d x=12 --at x=2").status, 0);
  EXPECT_EQ(run("check 'x^3' -d x=12.001 --at x=2").status, 1);
  // |12.001 − 12| ≤ T·12 for T = 1e-3: agree.
  EXPECT_EQ(run("check 'x^3' -d x=12.001 --at x=2 --tolerance 1e-3").status, 0);
}

TEST(Check, ErrorsNameWhatIsWrong) {
  auto r = run("check 'x*y' -d z=1 --at x=1,y=2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: -d z=1: 'z' is not a variable of the expression\n");
  r = run("check 'rate*time' -d rate='tme' --at rate=1,time=2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: in the derivative for rate: 'tme' is not a variable of the "
            "expression (did you mean 'time'?) at column 1\n  tme\n  ^~~\n");
  r = run("check 'x^2' -d x='2*x'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: give at least one point with --at, e.g. --at x=1\n");
  r = run("check 'x^2' -d x='2*x+' --at x=1");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("in the derivative for x: expected a number"), std::string::npos);
  r = run("check 'x*log(y)' -d y='x/log(y-2)' --at x=1,y=1");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("log(-1) = nan: outside the domain of log at column 3"), std::string::npos)
      << r.err;
}

// The engine's gradient is 1e310, beyond the doubles: a numeric error, not a verdict on "inf".
TEST(Check, AGradientThatOverflowsIsANumericError) {
  const auto r = run("check 'x*1e300*1e10' -d x=1 --at x=0");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("the gradient with respect to x is inf: the chain rule overflows"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("inf"), std::string::npos) << r.out;
}

}  // namespace
