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

std::string matrix_table(const std::vector<std::string>& raw_names,
                         const std::vector<std::vector<double>>& matrix, int digits,
                         std::size_t line_width) {
  // The names as a terminal may show them: a name from a file can hold an escape sequence.
  std::vector<std::string> names;
  for (const std::string& name : raw_names) names.push_back(printable(name));
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
  // A typo changes a character or two; beyond that (or half the name, or all of it: 'z' for
  // 'x') it is another name. The distance is at least the difference of the lengths, so only
  // names of about the same length are compared, and none past 256 bytes (the distance costs
  // the product of the lengths: two names of 60,000 letters took 15 s).
  const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, name.size() / 2));
  constexpr std::size_t kLongest = 256;
  if (name.size() > kLongest) return std::nullopt;
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    if (candidate.size() > name.size() + limit || name.size() > candidate.size() + limit) continue;
    const std::size_t d = distance(name, candidate);
    if (!best || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
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

namespace {

// The code point of a bidirectional embedding, override or isolate (U+202A to U+202E, U+2066 to
// U+2069), else 0: printed raw they reorder the rest of the line ("Trojan Source").
unsigned bidi_control(std::string_view character) {
  if (character.size() != 3 || character[0] != '\xE2') return 0;
  const unsigned code = 0x2000u | (static_cast<unsigned char>(character[1]) & 0x0Fu) << 6 |
                        (static_cast<unsigned char>(character[2]) & 0x3Fu);
  const bool bidi = (code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069);
  return bidi ? code : 0;
}

}  // namespace

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  char buffer[16];  // a backslash, u or x, and hex digits; sized for any unsigned, as GCC checks
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t size = character_size(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    if (size == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(text[i + 1]));
      out += buffer;  // a C1 control, U+0080 to U+009F
    } else if (const unsigned bidi = bidi_control(text.substr(i, size)); bidi != 0) {
      std::snprintf(buffer, sizeof buffer, "\\u%04x", bidi);
      out += buffer;
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

std::string shortened(std::string_view text, std::size_t columns) {
  if (columns == std::string_view::npos) return std::string(text);
  std::string out;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    std::vector<std::size_t> starts;  // where each character of the line begins
    for (std::size_t i = 0; i < line.size(); i += character_size(line, i)) starts.push_back(i);
    if (starts.size() <= columns || columns == 0) {
      out += line;
    } else {
      const std::size_t head = columns / 2, tail = columns - 1 - head;
      out += std::string(line.substr(0, starts[head])) + "…" +
             std::string(line.substr(starts[starts.size() - tail]));
    }
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

std::string dot_string(std::string_view text, std::size_t columns) {
  std::string out = "\"";
  for (char ch : shortened(printable(text, true), columns)) {
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

std::string clipped(std::string_view text, std::size_t most) {
  std::string out;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    if (line.size() > most) {
      // Half the bound from the head, a quarter from the tail, a quarter for the marker; cut at
      // character boundaries: the head ends before a continuation byte, the tail begins at a
      // lead byte.
      std::size_t head = most / 2, tail = line.size() - most / 4;
      while (head > 0 && (static_cast<unsigned char>(line[head]) & 0xC0) == 0x80) --head;
      while (tail < line.size() && (static_cast<unsigned char>(line[tail]) & 0xC0) == 0x80) ++tail;
      out.append(line.substr(0, head));
      out += " ... (" + std::to_string(tail - head) + " bytes left out) ... ";
      out.append(line.substr(tail));
    } else {
      out.append(line);
    }
    if (end < text.size()) out += '\n';
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

std::string xml_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace ad
