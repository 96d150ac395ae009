// Every error of the network file names the file, the place (a JSON pointer) and the problem,
// and is raised before anything runs.
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "nn/network_file.hpp"

namespace {

// A valid 2-2-1 network; each test breaks one thing.
nlohmann::ordered_json valid() {
  return nlohmann::ordered_json::parse(R"({
    "inputs": {"i1": 0.05, "i2": 0.10}, "targets": {"o1": 0.01},
    "layers": [{"neurons": ["h1", "h2"], "activation": "tanh"}, {"neurons": ["o1"]}],
    "weights": [{"name": "w1", "from": "i1", "to": "h1", "value": 0.15},
                {"name": "w2", "from": "i2", "to": "h2", "value": 0.2},
                {"name": "w3", "from": "h1", "to": "o1", "value": 0.4},
                {"name": "w4", "from": "h2", "to": "o1", "value": 0.45}],
    "biases": [{"name": "b1", "to": ["h1", "h2"], "value": 0.35}, {"name": "b2", "to": "o1", "value": 0.6}],
    "loss": "half_sse", "learning_rate": 0.5, "train": ["w1", "w2", "w3", "w4"]})");
}

void expect_error(const nlohmann::ordered_json& j, const std::string& place,
                  const std::string& problem) {
  try {
    ad::nn::parse_network_file(j.dump(), "net.json");
    ADD_FAILURE() << "no error for " << place;
  } catch (const ad::nn::FileError& e) {
    EXPECT_EQ(e.file, "net.json");
    EXPECT_EQ(e.place, place);
    EXPECT_NE(e.reason.find(problem), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()), "net.json: " + place + ": " + e.reason);
  }
}

TEST(NetworkFile, ValidFileLoads) {
  const ad::nn::NetworkFile f = ad::nn::parse_network_file(valid().dump(), "net.json");
  EXPECT_EQ(f.network.parameter_count(), 6u);
  EXPECT_EQ(f.network.inputs, (std::vector<std::string>{"i1", "i2"}));
}

TEST(NetworkFile, UnknownNeuronInAWeight) {
  auto j = valid();
  j["weights"][3]["from"] = "h9";
  expect_error(j, "/weights/3/from", "unknown neuron \"h9\"");
}

TEST(NetworkFile, DuplicateName) {
  auto j = valid();
  j["weights"][2]["name"] = "w1";
  expect_error(j, "/weights/2/name", "duplicate name \"w1\"");
  j = valid();
  j["biases"][0]["name"] = "h1";
  expect_error(j, "/biases/0/name", "duplicate name \"h1\"");
}

// The first use is named in the file's terms, whichever part of the file it is in.
TEST(NetworkFile, DuplicateNameSaysWhereItWasFirstUsed) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"weights", "w1", "/weights/0/name"},     {"biases", "h2", "/layers/0/neurons/1"},
      {"weights", "o1", "/layers/1/neurons/0"}, {"biases", "i2", "/inputs/1"},
      {"biases", "w4", "/weights/3/name"},      {"biases", "b1", "/biases/0/name"}};
  for (const auto& [section, name, first] : cases) {
    auto j = valid();
    const std::size_t last = j[section].size() - 1;
    j[section][last]["name"] = name;
    expect_error(j, "/" + section + "/" + std::to_string(last) + "/name",
                 "duplicate name \"" + name + "\" (first used at " + first + ")");
  }
}

// A second weight between the same two units, next to the first or after weights into other
// neurons (the check keeps no list per neuron, so both orders are tried).
TEST(NetworkFile, ASecondWeightBetweenTheSameUnits) {
  const nlohmann::ordered_json again = {{"name", "w5"}, {"from", "i1"}, {"to", "h1"}, {"value", 1}};
  auto j = valid();
  j["weights"].insert(j["weights"].begin() + 1, again);
  expect_error(j, "/weights/1", "a second weight from \"i1\" to \"h1\"");
  j = valid();
  j["weights"].push_back(again);
  expect_error(j, "/weights/4", "a second weight from \"i1\" to \"h1\"");
  // i2 feeds h2, then h1, then h2 again.
  j = valid();
  j["weights"].push_back({{"name", "w5"}, {"from", "i2"}, {"to", "h1"}, {"value", 1}});
  j["weights"].push_back({{"name", "w6"}, {"from", "i2"}, {"to", "h2"}, {"value", 1}});
  expect_error(j, "/weights/5", "a second weight from \"i2\" to \"h2\"");
}

