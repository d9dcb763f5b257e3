// A results-database table (a named query's result or a dump) as aligned text, JSON (an array
// of objects, NULL as null), CSV or Markdown. Pure; thread-safe.
#ifndef MBENCH_REPORT_TABLE_H_
#define MBENCH_REPORT_TABLE_H_

#include <string>

#include <nlohmann/json.hpp>

#include "db/db.h"

namespace mbench::report {

// `format` is "table", "json", "csv" or "md" (anything else renders the table). The table fits
// `width` columns (0: no limit) by eliding long text in the middle and leaving out the
// rightmost columns (a last line names them).
std::string FormatTable(const db::Table& table, const std::string& format, size_t width = 0);

// The table as JSON: an array of objects, NULL as null. Columns that hold JSON documents
// (options, build, facts, profile_json) are embedded as JSON, not as strings of JSON.
nlohmann::ordered_json TableJson(const db::Table& table);

}  // namespace mbench::report

#endif  // MBENCH_REPORT_TABLE_H_
