#include "core/csv.h"

#include <cstdlib>

namespace mbench {

bool ParseCsv(const std::string& text, std::vector<std::vector<std::string>>* rows) {
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, in_field = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      in_field = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      in_field = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (in_field || !field.empty() || !row.empty()) {
        row.push_back(std::move(field));
        rows->push_back(std::move(row));
      }
      row.clear();
      field.clear();
      in_field = false;
    } else {
      field += c;
      in_field = true;
    }
  }
  if (quoted) return false;
  if (in_field || !field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows->push_back(std::move(row));
  }
  return true;
}

namespace {

// A spreadsheet reads a cell that starts with = + - @ (or a tab or carriage return) as a
// formula: =HYPERLINK(...) in a layer name would run when the CSV is opened. Numbers are data.
bool LooksLikeFormula(const std::string& s) {
  if (s.empty()) return false;
  const char c = s[0];
  if (c == '=' || c == '+' || c == '@' || c == '\t' || c == '\r') return true;
  if (c != '-') return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end != s.c_str() + s.size();
}

}  // namespace

std::string CsvField(const std::string& raw) {
  const std::string s = LooksLikeFormula(raw) ? "'" + raw : raw;
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace mbench
