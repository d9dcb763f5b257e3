#include "report/table.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/text.h"
#include "report/format.h"
#include "report/text_table.h"

namespace mbench::report {
namespace {

std::string CellText(const db::Cell& c) {
  switch (c.type) {
    case db::Cell::Type::kNull: return "";
    case db::Cell::Type::kInt: return std::to_string(c.i);
    case db::Cell::Type::kReal: return ShortNumber(c.r);
    case db::Cell::Type::kText: return c.s;
  }
  return "";
}

}  // namespace

nlohmann::ordered_json TableJson(const db::Table& t) {
  static const char* const kJsonColumns[] = {"options", "build", "facts", "profile_json"};
  std::vector<bool> json_column(t.columns.size(), false);
  for (size_t i = 0; i < t.columns.size(); ++i) {
    for (const char* name : kJsonColumns) json_column[i] = json_column[i] || t.columns[i] == name;
  }
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : t.rows) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const db::Cell& c = row[i];
      switch (c.type) {
        case db::Cell::Type::kNull: o[t.columns[i]] = nullptr; break;
        case db::Cell::Type::kInt: o[t.columns[i]] = c.i; break;
        case db::Cell::Type::kReal: o[t.columns[i]] = c.r; break;
        case db::Cell::Type::kText: {
          if (json_column[i]) {
            auto doc = nlohmann::ordered_json::parse(c.s, nullptr, /*allow_exceptions=*/false);
            if (!doc.is_discarded()) {
              o[t.columns[i]] = std::move(doc);
              break;
            }
          }
          o[t.columns[i]] = c.s;
          break;
        }
      }
    }
    rows.push_back(std::move(o));
  }
  return rows;
}

std::string FormatTable(const db::Table& t, const std::string& format, size_t width) {
  std::ostringstream out;
  if (format == "json") {
    out << JsonText(TableJson(t)) << "\n";
    return out.str();
  }
  if (format == "csv") {
    for (size_t i = 0; i < t.columns.size(); ++i) out << (i ? "," : "") << CsvField(t.columns[i]);
    out << "\n";
    for (const auto& row : t.rows) {
      for (size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << CsvField(CellText(row[i]));
      out << "\n";
    }
    return out.str();
  }
  if (format == "md" || format == "markdown") {
    for (const auto& c : t.columns) out << "| " << MarkdownCell(c) << " ";
    out << "|\n";
    for (size_t i = 0; i < t.columns.size(); ++i) out << "|---";
    out << "|\n";
    for (const auto& row : t.rows) {
      for (const auto& c : row) out << "| " << MarkdownCell(CellText(c)) << " ";
      out << "|\n";
    }
    return out.str();
  }
  // Aligned text: numbers right-aligned; long text elided in the middle to fit `width`, then
  // the rightmost columns left out.
  std::vector<TextColumn> columns;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    bool numeric = !t.rows.empty();
    for (const auto& row : t.rows) {
      numeric =
          numeric && (row[i].type == db::Cell::Type::kInt || row[i].type == db::Cell::Type::kReal ||
                      row[i].type == db::Cell::Type::kNull);
    }
    const int keep = i == 0 ? 0 : static_cast<int>(t.columns.size() - i);
    const bool last = i + 1 == t.columns.size();  // free text: wrapped rather than elided
    columns.push_back(
        {t.columns[i], numeric, keep, numeric ? size_t{0} : size_t{12}, last && !numeric});
  }
  TextTable text(std::move(columns), "");
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    for (const auto& c : row) cells.push_back(SafeText(CellText(c)));
    text.AddRow(std::move(cells));
  }
  out << text.Render(width) << "(" << t.rows.size() << " rows)\n";
  return out.str();
}

}  // namespace mbench::report
