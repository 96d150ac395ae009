// `autodiff grad`, run end to end: values and gradients against closed forms, the JSON output
// parsed with nlohmann-json, the digits printed, exit statuses and error messages with carets.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/run_cli.hpp"

using cli_test::expect_close;
using cli_test::run;
using cli_test::value_after;

namespace {

TEST(Grad, PrintsValueAndGradientWithSeventeenDigits) {
  const double x = 1.5, y = -2;
  const auto r = run("grad 'x^2*sin(y)' --at x=1.5,y=-2");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_close(value_after(r.out, "value"), x * x * std::sin(y));
  expect_close(value_after(r.out, "d/dx"), 2 * x * std::sin(y));
  expect_close(value_after(r.out, "d/dy"), x * x * std::cos(y));
  // 17 significant digits: enough to read back the same double.
  EXPECT_NE(r.out.find("value = -2.0459192103577837\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(Grad, PrecisionOption) {
  const auto r = run("grad 'x^2*sin(y)' --at x=1.5,y=-2 --precision 5");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("value = -2.0459\n"), std::string::npos) << r.out;
  EXPECT_NEAR(value_after(r.out, "d/dy"), 1.5 * 1.5 * std::cos(-2.0), 1e-4);
}

TEST(Grad, JsonForScripts) {
  const double x = 0.7, y = 2.5, z = -1.25;
  const auto r =
      run("grad 'exp(-x/y) + log1p(x*y)*tanh(z) - sqrt(y)^3' --at x=0.7,y=2.5,z=-1.25 "
          "--json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  expect_close(j.at("value").get<double>(),
               std::exp(-x / y) + std::log1p(x * y) * std::tanh(z) - std::pow(std::sqrt(y), 3));
  const auto& g = j.at("gradient");
  EXPECT_EQ(g.size(), 3u);
  const double t = std::tanh(z);
  expect_close(g.at("x").get<double>(), -std::exp(-x / y) / y + y / (1 + x * y) * t, 16);
  expect_close(g.at("y").get<double>(),
               std::exp(-x / y) * x / (y * y) + x / (1 + x * y) * t - 1.5 * std::sqrt(y), 16);
  expect_close(g.at("z").get<double>(), std::log1p(x * y) * (1 - t * t), 16);
}

TEST(Grad, ConstantsAndLeadingMinus) {
  auto r = run("grad '2^3^2 - 12'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(value_after(r.out, "value"), 500.0);
  // An expression that begins with '-' comes after "--"; a value may be a constant expression.
  r = run("grad --at x=1/3 -- '-x^2'");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_close(value_after(r.out, "value"), -(1.0 / 3) * (1.0 / 3));
  expect_close(value_after(r.out, "d/dx"), -2.0 / 3);
}

TEST(Grad, SyntaxErrorHasItsColumnAndCaret) {
  const auto r = run("grad 'x*(y+1' --at x=1,y=2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: in the expression: expected ')' to close the '(' at column 3, found the "
            "end of the expression at column 7\n  x*(y+1\n        ^\n");
  EXPECT_EQ(r.out, "");
}

TEST(Grad, UnknownFunctionNamesTheClosest) {
  const auto r = run("grad 'x*sinn(y)' --at x=1,y=2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: in the expression: unknown function 'sinn' (did you mean 'sin'?) at "
            "column 3\n  x*sinn(y)\n    ^~~~\n");
}

TEST(Grad, MissingOrUnknownPointValuesAreNamed) {
  auto r = run("grad 'rate*time' --at rate=2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: no value for the variable 'time': give it with --at time=VALUE\n");
  r = run("grad 'rate*time' --at rate=2,tme=3");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --at: 'tme' is not a variable of the expression (did you mean 'time'?)\n");
  r = run("grad 'x' --at x");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: --at x: expected NAME=VALUE, found 'x'\n");
  r = run("grad 'x' --at x=abc");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --at x=abc: the value of 'x' must be a number, not the variable 'abc'\n");
}

TEST(Grad, PointOutsideTheDomainNamesTheOperation) {
  auto r = run("grad '1 + log(x - 3)' --at x=1");
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err,
            "autodiff: at x = 1: log(-2) = nan: outside the domain of log at column 5\n"
            "  1 + log(x - 3)\n      ^~~~~~~~~~\n");
  r = run("grad '(x - y)/(x - y)' --at x=2,y=2");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("0 / 0 = nan: division by zero at column 1"), std::string::npos) << r.err;
  r = run("grad 'sqrt(x)' --at x=0");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("sqrt(0) = 0 has no finite derivative there (∂/∂x = inf)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

// "−0.416147": how the graph writes a number (6 significant digits, typographic minus).
std::string graph_number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", std::abs(x));
  return (x < 0 ? "\u2212" : "") + std::string(buffer);
}

TEST(Grad, DotWritesTheGraphWithValuesGradientsAndPartials) {
  const double x = 1.5, y = -2;
  const std::string path = testing::TempDir() + "grad_test_graph.dot";
  const auto r = run("grad 'x^2*sin(y)' --at x=1.5,y=-2 --dot " + path);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string dot = cli_test::slurp(path);
  std::remove(path.c_str());
  EXPECT_TRUE(dot.starts_with("digraph")) << dot;
  // The variables with their values and gradients; sub-expressions named as written.
  EXPECT_NE(dot.find("x\\nvalue: 1.5\\ngrad: " + graph_number(2 * x * std::sin(y))),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("sin(y)"), std::string::npos) << dot;
  // Four edges, each labelled with its local partial: ∂sin(y)/∂y = cos(y), ∂x²/∂x = 2x.
  std::size_t edges = 0;
  for (auto at = dot.find("->"); at != std::string::npos; at = dot.find("->", at + 2)) ++edges;
  EXPECT_EQ(edges, 4u);
  EXPECT_NE(dot.find("[label=\"" + graph_number(std::cos(y)) + "\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("[label=\"" + graph_number(2 * x) + "\"]"), std::string::npos) << dot;
}

TEST(Grad, DotToSvgWhenGraphvizIsInstalled) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "no Graphviz dot";
  const std::string path = testing::TempDir() + "grad_test_graph.svg";
  const auto r = run("grad 'exp(x)*y' --at x=0,y=2 --dot " + path);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string svg = cli_test::slurp(path);
  std::remove(path.c_str());
  EXPECT_NE(svg.find("<svg"), std::string::npos);
}

TEST(Grad, DotToAnUnwritablePathIsAFileError) {
  const auto r = run("grad 'x' --at x=1 --dot /nonexistent-directory/g.dot");
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("--dot /nonexistent-directory/g.dot: "), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Grad, ExplainSumsThePathsToTheGradient) {
  // f = x·y + x: two paths from f to x, with products y and 1.
  const auto r = run("grad 'x*y + x' --at x=3,y=0.25 --explain x");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("2 paths"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sum over all paths: 1.25000"), std::string::npos) << r.out;
  const auto j =
      nlohmann::json::parse(run("grad 'x*y + x' --at x=3,y=0.25 --explain x --json").out);
  EXPECT_NE(j.at("explanation").get<std::string>().find("sum over all paths: 1.25000"),
            std::string::npos);
  const auto bad = run("grad 'x*y + x' --at x=3,y=0.25 --explain xx");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err,
            "autodiff: --explain xx: not a variable of the expression (did you mean 'x'?)\n");
}

// x·x written by the user: one path (its two uses summed, "2 × x"), the factor 2x = 6 given
// with --precision significant digits.
TEST(Grad, ExplainListsASquareOnceWithItsDigits) {
  const auto r = run("grad 'x*x' --at x=3 --explain x --precision 3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("1 path from"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" = 2 × x = 6.00  ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("uses x 2 times"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("path 2"), std::string::npos) << r.out;
}

// --hessian: the matrix of second derivatives under the gradient, against the closed form of
// x²·sin(y): [[2 sin y, 2x cos y], [2x cos y, −x² sin y]].
TEST(Grad, HessianOfAClosedForm) {
  const double x = 1.5, y = -2;
  const auto r = run("grad 'x^2*sin(y)' --at x=1.5,y=-2 --hessian --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  expect_close(j.at("gradient").at("x").get<double>(), 2 * x * std::sin(y));
  const auto& h = j.at("hessian");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.at("x").size(), 2u);
  expect_close(h.at("x").at("x").get<double>(), 2 * std::sin(y));
  expect_close(h.at("x").at("y").get<double>(), 2 * x * std::cos(y));
  expect_close(h.at("y").at("x").get<double>(), 2 * x * std::cos(y));
  expect_close(h.at("y").at("y").get<double>(), -x * x * std::sin(y));
  // Without --hessian there is no such key.
  EXPECT_FALSE(nlohmann::json::parse(run("grad 'x^2*sin(y)' --at x=1.5,y=-2 --json").out)
                   .contains("hessian"));
}

// Rosenbrock's (1 − x)² + 100(y − x²)²: H = [[2 − 400(y − x²) + 800x², −400x], [−400x, 200]];
// at its minimum (1, 1) every entry is an integer, so the table can be read exactly.
TEST(Grad, HessianTableOfRosenbrock) {
  auto r = run("grad '(1 - x)^2 + 100*(y - x^2)^2' --at x=1,y=1 --hessian");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "value = 0\n"
            "d/dx  = 0\n"
            "d/dy  = 0\n"
            "\n"
            "Hessian, d²f/d(row) d(column):\n"
            "      x     y\n"
            "x   802  -400\n"
            "y  -400   200\n");
  const double x = -1.2, y = 1;
  r = run("grad '(1 - x)^2 + 100*(y - x^2)^2' --at x=-1.2,y=1 --hessian --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto h = nlohmann::json::parse(r.out).at("hessian");
  expect_close(h.at("x").at("x").get<double>(), 2 - 400 * (y - x * x) + 800 * x * x, 16);
  expect_close(h.at("x").at("y").get<double>(), -400 * x);
  expect_close(h.at("y").at("y").get<double>(), 200);
}

// Columns are as wide as their widest entry or name; --precision sets the digits.
TEST(Grad, HessianColumnsAlignWithLongNamesAndPrecision) {
  const double rate = 0.5, time = 3;
  const auto r = run("grad 'exp(rate*time)' --at rate=0.5,time=3 --hessian --precision 4");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto at = r.out.find("Hessian, d²f/d(row) d(column):\n");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::istringstream lines(r.out.substr(at));
  std::string title, head, first, second;
  std::getline(lines, title);
  std::getline(lines, head);
  std::getline(lines, first);
  std::getline(lines, second);
  // d²/drate² = time²·e^(rate·time), d²/drate dtime = (1 + rate·time)·e^(rate·time).
  const double e = std::exp(rate * time);
  std::istringstream row(first);
  std::string name;
  double a = 0, b = 0;
  row >> name >> a >> b;
  EXPECT_EQ(name, "rate");
  EXPECT_NEAR(a, time * time * e, 1e-3 * time * time * e);
  EXPECT_NEAR(b, (1 + rate * time) * e, 1e-3 * (1 + rate * time) * e);
  // Every row as long as the header, each column ending under its name.
  EXPECT_EQ(first.size(), head.size()) << r.out;
  EXPECT_EQ(second.size(), head.size()) << r.out;
  EXPECT_TRUE(second.starts_with("time")) << r.out;
  EXPECT_EQ(head.substr(head.size() - 4), "time") << r.out;
}

// x^1.5 at 0: d/dx = 1.5·√x = 0 exists, d²/dx² = 0.75/√x does not: a numeric error naming the
// sub-expression (with a caret) and the variable, never an inf in the matrix.
TEST(Grad, ASecondDerivativeThatDoesNotExistIsANumericError) {
  for (const std::string json : {"", " --json"}) {
    const auto r = run("grad 'x^1.5 + y' --at x=0,y=1 --hessian" + json);
    EXPECT_EQ(r.status, 3) << r.out;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err,
              "autodiff: at x = 0, y = 1: x^1.5: the second derivative is not finite here "
              "(∂²/∂x² = inf) at column 1\n  x^1.5 + y\n  ^~~~~\n");
  }
  // The gradient alone is fine there.
  EXPECT_EQ(run("grad 'x^1.5 + y' --at x=0,y=1").status, 0);
}

// --hessian takes no value: CLI11 read a flag's --hessian=0 (or =false, =no) as "off" and
// printed no Hessian, with status 0. Bare, before or after the expression, it works.
TEST(Grad, HessianGivenAValueIsRefused) {
  for (const std::string value : {"0", "false", "no", "1", "yes", "x"}) {
    const auto r = run("grad 'x^2*y' --at x=1,y=2 --hessian=" + value);
    EXPECT_EQ(r.status, 2) << value;
    EXPECT_EQ(r.out, "") << value;
    EXPECT_EQ(r.err, "autodiff: --hessian=" + value +
                         ": --hessian takes no value; give --hessian alone for the Hessian, or "
                         "leave it out\n");
  }
  // d²(x³)/dx² = 6x = 18 at 3, with the flag before the expression (not taken as its value).
  const auto r = run("grad --hessian 'x^3' --at x=3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "value = 27\nd/dx  = 27\n\nHessian, d²f/d(row) d(column):\n    x\nx  18\n");
}

// A constant has nothing to differentiate with respect to: a line says so (the gradient's and
// the Hessian's empty tables read as a failure); the JSON has empty objects and no variables.
TEST(Grad, AConstantSaysThereIsNothingToDifferentiate) {
  for (const std::string hessian : {"", " --hessian"}) {
    const auto r = run("grad '2+3'" + hessian);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "value = 5\nno variables: nothing to differentiate with respect to\n");
  }
  const auto r = run("grad '2+3' --hessian --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(
      nlohmann::json::parse(r.out),
      nlohmann::json::parse(R"({"value": 5, "gradient": {}, "hessian": {}, "variables": []})"));
}

// JSON objects list their keys sorted (x10 before x2 before y); "variables" gives the order of
// the text's rows and columns, the order of first appearance.
TEST(Grad, HessianJsonListsTheVariablesInTheMatrixOrder) {
  auto r = run("grad 'y*x2 + x10^2' --at x10=1,y=2,x2=3 --hessian --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("variables"), nlohmann::json::parse(R"(["y", "x2", "x10"])"));
  // ∂²/∂y∂x2 = 1, ∂²/∂x10² = 2, the rest 0.
  EXPECT_EQ(j.at("hessian"), nlohmann::json::parse(R"({"y": {"y": 0, "x2": 1, "x10": 0},
      "x2": {"y": 1, "x2": 0, "x10": 0}, "x10": {"y": 0, "x2": 0, "x10": 2}})"));
  r = run("grad 'y*x2 + x10^2' --at x10=1,y=2,x2=3 --hessian");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("     y  x2  x10\n"
                       "y    0   1    0\n"
                       "x2   1   0    0\n"
                       "x10  0   0    2\n"),
            std::string::npos)
      << r.out;
  // Without --hessian, the JSON is as before: no "variables".
  EXPECT_FALSE(
      nlohmann::json::parse(run("grad 'x*y' --at x=1,y=2 --json").out).contains("variables"));
}

TEST(Program, UsageErrorsAndHelp) {
  auto r = run("");
  EXPECT_EQ(r.status, 2);
  r = run("grad");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("expression is required"), std::string::npos) << r.err;
  r = run("grad 'x' --at x=1 --bogus");
  EXPECT_EQ(r.status, 2);
  r = run("frobnicate");
  EXPECT_EQ(r.status, 2);
  for (const std::string sub : {"", "grad ", "check "}) {
    r = run(sub + "--help");
    EXPECT_EQ(r.status, 0) << sub;
    EXPECT_NE(r.out.find("Exit status: 0 ok; 1 a derivative disagrees"), std::string::npos)
        << sub << r.out;
  }
  EXPECT_NE(run("grad --help").out.find("--precision"), std::string::npos);
  EXPECT_NE(run("check --help").out.find("--tolerance"), std::string::npos);
}

// A gradient beyond the doubles is a numeric error that says where it overflowed, never "inf"
// (or null in JSON) with status 0: d/dx x·1e300·1e10 = 1e310 > 1.8e308.
TEST(Grad, AGradientThatOverflowsIsANumericError) {
  for (const std::string json : {"", " --json"}) {
    const auto r = run("grad 'x*1e300*1e10' --at x=0" + json);
    EXPECT_EQ(r.status, 3) << json;
    EXPECT_EQ(r.out, "") << json;
    EXPECT_NE(r.err.find("autodiff: at x = 0: the gradient with respect to x is inf: the chain "
                         "rule overflows at (x*1e300)"),
              std::string::npos)
        << r.err;
  }
}

// log's partial 1/x is inf at a subnormal x, but d/dx x·log(x) = log(x) + 1 is finite there.
TEST(Grad, LogAtASubnormalPointGivesTheFiniteProduct) {
  const auto r = run("grad 'x*log(x)' --at x=5e-324");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_close(value_after(r.out, "d/dx"), std::log(5e-324) + 1);
  EXPECT_NEAR(value_after(r.out, "d/dx"), -743.44007192138, 1e-10);
}

// What a command-line user is told about a limit names no C++ option (DotOptions::max_nodes,
// max_paths): the graph of a sum of 401 terms, the explanation of a product of 66 factors x.
// A full disk: the output is lost, so the run is not a success (ENOSPC is "No space left on
// device").
TEST(Grad, OutputThatCannotBeWrittenIsAFileError) {
  const std::string err = testing::TempDir() + "autodiff_full.err";
  const std::string command =
      cli_test::program() + " grad 'x^2' --at x=3 --json >/dev/full 2>" + err;
  const int raw = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  EXPECT_EQ(WEXITSTATUS(raw), 4);
  EXPECT_EQ(cli_test::slurp(err),
            "autodiff: cannot write to standard output: No space left on device\n");
  std::remove(err.c_str());
}

TEST(Grad, LimitsAreToldWithoutCxxNames) {
  std::string sum = "x", product = "x";
  for (int k = 0; k < 400; ++k) sum += "+x";
  for (int k = 0; k < 65; ++k) product += "*x";
  const std::string path = testing::TempDir() + "grad_test_limits.dot";
  auto r = run("grad '" + sum + "' --at x=1 --dot " + path);
  std::remove(path.c_str());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(value_after(r.out, "d/dx"), 401);
  EXPECT_NE(r.err.find("collapsed into one node"), std::string::npos) << r.err;
  r = run("grad '" + product + "' --at x=1 --explain x");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(value_after(r.out, "d/dx"), 66);
  // 66 factors of x, 65 routes: the innermost x*x uses x twice and is listed once ("2 × x").
  EXPECT_NE(r.out.find("capped: 65 paths in all, 64 shown"), std::string::npos) << r.out;
  for (const char* name : {"max_nodes", "max_paths", "Options", "::"}) {
    EXPECT_EQ(r.err.find(name), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(name), std::string::npos) << name;
  }
}

}  // namespace

