#include "report/table.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/text.h"
#include "report/format.h"

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

std::string FormatTable(const db::Table& t, const std::string& format) {
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
  // Aligned text: numbers right-aligned, long text cut at 48 characters.
  constexpr size_t kMaxWidth = 48;
  std::vector<size_t> width(t.columns.size());
  std::vector<std::vector<std::string>> cells;
  for (size_t i = 0; i < t.columns.size(); ++i) width[i] = t.columns[i].size();
  for (const auto& row : t.rows) {
    std::vector<std::string> r;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string s = CellText(row[i]);
      if (s.size() > kMaxWidth) s = s.substr(0, kMaxWidth - 3) + "...";
      width[i] = std::max(width[i], s.size());
      r.push_back(std::move(s));
    }
    cells.push_back(std::move(r));
  }
  auto pad = [](const std::string& s, size_t w, bool right) {
    std::string fill(w > s.size() ? w - s.size() : 0, ' ');
    return right ? fill + s : s + fill;
  };
  for (size_t i = 0; i < t.columns.size(); ++i) {
    out << (i ? "  " : "") << pad(t.columns[i], width[i], false);
  }
  out << "\n";
  for (size_t r = 0; r < cells.size(); ++r) {
    for (size_t i = 0; i < cells[r].size(); ++i) {
      const auto type = t.rows[r][i].type;
      const bool num = type == db::Cell::Type::kInt || type == db::Cell::Type::kReal;
      out << (i ? "  " : "") << pad(cells[r][i], width[i], num);
    }
    out << "\n";
  }
  out << "(" << t.rows.size() << " rows)\n";
  return out.str();
}

}  // namespace mbench::report
