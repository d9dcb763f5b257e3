// A table for a terminal that fits a width: long names are elided in the middle, free text is
// wrapped within its column, and when that is not enough the least important columns are left
// out (a last line names them). Pure; thread-safe once built.
#ifndef MBENCH_REPORT_TEXT_TABLE_H_
#define MBENCH_REPORT_TEXT_TABLE_H_

#include <cstddef>
#include <string>
#include <vector>

namespace mbench::report {

struct TextColumn {
  std::string header;
  bool right = false;    // numbers: right-aligned, never elided
  int keep = 0;          // 0: always shown; otherwise the lowest `keep` is left out first
  size_t min_width = 0;  // > 0: may be elided (or wrapped) down to this many columns
  bool wrap = false;     // wrap the text within the column instead of eliding it
};

class TextTable {
 public:
  explicit TextTable(std::vector<TextColumn> columns, std::string indent = "  ");

  // One cell per column (missing cells are empty).
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // The header line and the rows, each line at most `width` columns (0: no limit) when the
  // columns that are always shown fit at their minimum widths. Trailing spaces are trimmed.
  std::string Render(size_t width) const;

 private:
  std::vector<TextColumn> columns_;
  std::string indent_;
  std::vector<std::vector<std::string>> rows_;
};

// The same columns and rows as a Markdown pipe table (right-aligned columns marked; cells
// escaped, so a '|' in a layer name stays in its cell).
std::string MarkdownTable(const std::vector<TextColumn>& columns,
                          const std::vector<std::vector<std::string>>& rows);

// `text` wrapped to `width` (0: no limit), every line after the first starting with
// `indent`, each line ending in '\n'.
std::string Wrapped(const std::string& text, size_t width, const std::string& indent);

}  // namespace mbench::report

#endif  // MBENCH_REPORT_TEXT_TABLE_H_