// Issue 12, item 8: a flat sum is not nesting (1001 terms was refused), and the engine's
// recording of it gives d/dx = the number of terms.
TEST(Grad, AFlatSumOfManyTermsIsNotNesting) {
  std::string sum = "x";
  for (int i = 1; i < 30000; ++i) sum += "+x";
  const auto r = run("grad '" + sum + "' --at x=0.5");
  ASSERT_EQ(r.status, 0) << r.err.substr(0, 300);
  EXPECT_EQ(value_after(r.out, "value"), 15000.0);
  EXPECT_EQ(value_after(r.out, "d/dx"), 30000.0);
  // A syntax error in it quotes one line of the input, not 60 KB.
  const auto bad = run("grad '" + sum + "+' --at x=0.5");
  EXPECT_EQ(bad.status, 2);
  EXPECT_LT(bad.err.size(), 400u) << bad.err.substr(0, 400);
}

// Issue 12, item 9: an expression that begins with '-' is the expression, wherever it stands.
TEST(Grad, AnExpressionBeginningWithMinusIsTheExpression) {
  // After a flag (--json, --hessian), after "--" with options on either side: the review found
  // each of these refused, or the program's own rewrite (--expression=-x^2) in the message.
  for (const std::string command :
       {"grad '-x^2' --at x=3", "grad '-(x^2)' --at x=3", "grad --at x=3 '-x^2'",
        "grad --at x=3 -- '-x^2'", "grad --hessian -x^2 --at x=3", "grad --at x=3 --hessian -x^2",
        "grad -- -x^2 --at x=3", "grad --at x=3 --hessian -- -x^2"}) {
    const auto r = run(command);
    ASSERT_EQ(r.status, 0) << command << "\n" << r.err;
    EXPECT_EQ(value_after(r.out, "value"), -9.0) << command;
    EXPECT_EQ(value_after(r.out, "d/dx"), -6.0) << command;
  }
  auto json = run("grad --json -x^2 --at x=3");
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out).at("gradient").at("x"), -6.0);
  // check: -d and --let take one value each, so the expression may follow them.
  for (const std::string command :
       {"check -d x=-2*x --at x=3 -- -x^2", "check --json -x^2 -d x=-2*x --at x=3",
        "check -d x=-2*x -x^2 --at x=3", "check --let a=2 -d x=-a*x -x^2 --at x=3"}) {
    const auto r = run(command);
    EXPECT_EQ(r.status, 0) << command << "\n" << r.err;
  }
  // An unknown long option is still one.
  auto r = run("grad x --at x=1 --bogus");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
  // A missing expression or file is said in words, not as an option nobody typed; a flag given
  // '=' and nothing is refused, not taken as given.
  r = run("grad --at x=1");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: an expression is required: autodiff grad EXPR --at POINT\n");
  r = run("net --json");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "autodiff: a network file is required: autodiff net FILE\n");
  r = run("net -- -no_such.json");  // "--" quotes a file name that begins with '-'
  EXPECT_EQ(r.status, 4);
  EXPECT_TRUE(r.err.starts_with("autodiff: -no_such.json: cannot open the file")) << r.err;
  r = run("grad x --at x=1 --hessian=");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.err.starts_with("autodiff: --hessian=: an empty value")) << r.err;
}

