// How legible an SVG that Graphviz drew is at the README's 900 pixels: its width and the
// smallest font of its node texts and of its edge texts once scaled (shared by the view tests).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>

#include "cli/run_cli.hpp"

namespace cli_test {

// Sizes in points (width, height) and pixels (fonts): font-size × 900 / width, or the font
// size itself when the picture is narrower than 900 and shown as it is.
struct Legibility {
  double width, height, node_px, edge_px;
};

// The smallest font-size inside dot's <g class="node"> (or "edge") groups.
inline double smallest_font(const std::string& svg, const std::string& kind) {
  const std::regex group("class=\"" + kind + "\">([\\s\\S]*?)</g>");
  const std::regex size("font-size=\"([0-9.]+)\"");
  double smallest = 1e9;
  for (std::sregex_iterator g(svg.begin(), svg.end(), group), end; g != end; ++g) {
    const std::string body = (*g)[1];
    for (std::sregex_iterator s(body.begin(), body.end(), size); s != end; ++s)
      smallest = std::min(smallest, std::stod((*s)[1]));
  }
  return smallest;
}

inline Legibility measure(const std::string& path) {
  const std::string svg = slurp(path);
  std::smatch size;
  EXPECT_TRUE(std::regex_search(svg, size,
                                std::regex("<svg width=\"([0-9.]+)pt\" height=\"([0-9.]+)pt\"")));
  if (size.empty()) return {0, 0, 0, 0};
  const double w = std::stod(size[1]), scale = std::min(1.0, 900.0 / w);
  return {w, std::stod(size[2]), smallest_font(svg, "node") * scale,
          smallest_font(svg, "edge") * scale};
}

}  // namespace cli_test
