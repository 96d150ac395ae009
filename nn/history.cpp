#include "nn/history.hpp"

#include <nlohmann/json.hpp>

namespace ad::nn {

History::History(int steps, bool parameters)
    : steps_(steps),
      stride_(steps <= kHistoryLines ? 1 : (steps + kHistoryLines - 1) / kHistoryLines),
      parameters_(parameters) {}

void History::take_parameters(const std::vector<double>& parameters) {
  if (parameters_) taken_ = parameters;
}

void History::record(int k, double loss) {
  lines_.push_back({k, loss, parameters_ ? taken_ : std::vector<double>{}});
}

std::string to_json_lines(const History& history, const Network& network) {
  std::string text;
  for (const HistoryLine& line : history.lines()) {
    // Ordered: "step" first, as a reader scans the file.
    nlohmann::ordered_json j = {{"step", line.step}, {"loss", line.loss}};
    if (history.keeps_parameters()) {
      nlohmann::ordered_json& parameters = j["parameters"] = nlohmann::ordered_json::object();
      for (std::size_t p = 0; p < line.parameters.size(); ++p)
        parameters[std::string(network.parameter_name(p))] = line.parameters[p];
    }
    // Names are the file's, valid UTF-8 or not: replaced, as --json does.
    text += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
  }
  return text;
}

}  // namespace ad::nn