// A name of 60,000 letters: the closest-name search took 15 s (edit distances of 60,000 by
// 60,000), and the message quoted the whole name (120 KB of stderr).
TEST(Grad, AVeryLongNameIsNamedBrieflyAndAtOnce) {
  const std::string a(60000, 'a'), b(60000, 'b');
  auto r = run("grad " + a + " --at " + b + "=1");
  EXPECT_EQ(r.status, 2);
  EXPECT_LT(r.err.size(), 1000u);
  EXPECT_NE(r.err.find(" bytes left out) ... "), std::string::npos) << r.err;
  r = run("grad " + a);
  EXPECT_EQ(r.status, 2);
  EXPECT_LT(r.err.size(), 1000u);
}

TEST(Program, AnUnknownSubcommandIsNamed) {
  auto r = run("frob");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: unknown subcommand 'frob'; the subcommands are grad, check and net\n"
            "Run with --help for more information.\n");
  r = run("bogus x");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.err.starts_with("autodiff: unknown subcommand 'bogus'; the subcommands are"))
      << r.err;
  r = run("gard x --at x=1");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.err.starts_with("autodiff: unknown subcommand 'gard' (did you mean 'grad'?)"))
      << r.err;
}

// Issue 12, item 10: numbers in options are decimal (010 was octal 8, 0x10 was 16), and a
// value that is not a finite number is a usage error however it is written (1/0 was 3, 1e400 2).
TEST(Program, NumbersInOptionsAreDecimalAndSaidInWords) {
  auto r = run("grad x --at x=1 --precision 010");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--precision: must be a whole number from 1 to 17 in decimal digits, not "
                       "'010'"),
            std::string::npos)
      << r.err;
  for (const std::string steps : {"010", "0x10", "-1", "1e3", "1000000001"}) {
    r = run("net " + std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial1.json --steps " +
            steps);
    EXPECT_EQ(r.status, 2) << steps;
    EXPECT_NE(r.err.find("--steps: must be a whole number from 0 to 10^9 in decimal digits, not '" +
                         steps + "'"),
              std::string::npos)
        << r.err;
  }
  r = run("check x -d x=1 --at x=1 --tolerance 0x1p-20");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--tolerance: must be a number above 0 and below 1 in decimal notation"),
            std::string::npos)
      << r.err;
  r = run("grad x --at x=1/0");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(
      r.err.starts_with("autodiff: in the value of x in --at: 1 / 0 = inf: division by "
                        "zero at column 1\n"))
      << r.err;
  r = run("grad x --at x=1e400");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(
      r.err.starts_with("autodiff: in the value of x in --at: the number '1e400' is out "
                        "of the range of a double"))
      << r.err;
}

