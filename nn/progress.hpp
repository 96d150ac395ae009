// Progress of a long computation: the library reports how far it is (nn::Progress), and a
// ProgressMeter shows it on a stream, in place on a terminal, with an estimate of the time left.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>

namespace ad::nn {

// Called as work proceeds: `what` names the units counted ("training steps", "finite
// differences"), `done` of `total` are finished; `loss`, for training, is the loss the last step
// descended from (at done − 1 steps), NaN for other work. Called often (once per unit), so it must
// be cheap; an empty function reports nothing.
using Progress = std::function<void(std::string_view what, std::uint64_t done, std::uint64_t total,
                                    double loss)>;

// "1 h 12 min", "3 min 5 s", "41 s": a duration for a person.
std::string duration(double seconds);
// 2147483647 -> "2,147,483,647": a count a person reads at a glance.
std::string grouped(std::uint64_t n);

// Shows a Progress on `out` (the program's standard error):
//  * once a task has run for a second, on a terminal only, one line redrawn in place ("training
//    steps: 1,234,567 of 10,000,000 (12%), loss 0.00123456, about 9 s left") at most five times a
//    second, and erased when the task ends;
//  * once a task's estimate (from its first quarter second) says it will take more than a minute,
//    one line stating the estimate, on a terminal or not, before the minute is spent.
// `now` gives seconds on a steady clock (replaceable, for tests).
class ProgressMeter {
 public:
  ProgressMeter(std::ostream& out, bool terminal, std::function<double()> now = {});
  void operator()(std::string_view what, std::uint64_t done, std::uint64_t total,
                  double loss = std::numeric_limits<double>::quiet_NaN());

 private:
  void draw(std::string_view what, std::uint64_t done, std::uint64_t total, double loss,
            double left);
  std::ostream& out_;
  bool terminal_;
  std::function<double()> now_;
  std::string task_;  // the task being timed
  double start_ = 0, drawn_at_ = 0;
  bool drawn_ = false, estimated_ = false;
};

}  // namespace ad::nn
