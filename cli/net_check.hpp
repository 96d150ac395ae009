// autodiff net FILE --check 'w5=FORMULA': derivatives of E_total worked out by hand, checked
// against the network by the tutorial's own names (nn/definitions.hpp), with the verdict and the
// diagnosis of `autodiff check`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "nn/network.hpp"

namespace ad::cli {

struct DerivationChecks {
  nlohmann::json json = nlohmann::json::array();
  bool agree = true;
};

// Each spec is "NAME=FORMULA" or "d E_total / d NAME=FORMULA", NAME a parameter or any named
// node (out_h1, net_o1, E1, i1); `topology` is the network's, nn::compile(network). The formula may
// use every name of the network. A parameter's derivative is checked once (the samples' formulas
// combined as the loss combines them); a node's per sample. Writes the text report to `text`; ends
// the program with kUsage for a bad spec or formula, kNumeric for a formula that cannot be
// evaluated.
DerivationChecks check_derivations(const ad::nn::Network& network, const ad::nn::Topology& topology,
                                   const std::vector<std::string>& specs, double tolerance,
                                   int precision, std::ostream& text);

}  // namespace ad::cli
