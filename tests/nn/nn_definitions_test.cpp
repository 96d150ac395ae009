// The network as named definitions in the expression language: evaluated on doubles with the
// expression evaluator, every definition reproduces the plain-double forward pass and loss
// (ad::nn::forward, ad::nn::loss, and the per-output error written out here), for every example
// network and every sample; the engine's recorded nodes of the same names hold the same values.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/definitions.hpp"
#include "nn/network_file.hpp"
#include "nn/references.hpp"

namespace {

namespace ex = ad::expr;

ad::nn::Network load(const std::string& name) {
  return ad::nn::load_network_file(std::string(AUTODIFF_SOURCE_DIR) + "/examples/" + name + ".json")
      .network;
}

// Evaluates the definitions in order, each seeing the base names and the definitions before it.
ex::Values evaluate_all(const std::vector<ad::nn::Definition>& definitions, ex::Values values) {
  for (const auto& d : definitions) {
    SCOPED_TRACE(d.name + " = " + d.formula);
    EXPECT_FALSE(values.contains(d.name));
    values[d.name] = ex::evaluate(ex::Expression::parse(d.formula), values);
  }
  return values;
}

// The error of one output, by its textbook formula on doubles.
double error(ad::nn::Loss loss, double target, double output) {
  switch (loss) {
    case ad::nn::Loss::HalfSse:
      return 0.5 * (target - output) * (target - output);
    case ad::nn::Loss::Mse:
      return (target - output) * (target - output);
    case ad::nn::Loss::BinaryCrossEntropy:
      return -(target * std::log(output) + (1 - target) * std::log(1 - output));
  }
  return NAN;
}

void expect_near(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 4e-16 * std::max(1.0, std::abs(expected)));
}

void expect_definitions_reproduce(const ad::nn::Network& n) {
  SCOPED_TRACE(n.name);
  const ad::nn::Topology t = ad::nn::compile(n);
  const std::vector<ad::nn::Definition> definitions = ad::nn::definitions(n, t);
  ad::Tape tape;
  ad::nn::Trainer trainer(n, t);
  trainer.evaluate();
  double loss = 0;
  for (std::size_t s = 0; s < n.samples.size(); ++s) {
    SCOPED_TRACE("sample " + std::to_string(s + 1));
    const ex::Values v = evaluate_all(definitions, ad::nn::base_values(n, s));
    const ad::nn::Forward f = ad::nn::forward(t, n.parameters(), n.samples[s]);
    for (const auto& neuron : t.neurons) {
      const std::string& name = t.unit_names[neuron.unit];
      expect_near(v.at("net_" + name), f.net[neuron.unit]);
      expect_near(v.at("out_" + name), f.out[neuron.unit]);
    }
    double total = 0;
    for (std::size_t k = 0; k < t.outputs.size(); ++k) {
      const std::string& neuron = t.unit_names[t.outputs[k]];
      const double e = error(n.loss, n.samples[s].targets[k], f.out[t.outputs[k]]);
      expect_near(v.at("E" + std::to_string(k + 1)), e);
      EXPECT_EQ(v.at("target_" + neuron), n.samples[s].targets[k]);
      total += e;
    }
    if (n.loss != ad::nn::Loss::HalfSse) total /= static_cast<double>(t.outputs.size());
    expect_near(v.at("E_total"), total);
    loss += ad::nn::sample_weight(n) * v.at("E_total");
    // The engine's nodes of the same names, found by (sample, name).
    for (const auto& d : definitions) {
      const ad::Var node = ad::nn::sample_node(trainer, s, d.name);
      expect_near(node.value(), v.at(d.name));
    }
    for (const auto& [name, value] : ad::nn::base_values(n, s)) {
      if (name == "learning_rate" || name == "eta" || name.starts_with("target_")) continue;
      EXPECT_EQ(ad::nn::sample_node(trainer, s, name).value(), value) << name;
    }
  }
  expect_near(loss, ad::nn::loss(n, t, n.parameters()));
  expect_near(loss, trainer.loss());
}

TEST(Definitions, ReproduceEveryNamedNodeOfEveryExample) {
  for (const char* name : {"tutorial1", "tutorial2", "batch", "deep"})
    expect_definitions_reproduce(load(name));
}

