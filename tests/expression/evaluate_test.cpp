// Evaluation of parsed expressions: on doubles against closed forms, recorded on the tape
// against hand-derived gradients and finite differences of reference functions, and the
// domain errors that name the operation.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <numbers>

#include "autodiff/expression/expression.hpp"
#include "support/gradient_check.hpp"

namespace ex = ad::expr;

namespace {

struct Result {
  double value;
  std::map<std::string, double> gradient;
};

Result gradient(const std::string& text, const ex::Values& at) {
  const auto e = ex::Expression::parse(text);
  ad::Tape tape(ad::Tape::Options{.checked = true});
  ex::Variables vars;
  for (const auto& [name, v] : at) vars.emplace(name, ad::Var(v, name));
  const ad::Var y = ex::record(e, vars);
  tape.backward(y);
  Result r{y.value(), {}};
  for (const auto& [name, v] : vars) r.gradient[name] = tape.gradient(v);
  return r;
}

TEST(Evaluate, OnDoublesMatchesTheClosedForm) {
  const double x = 1.5, y = -2;
  const ex::Values at{{"x", x}, {"y", y}};
  const auto e = ex::Expression::parse("x^2*sin(y) + exp(-x/y) - sqrt(abs(y))*tanh(x)");
  EXPECT_DOUBLE_EQ(ex::evaluate(e, at),
                   x * x * std::sin(y) + std::exp(-x / y) - std::sqrt(std::abs(y)) * std::tanh(x));
}

TEST(Record, GradientMatchesHandDerivedFormulas) {
  const double x = 1.5, y = -2;
  const Result r = gradient("x^2*sin(y)", {{"x", x}, {"y", y}});
  EXPECT_DOUBLE_EQ(r.value, x * x * std::sin(y));
  EXPECT_DOUBLE_EQ(r.gradient.at("x"), 2 * x * std::sin(y));
  EXPECT_DOUBLE_EQ(r.gradient.at("y"), x * x * std::cos(y));

  // A variable used several times: the contributions add up.
  const Result s = gradient("x*y + x/y - x", {{"x", x}, {"y", y}});
  EXPECT_DOUBLE_EQ(s.gradient.at("x"), y + 1 / y - 1);
  EXPECT_DOUBLE_EQ(s.gradient.at("y"), x - x / (y * y));

  // pow with both operands active, min and max.
  const Result p = gradient("pow(x, y) + max(x, y) - min(x, 2)", {{"x", x}, {"y", 0.5}});
  EXPECT_DOUBLE_EQ(p.gradient.at("x"), 0.5 * std::pow(x, -0.5) + 1 - 1);
  EXPECT_DOUBLE_EQ(p.gradient.at("y"), std::pow(x, 0.5) * std::log(x));
}

TEST(Record, ConstantSubExpressionsEnterAsConstants) {
  ad::Tape tape;
  const auto e = ex::Expression::parse("x^2 + 2*x + 2^x + x/(1+1)");
  ex::Variables vars{{"x", ad::Var(3.0, "x")}};
  ex::record(e, vars);
  std::vector<ad::Op> ops;
  for (const auto& node : tape.nodes()) ops.push_back(node.op);
  // x, x^2 (PowC), 2*x (MulC), add, 2^x (CPow), add, x/2 (DivC), add: no leaf for a constant.
  EXPECT_EQ(ops, (std::vector<ad::Op>{ad::Op::Leaf, ad::Op::PowC, ad::Op::MulC, ad::Op::Add,
                                      ad::Op::CPow, ad::Op::Add, ad::Op::DivC, ad::Op::Add}));
  EXPECT_EQ(tape.nodes()[0].name, "x");
  EXPECT_EQ(tape.nodes()[1].constant, 2.0);
}

TEST(Record, AnExpressionWithoutVariablesIsAConstant) {
  ad::Tape tape;
  const ad::Var y = ex::record(ex::Expression::parse("2^10 - 24"), {});
  EXPECT_EQ(y.value(), 1000.0);
}

// Each function of the language, recorded from its name, against finite differences of the
// reference function of the same name: a new entry in the engine's table needs one here.
TEST(Record, EveryFunctionAgainstFiniteDifferencesOfTheReference) {
  const std::map<std::string, std::function<double(double)>> reference{
      {"exp", [](double x) { return std::exp(x); }},
      {"log", [](double x) { return std::log(x); }},
      {"log1p", [](double x) { return std::log1p(x); }},
      {"expm1", [](double x) { return std::expm1(x); }},
      {"sqrt", [](double x) { return std::sqrt(x); }},
      {"cbrt", [](double x) { return std::cbrt(x); }},
      {"sin", [](double x) { return std::sin(x); }},
      {"cos", [](double x) { return std::cos(x); }},
      {"tan", [](double x) { return std::tan(x); }},
      {"asin", [](double x) { return std::asin(x); }},
      {"acos", [](double x) { return std::acos(x); }},
      {"atan", [](double x) { return std::atan(x); }},
      {"sinh", [](double x) { return std::sinh(x); }},
      {"cosh", [](double x) { return std::cosh(x); }},
      {"tanh", [](double x) { return std::tanh(x); }},
      {"erf", [](double x) { return std::erf(x); }},
      {"sigmoid", [](double x) { return reference::sigmoid(x); }},
      {"relu", [](double x) { return reference::relu(x); }},
      {"abs", [](double x) { return std::abs(x); }},
  };
  for (const ex::Function& f : ex::functions()) {
    if (f.arity != 1) continue;
    const std::string name(f.name);
    ASSERT_TRUE(reference.contains(name)) << name << " has no reference function in this test";
    const auto e = ex::Expression::parse(name + "(x)");
    const auto& ref = reference.at(name);
    const auto function = [&](auto x) {
      if constexpr (std::is_same_v<decltype(x), ad::Var>)
        return ex::record(e, {{"x", x}});
      else
        return ref(x);
    };
    SCOPED_TRACE(name);
    std::vector<std::array<double, 1>> points{{0.31}, {0.77}};
    if (std::isfinite(ref(-0.42))) points.push_back({-0.42});  // not for log, sqrt
    testing_support::expect_gradient(function, points);
  }
}

template <class E>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "no error";
}

