// The program near a point: each move gives what the whole program evaluated by name at the
// moved point gives (Definitions::evaluate_bounded), bit for bit, and the same errors.
#include "autodiff/expression/nearby.hpp"

#include <gtest/gtest.h>

namespace ex = ad::expr;

namespace {

// Nearby at `point`, moved by `moved`, against the whole evaluation at the moved point.
void expect_as_whole(const ex::Definitions& d, const ex::Expression& e, const ex::Values& point,
                     ex::Nearby& nearby, const ex::Values& moved) {
  ex::Values at = point;
  for (const auto& [name, value] : moved) at[name] = value;
  const ex::Bounded whole = d.evaluate_bounded(e, at), near = nearby(moved);
  EXPECT_EQ(near.value, whole.value);
  EXPECT_EQ(near.error, whole.error);
}

TEST(Nearby, EachMoveIsTheWholeEvaluationAtTheMovedPoint) {
  ex::Definitions d;
  d.add("out=sigmoid(w*x + b)");
  d.add("E=0.5*(t - out)^2 + out/3");
  const ex::Expression e = ex::Expression::parse("E*w + sin(x)*x - out");
  const ex::Values point{{"w", 0.4}, {"x", 0.6}, {"b", 0.1}, {"t", 0.9}};
  ex::Nearby nearby(d, e, point);
  for (const char* name : {"w", "x", "b", "t"})
    for (const double h : {1e-3, -1e-3, 1e-7, 0.0})
      expect_as_whole(d, e, point, nearby, {{name, point.at(name) + h}});
  expect_as_whole(d, e, point, nearby, {{"w", 0.41}, {"x", 0.59}});
  expect_as_whole(d, e, point, nearby, {{"x", 0.7}});  // the plan of one name after two
  // A defined name moved is held there, the base variables kept (its own error is then 0).
  const double out = d.values(point).at("out");
  expect_as_whole(d, e, point, nearby, {{"out", out + 1e-4}});
  expect_as_whole(d, e, point, nearby, {{"out", out}, {"w", 0.3}});
}

TEST(Nearby, ErrorsAreTheWholeEvaluations) {
  const ex::Expression e = ex::Expression::parse("log(x) + y*y");
  ex::Nearby nearby({}, e, {{"x", 1e-4}, {"y", 2}});
  EXPECT_THROW(nearby({{"x", -1e-3}}), ex::DomainError);  // the stencil leaves the domain
  expect_as_whole({}, e, {{"x", 1e-4}, {"y", 2}}, nearby, {{"x", 2e-4}});  // and comes back
  // At a point f is not defined at, and one that lacks a variable: on every call.
  ex::Nearby outside({}, e, {{"x", -1}, {"y", 2}});
  EXPECT_THROW(outside({{"y", 3}}), ex::DomainError);
  EXPECT_THROW(outside({{"y", 3}}), ex::DomainError);
  ex::Nearby lacking({}, e, {{"x", 1}});
  EXPECT_THROW(lacking({{"x", 2}}), ex::UnknownVariable);
}

}  // namespace
