// ad::hessian and ad::hessian_vector on closed-form functions (hand-derived matrices), their
// symmetry, the fused sums, the conventions at kinks and singular points, and their errors.
#include "autodiff/hessian.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autodiff/autodiff.hpp"

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
using Matrix = std::vector<std::vector<double>>;

void expect_matrix(const Matrix& actual, const Matrix& expected, double tolerance = 1e-13) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(actual[i].size(), expected[i].size());
    for (std::size_t j = 0; j < expected.size(); ++j)
      EXPECT_NEAR(actual[i][j], expected[i][j], tolerance * (1 + std::abs(expected[i][j])))
          << "H[" << i << "][" << j << "]";
  }
}

// f = (1 − x)² + 100(y − x²)²: f_xx = 2 − 400(y − x²) + 800x², f_xy = −400x, f_yy = 200; at
// (1.5, 0.5), y − x² = −1.75: f_xx = 2 + 700 + 1800 = 2502, f_xy = −600.
TEST(Hessian, RosenbrockMatchesTheHandDerivedMatrix) {
  ad::Tape tape;
  const std::array<ad::Var, 2> v = {ad::Var(1.5, "x"), ad::Var(0.5, "y")};
  const ad::Var& x = v[0];
  const ad::Var& y = v[1];
  const ad::Var f = pow(1.0 - x, 2.0) + 100.0 * pow(y - x * x, 2.0);
  expect_matrix(ad::hessian(tape, f, v), {{2502, -600}, {-600, 200}});
  // At the minimum (1, 1): [[802, −400], [−400, 200]].
  tape.clear();
  const std::array<ad::Var, 2> m = {ad::Var(1.0), ad::Var(1.0)};
  const ad::Var g =
      (1.0 - m[0]) * (1.0 - m[0]) + 100.0 * (m[1] - m[0] * m[0]) * (m[1] - m[0] * m[0]);
  expect_matrix(ad::hessian(tape, g, m), {{802, -400}, {-400, 200}});
}

// x·y·z: every second partial is the third variable, the diagonal 0.
TEST(Hessian, ProductOfThreeVariables) {
  ad::Tape tape;
  const std::array<ad::Var, 3> v = {ad::Var(2.0), ad::Var(-3.0), ad::Var(5.0)};
  const ad::Var f = v[0] * v[1] * v[2];
  expect_matrix(ad::hessian(tape, f, v), {{0, 5, -3}, {5, 0, 2}, {-3, 2, 0}});
  // H·v for a v of our own: H·(1, 2, 3) = (10 − 9, 5 + 6, −3 + 4).
  const std::array<double, 3> d = {1, 2, 3};
  const std::vector<double> hv = ad::hessian_vector(tape, f, v, d);
  EXPECT_EQ(hv, (std::vector<double>{1, 11, 1}));
}

// s = σ(w·x + b) with x fixed, through one fused weighted sum: H = σ''(z)·u·uᵀ with u = (x, 1),
// σ'' = σ(1 − σ)(1 − 2σ).
TEST(Hessian, SigmoidOfAWeightedSum) {
  ad::Tape tape;
  const std::array<ad::Var, 3> p = {ad::Var(0.4, "w1"), ad::Var(-0.7, "w2"), ad::Var(0.1, "b")};
  const std::array<ad::Var, 2> w = {p[0], p[1]}, x = {ad::Var(1.5), ad::Var(2.0)};
  const ad::Var s = sigmoid(ad::weighted_sum(w, x, p[2]));
  const double z = 0.4 * 1.5 - 0.7 * 2.0 + 0.1, sz = 1 / (1 + std::exp(-z));
  const double second = sz * (1 - sz) * (1 - 2 * sz);
  const std::array<double, 3> u = {1.5, 2.0, 1.0};
  Matrix expected(3, std::vector<double>(3));
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) expected[i][j] = second * u[i] * u[j];
  expect_matrix(ad::hessian(tape, s, p), expected, 1e-12);
}

// The products H·e_j themselves (before the symmetrization of ad::hessian) agree with their
// transposes, on a function that mixes every kind of node.
TEST(Hessian, ProductsAreSymmetric) {
  ad::Tape tape;
  const std::array<ad::Var, 4> v = {ad::Var(0.3), ad::Var(-1.2), ad::Var(2.1), ad::Var(0.8)};
  const std::array<ad::Var, 2> w = {v[0], v[1]}, x = {v[2], v[3]};
  const ad::Var f = sin(v[0] * v[1]) / (1.0 + exp(v[2])) + pow(v[3], v[0] + 2.0) +
                    tanh(ad::weighted_sum(w, x)) * log(v[3]) + ad::sum(v) * v[1];
  std::vector<std::vector<double>> columns;
  for (std::size_t j = 0; j < 4; ++j) {
    std::array<double, 4> e{};
    e[j] = 1;
    columns.push_back(ad::hessian_vector(tape, f, v, e));
  }
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < i; ++j)
      EXPECT_NEAR(columns[j][i], columns[i][j], 1e-14 * (1 + std::abs(columns[i][j])));
  const Matrix h = ad::hessian(tape, f, v);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) EXPECT_EQ(h[i][j], h[j][i]);
}