// Weights into different neurons, interleaved, are all distinct pairs: no false second weight.
TEST(NetworkFile, InterleavedWeightsLoad) {
  auto j = valid();
  j["weights"].push_back({{"name", "w5"}, {"from", "i2"}, {"to", "h1"}, {"value", 1}});
  j["weights"].push_back({{"name", "w6"}, {"from", "i1"}, {"to", "h2"}, {"value", 1}});
  const ad::nn::NetworkFile f = ad::nn::parse_network_file(j.dump(), "net.json");
  EXPECT_EQ(f.network.parameter_count(), 8u);
}

// The trained parameters, each once, in the train list's order: the list may start in the
// parameters' order (as "weights" and "all" make it) and go on in any.
TEST(NetworkFile, TrainListInOrderThenByName) {
  const auto trained = [](const nlohmann::ordered_json& train) {
    auto j = valid();
    j["train"] = train;
    return ad::nn::parse_network_file(j.dump(), "net.json").topology.trained;
  };
  using V = std::vector<std::size_t>;
  EXPECT_EQ(trained({"w1", "w2", "w1", "b1"}), (V{0, 1, 4}));
  EXPECT_EQ(trained({"w2", "w1", "w2"}), (V{1, 0}));
  EXPECT_EQ(trained("all"), (V{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(trained("weights"), (V{0, 1, 2, 3}));
  EXPECT_EQ(trained(nlohmann::ordered_json::array()), V{});
  auto j = valid();
  j["train"] = {"w1", "w2", "w9"};
  expect_error(j, "/train/2", "no parameter named \"w9\"");
}

TEST(NetworkFile, Cycle) {
  auto j = valid();
  j["weights"].push_back({{"name", "w5"}, {"from", "o1"}, {"to", "h1"}, {"value", 0.1}});
  expect_error(j, "/weights/4", "makes a cycle");
}

TEST(NetworkFile, MissingTarget) {
  auto j = valid();
  j["targets"].erase("o1");
  expect_error(j, "/targets/o1", "missing target for \"o1\"");
}

TEST(NetworkFile, NonNumber) {
  auto j = valid();
  j["weights"][1]["value"] = "0.2";
  expect_error(j, "/weights/1/value", "expected a number");
  j = valid();
  j["inputs"]["i2"] = nullptr;
  expect_error(j, "/inputs/i2", "expected a number");
}

TEST(NetworkFile, TrainEntryThatDoesNotExist) {
  auto j = valid();
  j["train"].push_back("w9");
  expect_error(j, "/train/4", "no parameter named \"w9\"");
}

TEST(NetworkFile, OtherMistakes) {
  auto j = valid();
  j["layers"][0]["activation"] = "softplus";
  expect_error(j, "/layers/0/activation", "unknown activation");
  j = valid();
  j["loss"] = "hinge";
  expect_error(j, "/loss", "unknown loss");
  j = valid();
  j["wieghts"] = j["weights"];
  expect_error(j, "/wieghts", "unknown key");
  j = valid();
  j["biases"][1]["to"] = "h1";
  expect_error(j, "/biases/1/to/0", "already has a bias");
  j = valid();
  j["published"] = {{"figures", {{{"label", "x"}, {"printed", "0.5"}, {"quantity", "out_h7"}}}}};
  expect_error(j, "/published/figures/0/quantity", "no node named \"out_h7\"");
}

TEST(NetworkFile, SyntaxErrorGivesLineAndColumn) {
  try {
    ad::nn::parse_network_file("{\n  \"inputs\": {\"i1\": 0.05,}\n}", "bad.json");
    ADD_FAILURE();
  } catch (const ad::nn::FileError& e) {
    EXPECT_EQ(e.file, "bad.json");
    EXPECT_EQ(e.place.rfind("line 2", 0), 0u) << e.place;
    EXPECT_NE(e.reason.find("invalid JSON"), std::string::npos);
  }
}

// A value in the wrong place is named by its kind and size, not dumped: 100,000 nested arrays
// once overflowed the stack in dump(), and a long one made a message megabytes long. Nesting
// beyond the bound (64) is refused before the parser builds it, at the bracket that passes it.
TEST(NetworkFile, AWrongValueIsDescribedNotDumped) {
  const auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  try {
    ad::nn::parse_network_file("{\"inputs\": [" + nested(60) + "]}", "deep.json");
    ADD_FAILURE() << "no exception";
  } catch (const ad::nn::FileError& e) {
    EXPECT_EQ(e.place, "/inputs/0");
    EXPECT_EQ(e.reason, "expected a string, found an array of 1 items");
  }
  try {
    ad::nn::parse_network_file("{\"inputs\": [" + nested(100000) + "]}", "deep.json");
    ADD_FAILURE() << "no exception";
  } catch (const ad::nn::FileError& e) {
    // {, [, then 62 more: the 65th opening bracket is at column 12 + 63.
    EXPECT_EQ(e.place, "line 1, column 75");
    EXPECT_EQ(e.reason, "arrays and objects nested more than 64 deep (a network file needs 4)");
  }
  try {
    ad::nn::parse_network_file("{\"inputs\": [\"" + std::string(1000, 'x') + "\", 1]}",
                               "long.json");
    ADD_FAILURE() << "no exception";
  } catch (const ad::nn::FileError& e) {
    EXPECT_EQ(e.place, "/inputs/1");
    EXPECT_EQ(e.reason, "expected a string, found 1");
  }
}

TEST(NetworkFile, MissingFile) {
  try {
    ad::nn::load_network_file("/nonexistent/net.json");
    ADD_FAILURE() << "no exception";
  } catch (const ad::IoError& e) {
    EXPECT_EQ(e.file, "/nonexistent/net.json");
    EXPECT_EQ(e.reason, std::strerror(ENOENT));
    EXPECT_TRUE(e.place.empty());  // the file itself, no place in it
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent/net.json: cannot open the file: " + std::string(std::strerror(ENOENT)));
  }
  // A folder opens but cannot be read as a file: an IoError too, not a JSON syntax error.
  try {
    ad::nn::load_network_file("/tmp");
    ADD_FAILURE() << "no exception";
  } catch (const ad::IoError& e) {
    EXPECT_EQ(e.reason, std::strerror(EISDIR));
    EXPECT_EQ(std::string(e.what()), "/tmp: cannot read the file: " + e.reason);
  }
}

TEST(NetworkFile, NothingIsHalfRun) {
  // The error in the train list comes after a valid network: the loader must still refuse the
  // whole file, so no caller gets a network to run.
  auto j = valid();
  j["train"] = {"w1", "nope"};
  bool loaded = false;
  try {
    ad::nn::parse_network_file(j.dump(), "net.json");
    loaded = true;
  } catch (const ad::nn::FileError&) {
  }
  EXPECT_FALSE(loaded);
}

TEST(NetworkFile, ShortFormIsSeededAndDeterministic) {
  const std::string text = R"({"sizes": [2, 3, 1], "seed": 5, "bias": "per_layer",
    "samples": [{"inputs": [0, 1], "targets": [1]}, {"inputs": [1, 1], "targets": [0]}]})";
  const ad::nn::Network a = ad::nn::parse_network_file(text, "s.json").network;
  const ad::nn::Network b = ad::nn::parse_network_file(text, "s.json").network;
  EXPECT_EQ(a.parameters(), b.parameters());
  EXPECT_EQ(a.weights.size(), 9u);
  EXPECT_EQ(a.biases.size(), 2u);
  EXPECT_EQ(a.samples.size(), 2u);
  for (const auto& w : a.weights) EXPECT_LE(std::abs(w.value), 1.0);
  const ad::nn::Network c = ad::nn::parse_network_file(R"({"sizes": [2, 3, 1], "seed": 6,
    "samples": [{"inputs": [0, 1], "targets": [1]}]})",
                                                       "s.json")
                                .network;
  EXPECT_NE(a.weights[0].value, c.weights[0].value);
  try {
    ad::nn::parse_network_file(R"({"sizes": [2, 1], "inputs": [1, 2, 3], "targets": [1]})",
                               "s.json");
    ADD_FAILURE();
  } catch (const ad::nn::FileError& e) {
    EXPECT_EQ(e.place, "/inputs");
    EXPECT_NE(e.reason.find("expected 2 inputs"), std::string::npos) << e.what();
  }
}

}  // namespace

