// The grammar of the expression language: precedence, associativity, unary minus, numbers,
// whitespace, function arity, and every syntax error with its message and column. Values are
// compared with the same formula written in C++ (the closed form), never with the engine.
#include <gtest/gtest.h>
#include <pthread.h>

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

std::string error_of(const std::string& text) {
  try {
    ex::Expression::parse(text);
  } catch (const ex::SyntaxError& e) {
    return e.message();
  }
  return "no error";
}

// Nesting of parentheses and calls is bounded; chains of operators and signs are not: issue 12,
// item 8 (a flat sum of 1001 terms was refused as "nested", 999 signs overflowed an ASan stack).
TEST(Errors, TooDeepIsAnErrorNotAStackOverflow) {
  const std::size_t n = 100000;
  const std::string too_deep = "the expression nests parentheses and function calls more than " +
                               std::to_string(ex::kMaxNesting) + " deep";
  EXPECT_EQ(error_of(std::string(n, '(') + "x" + std::string(n, ')')), too_deep);
  std::string calls;
  for (std::size_t i = 0; i <= ex::kMaxNesting; ++i) calls += "sin(";
  EXPECT_EQ(error_of(calls + "x" + std::string(ex::kMaxNesting + 1, ')')), too_deep);
}

// Run `body` on a thread with a 1 MiB stack, the smallest the library promises to run on.
template <class Body>
void on_a_small_stack(Body body) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, std::size_t{1} << 20);
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attributes,
                [](void* b) -> void* {
                  (*static_cast<Body*>(b))();
                  return nullptr;
                },
                &body),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
}

TEST(Chains, AFlatSumOf100000TermsIsParsedEvaluatedAndRecorded) {
  on_a_small_stack([] {
    std::string sum = "x";
    for (int i = 1; i < 100000; ++i) sum += i % 2 == 0 ? "+x" : "-2*x+3*x";
    // Terms: x, then 50,000 of (+x) and 49,999... each pair (-2x + 3x) = +x: 100,000 x in all.
    const ex::Expression e = ex::Expression::parse(sum);
    EXPECT_DOUBLE_EQ(ex::evaluate(e, {{"x", 0.5}}), 0.5 * 100000);
    ad::Tape tape;
    const ad::Var x(0.5, "x");
    const ad::Var y = ex::record(e, {{"x", x}});
    tape.backward(y);
    EXPECT_DOUBLE_EQ(y.value(), 0.5 * 100000);
    EXPECT_DOUBLE_EQ(tape.gradient(x), 100000.0);  // d/dx of 100,000 x
    const ex::Expression copy = e;                 // copied and destroyed without recursion
    EXPECT_EQ(copy.variables(), std::vector<std::string>{"x"});
  });
}

TEST(Chains, SignsAndPowersAreLoopsAndTheDeepestNestingFitsASmallStack) {
  on_a_small_stack([] {
    // 100,001 minus signs: -(-(...(x))) once more than an even count, so -x.
    EXPECT_DOUBLE_EQ(
        ex::evaluate(ex::Expression::parse(std::string(100001, '-') + "x"), {{"x", 3}}), -3.0);
    // 1^1^...^1^2 right-associative, 10,000 deep: 1.
    std::string tower = "2";
    for (int i = 0; i < 10000; ++i) tower = "1^" + tower;
    EXPECT_EQ(shape("2^-3^2"), "pow(2,neg(pow(3,2)))");
    EXPECT_DOUBLE_EQ(ex::evaluate(ex::Expression::parse(tower), {}), 1.0);
    // The deepest nesting allowed, alternating parentheses and calls, with a sign at each level.
    std::string nested = "x";
    for (std::size_t i = 0; i < ex::kMaxNesting; ++i)
      nested = i % 2 == 0 ? "-(" + nested + ")" : "abs(" + nested + ")";
    const ex::Expression e = ex::Expression::parse(nested);
    ad::Tape tape;
    const ad::Var x(-2.0, "x");
    const ad::Var y = ex::record(e, {{"x", x}});
    tape.backward(y);
    EXPECT_DOUBLE_EQ(y.value(), 2.0);  // abs(-(...)) = |x|
    EXPECT_DOUBLE_EQ(tape.gradient(x), -1.0);
  });
}

// An error shows at most 80 columns of the input around its place, never the whole input (a
// 130 KB input gave 260 KB of messages), with "..." where it is cut.
TEST(Errors, AMessageQuotesALineOfTheInputAroundThePlace) {
  std::string sum = "x";
  for (int i = 0; i < 65000; ++i) sum += "+x";
  try {
    ex::Expression::parse(sum + "+");
    ADD_FAILURE() << "no error";
  } catch (const ex::SyntaxError& e) {
    const std::string what = e.what();
    EXPECT_LT(what.size(), 300u) << what;
    EXPECT_EQ(e.column(), sum.size() + 2);
    const std::string shown = what.substr(what.find('\n') + 3);
    EXPECT_TRUE(shown.starts_with("...x+x")) << what;
    // The caret under the end, after the last '+'.
    const std::string line = shown.substr(0, shown.find('\n'));
    const std::string caret = shown.substr(shown.find('\n') + 1);
    EXPECT_EQ(caret, std::string(line.size() + 2, ' ') + "^") << what;
    EXPECT_LE(line.size(), 83u);
  }
  // A long token is cut in the message too.
  EXPECT_EQ(error_of("x " + std::string(1000, 'y')),
            "expected an operator or the end of the expression, found '" + std::string(40, 'y') +
                "...' (1000 bytes) (write * for a product: '2*x', not '2x')");
}

// Control characters from the input are escaped, and the caret counts them as shown: issue 12,
// item 13.
TEST(Errors, ControlCharactersAreEscapedAndTheCaretStaysUnderItsPlace) {
  try {
    ex::Expression::parse("x\x1b[31m+1");
    ADD_FAILURE() << "no error";
  } catch (const ex::SyntaxError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unexpected character '\\x1b' at column 2\n  x\\x1b[31m+1\n   ^~~~");
  }
  try {
    ex::Expression::parse("x +\n y * * 2");
    ADD_FAILURE() << "no error";
  } catch (const ex::SyntaxError& e) {
    EXPECT_EQ(std::string(e.what()),
              "expected a number, a variable, a function or '(', found '*' at column 10\n"
              "  x +\\n y * * 2\n"
              "            ^");
  }
}

}  // namespace
