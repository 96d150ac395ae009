// Networks on the engine against three independent references: the delta rule on plain doubles,
// finite differences of a plain-double forward pass, and the tutorials' printed figures.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "nn/references.hpp"
#include "nn/report.hpp"
#include "nn/trainer.hpp"

namespace {

std::string example(const std::string& name) {
  return std::string(AUTODIFF_SOURCE_DIR) + "/examples/" + name + ".json";
}

ad::nn::Network load(const std::string& name) {
  return ad::nn::load_network_file(example(name)).network;
}

// A recorder for `network`, compiled here (a run compiles once and passes the Topology on).
ad::nn::Trainer trainer_for(const ad::nn::Network& network) {
  return {network, ad::nn::compile(network)};
}

void expect_gradients_agree(const ad::nn::Network& network) {
  ad::Tape tape;
  const ad::nn::Topology topology = ad::nn::compile(network);
  ad::nn::Trainer trainer(network, topology);
  trainer.evaluate();
  const auto delta = ad::nn::delta_rule_gradients(network, topology);
  const auto fd = ad::nn::finite_difference_gradients(network, topology);
  ASSERT_EQ(trainer.gradients().size(), network.parameter_count());
  for (std::size_t p = 0; p < network.parameter_count(); ++p) {
    const double g = trainer.gradients()[p];
    SCOPED_TRACE(std::string(network.parameter_name(p)));
    EXPECT_NEAR(g, delta[p], 1e-13 * std::max(1.0, std::abs(g)));
    EXPECT_NEAR(g, fd[p], 1e-8 * std::max(1.0, std::abs(g)));
  }
  // The plain forward pass gives the same loss.
  EXPECT_NEAR(trainer.loss(), ad::nn::loss(network, topology, network.parameters()), 1e-15);
}

TEST(Gradients, EngineDeltaRuleAndFiniteDifferencesAgreeOnEveryExample) {
  for (const char* name : {"tutorial1", "tutorial2", "deep", "batch"}) {
    SCOPED_TRACE(name);
    const ad::nn::Network network = load(name);
    expect_gradients_agree(network);
    const ad::nn::CrossCheck report = ad::nn::cross_check(network, ad::nn::compile(network));
    EXPECT_TRUE(report.gradients_agree);
    EXPECT_EQ(report.parameters.size(), network.parameter_count());
  }
}

TEST(Gradients, DeepNetworkHasThreeHiddenLayersMixedActivationsAndPerNeuronBiases) {
  const ad::nn::Network deep = load("deep");
  ASSERT_EQ(deep.layers.size(), 4u);
  EXPECT_EQ(deep.layers[0].activation, ad::nn::Activation::Tanh);
  EXPECT_EQ(deep.layers[2].activation, ad::nn::Activation::Relu);
  std::size_t neurons = 0;
  for (const auto& layer : deep.layers) neurons += layer.neurons.size();
  EXPECT_EQ(deep.biases.size(), neurons);
  // Every loss and activation, on the deep network.
  for (ad::nn::Loss loss :
       {ad::nn::Loss::HalfSse, ad::nn::Loss::Mse, ad::nn::Loss::BinaryCrossEntropy})
    for (ad::nn::Activation a :
         {ad::nn::Activation::Sigmoid, ad::nn::Activation::Tanh, ad::nn::Activation::Identity}) {
      ad::nn::Network variant = deep;
      variant.loss = loss;
      variant.layers[1].activation = a;
      SCOPED_TRACE(std::string(ad::nn::to_string(loss)) + " " + std::string(ad::nn::to_string(a)));
      expect_gradients_agree(variant);
    }
}

TEST(Batch, LossAndGradientsAreTheMeanOverTheSamples) {
  const ad::nn::Network batch = load("batch");
  ASSERT_EQ(batch.samples.size(), 4u);
  ad::Tape tape;
  ad::nn::Trainer whole(batch, ad::nn::compile(batch));
  whole.evaluate();
  const std::vector<double> batch_gradients = whole.gradients();
  const double batch_loss = whole.loss();
  double loss = 0;
  std::vector<double> mean(batch.parameter_count(), 0.0);
  for (const auto& sample : batch.samples) {
    ad::nn::Network one = batch;
    one.samples = {sample};
    // Reference: the delta rule and the plain loss of each sample alone.
    const ad::nn::Topology topology = ad::nn::compile(one);
    const auto g = ad::nn::delta_rule_gradients(one, topology);
    for (std::size_t p = 0; p < g.size(); ++p) mean[p] += g[p] / 4;
    loss += ad::nn::loss(one, topology, one.parameters()) / 4;
  }
  EXPECT_NEAR(batch_loss, loss, 1e-15);
  for (std::size_t p = 0; p < mean.size(); ++p) EXPECT_NEAR(batch_gradients[p], mean[p], 1e-14);
  // Training on the batch lowers its loss (XOR).
  ad::nn::Trainer trainer(batch, ad::nn::compile(batch));
  trainer.train(2000);
  EXPECT_LT(trainer.evaluate(), 0.1 * batch_loss);
}

TEST(Training, AllGradientsAreTakenAtTheOldWeightsThenAllUpdated) {
  const ad::nn::Network mazur = load("tutorial2");
  const ad::nn::Topology topology = ad::nn::compile(mazur);
  const auto g = ad::nn::delta_rule_gradients(mazur, topology);
  ad::Tape tape;
  ad::nn::Trainer trainer(mazur, topology);
  trainer.step();
  for (std::size_t p = 0; p < mazur.parameter_count(); ++p) {
    const double expected = mazur.is_bias(p) ? mazur.parameter(p) : mazur.parameter(p) - 0.5 * g[p];
    EXPECT_NEAR(trainer.network().parameter(p), expected, 1e-15) << mazur.parameter_name(p);
  }
}

TEST(Training, TheTapeStopsGrowingAfterTheFirstStep) {
  ad::Tape tape;
  ad::nn::Trainer trainer = trainer_for(load("tutorial2"));
  trainer.train(2);
  const std::size_t reserved = tape.bytes_reserved(), nodes = tape.size();
  trainer.train(100);
  EXPECT_EQ(tape.bytes_reserved(), reserved);
  EXPECT_EQ(tape.size(), nodes);
}

TEST(Recording, NodesAreNamedLikeTheTutorialsAndNetInputsAreOneWeightedSum) {
  ad::Tape tape;
  ad::nn::Trainer trainer = trainer_for(load("tutorial2"));
  trainer.evaluate();
  // Mazur: net_h1 = w1·i1 + w2·i2 + b1 = 0.15·0.05 + 0.2·0.1 + 0.35.
  EXPECT_DOUBLE_EQ(trainer.node("net_h1").value(), 0.3775);
  EXPECT_EQ(tape.node(tape.index(trainer.node("net_h1"))).op, ad::Op::WeightedSum);
  EXPECT_EQ(tape.label(tape.index(trainer.node("E_total"))), "E_total");
  EXPECT_EQ(tape.label(tape.index(trainer.node("out_o2"))), "out_o2");
  const auto info = trainer.node_info();
  EXPECT_EQ(info.at(tape.index(trainer.node("w5"))).role, ad::nn::NodeRole::Parameter);
  EXPECT_EQ(info.at(tape.index(trainer.node("i1"))).role, ad::nn::NodeRole::Input);
  EXPECT_EQ(info.at(tape.index(trainer.node("out_h1"))).cluster, "hidden");
  EXPECT_EQ(info.at(tape.index(trainer.node("out_o1"))).role, ad::nn::NodeRole::Output);
  EXPECT_THROW(trainer.node("net_h9"), ad::nn::Error);
}

// ---- Published figures ----

TEST(Lamsal, EveryPrintedFigureAgreesAtItsPrintedPrecisionAndIsTruncated) {
  const ad::nn::Network lamsal = load("tutorial1");
  const auto checks = ad::nn::check_figures(lamsal, ad::nn::compile(lamsal));
  ASSERT_EQ(checks.size(), 35u);
  for (const auto& c : checks) {
    SCOPED_TRACE(c.figure.label);
    EXPECT_TRUE(c.agrees) << c.figure.printed << " vs " << c.exact;
    EXPECT_LE(std::abs(c.difference), std::pow(10.0, -c.decimals));
    // Truncated, not rounded: the exact value truncated is the printed text.
    EXPECT_TRUE(c.printed_as_tutorial_would) << c.exact_as_printed;
  }
  // Two of its equations do not hold for the printed operands, only for the unrounded ones:
  // 0.1 − 0.6·0.00110 = 0.09934 (printed 0.09933) and 0.5 − 0.6·0.08020 = 0.45188 (printed
  // 0.45187). The tutorial computed with full precision and truncated what it printed.
  EXPECT_NEAR(0.1 - 0.6 * 0.00110, 0.09934, 1e-12);
  EXPECT_NEAR(0.5 - 0.6 * 0.08020, 0.45188, 1e-12);
}

TEST(Mazur, FiguresBeforeTrainingAgree) {
  const auto mazur = ad::nn::load_network_file(example("tutorial2"));
  const auto checks = ad::nn::check_figures(mazur.network, mazur.topology);
  ASSERT_EQ(checks.size(), 6u);
  EXPECT_EQ(checks[0].figure.printed, "0.75136507");
  EXPECT_TRUE(checks[0].agrees);
  EXPECT_NEAR(checks[0].exact, 0.7513650695523157, 1e-15);  // plain Python floats
  EXPECT_TRUE(checks[1].agrees);
  EXPECT_NEAR(checks[1].exact, 0.2983711087600027, 1e-15);
  for (int k : {0, 1}) EXPECT_TRUE(checks[k].printed_as_tutorial_would);
}

TEST(Mazur, FiguresAfterTrainingAreTheTutorialsDiscrepancies) {
  const auto mazur = ad::nn::load_network_file(example("tutorial2"));
  const auto checks = ad::nn::check_figures(mazur.network, mazur.topology);
  ASSERT_EQ(checks.size(), 6u);
  // The exact values (all gradients at the old weights, as the tutorial's text says), also
  // computed independently with plain Python floats: 0.29102777369359933 after one update;
  // after 10,000: E = 3.510187782978859e-05, o1 = 0.01591362044355068, o2 = 0.9840642735146238.
  const double exact[] = {0.29102777369359933, 3.510187782978859e-05, 0.01591362044355068,
                          0.9840642735146238};
  const char* printed[] = {"0.291027924", "0.0000351085", "0.015912196", "0.984065734"};
  for (int k = 0; k < 4; ++k) {
    const auto& c = checks[2 + k];
    SCOPED_TRACE(c.figure.label);
    EXPECT_EQ(c.figure.printed, printed[k]);
    EXPECT_NEAR(c.exact, exact[k], 1e-12);
    // Discrepancy: the printed figure is more than one unit of its last decimal away.
    EXPECT_FALSE(c.agrees);
    EXPECT_GT(std::abs(c.difference), std::pow(10.0, -c.decimals));
  }
}

TEST(Mazur, WhatTheTutorialDidToGetItsTrainingFigures) {
  const ad::nn::Network mazur = load("tutorial2");
  const ad::nn::Topology topology = ad::nn::compile(mazur);
  // Its error after one update and its outputs after 10,000 come from updating w5..w8 first and
  // using the updated values for the hidden deltas (not what its text describes).
  ad::nn::Network variant = mazur;
  ad::nn::train_layer_by_layer(variant, topology, 1);
  EXPECT_NEAR(ad::nn::loss(variant, topology, variant.parameters()), 0.291027924, 0.5e-9);
  ad::nn::train_layer_by_layer(variant, topology, 9999);
  const ad::nn::Forward f = ad::nn::forward(topology, variant.parameters(), variant.samples[0]);
  EXPECT_NEAR(f.out[topology.outputs[0]], 0.015912196, 0.5e-9);
  EXPECT_NEAR(f.out[topology.outputs[1]], 0.984065734, 0.5e-9);
  // Its error after 10,000 is the exact algorithm's error after 9,999 updates (the loss
  // computed in the 10,000th step before its update), rounded to 10 decimals.
  ad::Tape tape;
  ad::nn::Trainer trainer(mazur, ad::nn::compile(mazur));
  trainer.train(9999);
  EXPECT_NEAR(trainer.evaluate(), 0.0000351085, 0.5e-10);
}

TEST(Figures, TruncatingAndRounding) {
  EXPECT_EQ(ad::nn::as_printed(0.6010878788, 5, ad::nn::Rounding::Truncate), "0.60108");
  EXPECT_EQ(ad::nn::as_printed(0.41000000000000003, 2, ad::nn::Rounding::Truncate), "0.41");
  // A value that overflowed has no digits to cut (it crashed the report once).
  EXPECT_EQ(ad::nn::as_printed(INFINITY, 5, ad::nn::Rounding::Truncate), "inf");
  EXPECT_EQ(ad::nn::as_printed(-INFINITY, 0, ad::nn::Rounding::Round), "-inf");
  EXPECT_EQ(ad::nn::as_printed(-0.0176065, 5, ad::nn::Rounding::Truncate), "-0.01760");
  EXPECT_EQ(ad::nn::as_printed(0.2983711087, 9, ad::nn::Rounding::Round), "0.298371109");
}

// ---- The command line's functions ----

TEST(Run, JsonHasTheKeysScriptsNeed) {
  const ad::nn::NetworkFile file = ad::nn::load_network_file(example("tutorial2"));
  const ad::nn::StepResult one = ad::nn::run(file);
  const nlohmann::json j = ad::nn::to_json(one);
  EXPECT_EQ(j.size(), 4u);
  EXPECT_NEAR(j.at("loss").get<double>(), 0.2983711087600027, 1e-15);
  EXPECT_NEAR(j.at("outputs").at("o1").get<double>(), 0.7513650695523157, 1e-15);
  EXPECT_EQ(j.at("gradients").size(), 10u);  // biases included, though not trained
  EXPECT_TRUE(j.at("gradients").contains("b1"));
  EXPECT_DOUBLE_EQ(j.at("parameters_after").at("b1").get<double>(), 0.35);
  EXPECT_NEAR(j.at("parameters_after").at("w5").get<double>(), 0.4 - 0.5 * 0.08216704056423077,
              1e-15);
  const nlohmann::json trained = ad::nn::to_json(ad::nn::run(file, 1));
  EXPECT_NEAR(trained.at("loss_after").get<double>(), 0.29102777369359933, 1e-15);
  EXPECT_TRUE(trained.at("outputs_after").contains("o2"));
}

TEST(Run, BatchOutputsArePerSample) {
  const nlohmann::json j =
      ad::nn::to_json(ad::nn::run(ad::nn::load_network_file(example("batch"))));
  ASSERT_TRUE(j.at("outputs").at("o1").is_array());
  EXPECT_EQ(j.at("outputs").at("o1").size(), 4u);
}

TEST(Run, ReportNamesEverySection) {
  const ad::nn::NetworkFile file = ad::nn::load_network_file(example("tutorial1"));
  std::ostringstream out;
  ad::nn::print_report(out, file, ad::nn::run(file, 1));
  const std::string text = out.str();
  for (const char* part : {"Forward pass", "net_h1", "E_total", "Cross-check", "b2", "new_w1",
                           "After one gradient step", "After 1 gradient step"})
    EXPECT_NE(text.find(part), std::string::npos) << part;
}

// One identity neuron o = w·i, as a Network built in code.
ad::nn::Network identity_neuron(double input, double target, double w, double learning_rate) {
  ad::nn::Network n;
  n.inputs = {"i"};
  n.layers = {{"output", {"o"}, ad::nn::Activation::Identity}};
  n.weights = {{"w", "i", "o", w}};
  n.samples = {{{input}, {target}}};
  n.learning_rate = learning_rate;
  n.train = {"w"};
  return n;
}

// i = 1, t = 1, w = 0, learning rate 50: each step multiplies t − o by −49, so the loss after k
// steps is ½·49^(2k), beyond the largest double first at k = 92 (see Net tests of the CLI).
TEST(Training, ADivergingLossNamesTheStepAndTheLearningRate) {
  ad::Tape tape;
  ad::nn::Trainer trainer = trainer_for(identity_neuron(1, 1, 0, 50));
  try {
    trainer.train(100);
    ADD_FAILURE() << "no exception";
  } catch (const ad::nn::Diverged& e) {
    EXPECT_EQ(e.step, 92);
    EXPECT_EQ(e.learning_rate, 50);
    EXPECT_EQ(std::string(e.what()),
              "training diverged at step 92 with learning rate 50: the loss became inf; try a "
              "smaller learning_rate");
  }
  EXPECT_EQ(trainer.steps_taken(), 92);
}

// i = 1e5, t = 1e5, w = 0, learning rate 1e300: the loss ½·1e10 and dE/dw = −(t − o)·i = −1e10
// are finite; the first update, w = 1e300·1e10 = 1e310, is not.
TEST(Training, AParameterThatBecomesInfiniteNamesTheStep) {
  ad::Tape tape;
  ad::nn::Trainer trainer = trainer_for(identity_neuron(1e5, 1e5, 0, 1e300));
  try {
    trainer.train(3);
    ADD_FAILURE() << "no exception";
  } catch (const ad::nn::Diverged& e) {
    EXPECT_EQ(e.step, 1);
    EXPECT_NE(std::string(e.what()).find("at step 1 with learning rate 1e+300: w became inf"),
              std::string::npos)
        << e.what();
  }
  // The same numbers at the start are no divergence: the loss 1e616 is beyond the doubles.
  ad::nn::Trainer huge = trainer_for(identity_neuron(1e308, 0, 1e308, 0.5));
  try {
    (void)huge.evaluate();
    ADD_FAILURE() << "no exception";
  } catch (const ad::nn::Diverged&) {
    ADD_FAILURE() << "no step was taken";
  } catch (const ad::nn::NumericError& e) {
    EXPECT_EQ(std::string(e.what()), "at the parameters the network starts from, the loss is inf");
  }
}

// Binary cross-entropy −(t·log(o) + (1 − t)·log(1 − o)) needs t in [0, 1] and o in (0, 1).
TEST(Compile, BinaryCrossEntropyNeedsTargetsInTheUnitIntervalAndASigmoidOutput) {
  ad::nn::Network n = identity_neuron(1, 0.5, 0.5, 0.5);
  n.layers.back().activation = ad::nn::Activation::Sigmoid;
  n.loss = ad::nn::Loss::BinaryCrossEntropy;
  n.samples.push_back({{2}, {0}});
  EXPECT_NO_THROW(ad::nn::compile(n));
  for (const double target : {-0.25, 1.0 + 1e-12}) {
    n.samples[1].targets = {target};
    try {
      ad::nn::compile(n);
      ADD_FAILURE() << "no error for the target " << target;
    } catch (const ad::nn::Error& e) {
      EXPECT_EQ(e.place, "/samples/1/targets/0");
      EXPECT_NE(e.reason.find("sample 2 gives o the target"), std::string::npos) << e.what();
    }
  }
  n.samples[1].targets = {1};
  for (const ad::nn::Activation a :
       {ad::nn::Activation::Identity, ad::nn::Activation::Relu, ad::nn::Activation::Tanh}) {
    n.layers.back().activation = a;
    try {
      ad::nn::compile(n);
      ADD_FAILURE() << "no error for " << ad::nn::to_string(a);
    } catch (const ad::nn::Error& e) {
      EXPECT_EQ(e.place, "/layers/0/activation");
      EXPECT_NE(e.reason.find(std::string(ad::nn::to_string(a)) + ", cannot guarantee"),
                std::string::npos)
          << e.what();
    }
  }
}

// σ(40) rounds to exactly 1 (1 − σ(40) = 4.2e-18 < 2^−53): log(1 − o) would be −inf. In a batch,
// the error names the second sample; after a step it is the divergence it is.
TEST(Training, ASaturatedSigmoidUnderBinaryCrossEntropyNamesTheOutputAndTheSample) {
  ASSERT_EQ(1 / (1 + std::exp(-40.0)), 1.0);
  ad::nn::Network n = identity_neuron(0.5, 0, 1, 0.5);
  n.layers.back().activation = ad::nn::Activation::Sigmoid;
  n.loss = ad::nn::Loss::BinaryCrossEntropy;
  n.samples.push_back({{40}, {0}});
  ad::Tape tape;
  ad::nn::Trainer trainer(n, ad::nn::compile(n));
  try {
    (void)trainer.evaluate();
    ADD_FAILURE() << "no exception";
  } catch (const ad::nn::NumericError& e) {
    EXPECT_EQ(std::string(e.what()),
              "at the parameters the network starts from, the output o of sample 2 is 1, which "
              "binary cross-entropy cannot take: it needs outputs strictly between 0 and 1 "
              "(s2.net_o = 40 saturates the sigmoid)");
  }
}

}  // namespace