// Review of issue 12, item 11: --at given twice was CLI11's "--at: At Most 1 required but
// received 2".
TEST(Program, AnOptionOfOneValueGivenTwiceIsSaidInWords) {
  auto r = run("grad 'x*y' --at x=1 --at y=2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(
      r.err,
      "autodiff: --at is given once, not 2 times: give all the variables' values in one --at, "
      "comma-separated (--at x=1,y=2)\n"
      "Run with --help for more information.\n");
  r = run("grad x --at x=1 --precision 3 --precision 4 --precision 5");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(
      r.err,
      "autodiff: --precision is given once, not 3 times\nRun with --help for more information.\n");
}

// `autodiff --version` prints the version project() gives in CMakeLists.txt, read here.
TEST(Program, VersionIsTheProjectsVersion) {
  const std::string cmake = cli_test::slurp(std::string(AUTODIFF_SOURCE_DIR) + "/CMakeLists.txt");
  const std::string key = "project(autodiff VERSION ";
  const auto at = cmake.find(key);
  ASSERT_NE(at, std::string::npos);
  const std::string version =
      cmake.substr(at + key.size(), cmake.find(' ', at + key.size()) - at - key.size());
  ASSERT_FALSE(version.empty());
  const auto r = run("--version");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "autodiff " + version + "\n");
  EXPECT_EQ(r.err, "");
}

