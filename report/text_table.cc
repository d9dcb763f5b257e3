#include "report/text_table.h"

#include <algorithm>

#include "core/text.h"

namespace mbench::report {
namespace {

std::string Pad(const std::string& s, size_t width, bool right) {
  const size_t w = DisplayWidth(s);
  const std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string TrimRight(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

TextTable::TextTable(std::vector<TextColumn> columns, std::string indent)
    : columns_(std::move(columns)), indent_(std::move(indent)) {}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render(size_t width) const {
  const size_t n = columns_.size();
  std::vector<size_t> natural(n), floor(n);
  for (size_t c = 0; c < n; ++c) {
    natural[c] = DisplayWidth(columns_[c].header);
    for (const auto& row : rows_) natural[c] = std::max(natural[c], DisplayWidth(row[c]));
    floor[c] = natural[c];
    if (columns_[c].min_width > 0 && !columns_[c].right) {
      floor[c] =
          std::min(natural[c], std::max(columns_[c].min_width, DisplayWidth(columns_[c].header)));
    }
  }
  std::vector<bool> shown(n, true);
  std::vector<size_t> w = natural;
  // Fit: shrink the elidable columns toward their floors, widest excess first; when that is
  // not enough, leave out the least important column and start again from natural widths.
  while (width > 0) {
    w = natural;
    size_t total = DisplayWidth(indent_), count = 0;
    for (size_t c = 0; c < n; ++c) {
      if (shown[c]) total += w[c] + (count++ ? 2 : 0);
    }
    // Wrapped columns give first (they lose no text), then elided ones, the least important
    // first (the columns always shown last).
    const auto rank = [&](size_t c) {
      const int keep = columns_[c].keep > 0 ? columns_[c].keep : 1 << 20;
      return std::make_pair(columns_[c].wrap ? 0 : 1, keep);
    };
    while (total > width) {
      size_t best = n;
      for (size_t c = 0; c < n; ++c) {
        if (shown[c] && w[c] > floor[c] && (best == n || rank(c) < rank(best))) best = c;
      }
      if (best == n) break;
      const size_t cut = std::min(total - width, w[best] - floor[best]);
      w[best] -= cut;
      total -= cut;
    }
    if (total <= width) break;
    size_t drop = n;
    for (size_t c = n; c-- > 0;) {
      if (shown[c] && columns_[c].keep > 0 && (drop == n || columns_[c].keep < columns_[drop].keep))
        drop = c;
    }
    if (drop == n) break;  // only the columns always shown are left: print them as they are
    shown[drop] = false;
  }

  std::string out;
  const auto emit = [&](const std::vector<std::string>& cells) {
    std::vector<std::vector<std::string>> lines(n);
    size_t height = 1;
    for (size_t c = 0; c < n; ++c) {
      if (!shown[c]) continue;
      if (columns_[c].wrap && DisplayWidth(cells[c]) > w[c]) {
        lines[c] = WrapText(cells[c], w[c]);
      } else {
        lines[c] = {ElideMiddle(cells[c], w[c])};
      }
      height = std::max(height, lines[c].size());
    }
    for (size_t l = 0; l < height; ++l) {
      std::string line = indent_;
      bool first = true;
      for (size_t c = 0; c < n; ++c) {
        if (!shown[c]) continue;
        if (!first) line += "  ";
        first = false;
        line += Pad(l < lines[c].size() ? lines[c][l] : "", w[c], columns_[c].right);
      }
      out += TrimRight(std::move(line)) + "\n";
    }
  };
  std::vector<std::string> header(n);
  for (size_t c = 0; c < n; ++c) header[c] = columns_[c].header;
  emit(header);
  for (const auto& row : rows_) emit(row);
  std::string hidden;
  for (size_t c = 0; c < n; ++c) {
    if (!shown[c]) hidden += (hidden.empty() ? "" : ", ") + columns_[c].header;
  }
  if (!hidden.empty()) {
    out += Wrapped(indent_ + "(not shown at " + std::to_string(width) + " columns: " + hidden +
                       "; --wide shows every column)",
                   width, indent_ + " ");
  }
  return out;
}

std::string MarkdownTable(const std::vector<TextColumn>& columns,
                          const std::vector<std::vector<std::string>>& rows) {
  std::string out = "|";
  for (const auto& c : columns) out += " " + MarkdownCell(c.header) + " |";
  out += "\n|";
  for (const auto& c : columns) out += c.right ? "---:|" : ":---|";
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (const auto& cell : r) out += " " + MarkdownCell(cell) + " |";
    out += "\n";
  }
  return out;
}

std::string Wrapped(const std::string& text, size_t width, const std::string& indent) {
  std::string out;
  for (const std::string& line : WrapText(text, width, indent)) out += line + "\n";
  return out;
}

}  // namespace mbench::report
