// The Hessian of a network's loss (nn::loss_hessian) against independent plain-double
// references: central differences of the hand-coded delta-rule gradient, Richardson-
// extrapolated, on both tutorials; a closed form on a linear neuron; and what
// nn::curvature_meaning says about hand-picked spectra.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "autodiff/hessian.hpp"
#include "nn/hessian.hpp"
#include "nn/network_file.hpp"
#include "nn/references.hpp"
#include "nn/trainer.hpp"

namespace {

using Matrix = std::vector<std::vector<double>>;

ad::nn::NetworkFile example(const std::string& name) {
  return ad::nn::load_network_file(std::string(AUTODIFF_SOURCE_DIR) + "/examples/" + name +
                                   ".json");
}

// ∂g_i/∂p for every parameter p in `parameters`, g the delta rule's gradient (no engine):
// central differences D(h) = (g(p + h) − g(p − h)) / 2h, Richardson-extrapolated,
// (4·D(h/2) − D(h)) / 3, which cancels the h² error term.
Matrix delta_rule_hessian(ad::nn::Network network, const ad::nn::Topology& topology,
                          const std::vector<std::size_t>& parameters) {
  auto central = [&](std::size_t p, double h) {
    const double p0 = network.parameter(p);
    network.set_parameter(p, p0 + h);
    const std::vector<double> up = ad::nn::delta_rule_gradients(network, topology);
    network.set_parameter(p, p0 - h);
    const std::vector<double> down = ad::nn::delta_rule_gradients(network, topology);
    network.set_parameter(p, p0);
    std::vector<double> d;
    for (std::size_t q : parameters) d.push_back((up[q] - down[q]) / (2 * h));
    return d;
  };
  const double h = 1e-3;
  Matrix m(parameters.size());
  for (std::size_t j = 0; j < parameters.size(); ++j) {
    const std::vector<double> coarse = central(parameters[j], h),
                              fine = central(parameters[j], h / 2);
    for (std::size_t i = 0; i < parameters.size(); ++i)
      m[i].push_back((4 * fine[i] - coarse[i]) / 3);  // column j: ∂g_i/∂p_j
  }
  return m;
}

double largest(const Matrix& m) {
  double l = 0;
  for (const auto& row : m)
    for (double x : row) l = std::max(l, std::abs(x));
  return l;
}

TEST(LossHessian, TutorialsAgainstDifferencesOfTheDeltaRule) {
  for (const char* name : {"tutorial1", "tutorial2"})
    for (bool all : {false, true}) {
      SCOPED_TRACE(std::string(name) + (all ? " all" : " trained"));
      const ad::nn::NetworkFile file = example(name);
      const ad::nn::LossHessian h = ad::nn::loss_hessian(file.network, file.topology, all);
      // The 8 weights are trained; `all` adds the two shared biases.
      ASSERT_EQ(h.names.size(), all ? 10u : 8u);
      EXPECT_EQ(h.names.front(), "w1");
      EXPECT_EQ(h.names.back(), all ? "b2" : "w8");
      const Matrix reference = delta_rule_hessian(file.network, file.topology, h.parameters);
      // Entries span four decades (the hidden weights see inputs of 0.05 and 0.1): each agrees
      // to 1e-8 of itself or, for the tiny and the zero ones, of the largest entry · 1e-3.
      const double floor = 1e-3 * largest(reference);
      for (std::size_t i = 0; i < h.names.size(); ++i)
        for (std::size_t j = 0; j < h.names.size(); ++j)
          EXPECT_NEAR(h.matrix[i][j], reference[i][j],
                      1e-8 * std::max(std::abs(reference[i][j]), floor))
              << h.names[i] << ", " << h.names[j];
      const std::vector<double> gradient =
          ad::nn::delta_rule_gradients(file.network, file.topology);
      for (std::size_t i = 0; i < h.names.size(); ++i)
        EXPECT_NEAR(h.gradient[i], gradient[h.parameters[i]], 1e-15);
    }
}

// `net --steps N --hessian`: the curvature where training stopped. The reference trains by plain
// gradient descent on the delta rule's gradient (no engine), then takes central differences of
// that gradient there. After 200 steps the matrix is far from the starting one, so a Hessian
// taken at the start would fail.
TEST(LossHessian, AfterTrainingItIsTakenWhereTrainingStopped) {
  for (const char* name : {"tutorial1", "tutorial2"}) {
    SCOPED_TRACE(name);
    const ad::nn::NetworkFile file = example(name);
    const int steps = 200;
    const ad::nn::LossHessian h = ad::nn::loss_hessian(file.network, file.topology, false, steps);
    EXPECT_EQ(h.steps, steps);
    ad::nn::Network trained = file.network;
    for (int s = 0; s < steps; ++s) {
      const std::vector<double> g = ad::nn::delta_rule_gradients(trained, file.topology);
      for (std::size_t p : file.topology.trained)
        trained.set_parameter(p, trained.parameter(p) - trained.learning_rate * g[p]);
    }
    EXPECT_NEAR(h.loss, ad::nn::loss(trained, file.topology, trained.parameters()), 1e-14);
    const Matrix reference = delta_rule_hessian(trained, file.topology, h.parameters);
    const Matrix start = delta_rule_hessian(file.network, file.topology, h.parameters);
    const double floor = 1e-3 * largest(reference);
    double moved = 0;
    for (std::size_t i = 0; i < h.names.size(); ++i)
      for (std::size_t j = 0; j < h.names.size(); ++j) {
        EXPECT_NEAR(h.matrix[i][j], reference[i][j],
                    1e-7 * std::max(std::abs(reference[i][j]), floor))
            << h.names[i] << ", " << h.names[j];
        moved = std::max(moved, std::abs(start[i][j] - reference[i][j]));
      }
    EXPECT_GT(moved, 1e-2 * largest(reference));
  }
}

// Each Hessian-vector product along a unit vector (a column, before ad::hessian symmetrizes)
// equals its mirror row: symmetry that the sweep gives, not the averaging.
TEST(LossHessian, TheColumnsOfTheSweepAreSymmetric) {
  const ad::nn::NetworkFile file = example("tutorial1");
  ad::Tape tape;
  ad::nn::Trainer trainer(file.network, file.topology);
  trainer.evaluate();
  const std::vector<ad::Var>& vars = trainer.parameter_vars();
  Matrix columns;
  for (std::size_t j = 0; j < vars.size(); ++j) {
    std::vector<double> e(vars.size(), 0.0);
    e[j] = 1;
    columns.push_back(ad::hessian_vector(tape, trainer.loss_var(), vars, e));
  }
  const double scale = largest(columns);
  for (std::size_t i = 0; i < vars.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      EXPECT_NEAR(columns[j][i], columns[i][j], 1e-14 * scale) << i << ", " << j;
  const ad::nn::LossHessian h = ad::nn::loss_hessian(file.network, file.topology, true);
  for (std::size_t i = 0; i < vars.size(); ++i)
    for (std::size_t j = 0; j < vars.size(); ++j) EXPECT_EQ(h.matrix[i][j], h.matrix[j][i]);
}

// One identity neuron o = a·x1 + b·x2 with E = ½(t − o)²: H = x xᵀ, whatever a, b and t.
TEST(LossHessian, LinearNeuronIsTheOuterProductOfItsInputs) {
  const ad::nn::NetworkFile file = ad::nn::parse_network_file(R"({
    "inputs": {"x1": 3, "x2": -4}, "targets": {"o": 0.5},
    "layers": [{"name": "output", "neurons": ["o"], "activation": "identity"}],
    "weights": [{"name": "a", "from": "x1", "to": "o", "value": 0.25},
                {"name": "b", "from": "x2", "to": "o", "value": -0.75}],
    "biases": [], "loss": "half_sse", "train": ["b", "a"]})",
                                                              "linear.json");
  const ad::nn::LossHessian h = ad::nn::loss_hessian(file.network, file.topology, false);
  ASSERT_EQ(h.names, (std::vector<std::string>{"b", "a"}));  // the train list's order
  const Matrix expected = {{16, -12}, {-12, 9}};
  EXPECT_EQ(h.matrix, expected);
  EXPECT_EQ(h.loss_name, "E_total");
  // o = 0.75 + 3 = 3.75: ∂E/∂b = (o − t)·x2 = 3.25·(−4).
  EXPECT_DOUBLE_EQ(h.gradient[0], -13);
  // The JSON holds both triangles.
  const nlohmann::json j = ad::nn::hessian_json(h);
  EXPECT_EQ(j.at("a").at("b").get<double>(), -12);
  EXPECT_EQ(j.at("b").at("a").get<double>(), -12);
  std::ostringstream text;
  ad::nn::print_hessian(text, h, 6);
  EXPECT_EQ(text.str(),
            "Hessian of E_total, d²E_total/d(row) d(column):\n"
            "     b    a\n"
            "b   16  -12\n"
            "a  -12    9\n");
}