TEST(DomainErrors, OnDoublesNameTheOperationAndItsPlace) {
  const auto log = ex::Expression::parse("1 + log(x - 3)");
  EXPECT_EQ(error_of<ex::DomainError>([&] {
              ex::evaluate(log, {{"x", 1}});
            }),
            "log(-2) = nan: outside the domain of log at column 5\n  1 + log(x - 3)\n      "
            "^~~~~~~~~~");
  const auto ratio = ex::Expression::parse("x / y");
  EXPECT_EQ(error_of<ex::DomainError>([&] {
              ex::evaluate(ratio, {{"x", 0}, {"y", 0}});
            }),
            "0 / 0 = nan: division by zero at column 1\n  x / y\n  ^~~~~");
  const auto big = ex::Expression::parse("exp(x)");
  EXPECT_EQ(error_of<ex::DomainError>([&] {
              ex::evaluate(big, {{"x", 1000}});
            }),
            "exp(1000) = inf: the result is not a finite number at column 1\n  exp(x)\n  ^~~~~~");
}

TEST(DomainErrors, OnTheCheckedTapeNameTheOperation) {
  const auto e = ex::Expression::parse("x * sqrt(y)");
  ad::Tape tape(ad::Tape::Options{.checked = true});
  ex::Variables vars{{"x", ad::Var(2.0, "x")}, {"y", ad::Var(0.0, "y")}};
  // The value sqrt(0) = 0 is fine; its derivative is not.
  EXPECT_EQ(error_of<ex::DomainError>([&] { ex::record(e, vars); }),
            "sqrt(0) = 0 has no finite derivative there (∂/∂y = inf) at column 5\n"
            "  x * sqrt(y)\n      ^~~~~~~");
  ex::Variables negative{{"x", ad::Var(2.0, "x")}, {"y", ad::Var(-1.0, "y")}};
  EXPECT_EQ(error_of<ex::DomainError>([&] { ex::record(e, negative); }),
            "sqrt(-1) = nan: outside the domain of sqrt at column 5\n  x * sqrt(y)\n      "
            "^~~~~~~");
}

TEST(UnknownVariables, AreNamedWithTheClosestKnownName) {
  const auto e = ex::Expression::parse("rate * tme");
  EXPECT_EQ(error_of<ex::UnknownVariable>([&] {
              ex::evaluate(e, {{"rate", 1}, {"time", 2}});
            }),
            "unknown variable 'tme' (did you mean 'time'?) at column 8\n  rate * tme\n"
            "         ^~~");
  ad::Tape tape;
  EXPECT_EQ(error_of<ex::UnknownVariable>([&] {
              ex::record(e, {{"rate", ad::Var(1.0)}, {"time", ad::Var(2.0)}});
            }),
            "unknown variable 'tme' (did you mean 'time'?) at column 8\n  rate * tme\n"
            "         ^~~");
}

}  // namespace
