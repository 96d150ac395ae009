// Misuse and non-finite values: each gets an error that says what and where.
#include "autodiff/error.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autodiff/var.hpp"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Runs f, expects an exception of type E whose message contains every fragment.
template <class E, class F>
void expect_error(F f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const E& e) {
    const std::string message = e.what();
    for (const auto& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos)
          << "message: " << message << "\nlacks: " << fragment;
  }
}

TEST(Error, NoActiveTape) {
  expect_error<ad::NoActiveTape>([] { ad::Var x(1.0, "x"); }, {"no tape is active"});
}

TEST(Error, DefaultConstructedVar) {
  ad::Tape tape;
  ad::Var x(1.0, "x");
  ad::Var never;
  expect_error<ad::TapeMismatch>([&] { (void)(x + never); }, {"never recorded"});
}

TEST(Error, UseAfterClear) {
  ad::Tape tape;
  ad::Var x(1.5, "x");
  tape.clear();
  ad::Var y(2.0, "y");
  expect_error<ad::TapeMismatch>([&] { (void)(x * y); },
                                 {"node #0", "before its tape was cleared"});
  expect_error<ad::TapeMismatch>([&] { (void)sin(x); }, {"cleared"});
  expect_error<ad::TapeMismatch>([&] { (void)x.grad(); }, {"cleared"});
  expect_error<ad::TapeMismatch>([&] { tape.backward(x); }, {"cleared"});
}

TEST(Error, UseAfterClearIsCaughtAcrossManyClears) {
  ad::Tape tape;
  ad::Var x(1.5, "x");
  for (int k = 0; k < 5000; ++k) tape.clear();  // several epoch blocks
  ad::Var y(2.0, "y");
  expect_error<ad::TapeMismatch>([&] { (void)(x + y); }, {"cleared"});
}

TEST(Error, TwoTapesDoNotMix) {
  ad::Tape outer;
  ad::Var x(1.0, "x");
  ad::Tape inner;
  ad::Var y(2.0, "y");
  expect_error<ad::TapeMismatch>([&] { (void)(x + y); }, {"another tape"});
  expect_error<ad::TapeMismatch>([&] { inner.backward(x); }, {"another tape"});
}

TEST(Error, GradientBeforeBackward) {
  ad::Tape tape;
  ad::Var x(1.0, "x");
  expect_error<ad::Error>([&] { (void)x.grad(); }, {"no gradient for x"});
  ad::Var y = x * 2.0;
  tape.backward(y);
  ad::Var later = y + 1.0;
  expect_error<ad::Error>([&] { (void)later.grad(); }, {"recorded after the last backward"});
}

TEST(Error, NaNGradientIsNeverReturnedSilently) {
  ad::Tape tape;  // unchecked
  ad::Var x(-1.0, "x");
  ad::Var y = sqrt(x);  // NaN value and partial
  tape.backward(y);
  expect_error<ad::NonFinite>([&] { (void)x.grad(); },
                              {"gradient with respect to x is NaN", "checked"});
}

// On a checked tape every value and local partial is finite, so an infinite gradient can only be
// a product of finite factors that overflowed in the sweep: gradient() refuses it and says where.
TEST(Error, CheckedModeRefusesAGradientThatOverflowed) {
  ad::Tape tape({.checked = true});
  ad::Var x(0.0, "x");
  const ad::Var scaled = x * 1e300;
  const ad::Var y = scaled * 1e10;  // dy/dx = 1e310, beyond the largest double (1.8e308)
  tape.backward(y);
  EXPECT_EQ(scaled.grad(), 1e10);  // the finite gradients stay readable
  expect_error<ad::NonFinite>(
      [&] { (void)x.grad(); },
      {"gradient with respect to x is inf", "overflows at mul#1", "10000000000", "∂/∂x"});
  // inf − inf: NaN, from the same overflow; and no advice meant for an unchecked tape.
  const ad::Var z = y - x * 1e300 * 1e10;
  tape.backward(z);
  try {
    (void)x.grad();
    ADD_FAILURE() << "no exception";
  } catch (const ad::NonFinite& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("is NaN: the chain rule overflows at mul#"), std::string::npos)
        << message;
    EXPECT_EQ(message.find("Options"), std::string::npos) << message;
  }
  // Two finite contributions whose sum overflows.
  const ad::Var w = x * 1e308 + x * 1e308;
  tape.backward(w);
  expect_error<ad::NonFinite>(
      [&] { (void)x.grad(); },
      {"gradient with respect to x is inf", "contributions", "add up beyond the largest double"});
  // 1/x overflows at the smallest subnormal: d/dx log(x) is beyond the doubles there.
  ad::Var tiny(std::numeric_limits<double>::denorm_min(), "tiny");
  tape.backward(log(tiny));
  expect_error<ad::NonFinite>([&] { (void)tiny.grad(); }, {"tiny is inf", "overflows at log#"});
}

// An unchecked tape returns ±inf as it is: it may be a derivative's infinite one-sided limit
// (sqrt at 0, Op.SingularPointsTakeTheOneSidedLimit) and, here, the overflowed product 1e310.
TEST(Error, UncheckedTapeReturnsAnInfiniteGradient) {
  ad::Tape tape;
  ad::Var x(0.0, "x");
  tape.backward(x * 1e300 * 1e10);
  EXPECT_EQ(x.grad(), std::numeric_limits<double>::infinity());
}

