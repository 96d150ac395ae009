// The grammar of the expression language: precedence, associativity, unary minus, numbers,
// whitespace, function arity, and every syntax error with its message and column. Values are
// compared with the same formula written in C++ (the closed form), never with the engine.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "autodiff/expression/expression.hpp"

namespace ex = ad::expr;

namespace {

double value(const std::string& text, const ex::Values& at = {}) {
  return ex::evaluate(ex::Expression::parse(text), at);
}

// The tree as a fully parenthesised string, to see its shape.
std::string shape(const ex::Node& n) {
  switch (n.kind) {
    case ex::Node::Kind::Number: {
      std::string s = std::to_string(n.number);
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') s.pop_back();
      return s;
    }
    case ex::Node::Kind::Variable:
      return n.name;
    case ex::Node::Kind::Operation:
      break;
  }
  std::string s = std::string(ad::info(n.op).name) + "(";
  for (std::size_t i = 0; i < n.operands.size(); ++i) s += (i ? "," : "") + shape(n.operands[i]);
  return s + ")";
}
std::string shape(const std::string& text) { return shape(ex::Expression::parse(text).root()); }

TEST(Grammar, PrecedenceAsInMathematics) {
  EXPECT_EQ(shape("1+2*3"), "add(1,mul(2,3))");
  EXPECT_EQ(shape("-x^2"), "neg(pow(x,2))");
  EXPECT_EQ(shape("2*x^3"), "mul(2,pow(x,3))");
  EXPECT_EQ(shape("-2*x"), "mul(neg(2),x)");
  EXPECT_EQ(shape("a/b*c"), "mul(div(a,b),c)");
  EXPECT_EQ(shape("a-b*c+d"), "add(sub(a,mul(b,c)),d)");
  EXPECT_DOUBLE_EQ(value("-x^2", {{"x", 3}}), -9.0);
  EXPECT_DOUBLE_EQ(value("(-x)^2", {{"x", 3}}), 9.0);
  EXPECT_DOUBLE_EQ(value("1+2*3"), 7.0);
  EXPECT_DOUBLE_EQ(value("(1+2)*3"), 9.0);
}

TEST(Grammar, Associativity) {
  EXPECT_EQ(shape("2^3^2"), "pow(2,pow(3,2))");
  EXPECT_DOUBLE_EQ(value("2^3^2"), 512.0);  // 2^9, not 8^2
  EXPECT_EQ(shape("x-y-z"), "sub(sub(x,y),z)");
  EXPECT_DOUBLE_EQ(value("x-y-z", {{"x", 10}, {"y", 3}, {"z", 2}}), 5.0);
  EXPECT_EQ(shape("x/y/z"), "div(div(x,y),z)");
  EXPECT_DOUBLE_EQ(value("x/y/z", {{"x", 12}, {"y", 3}, {"z", 2}}), 2.0);
}

TEST(Grammar, UnaryMinusAndPlus) {
  EXPECT_EQ(shape("--x"), "neg(neg(x))");
  EXPECT_EQ(shape("+x"), "x");
  EXPECT_EQ(shape("2*-x"), "mul(2,neg(x))");
  EXPECT_EQ(shape("2^-x^2"), "pow(2,neg(pow(x,2)))");
  EXPECT_DOUBLE_EQ(value("2^-1"), 0.5);
  EXPECT_DOUBLE_EQ(value("-2^2"), -4.0);
  EXPECT_DOUBLE_EQ(value("x - -y", {{"x", 1}, {"y", 2}}), 3.0);
  // The typographic minus and product signs of the tutorials.
  EXPECT_DOUBLE_EQ(value("3 \u2212 1 \u00D7 2 \u00B7 0.5"), 2.0);
}

TEST(Grammar, NumbersInEveryUsualNotation) {
  EXPECT_DOUBLE_EQ(value("1"), 1.0);
  EXPECT_DOUBLE_EQ(value("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(value(".5"), 0.5);
  EXPECT_DOUBLE_EQ(value("5."), 5.0);
  EXPECT_DOUBLE_EQ(value("1e-3"), 1e-3);
  EXPECT_DOUBLE_EQ(value("2.5E+4"), 2.5e4);
  EXPECT_DOUBLE_EQ(value("7e2"), 700.0);
  EXPECT_EQ(value("0.1"), 0.1);  // correctly rounded, as the compiler reads it
  EXPECT_EQ(value("1e-3*x", {{"x", 2}}), 2e-3);
}

TEST(Grammar, WhitespaceAnywhereBetweenTokens) {
  EXPECT_EQ(shape(" \t x\n+ sin ( y ) * 2 "), shape("x+sin(y)*2"));
  EXPECT_DOUBLE_EQ(value("  pow( 2 , 10 )  "), 1024.0);
}

TEST(Grammar, FunctionsOfTheEngineTableAndTwoArgumentOnes) {
  EXPECT_EQ(shape("sin(x)^2"), "pow(sin(x),2)");
  EXPECT_EQ(shape("pow(x, y)"), "pow(x,y)");
  EXPECT_EQ(shape("max(x, min(y, 0))"), "max(x,min(y,0))");
  EXPECT_DOUBLE_EQ(value("min(3, -1) + max(3, -1)"), 2.0);
  // Every unary function of the engine's table is a function of the language.
  for (std::size_t i = 0; i < ad::kOps.size(); ++i) {
    const auto op = static_cast<ad::Op>(i);
    if (ad::unary_rule(op).value == nullptr) continue;
    const std::string name(ad::kOps[i].name);
    EXPECT_EQ(shape(name + "(x)"), name + "(x)");
  }
}

TEST(Grammar, VariablesInOrderOfAppearance) {
  const auto e = ex::Expression::parse("y*x + y_2 + x");
  EXPECT_EQ(e.variables(), (std::vector<std::string>{"y", "x", "y_2"}));
}

TEST(Grammar, SourceTextOfEachNode) {
  const auto e = ex::Expression::parse("2 * (x + 1)");
  EXPECT_EQ(e.text(e.root()), "2 * (x + 1)");
  EXPECT_EQ(e.text(e.root().operands[1]), "(x + 1)");
}

// The error for `text`, checked for its message, its column and the caret line.
void expect_error(const std::string& text, const std::string& message, std::size_t column,
                  const std::string& underline) {
  try {
    ex::Expression::parse(text);
    ADD_FAILURE() << "no error for " << text;
  } catch (const ex::SyntaxError& e) {
    EXPECT_EQ(e.message(), message) << text;
    EXPECT_EQ(e.column(), column) << text;
    EXPECT_EQ(e.reason, message) << text;  // the fields, as a caller reads them
    EXPECT_EQ(e.place, "column " + std::to_string(column)) << text;
    EXPECT_EQ(std::string(e.what()),
              message + " at column " + std::to_string(column) + "\n  " + text + "\n  " + underline)
        << text;
  }
}

TEST(Errors, EachWithItsColumnAndCaret) {
  expect_error("", "expected an expression, found nothing", 1, "^");
  expect_error("x +",
               "expected a number, a variable, a function or '(', found the end of the "
               "expression",
               4, "   ^");
  expect_error("x * * y", "expected a number, a variable, a function or '(', found '*'", 5,
               "    ^");
  expect_error("(x + 1",
               "expected ')' to close the '(' at column 1, found the end of the "
               "expression",
               7, "      ^");
  expect_error("x + 1)", "unmatched ')'", 6, "     ^");
  expect_error("2x",
               "expected an operator or the end of the expression, found 'x' (write * "
               "for a product: '2*x', not '2x')",
               2, " ^");
  expect_error("x $ y", "unexpected character '$'", 3, "  ^");
  expect_error("x ** 2", "'**' is not an operator; write '^' for a power", 3, "  ^~");
  expect_error("1e+ + x", "the exponent of '1e+' has no digits", 1, "^~~");
  expect_error("1.2.3", "a number has one decimal point at most", 1, "^~~~");
  expect_error(". + 1", "'.' is not a number; write '0.5' or '.5'", 1, "^");
  expect_error("1e999", "the number '1e999' is out of the range of a double", 1, "^~~~~");
  expect_error("x + sinn(y)", "unknown function 'sinn' (did you mean 'sin'?)", 5, "    ^~~~");
  expect_error("foo(x)",
               "unknown function 'foo'; the functions are exp log log1p expm1 sqrt "
               "cbrt sin cos tan asin acos atan sinh cosh tanh erf sigmoid relu abs pow min "
               "max",
               1, "^~~");
  expect_error("sin(x, y)", "sin takes 1 argument, not 2", 1, "^~~~~~~~~");
  expect_error("pow(x)", "pow takes 2 arguments, not 1", 1, "^~~~~~");
  expect_error("max()", "max takes 2 arguments, not 0", 1, "^~~~~");
  expect_error("sin(x y)", "expected ',' or ')' in the arguments of sin, found 'y'", 7, "      ^");
  expect_error("2 * exp", "'exp' is a function; write exp(x)", 5, "    ^~~");
  // Columns count characters, not bytes: the caret stays under a UTF-8 text's place.
  expect_error("\u2212x \u00B7 \u00B7 y",
               "expected a number, a variable, a function or '(', "
               "found '\u00B7'",
               6, "     ^");
}

TEST(Errors, TooDeepIsAnErrorNotAStackOverflow) {
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      ex::Expression::parse(text);
    } catch (const ex::SyntaxError& e) {
      return e.message();
    }
    return "no error";
  };
  const std::size_t n = 100000;
  EXPECT_EQ(error_of(std::string(n, '(') + "x" + std::string(n, ')')),
            "the expression nests more than 1000 deep");
  EXPECT_EQ(error_of(std::string(n, '-') + "x"), "the expression nests more than 1000 deep");
  std::string sum = "x";
  for (std::size_t i = 0; i < 2000; ++i) sum += "+x";
  EXPECT_EQ(error_of(sum), "the expression nests more than 1000 operations deep");
  // Below the bound, the whole chain evaluates: 1 + 999 x at x = 2.
  std::string long_sum = "1";
  for (std::size_t i = 0; i < 999; ++i) long_sum += "+x";
  EXPECT_DOUBLE_EQ(ex::evaluate(ex::Expression::parse(long_sum), {{"x", 2}}), 1999.0);
}

}  // namespace