bool says(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(CurvatureMeaning, SaysWhatTheSignsOfTheEigenvaluesMean) {
  const std::vector<double> moving = {0.1, -0.2}, still = {0.0, 1e-11};
  const std::string bowl = ad::nn::curvature_meaning(std::vector<double>{1, 2}, moving);
  EXPECT_TRUE(says(bowl, "positive definite")) << bowl;
  EXPECT_TRUE(says(bowl, "curves upward in every direction")) << bowl;
  EXPECT_TRUE(says(bowl, "not zero here (its largest entry: 0.2)")) << bowl;
  EXPECT_TRUE(says(bowl, "a local minimum, is elsewhere")) << bowl;
  const std::string minimum = ad::nn::curvature_meaning(std::vector<double>{1, 2}, still);
  EXPECT_TRUE(says(minimum, "The gradient is zero here: this is a local minimum.")) << minimum;
  const std::string saddle = ad::nn::curvature_meaning(std::vector<double>{-1, 0, 2}, moving);
  EXPECT_TRUE(says(saddle, "saddle")) << saddle;
  EXPECT_TRUE(says(saddle, "1 positive, 1 negative")) << saddle;
  EXPECT_TRUE(says(saddle, "\n1 near zero")) << saddle;
  EXPECT_TRUE(says(saddle, "not a stationary point")) << saddle;
  EXPECT_TRUE(says(ad::nn::curvature_meaning(std::vector<double>{-1, 2}, still),
                   "a saddle point, not a minimum"));
  // H = x xᵀ: one eigenvalue |x|², the other zero up to rounding (below 1e-12 of the largest).
  const std::string valley = ad::nn::curvature_meaning(std::vector<double>{-1e-15, 25}, moving);
  EXPECT_TRUE(says(valley, "positive semidefinite")) << valley;
  EXPECT_TRUE(says(valley, "1 near zero")) << valley;
  EXPECT_FALSE(says(valley, "saddle")) << valley;
  const std::string cap = ad::nn::curvature_meaning(std::vector<double>{-3, -1}, still);
  EXPECT_TRUE(says(cap, "curves downward in every direction")) << cap;
  const std::string flat = ad::nn::curvature_meaning(std::vector<double>{0, 0}, still);
  EXPECT_TRUE(says(flat, "does not curve")) << flat;
}

}  // namespace
