// Formatting shared by every report: the output formats, human-readable counts and sizes, and
// the JSON objects every JSON report carries (the build, tensor lists; the build object is
// calibration::BuildJson). Names are elided with ElideMiddle (core/text.h). Pure functions;
// thread-safe.
#ifndef MBENCH_REPORT_FORMAT_H_
#define MBENCH_REPORT_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzer/analysis.h"
#include "analyzer/graph.h"
#include "core/status_or.h"

namespace mbench::report {

enum class ReportFormat { kTable, kJson, kCsv, kMarkdown };

// Parses "table", "json", "csv", "md"/"markdown". kInvalidArgument otherwise.
StatusOr<ReportFormat> ParseReportFormat(const std::string& name);

// `v` with `digits` digits after the point ("%.*f").
std::string Fixed(double v, int digits);

// "1.23 G", "456.7 M", "12.3 K", "999" (SI, for counts).
std::string HumanCount(int64_t n);
// "1.50 MiB", "12.0 KiB", "100 B".
std::string HumanBytes(int64_t n);

// Why a model's totals are incomplete, for reports: "3 layers of unknown work (If, LSTM)",
// "150 layers whose shapes could not be resolved", or both joined by "; ". Empty when complete.
std::string IncompleteReason(const analyzer::ModelTotals& t);

// `j` as text: invalid UTF-8 in a string (a name stored by an older mbench, a user's file
// name) comes out as U+FFFD instead of failing the whole report. `indent` < 0: one line.
std::string JsonText(const nlohmann::ordered_json& j, int indent = 2);

// [{"name", "dtype", "shape"}] for the tensors `ids` of `graph`.
nlohmann::ordered_json TensorListJson(const analyzer::Graph& graph,
                                      const std::vector<int32_t>& ids);

}  // namespace mbench::report

#endif  // MBENCH_REPORT_FORMAT_H_