TEST(Definitions, MseAndIdentityActivation) {
  ad::nn::Network n = load("tutorial2");
  n.loss = ad::nn::Loss::Mse;
  n.layers[0].activation = ad::nn::Activation::Identity;
  expect_definitions_reproduce(n);
  n.layers.back().neurons.pop_back();  // one output: E_total = E1, no division
  std::erase_if(n.weights, [](const ad::nn::Weight& w) { return w.to == "o2"; });
  n.biases[1].to = {"o1"};
  for (auto& s : n.samples) s.targets.pop_back();
  n.train = {"w1"};
  expect_definitions_reproduce(n);
}

TEST(Definitions, MazurReadsLikeTheTutorial) {
  const ad::nn::Network n = load("tutorial2");
  const auto d = ad::nn::definitions(n, ad::nn::compile(n));
  ASSERT_EQ(d.size(), 11u);
  EXPECT_EQ(d[0].name, "net_h1");
  EXPECT_EQ(d[0].formula, "w1*i1 + w2*i2 + b1");
  EXPECT_EQ(d[1].name, "out_h1");
  EXPECT_EQ(d[1].formula, "sigmoid(net_h1)");
  EXPECT_EQ(d[4].formula, "w5*out_h1 + w6*out_h2 + b2");
  EXPECT_EQ(d[8].name, "E1");
  EXPECT_EQ(d[8].formula, "0.5*(target_o1 - out_o1)^2");
  EXPECT_EQ(d[10].name, "E_total");
  EXPECT_EQ(d[10].formula, "E1 + E2");
  const ex::Values v = ad::nn::base_values(n, 0);
  EXPECT_EQ(v.at("i1"), 0.05);
  EXPECT_EQ(v.at("target_o1"), 0.01);
  EXPECT_EQ(v.at("target_o2"), 0.99);
  EXPECT_EQ(v.at("w5"), 0.40);
  EXPECT_EQ(v.at("b2"), 0.60);
  EXPECT_EQ(v.at("learning_rate"), 0.5);
  EXPECT_EQ(v.at("eta"), 0.5);
  EXPECT_EQ(ad::nn::sample_weight(n), 1.0);
}

TEST(Definitions, BatchNodesAreFoundBySampleAndTheLossIsTheMean) {
  const ad::nn::Network n = load("batch");
  ad::Tape tape;
  ad::nn::Trainer trainer(n, ad::nn::compile(n));
  trainer.evaluate();
  EXPECT_EQ(ad::nn::sample_weight(n), 0.25);
  EXPECT_EQ(tape.index(ad::nn::sample_node(trainer, 1, "E_total")),
            tape.index(trainer.node("s2.E_total")));
  EXPECT_EQ(tape.index(ad::nn::sample_node(trainer, 3, n.inputs[0])),
            tape.index(trainer.node("s4." + n.inputs[0])));
  // Parameters are shared by the samples.
  const std::string w(n.parameter_name(0));
  EXPECT_EQ(tape.index(ad::nn::sample_node(trainer, 2, w)), tape.index(trainer.node(w)));
  EXPECT_THROW(ad::nn::sample_node(trainer, 4, "E_total"), ad::nn::Error);
  EXPECT_THROW(ad::nn::sample_node(trainer, 0, "E9"), ad::nn::Error);
  EXPECT_THROW(ad::nn::base_values(n, 4), ad::nn::Error);
}

TEST(Definitions, NamesThatCannotBeWrittenInAFormulaAreRefused) {
  ad::nn::Network n = load("tutorial2");
  n.weights[0].name = "w-1";
  n.train = {};
  EXPECT_THROW(
      {
        try {
          ad::nn::definitions(n, ad::nn::compile(n));
        } catch (const ad::nn::Error& e) {
          EXPECT_NE(std::string(e.what()).find("\"w-1\" cannot be used in a formula"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      ad::nn::Error);
  n.weights[0].name = "E1";  // a weight named like an error
  EXPECT_THROW(ad::nn::definitions(n, ad::nn::compile(n)), ad::nn::Error);
}

}  // namespace