// The second sweep reads the tape and leaves its gradients as they were.
TEST(Hessian, LeavesTheTapesGradientsAlone) {
  ad::Tape tape;
  const std::array<ad::Var, 2> v = {ad::Var(1.5), ad::Var(-2.0)};
  const ad::Var f = v[0] * v[0] * v[1];
  tape.backward(f);
  const std::size_t nodes = tape.size();
  expect_matrix(ad::hessian(tape, f, v), {{-4, 3}, {3, 0}});
  EXPECT_EQ(v[0].grad(), 2 * 1.5 * -2.0);
  EXPECT_EQ(v[1].grad(), 1.5 * 1.5);
  EXPECT_EQ(tape.size(), nodes);
}

// The conventions of op.hpp at kinks and singular points, against the one-sided limits.
TEST(Hessian, KinksAndSingularPointsFollowTheConventions) {
  ad::Tape tape;
  const auto second = [&](double at, auto f) {
    const std::array<ad::Var, 1> x = {ad::Var(at)};
    return ad::hessian(tape, f(x[0]), x)[0][0];
  };
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return relu(x); }), 0.0);
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return abs(x); }), 0.0);
  EXPECT_EQ(second(0.5, [](const ad::Var& x) { return max(x, 0.5); }), 0.0);
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return sqrt(x); }), -kInf);  // −¼h^−3/2, h → 0+
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return log(x); }), -kInf);  // −1/h²
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return pow(x, 2.0); }), 2.0);
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return pow(x, 3.0); }), 0.0);
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return pow(x, 1.0); }), 0.0);
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return pow(x, 0.0); }), 0.0);
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return pow(x, 1.5); }), kInf);   // 0.75·h^−½
  EXPECT_EQ(second(0.0, [](const ad::Var& x) { return pow(x, 0.5); }), -kInf);  // −¼·h^−3/2
  EXPECT_EQ(second(2.0, [](const ad::Var& x) { return pow(0.0, x); }), 0.0);    // 0^b ≡ 0
  // min and max at a tie: every second partial 0.
  const std::array<ad::Var, 2> t = {ad::Var(0.25), ad::Var(0.25)};
  expect_matrix(ad::hessian(tape, max(t[0], t[1]), t), {{0, 0}, {0, 0}});
  expect_matrix(ad::hessian(tape, min(t[0], t[1]), t), {{0, 0}, {0, 0}});
  // a^b at a = 0: ∂²/∂a∂b = a^(b−1)(1 + b ln a) → 0 for b = 2, −inf for b = 1 (1 + ln a).
  const std::array<ad::Var, 2> p = {ad::Var(0.0), ad::Var(2.0)};
  expect_matrix(ad::hessian(tape, pow(p[0], p[1]), p), {{2, 0}, {0, 0}});
  const std::array<ad::Var, 2> q = {ad::Var(0.0), ad::Var(1.0)};
  EXPECT_EQ(ad::hessian(tape, pow(q[0], q[1]), q)[0][1], -kInf);
}

TEST(Hessian, ValuesOfAnotherRecordingAreRefused) {
  ad::Tape tape;
  const std::array<ad::Var, 1> x = {ad::Var(1.0)};
  const ad::Var f = x[0] * x[0];
  const std::array<double, 2> two = {1, 2};
  EXPECT_THROW((void)ad::hessian_vector(tape, f, x, two), ad::Error);
  {
    ad::Tape other;
    const std::array<ad::Var, 1> z = {ad::Var(1.0)};
    EXPECT_THROW((void)ad::hessian(tape, z[0] * z[0], z), ad::TapeMismatch);
    EXPECT_THROW((void)ad::hessian(tape, f, z), ad::TapeMismatch);
  }
  tape.clear();
  EXPECT_THROW((void)ad::hessian(tape, f, x), ad::TapeMismatch);
}

