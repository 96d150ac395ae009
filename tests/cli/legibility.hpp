// How legible an SVG that Graphviz drew is at the README's 900 pixels: its width and the
// smallest font of its node texts and of its edge texts once scaled, and whether an edge's text
// is drawn over a node (shared by the view tests).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

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

// A rectangle in the SVG's coordinates, top left to bottom right.
struct Box {
  double x0, y0, x1, y1;
  bool meets(const Box& b) const { return x0 < b.x1 && b.x0 < x1 && y0 < b.y1 && b.y0 < y1; }
};

// Characters as drawn: a UTF-8 sequence or an entity (&#45;) is one.
inline std::size_t characters(const std::string& text) {
  const std::string plain = std::regex_replace(text, std::regex("&#?[0-9a-zA-Z]+;"), "x");
  std::size_t n = 0;
  for (unsigned char c : plain) n += (c & 0xC0) != 0x80;
  return n;
}

// The box around every point of a node's outline (its polygons' points, its paths' coordinates,
// a rounded box's curves, its ellipses); a node with none has no box.
inline std::vector<Box> node_boxes(const std::string& svg) {
  const std::regex group("class=\"node\">([\\s\\S]*?)</g>");
  const std::regex outline("\\s(?:points|d)=\"([^\"]*)\"");
  const std::regex ellipse("cx=\"([-0-9.]+)\" cy=\"([-0-9.]+)\" rx=\"([0-9.]+)\" ry=\"([0-9.]+)\"");
  const std::regex number("-?[0-9]+(?:\\.[0-9]+)?");
  std::vector<Box> boxes;
  for (std::sregex_iterator g(svg.begin(), svg.end(), group), end; g != end; ++g) {
    const std::string body = (*g)[1];
    Box b{1e9, 1e9, -1e9, -1e9};
    for (std::sregex_iterator o(body.begin(), body.end(), outline); o != end; ++o) {
      const std::string points = (*o)[1];
      std::vector<double> v;
      for (std::sregex_iterator n(points.begin(), points.end(), number); n != end; ++n)
        v.push_back(std::stod(n->str()));
      for (std::size_t k = 0; k + 1 < v.size(); k += 2)
        b = {std::min(b.x0, v[k]), std::min(b.y0, v[k + 1]), std::max(b.x1, v[k]),
             std::max(b.y1, v[k + 1])};
    }
    for (std::sregex_iterator e(body.begin(), body.end(), ellipse); e != end; ++e) {
      const double cx = std::stod((*e)[1]), cy = std::stod((*e)[2]);
      const double rx = std::stod((*e)[3]), ry = std::stod((*e)[4]);
      b = {std::min(b.x0, cx - rx), std::min(b.y0, cy - ry), std::max(b.x1, cx + rx),
           std::max(b.y1, cy + ry)};
    }
    if (b.x0 <= b.x1) boxes.push_back(b);
  }
  return boxes;
}

// The edge texts drawn over a node's box, each as "text at (x, y)". A text's box: from its
// anchor, 0.6 em a character wide (Helvetica's digits are 0.56 em), from 0.8 em above its
// baseline to 0.2 em below.
inline std::vector<std::string> edge_text_over_nodes(const std::string& svg) {
  const std::vector<Box> nodes = node_boxes(svg);
  const std::regex group("class=\"edge\">([\\s\\S]*?)</g>");
  const std::regex text(
      "<text text-anchor=\"(start|middle|end)\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\"[^>]*"
      "font-size=\"([0-9.]+)\"[^>]*>([^<]*)</text>");
  std::vector<std::string> over;
  for (std::sregex_iterator g(svg.begin(), svg.end(), group), end; g != end; ++g) {
    const std::string body = (*g)[1];
    for (std::sregex_iterator t(body.begin(), body.end(), text); t != end; ++t) {
      const double x = std::stod((*t)[2]), y = std::stod((*t)[3]), em = std::stod((*t)[4]);
      const double w = 0.6 * em * static_cast<double>(characters((*t)[5]));
      const double x0 = (*t)[1] == "start" ? x : (*t)[1] == "middle" ? x - w / 2 : x - w;
      const Box box{x0, y - 0.8 * em, x0 + w, y + 0.2 * em};
      for (const Box& node : nodes)
        if (box.meets(node))
          over.push_back((*t)[5].str() + " at (" + (*t)[2].str() + ", " + (*t)[3].str() + ")");
    }
  }
  return over;
}

}  // namespace cli_test