TEST(Error, CheckedModeStopsAtLogOfZero) {
  ad::Tape tape({.checked = true});
  ad::Var x(0.0, "x");
  expect_error<ad::NonFinite>([&] { (void)log(x); }, {"log", "node #1", "-inf", "x = 0"});
}

TEST(Error, CheckedModeStopsAtZeroOverZero) {
  ad::Tape tape({.checked = true});
  ad::Var a(0.0, "a"), b(0.0, "b");
  expect_error<ad::NonFinite>([&] { (void)(a / b); }, {"div", "nan", "a = 0", "b = 0"});
  expect_error<ad::NonFinite>([&] { (void)(a / 0.0); }, {"div", "nan", "c = 0"});
}

TEST(Error, CheckedModeStopsAtAnInfinitePartial) {
  ad::Tape tape({.checked = true});
  ad::Var x(0.0, "x");
  expect_error<ad::NonFinite>([&] { (void)sqrt(x); },
                              {"sqrt", "local partial ∂/∂x = inf", "does not exist"});
}

// The error's fields say the same as its message, in parts, for a caller to read: d√x/dx =
// 1/(2√x) is infinite at 0; (−2)^y's ∂/∂y = (−2)^y·ln(−2) does not exist.
TEST(Error, CheckedModeNamesTheOperationItsOperandsAndThePlaceInFields) {
  ad::Tape tape({.checked = true});
  ad::Var a(1.0, "a"), x(0.0, "x");
  try {
    (void)sqrt(x);
    ADD_FAILURE() << "no exception";
  } catch (const ad::Error& e) {
    EXPECT_EQ(e.operation, "sqrt");
    EXPECT_EQ(e.operands, std::vector<double>{0.0});
    EXPECT_EQ(e.place, "node #2");  // a is node #0, x node #1
    EXPECT_EQ(e.reason, "∂/∂x = inf");
    EXPECT_TRUE(e.file.empty());
  }
  ad::Var base(-2.0, "base"), y(2.0, "y");
  try {
    (void)pow(base, y);
    ADD_FAILURE() << "no exception";
  } catch (const ad::NonFinite& e) {
    EXPECT_EQ(e.operation, "pow");
    EXPECT_EQ(e.operands, (std::vector<double>{-2.0, 2.0}));
    EXPECT_EQ(e.reason, "∂/∂y = nan");
  }
  try {
    ad::Var z(kNaN, "z");
    ADD_FAILURE() << "no exception";
  } catch (const ad::NonFinite& e) {
    EXPECT_TRUE(e.operation.empty());
    EXPECT_EQ(e.reason, "input z = nan");
  }
  // c / x keeps the operation's order: the constant first (d(2/x)/dx = −2/x² is −inf at 0).
  try {
    (void)(2.0 / x);
    ADD_FAILURE() << "no exception";
  } catch (const ad::NonFinite& e) {
    EXPECT_EQ(e.operands, (std::vector<double>{2.0, 0.0}));
    EXPECT_NE(std::string(e.what()).find("operands: c = 2, x = 0"), std::string::npos) << e.what();
  }
}

TEST(Error, MisuseNamesThePlaceAndTheReasonInFields) {
  ad::Tape tape;
  ad::Var x(3.0, "x");
  tape.clear();
  try {
    (void)(x * 2.0);
    ADD_FAILURE() << "no exception";
  } catch (const ad::TapeMismatch& e) {
    EXPECT_EQ(e.place, "node #0");
    EXPECT_EQ(e.reason, "recorded before its tape was cleared");
  }
  ad::Var y(1.0, "y");
  try {
    (void)tape.gradient(y);
    ADD_FAILURE() << "no exception";
  } catch (const ad::Error& e) {
    EXPECT_EQ(e.place, "node #0");
    EXPECT_EQ(e.reason, "no backward() since it was recorded");
  }
}

TEST(Error, CheckedModeStopsAtANonexistentDerivative) {
  // (−2)^y has no derivative in y: it is not defined for non-integer y.
  ad::Tape tape({.checked = true});
  ad::Var base(-2.0, "base"), y(2.0, "y");
  expect_error<ad::NonFinite>([&] { (void)pow(base, y); }, {"pow", "∂/∂y", "base = -2"});
}

TEST(Error, CheckedModeStopsAtANaNInput) {
  ad::Tape tape({.checked = true});
  expect_error<ad::NonFinite>([&] { ad::Var x(kNaN, "x"); }, {"input x is nan"});
}

TEST(Error, CheckedModeLetsFiniteWorkThrough) {
  ad::Tape tape({.checked = true});
  ad::Var x(0.5, "x");
  ad::Var y = log(x) * sqrt(x) + pow(x, 0.5);
  tape.backward(y);
  // d/dx [ln x·√x + √x] = √x/x + ln x/(2√x) + 1/(2√x)
  const double s = std::sqrt(0.5);
  EXPECT_DOUBLE_EQ(x.grad(), s / 0.5 + std::log(0.5) / (2 * s) + 1 / (2 * s));
}

TEST(Error, SumLengthsMustMatch) {
  ad::Tape tape;
  std::array<ad::Var, 2> w = {ad::Var(1.0), ad::Var(2.0)};
  std::array<ad::Var, 1> x = {ad::Var(3.0)};
  expect_error<ad::Error>([&] { (void)ad::weighted_sum(w, x); }, {"weighted_sum", "2", "1"});
}

}  // namespace