// Issue 12, item 13: control characters from the input reach the terminal escaped, and a
// newline inside the expression does not move the caret.
TEST(Program, ControlCharactersAreEscapedInMessages) {
  auto r = run("grad \"$(printf 'x\\033[31m+1')\" --at x=1");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: in the expression: unexpected character '\\x1b' at column 2\n"
            "  x\\x1b[31m+1\n"
            "   ^~~~\n");
  r = run("grad \"$(printf 'x +\\n y +')\" --at x=1,y=2");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: in the expression: expected a number, a variable, a function or '(', "
            "found the end of the expression at column 9\n"
            "  x +\\n y +\n"
            "           ^\n");
  r = run("grad x --at \"$(printf 'x\\033[2J=1')\"");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\\x1b[2J"), std::string::npos) << r.err;
}

// Issue 12, finding 3: --hessian of 10,000 variables grew without limit; past 2,000 it is
// refused before any sweep, with its size; 2,000 (x1*x2 + ... + x1999*x2000) are computed.
TEST(Grad, AHessianPastTheLimitIsRefusedAndOneAtItIsComputed) {
  const auto chain = [](int n) {
    std::string sum = "x1*x2", at = "x1=0.5";
    for (int i = 2; i <= n; ++i) {
      if (i < n) sum += "+x" + std::to_string(i) + "*x" + std::to_string(i + 1);
      at += ",x" + std::to_string(i) + "=0.5";
    }
    return "grad '" + sum + "' --at " + at + " --hessian";
  };
  const auto refused = run(chain(2001));
  EXPECT_EQ(refused.status, 2);
  // 2,001 leaves, 2,000 products and 1,999 sums: 6,000 nodes.
  EXPECT_EQ(refused.err,
            "autodiff: --hessian: 2,001 variables make a Hessian of 4,004,001 entries (about 201 "
            "MB as printed) and 2,001 sweeps of the 6,000-node tape (1.2e+07 node steps); the "
            "limit is 2,000 variables and 5e+08 node steps. Check the second derivatives you need "
            "with autodiff check -d X,Y=FORMULA (one column of the Hessian each).\n");
  const auto computed = run(chain(2000));
  ASSERT_EQ(computed.status, 0) << computed.err.substr(0, 300);
  EXPECT_NE(computed.out.find("\nx2000 "), std::string::npos);  // the last row
}

