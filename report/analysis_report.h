// The `mbench analyze` report: per-layer MACs, FLOPs, parameters, bytes and shapes with the
// model's totals, as a table, JSON (the machine contract, with schema_version), CSV (one row
// per layer) or Markdown. Pure functions of their inputs; thread-safe.
#ifndef MBENCH_REPORT_ANALYSIS_REPORT_H_
#define MBENCH_REPORT_ANALYSIS_REPORT_H_

#include <string>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "report/format.h"

namespace mbench::report {

// Version of the analyze JSON layout; bumped when a key changes meaning or disappears.
inline constexpr int kAnalyzeSchemaVersion = 1;

// The report of `model` and its `analysis` in `format`; the table fits `width` columns (0: no
// limit) by eliding names and leaving out the least important columns.
std::string RenderAnalysis(const analyzer::LoadedModel& model,
                           const analyzer::ModelAnalysis& analysis, ReportFormat format,
                           size_t width = 0);

}  // namespace mbench::report

#endif  // MBENCH_REPORT_ANALYSIS_REPORT_H_