// A checked tape stops at a second partial that is not finite, with the error's fields.
TEST(Hessian, CheckedTapeNamesTheSecondPartialThatIsNotFinite) {
  ad::Tape tape({.checked = true});
  const std::array<ad::Var, 1> x = {ad::Var(0.0, "x")};
  const ad::Var f = pow(x[0], 1.5);  // first partial 1.5·√0 = 0, second 0.75/√0 = inf
  try {
    (void)ad::hessian(tape, f, x);
    FAIL() << "no NonFinite";
  } catch (const ad::NonFinite& e) {
    EXPECT_EQ(e.operation, "pow");
    EXPECT_EQ(e.operands, (std::vector<double>{0.0, 1.5}));
    EXPECT_EQ(e.place, "node #1");
    EXPECT_EQ(e.reason, "∂²/∂x² = inf");
    EXPECT_NE(std::string(e.what()).find("checked mode: pow at node #1"), std::string::npos)
        << e.what();
  }
  const std::array<ad::Var, 2> ab = {ad::Var(0.0, "a"), ad::Var(1.0, "b")};
  try {
    (void)ad::hessian(tape, pow(ab[0], ab[1]), ab);
    FAIL() << "no NonFinite";
  } catch (const ad::NonFinite& e) {
    EXPECT_EQ(e.reason, "∂²/∂a∂b = -inf");
  }
}

// A result beyond the doubles: inf on an unchecked tape (as gradient() returns it), NonFinite on
// a checked one. f = (x·1e308)·x at x = 1 is finite (1e308); f'' = 2e308 is not.
TEST(Hessian, OverflowIsAnErrorOnACheckedTapeOnly) {
  for (const bool checked : {false, true}) {
    ad::Tape tape({.checked = checked});
    const std::array<ad::Var, 1> x = {ad::Var(1.0, "x")};
    const ad::Var f = x[0] * 1e308 * x[0];
    ASSERT_TRUE(std::isfinite(f.value()));
    if (checked) {
      EXPECT_THROW((void)ad::hessian(tape, f, x), ad::NonFinite);
    } else {
      EXPECT_EQ(ad::hessian(tape, f, x)[0][0], kInf);
    }
  }
}

// A NaN is never returned: cbrt''(0) has no convention (its one-sided limits are ∓inf).
TEST(Hessian, NaNIsRefusedSayingWhere) {
  ad::Tape tape;
  const std::array<ad::Var, 1> x = {ad::Var(0.0, "x")};
  try {
    (void)ad::hessian(tape, cbrt(x[0]), x);
    FAIL() << "no NonFinite";
  } catch (const ad::NonFinite& e) {
    EXPECT_EQ(e.operation, "cbrt");
    EXPECT_EQ(e.place, "node #1");
    EXPECT_EQ(e.operands, std::vector<double>{0.0});
    EXPECT_NE(e.reason.find("∂²/∂x² = nan"), std::string::npos) << e.reason;
    EXPECT_NE(std::string(e.what()).find("entry for x is nan"), std::string::npos) << e.what();
  }
}

// The conventions sqrt''(0) = log''(0) = −inf hold inside a larger expression too: the second
// partials that are 0 (of + and −, of x·c, the diagonal of a·b) pass nothing on, so 0 times the
// infinite tangent of √x at 0 makes no NaN. Closed forms: (√x + z²)'' = diag(−inf, 2);
// (√(x − 1))'' at 1, (√(2x))'' at 0 and (log(x + 1))'' at −1 are −inf.
TEST(Hessian, AnInfiniteSecondDerivativeInsideASumKeepsItsConvention) {
  ad::Tape tape;
  const std::array<ad::Var, 2> xz = {ad::Var(0.0, "x"), ad::Var(1.0, "z")};
  const Matrix h = ad::hessian(tape, sqrt(xz[0]) + xz[1] * xz[1], xz);
  EXPECT_EQ(h, (Matrix{{-kInf, 0}, {0, 2}}));
  const std::array<ad::Var, 1> one = {ad::Var(1.0, "x")}, zero = {ad::Var(0.0, "x")},
                               minus_one = {ad::Var(-1.0, "x")};
  EXPECT_EQ(ad::hessian(tape, sqrt(one[0] - 1.0), one)[0][0], -kInf);
  EXPECT_EQ(ad::hessian(tape, sqrt(2.0 * zero[0]), zero)[0][0], -kInf);
  EXPECT_EQ(ad::hessian(tape, log(minus_one[0] + 1.0), minus_one)[0][0], -kInf);
}

