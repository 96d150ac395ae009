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

std::string pad_left(const std::string& text, std::size_t to) {
  return std::string(to - std::min(to, display_width(text)), ' ') + text;
}

}  // namespace

std::string matrix_table(const std::vector<std::string>& raw_names,
                         const std::vector<std::vector<double>>& matrix, int digits,
                         std::size_t line_width) {
  // The names as a terminal may show them: a name from a file can hold an escape sequence.
  std::vector<std::string> names;
  for (const std::string& name : raw_names) names.push_back(printable(name));
  std::size_t head = 0;  // the row names' column
  for (const std::string& name : names) head = std::max(head, display_width(name));
  std::vector<std::vector<std::string>> cells(names.size());
  std::vector<std::size_t> width(names.size());
  for (std::size_t j = 0; j < names.size(); ++j) {
    width[j] = display_width(names[j]);
    for (std::size_t i = 0; i < names.size(); ++i) {
      cells[i].push_back(number(matrix[i][j], digits));
      width[j] = std::max(width[j], display_width(cells[i][j]));
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
      out += names[i] + std::string(head - display_width(names[i]), ' ');
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
  return close ? " (did you mean '" + printable(*close) + "'?)" : "";
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

// The code point of the UTF-8 character `character` (of character_size() bytes).
char32_t code_point(std::string_view character) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(character[i]); };
  if (character.size() == 1) return byte(0);
  char32_t code = byte(0) & (0x7Fu >> character.size());
  for (std::size_t k = 1; k < character.size(); ++k) code = code << 6 | (byte(k) & 0x3Fu);
  return code;
}

// The common blocks of East Asian wide characters (Unicode's East_Asian_Width W and F), which a
// terminal draws two columns wide: Hangul Jamo, CJK (radicals to Yi), Hangul syllables, CJK
// compatibility ideographs and forms, full-width forms and signs, and the ideographs of planes
// 2 and 3.
bool is_wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

// Characters a terminal draws as nothing or that reorder the line, escaped by printable():
// printed raw, "o\u200b1" reads as "o1", and U+202E reverses what follows ("Trojan Source").
// The soft hyphen, the Mongolian vowel separator, the zero-width spaces, joiners and direction
// marks, the line and paragraph separators, the bidirectional embeddings, overrides and isolates,
// the word joiner and invisible operators, and the byte-order mark (zero-width no-break space).
bool is_invisible(char32_t c) {
  return c == 0x00AD || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x206F) || c == 0xFEFF;
}

// Combining marks (accents on the letter before, U+0301 in "e\u0301"), which a terminal draws
// in the previous character's column: the Combining Diacritical Marks blocks (and their
// Extended and Supplement), those for Symbols, and the Combining Half Marks.
bool is_combining(char32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
         (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F);
}

}  // namespace

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t size = character_size(text, i);
    const char32_t c = size > 1 ? code_point(text.substr(i, size)) : 0;
    width += is_wide(c) ? 2 : is_combining(c) ? 0 : 1;
    i += size;
  }
  return width;
}

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  char buffer[16];  // a backslash, u or x, and hex digits; sized for any unsigned, as GCC checks
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t size = character_size(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    const char32_t code = size > 1 ? code_point(text.substr(i, size)) : 0;
    if ((code >= 0x80 && code < 0xA0) || is_invisible(code)) {  // C1 controls, invisible ones
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(code));
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
