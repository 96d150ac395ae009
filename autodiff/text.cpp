#include "autodiff/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ad {

std::string number(double x, int digits) {
  if (std::isnan(x)) return "nan";
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, x);
  return buffer;
}

namespace {

// Characters, not bytes: a UTF-8 name (α, é) takes one column per character on a terminal.
std::size_t columns(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string pad_left(const std::string& text, std::size_t to) {
  return std::string(to - std::min(to, columns(text)), ' ') + text;
}

}  // namespace

std::string matrix_table(const std::vector<std::string>& names,
                         const std::vector<std::vector<double>>& matrix, int digits,
                         std::size_t line_width) {
  std::size_t head = 0;  // the row names' column
  for (const std::string& name : names) head = std::max(head, columns(name));
  std::vector<std::vector<std::string>> cells(names.size());
  std::vector<std::size_t> width(names.size());
  for (std::size_t j = 0; j < names.size(); ++j) {
    width[j] = columns(names[j]);
    for (std::size_t i = 0; i < names.size(); ++i) {
      cells[i].push_back(number(matrix[i][j], digits));
      width[j] = std::max(width[j], columns(cells[i][j]));
    }
  }
  // The columns in blocks no wider than line_width (at least one column a block), one after
  // the other with a blank line between, each with its header and every row.
  std::string out;
  for (std::size_t first = 0; first < names.size();) {
    std::size_t last = first + 1, used = head + 2 + width[first];
    while (last < names.size() && used + 2 + width[last] <= line_width) used += 2 + width[last++];
    out += (first == 0 ? "" : "\n") + std::string(head, ' ');
    for (std::size_t j = first; j < last; ++j) out += "  " + pad_left(names[j], width[j]);
    out += '\n';
    for (std::size_t i = 0; i < names.size(); ++i) {
      out += names[i] + std::string(head - columns(names[i]), ' ');
      for (std::size_t j = first; j < last; ++j) out += "  " + pad_left(cells[i][j], width[j]);
      out += '\n';
    }
    first = last;
  }
  return out;
}

double relative_error(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  return scale == 0 ? 0.0 : std::abs(a - b) / scale;
}

std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string>& candidates) {
  // Levenshtein distance, one row at a time.
  const auto distance = [](std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
        diagonal = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
      }
    }
    return row[b.size()];
  };
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    const std::size_t d = distance(name, candidate);
    if (!best || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  // A typo changes a character or two; beyond that (or half the name, or all of it: 'z' for
  // 'x') it is another name.
  const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, name.size() / 2));
  if (best && best_distance <= limit && best_distance < name.size()) return best;
  return std::nullopt;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  const auto close = closest_name(name, candidates);
  return close ? " (did you mean '" + *close + "'?)" : "";
}

std::size_t character_size(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  const std::size_t size = lead >= 0xF0 && lead <= 0xF4   ? 4
                           : lead >= 0xE0 && lead <= 0xEF ? 3
                           : lead >= 0xC2 && lead <= 0xDF ? 2
                                                          : 1;
  if (size > text.size() - at) return 1;
  for (std::size_t k = 1; k < size; ++k)
    if ((byte(at + k) & 0xC0) != 0x80) return 1;
  return size;
}

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  char buffer[8];
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t size = character_size(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    if (size == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(text[i + 1]));
      out += buffer;  // a C1 control, U+0080 to U+009F
    } else if (size > 1 || (c >= 0x20 && c < 0x7F) || (c == '\n' && keep_newlines)) {
      out.append(text.substr(i, size));
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
    } else {
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
    }
    i += size;
  }
  return out;
}

}  // namespace ad