// A direction so long that H·v overflows gives inf on an unchecked tape, not a NaN: (x³)'' = 6x
// = 12 at 2, times 1e308.
TEST(Hessian, AnOverflowingDirectionGivesInf) {
  ad::Tape tape;
  const std::array<ad::Var, 1> x = {ad::Var(2.0, "x")};
  const std::array<double, 1> v = {1e308};
  EXPECT_EQ(ad::hessian_vector(tape, x[0] * x[0] * x[0], x, v)[0], kInf);
}

// (x·z)·1.5e308: H = [[0, 1.5e308], [1.5e308, 0]], whose entries are doubles; their mean taken
// as (a + b)/2 would overflow, on a checked tape too.
TEST(Hessian, SymmetrizingDoesNotOverflow) {
  ad::Tape tape({.checked = true});
  const std::array<ad::Var, 2> xz = {ad::Var(1.0, "x"), ad::Var(1.0, "z")};
  EXPECT_EQ(ad::hessian(tape, xz[0] * xz[1] * 1.5e308, xz), (Matrix{{0, 1.5e308}, {1.5e308, 0}}));
}

// An input that is not a leaf is independent of the inputs before it: y = A² + B·A with A = B²
// recorded, taken as a function of (A, B): y_AA = 2, y_AB = 1, y_BB = 0 (B's path through A is
// cut, as A's tangent is v's entry).
TEST(Hessian, AnInputThatIsNotALeafIsIndependent) {
  ad::Tape tape;
  const ad::Var b(3.0, "B");
  const ad::Var a = b * b;
  const std::array<ad::Var, 2> inputs = {a, b};
  expect_matrix(ad::hessian(tape, a * a + b * a, inputs), {{2, 1}, {1, 0}});
  const std::array<double, 2> unit_b = {0, 1};
  EXPECT_EQ(ad::hessian_vector(tape, a * a, inputs, unit_b), (std::vector<double>{0, 0}));
}

// The checked mode tests the second partials that are used, not every one on the tape: a node
// off y's path, or a partial with respect to what is not an input, does not stop it. (x²)'' = 2.
TEST(Hessian, CheckedTapeTestsOnlyTheSecondPartialsItUses) {
  ad::Tape tape({.checked = true});
  const std::array<ad::Var, 1> x = {ad::Var(2.0, "x")};
  const ad::Var c(0.0, "c");
  (void)pow(c, 1.5);  // ∂²/∂c² = inf, off the path
  expect_matrix(ad::hessian(tape, x[0] * x[0], x), {{2}});
  expect_matrix(ad::hessian(tape, x[0] * x[0] + pow(c, 1.5), x), {{2}});
}

// The errors name the argument that is wrong and the tape it is not from.
TEST(Hessian, ErrorsNameTheArgument) {
  ad::Tape first;
  const std::array<ad::Var, 2> x = {ad::Var(1.0, "x"), ad::Var(2.0, "y")};
  const ad::Var f = x[0] * x[1];
  {
    ad::Tape second;  // active now
    const std::array<ad::Var, 1> z = {ad::Var(1.0, "z")};
    try {
      (void)ad::hessian(first, z[0] * z[0], z);
      FAIL() << "no TapeMismatch";
    } catch (const ad::TapeMismatch& e) {
      EXPECT_NE(std::string(e.what()).find("hessian: y: "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("another tape than the one it is used with"),
                std::string::npos)
          << e.what();
    }
  }
  const std::array<ad::Var, 2> stale = {x[0], ad::Var()};
  try {
    (void)ad::hessian(first, f, stale);
    FAIL() << "no TapeMismatch";
  } catch (const ad::TapeMismatch& e) {
    EXPECT_NE(std::string(e.what()).find("hessian: inputs[1]: "), std::string::npos) << e.what();
  }
  const std::array<double, 2> v = {std::nan(""), 1};
  try {
    (void)ad::hessian_vector(first, f, x, v);
    FAIL() << "no NonFinite";
  } catch (const ad::NonFinite& e) {
    EXPECT_EQ(e.place, "v[0]");
    EXPECT_NE(std::string(e.what()).find("a direction must be finite"), std::string::npos);
  }
}

// After the work arrays are given back, the next product is as right as before: (x·y)'' =
// [[0, 1], [1, 0]].
TEST(Hessian, ReleasingTheWorkArraysKeepsTheNextProductRight) {
  ad::Tape tape;
  const std::array<ad::Var, 2> x = {ad::Var(1.0, "x"), ad::Var(2.0, "y")};
  const ad::Var f = x[0] * x[1];
  expect_matrix(ad::hessian(tape, f, x), {{0, 1}, {1, 0}});
  ad::release_hessian_memory();
  expect_matrix(ad::hessian(tape, f, x), {{0, 1}, {1, 0}});
}

}  // namespace
