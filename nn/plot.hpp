// The training curve as a picture: an SVG of the loss against the step, the loss on a log scale.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nn/history.hpp"

namespace ad::nn {

// A 900 × 500 SVG (its viewBox; text of 14 px and more) titled `title`: the step on a linear axis
// from 0 to the last line's step, the loss on a log axis with a tick and a label at each decade
// that holds the losses, and one polyline vertex per line, in order. A log scale cannot show 0: a
// loss of 0 is drawn on the bottom edge, and the picture says how many are. Throws
// std::invalid_argument if `lines` is empty or a loss is negative or not finite (training stops
// at a loss that is not finite, so a history holds none).
std::string loss_plot(std::string_view title, const std::vector<HistoryLine>& lines);

}  // namespace ad::nn
