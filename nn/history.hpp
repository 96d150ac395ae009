// The training curve: the loss (and, if asked, the parameters) at the steps of one training run,
// kept as it runs and written as JSON lines.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "nn/network.hpp"

namespace ad::nn {

// A run of N steps keeps the lines of steps 0 (the parameters the file gives) to N: every step
// while N <= kHistoryLines, otherwise every ceil(N / kHistoryLines)-th step and N itself, so at
// most kHistoryLines + 1 lines, the first and the last always among them.
constexpr int kHistoryLines = 10000;
// Every parameter on every line: 10,001 lines of 100 parameters are about 30 MB of text; more
// would be a file nobody reads: the program keeps the parameters of smaller networks only.
constexpr std::size_t kHistoryParametersAtMost = 100;

// Line k holds the loss at the parameters k updates give (bit for bit the loss_after of a run of
// k steps, and the loss before training for k = 0) and, when kept, those parameters in the
// network's order.
struct HistoryLine {
  int step = 0;
  double loss = 0;
  std::vector<double> parameters;
};

class History {
 public:
  // The lines of a run of `steps` (at least 1) steps, with the parameters if `parameters`.
  History(int steps, bool parameters);
  int steps() const { return steps_; }
  int stride() const { return stride_; }
  // Whether step `k` has a line that is not recorded yet. Called at every step: cheap.
  bool wants(int k) const {
    return k <= steps_ && (k % stride_ == 0 || k == steps_) &&
           (lines_.empty() || lines_.back().step < k);
  }
  // Step k's line, its parameters those `network` holds now. A training step computes the loss at
  // the parameters it starts from and then updates them: the parameters are taken before it, and
  // the loss it returns recorded after, so a step that fails leaves no line.
  void take_parameters(const std::vector<double>& parameters);  // Trainer::parameters()
  void record(int k, double loss);
  const std::vector<HistoryLine>& lines() const { return lines_; }
  bool keeps_parameters() const { return parameters_; }

 private:
  int steps_, stride_;
  bool parameters_;
  std::vector<double> taken_;
  std::vector<HistoryLine> lines_;
};

// One JSON object a line, {"step": k, "loss": x} and, with parameters, "parameters": {name: value}
// in the network's order; numbers with as many digits as they need to read back the same double.
std::string to_json_lines(const History& history, const Network& network);

}  // namespace ad::nn