namespace {

// The FileError's whole message for `text`, or "" if it loads.
std::string error_of(const std::string& text) {
  try {
    ad::nn::parse_network_file(text, "f.json");
  } catch (const ad::nn::FileError& e) {
    return e.what();
  }
  return "";
}

// Review s9, finding 2: a weight named net_h1 or E_total was a second node of that name: the
// tape view drew `net_o1 = E_total·out_h1 + …` and `--explain net_h1` explained the weight, not
// the neuron's net input. A name the recording gives a node is refused where the file gives it.
TEST(NetworkFileReview, ANameTheRecordingGivesANodeIsRefused) {
  const std::vector<std::pair<std::string, std::string>> taken = {
      {"net_h1", "the net input of neuron \"h1\""},
      {"out_o1", "the output of neuron \"o1\""},
      {"E1", "the error of output \"o1\""},
      {"E_total", "the total error"}};
  for (const auto& [name, meaning] : taken) {
    nlohmann::ordered_json j = valid();
    j["weights"][2]["name"] = name;
    j["train"][2] = name;
    expect_error(j, "/weights/2/name",
                 "\"" + name + "\" is what the recording names " + meaning +
                     ": two nodes would have one name; choose another");
  }
  nlohmann::ordered_json bias = valid();
  bias["biases"][1]["name"] = "out_h2";
  expect_error(bias, "/biases/1/name", "\"out_h2\" is what the recording names the output");
  // Names the recording does not give this network's nodes: no neuron x, one output, one sample.
  for (const std::string name : {"net_x", "out_", "E2", "E_mean", "s1.w3"}) {
    nlohmann::ordered_json j = valid();
    j["weights"][2]["name"] = name;
    j["train"][2] = name;
    EXPECT_NO_THROW(ad::nn::parse_network_file(j.dump(), "net.json")) << name;
  }
  // In a batch, E_mean and the samples' s1., s2., ... are the recording's.
  for (const auto& [name, meaning] : std::vector<std::pair<std::string, std::string>>{
           {"E_mean", "the batch's mean error"}, {"s12.w", "a node of sample 12 in a batch"}}) {
    nlohmann::ordered_json j = valid();
    j["inputs"] = {"i1", "i2"};
    j.erase("targets");
    j["samples"] = nlohmann::ordered_json::parse(
        R"([{"inputs": [0.05, 0.1], "targets": [0.01]}, {"inputs": [0.1, 0.2], "targets": [0.5]}])");
    j["weights"][2]["name"] = name;
    j["train"][2] = name;
    expect_error(j, "/weights/2/name", "\"" + name + "\" is what the recording names " + meaning);
  }
}

// Review s7, finding 5: a number beyond a double's range had no line or column, and NaN was
// placed one column after its start while inf was at it. Each is placed where its token starts
// (column 19 after `{"learning_rate": `); the overflow's place is found outside strings.
TEST(NetworkFileReview, EveryBadNumberIsPlacedWhereItStarts) {
  EXPECT_EQ(error_of(R"({"learning_rate": 1e999})"),
            "f.json: line 1, column 19: invalid JSON: number overflow parsing '1e999'");
  EXPECT_EQ(error_of("{\"description\": \"1e999 21e999\",\n \"learning_rate\": -21e999}"),
            "f.json: line 2, column 19: invalid JSON: number overflow parsing '-21e999'");
  for (const std::string token : {"nan", "-NaN", "inf", "Infinity", "-inf"})
    EXPECT_EQ(error_of(R"({"learning_rate": )" + token + "}"),
              "f.json: line 1, column 19: invalid JSON: found " + token +
                  ", but JSON has no NaN or Infinity: write a finite number")
        << token;
}

// Review s7, finding 6: "E_total after 100000000" was called an unknown quantity, though it is
// the "A after N" form past an unstated limit; N was read by strtol (+5, 010, leading spaces).
TEST(NetworkFileReview, StepsAfterAreDecimalWithinTheSaidLimit) {
  for (const std::string n : {"100000000", "10000001", "+5", "010", "0x10", "0", "-1", "1e3"}) {
    auto j = valid();
    j["published"] = {
        {"figures", {{{"label", "x"}, {"printed", "0.5"}, {"quantity", "E_total after " + n}}}}};
    EXPECT_EQ(error_of(j.dump()),
              "f.json: /published/figures/0/quantity: \"E_total after " + n +
                  "\": in \"A after N\", N is a whole number from 1 to 10,000,000 in decimal "
                  "digits")
        << n;
  }
  for (const std::string n : {"1", "10000000"}) {
    const auto q = ad::nn::parse_quantity("E_total after " + n);
    ASSERT_TRUE(q.has_value()) << n;
    EXPECT_EQ(q->steps, std::stoi(n));
  }
}

}  // namespace
