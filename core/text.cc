#include "core/text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace mbench {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] (1-4), or 0 when it is not one; `cp` gets
// its code point.
size_t SequenceAt(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t n;
  uint32_t v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    v = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(k) & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF)) {
    return 0;
  }
  *cp = v;
  return n;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

}  // namespace

std::string SafeText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = SequenceAt(s, i, &cp);
    if (n == 0 || IsControl(cp)) {
      out += kReplacement;
      i += n == 0 ? 1 : n;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string ShortNumber(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

std::string LastLine(std::string_view s) {
  const size_t end = s.find_last_not_of(" \t\r\n");
  if (end == std::string_view::npos) return "";
  const size_t nl = s.find_last_of('\n', end);
  return std::string(s.substr(nl == std::string_view::npos ? 0 : nl + 1,
                              nl == std::string_view::npos ? end + 1 : end - nl));
}

bool IsSafeText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = SequenceAt(s, i, &cp);
    if (n == 0 || IsControl(cp)) return false;
    i += n;
  }
  return true;
}

std::string MarkdownCell(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '\\': out += "\\\\"; break;
      case '<': out += "&lt;"; break;
      case '&': out += "&amp;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < s.size()) {
    const size_t end = std::min(s.find('\n', start), s.size());
    std::string_view line = s.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

namespace {

// The byte offset after the first `columns` code points of `s` (s.size() when it has fewer).
size_t PrefixBytes(std::string_view s, size_t columns) {
  size_t i = 0;
  for (size_t seen = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == columns) break;
  }
  return i;
}

}  // namespace

std::string ElideMiddle(std::string_view s, size_t width) {
  const size_t w = DisplayWidth(s);
  if (w <= width) return std::string(s);
  if (width < 4) return std::string(s.substr(0, PrefixBytes(s, width)));
  const size_t head = (width - 2) / 2, tail = width - 2 - head;
  return std::string(s.substr(0, PrefixBytes(s, head))) + ".." +
         std::string(s.substr(PrefixBytes(s, w - tail)));
}

std::vector<std::string> WrapText(std::string_view s, size_t width, std::string_view indent) {
  std::vector<std::string> lines;
  std::string line;
  size_t line_width = 0;
  bool empty = true;  // nothing but the indent on `line` yet
  const size_t indent_width = DisplayWidth(indent);
  const auto limit = [&] { return lines.empty() ? width : width - std::min(width, indent_width); };
  size_t i = 0;
  while (i < s.size()) {
    // A word and the spaces before it: kept as they are while the word stays on the line.
    const size_t start = std::min(s.find_first_not_of(' ', i), s.size());
    if (start == s.size()) break;
    const std::string gap(s.substr(i, start - i));
    const size_t end = std::min(s.find(' ', start), s.size());
    std::string word(s.substr(start, end - start));
    i = end;
    size_t ww = DisplayWidth(word);
    const size_t gw = empty && !lines.empty() ? 0 : gap.size();
    if (width > 0 && !empty && line_width + gw + ww > limit()) {
      lines.push_back(std::move(line));
      line.clear();
      line_width = 0;
      empty = true;
    }
    if (empty && !lines.empty()) {
      line = std::string(indent);
    } else {
      line += gap;
      line_width += gap.size();
    }
    if (width > 0 && line_width + ww > limit()) {
      word = ElideMiddle(word, limit() > line_width ? limit() - line_width : 1);
      ww = DisplayWidth(word);
    }
    line += word;
    line_width += ww;
    empty = false;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

}  // namespace mbench
