// The network's recording read the way the tutorials write it: each output's error ½(t − o)² is
// one node, so the explanation of Mazur's network has his paths (no duplicates) and his factors,
// the same as the graph library's own example written with pow; the graph labels the error
// ½(t − o)² and the total E1 + E2.
#include <gtest/gtest.h>

#include <cmath>

#include "autodiff/graph/graph.hpp"
#include "graph/tutorials.hpp"
#include "nn/network_file.hpp"
#include "nn/references.hpp"
#include "nn/trainer.hpp"

namespace {

using ad::graph::Explanation;

constexpr ad::graph::PathOptions kTutorialChains{
    .max_paths = 64, .merge_unnamed = true, .fold_unit = true};

ad::nn::Network load(const std::string& name) {
  return ad::nn::load_network_file(std::string(AUTODIFF_SOURCE_DIR) + "/examples/" + name + ".json")
      .network;
}

// A recorder for `network`, compiled here (a run compiles once and passes the Topology on).
ad::nn::Trainer trainer_for(const ad::nn::Network& network) {
  return {network, ad::nn::compile(network)};
}

TEST(NetworkExplain, EachErrorIsOneNode) {
  ad::Tape tape;
  ad::nn::Trainer trainer = trainer_for(load("tutorial2"));
  trainer.evaluate();
  const ad::NodeView e1 = tape.node(tape.index(trainer.node("E1")));
  EXPECT_EQ(e1.op, ad::Op::HalfSquaredError);
  EXPECT_EQ(e1.operands, std::vector<std::uint32_t>{tape.index(trainer.node("out_o1"))});
  EXPECT_EQ(e1.constant, 0.01);
  // The value as the tutorial computes it: ½(0.01 − out_o1)².
  const double o1 = tutorials::reference(tutorials::kMazur).out_o1;
  EXPECT_NEAR(e1.value, 0.5 * (0.01 - o1) * (0.01 - o1), 1e-17);
}

// Mazur's figures for w5 and w1 (see tests/graph/explain_test.cpp), now from the nn's recording.
TEST(NetworkExplain, MazurW5AndW1) {
  ad::Tape tape;
  ad::nn::Trainer trainer = trainer_for(load("tutorial2"));
  trainer.evaluate();
  const ad::Var w5 = trainer.node("w5"), w1 = trainer.node("w1");
  const Explanation x5 = ad::graph::explain_paths(tape, trainer.loss_var(), w5, kTutorialChains);
  ASSERT_EQ(x5.total_paths, 1u);
  ASSERT_EQ(x5.paths.size(), 1u);
  const auto& f = x5.paths[0].factors;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].from, tape.index(trainer.node("E_total")));
  EXPECT_EQ(f[0].to, tape.index(trainer.node("out_o1")));
  EXPECT_NEAR(f[0].value, 0.74136507, tutorials::printed_tolerance(8));
  EXPECT_NEAR(f[1].value, 0.186815602, tutorials::printed_tolerance(9));
  EXPECT_NEAR(f[2].value, 0.593269992, tutorials::printed_tolerance(9));
  EXPECT_NEAR(x5.paths[0].product, 0.082167041, tutorials::printed_tolerance(9));
  EXPECT_NEAR(x5.path_sum, tutorials::reference(tutorials::kMazur).dw[4], 1e-16);

  const Explanation x1 = ad::graph::explain_paths(tape, trainer.loss_var(), w1, kTutorialChains);
  ASSERT_EQ(x1.total_paths, 2u);
  ASSERT_EQ(x1.paths.size(), 2u);
  EXPECT_NE(x1.paths[0].nodes, x1.paths[1].nodes);  // through o1, through o2: no duplicate
  EXPECT_NEAR(x1.path_sum, 0.000438568, tutorials::printed_tolerance(9));
  EXPECT_NEAR(x1.path_sum, tutorials::reference(tutorials::kMazur).dw[0], 1e-17);
}

// The graph library's example (E1 = 0.5·pow(out_o1 − target_o1, 2), tests/graph/tutorials.hpp)
// and the nn's network explain every parameter with the same paths and the same factors.
TEST(NetworkExplain, AgreesWithTheGraphLibrarysPowExample) {
  ad::Tape nn_tape;
  ad::nn::Trainer trainer = trainer_for(load("tutorial2"));
  trainer.evaluate();
  for (std::size_t p = 0; p < 10; ++p) {
    const std::string name(trainer.network().parameter_name(p));
    SCOPED_TRACE(name);
    const Explanation a = ad::graph::explain_paths(nn_tape, trainer.loss_var(),
                                                   trainer.parameter_vars()[p], kTutorialChains);
    std::vector<std::vector<std::string>> a_routes;
    for (const auto& path : a.paths) {
      a_routes.emplace_back();
      for (const auto& f : path.factors) a_routes.back().push_back(nn_tape.label(f.to));
    }
    ad::Tape graph_tape;
    const auto n = tutorials::record(tutorials::kMazur);
    const ad::Var leaf = p < 8 ? n.w[p] : (p == 8 ? n.b1 : n.b2);
    const Explanation b = ad::graph::explain_paths(graph_tape, n.E, leaf, kTutorialChains);
    ASSERT_EQ(a.total_paths, b.total_paths);
    ASSERT_EQ(a.paths.size(), b.paths.size());
    for (std::size_t k = 0; k < a.paths.size(); ++k) {
      ASSERT_EQ(a.paths[k].factors.size(), b.paths[k].factors.size());
      for (std::size_t j = 0; j < a.paths[k].factors.size(); ++j) {
        const auto &fa = a.paths[k].factors[j], &fb = b.paths[k].factors[j];
        EXPECT_EQ(a_routes[k][j], graph_tape.label(fb.to));
        EXPECT_NEAR(fa.value, fb.value, 1e-15 * std::abs(fb.value));
      }
    }
    EXPECT_NEAR(a.path_sum, b.path_sum, 1e-17);
  }
}

TEST(NetworkExplain, GraphLabelsTheErrorAndTheTotal) {
  ad::Tape tape;
  ad::nn::Trainer trainer = trainer_for(load("tutorial2"));
  trainer.evaluate();
  const std::string dot = ad::graph::to_dot(tape, {.outputs = {trainer.loss_var()}});
  // A formula over 16 columns is cut before its outermost − (inside the parentheses).
  EXPECT_NE(dot.find("E1\\n= ½(0.01\\n− out_o1)²\\n"), std::string::npos) << dot;
  EXPECT_NE(dot.find("E2\\n= ½(0.99\\n− out_o2)²\\n"), std::string::npos) << dot;
  EXPECT_NE(dot.find("E_total\\n= E1 + E2\\n"), std::string::npos) << dot;
}

// Mean squared error is 2·½(t − o)², bit for bit (t − o)² (the plain-double loss computes that).
TEST(NetworkExplain, MseKeepsItsValues) {
  ad::nn::Network n = load("tutorial2");
  n.loss = ad::nn::Loss::Mse;
  ad::Tape tape;
  ad::nn::Trainer trainer(n, ad::nn::compile(n));
  trainer.evaluate();
  const double o1 = trainer.node("out_o1").value(), o2 = trainer.node("out_o2").value();
  EXPECT_EQ(trainer.node("E1").value(), (0.01 - o1) * (0.01 - o1));
  EXPECT_EQ(trainer.loss(), ad::nn::loss(n, ad::nn::compile(n), n.parameters()));
  EXPECT_EQ(trainer.node("E2").value(), (0.99 - o2) * (0.99 - o2));
}

}  // namespace
