// A batch on several threads (Trainer::kBlock, "threads"): the same losses, gradients and trained
// parameters to the last bit on 1, 2, 3, 7 and more threads than blocks, against central
// differences of the plain-double loss; the key "threads" refused when it is no whole number of
// threads from 1 to 1024.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nn/network_file.hpp"
#include "nn/references.hpp"
#include "nn/trainer.hpp"

namespace {

// A 3-4-2 sigmoid network, one bias per layer (shared by its neurons), 19 samples: three
// blocks of 8, 8 and 3.
std::string batch_text(const std::string& extra = "", const std::string& sizes = "3, 4, 2") {
  std::string samples;
  for (int s = 0; s < 19; ++s)
    samples += std::string(s ? "," : "") + "{\"inputs\": [" + std::to_string(0.1 * s) + ", " +
               std::to_string(1 - 0.05 * s) + ", " + std::to_string(0.3 * (s % 4)) +
               "], \"targets\": [" + std::to_string(0.05 * s) + ", 0.5]}";
  return "{\"sizes\": [" + sizes +
         "], \"bias\": \"per_layer\", \"seed\": 7, \"train\": \"all\", "
         "\"learning_rate\": 0.8, \"samples\": [" +
         samples + "]" + extra + "}";
}

struct Training {
  std::vector<double> losses, first_gradient, parameters;
};

// Five steps on `threads` threads, then an evaluation at the trained parameters.
Training train(unsigned threads) {
  ad::nn::NetworkFile file = ad::nn::parse_network_file(batch_text(), "batch19.json");
  file.network.threads = threads;
  ad::Tape tape;
  ad::nn::Trainer trainer(file.network, file.topology);
  Training run;
  run.losses.push_back(trainer.step());
  run.first_gradient = trainer.gradients();
  for (int k = 0; k < 4; ++k) run.losses.push_back(trainer.step());
  run.losses.push_back(trainer.evaluate());
  run.parameters = trainer.parameters();
  return run;
}

// Review s9: a step in blocks records nothing on the active tape, and the report's "Forward
// pass, per sample" read its outputs from the tape's last recording: 0 for every sample. The
// outputs of each step are the plain-double forward pass's at that step's parameters.
TEST(NnThreads, AStepInBlocksGivesEachSamplesOutputs) {
  const ad::nn::NetworkFile file = ad::nn::parse_network_file(batch_text(), "batch19.json");
  ad::Tape tape;
  ad::nn::Trainer trainer(file.network, file.topology);
  for (int step = 0; step < 2; ++step) {
    const std::vector<double> at = trainer.parameters();
    trainer.step();
    const std::vector<std::vector<double>> outputs = trainer.outputs();
    ASSERT_EQ(outputs.size(), file.network.samples.size());
    for (std::size_t s = 0; s < outputs.size(); ++s) {
      const ad::nn::Forward f = ad::nn::forward(file.topology, at, file.network.samples[s]);
      ASSERT_EQ(outputs[s].size(), file.topology.outputs.size());
      for (std::size_t k = 0; k < outputs[s].size(); ++k)
        EXPECT_NEAR(outputs[s][k], f.out[file.topology.outputs[k]], 1e-15)
            << "step " << step << ", sample " << s + 1 << ", output " << k + 1;
    }
  }
}

TEST(NnThreads, TheSameBitsOnAnyNumberOfThreads) {
  const Training one = train(1);
  for (const unsigned threads : {2U, 3U, 7U, 40U}) {  // 40: more threads than the 3 blocks
    const Training run = train(threads);
    ASSERT_EQ(run.losses.size(), one.losses.size());
    for (std::size_t k = 0; k < one.losses.size(); ++k)
      EXPECT_EQ(run.losses[k], one.losses[k]) << threads << " threads, step " << k;
    for (std::size_t p = 0; p < one.parameters.size(); ++p) {
      EXPECT_EQ(run.first_gradient[p], one.first_gradient[p]) << threads << " threads, " << p;
      EXPECT_EQ(run.parameters[p], one.parameters[p]) << threads << " threads, " << p;
    }
  }
}

// The independent reference: the mean loss in plain doubles (nn::loss), its central differences.
TEST(NnThreads, TheGradientIsTheMeanLosssGradient) {
  const ad::nn::NetworkFile file = ad::nn::parse_network_file(batch_text(), "batch19.json");
  const ad::nn::Network& n = file.network;
  const Training run = train(2);
  std::vector<double> q = n.parameters();
  EXPECT_NEAR(run.losses[0], ad::nn::loss(n, file.topology, q), 1e-15);
  for (std::size_t p = 0; p < q.size(); ++p) {
    const double h = 1e-5, x = q[p];
    q[p] = x + h;
    const double up = ad::nn::loss(n, file.topology, q);
    q[p] = x - h;
    const double down = ad::nn::loss(n, file.topology, q);
    q[p] = x;
    EXPECT_NEAR(run.first_gradient[p], (up - down) / (2 * h), 1e-9) << n.parameter_name(p);
  }
}

// evaluate() records the whole batch on the active tape (for the graph and node()) and takes
// its loss from the blocks: the same value, the samples' totals summed in order and divided.
TEST(NnThreads, EvaluateKeepsTheWholeBatchOnTheTape) {
  const ad::nn::NetworkFile file = ad::nn::parse_network_file(batch_text(), "batch19.json");
  ad::Tape tape;
  ad::nn::Trainer trainer(file.network, file.topology);
  const double loss = trainer.evaluate();
  EXPECT_EQ(trainer.node("E_mean").value(), loss);
  double sum = 0;
  for (int s = 1; s <= 19; ++s) sum += trainer.node("s" + std::to_string(s) + ".E_total").value();
  EXPECT_EQ(loss, sum / 19);
}

TEST(NnThreads, ASaturatedOutputOnAWorkerIsReportedAsOnOneTape) {
  // Binary cross-entropy, no hidden layer, a sample whose outputs round to 0 or 1: the worker's
  // error, naming the sample (the 12th, in the second block), reaches step().
  std::string text = batch_text(", \"loss\": \"binary_cross_entropy\", \"threads\": 2", "3, 2");
  const std::string sample = "{\"inputs\": [" + std::to_string(0.1 * 11) + ", ";
  text.replace(text.find(sample), sample.size(), "{\"inputs\": [1e6, ");  // |net| about 1e5
  for (int s = 0; s < 19; ++s)  // targets of binary cross-entropy: 0 or 1
    text.replace(text.find("\"targets\": [" + std::to_string(0.05 * s) + ", 0.5]"),
                 std::string("\"targets\": [" + std::to_string(0.05 * s) + ", 0.5]").size(),
                 "\"targets\": [1, 0]");
  const ad::nn::NetworkFile file = ad::nn::parse_network_file(text, "bce19.json");
  ad::Tape tape;
  ad::nn::Trainer trainer(file.network, file.topology);
  try {
    trainer.step();
    ADD_FAILURE() << "no error";
  } catch (const ad::nn::NumericError& e) {
    EXPECT_NE(std::string(e.what()).find("of sample 12"), std::string::npos) << e.what();
  }
}

TEST(NnThreads, TheKeyThreadsIsAWholeNumberFrom1To1024) {
  EXPECT_EQ(ad::nn::parse_network_file(batch_text(", \"threads\": 3"), "b.json").network.threads,
            3U);
  EXPECT_FALSE(ad::nn::parse_network_file(batch_text(), "b.json").network.threads);
  for (const auto& [value, shown] : std::vector<std::pair<std::string, std::string>>{
           {"0", "0"}, {"-2", "-2"}, {"2.5", "2.5"}, {"1025", "1025"}, {"\"4\"", "\"4\""}}) {
    try {
      ad::nn::parse_network_file(batch_text(", \"threads\": " + value), "b.json");
      ADD_FAILURE() << value << " accepted";
    } catch (const ad::nn::FileError& e) {
      EXPECT_STREQ(e.what(),
                   ("b.json: /threads: expected a whole number of threads from 1 to 1024, "
                    "found " +
                    shown)
                       .c_str());
      EXPECT_EQ(e.place, "/threads");
    }
  }
}

}  // namespace