namespace {

// Review s7, finding 8: the value quoted is the one typed: --at x=-inf said "not an expression
// of 'inf'", its minus sign dropped.
TEST(ProgramReview, AValueThatIsAnExpressionIsQuotedAsTyped) {
  const auto r = run("grad x --at x=-inf");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --at x=-inf: the value of 'x' must be a number, not '-inf', an expression "
            "of the variable 'inf'\n");
}

// Review s7, finding 10: --hessian --hessian was accepted while --steps 3 --steps 4 is refused;
// --version extra printed the version and exited 0.
TEST(ProgramReview, AFlagGivenTwiceAndExtrasAfterVersionAreRefused) {
  const std::string twice =
      "autodiff: --hessian is given once, not 2 times\nRun with --help for more information.\n";
  auto r = run("grad x --at x=1 --hessian --hessian");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, twice);
  EXPECT_EQ(r.out, "");
  r = run("net " + std::string(AUTODIFF_SOURCE_DIR) +
          "/examples/tutorial1.json --hessian --hessian");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, twice);
  r = run("--version extra");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "autodiff: --version takes no other arguments, not 'extra'\n"
            "Run with --help for more information.\n");
  EXPECT_EQ(r.out, "");
  r = run("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.out.starts_with("autodiff ")) << r.out;
}

}  // namespace
