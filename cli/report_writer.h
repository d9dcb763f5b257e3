// Renders reports for the mbench subcommands: a human table (default), JSON (the machine
// contract, with schema_version), CSV (one row per layer) and Markdown. Pure functions of their
// inputs; thread-safe.
#ifndef MBENCH_CLI_REPORT_WRITER_H_
#define MBENCH_CLI_REPORT_WRITER_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzer/analysis.h"
#include "analyzer/model_reader.h"
#include "core/status_or.h"

namespace mbench::cli {

enum class ReportFormat { kTable, kJson, kCsv, kMarkdown };

// Parses "table", "json", "csv", "md"/"markdown". kInvalidArgument otherwise.
StatusOr<ReportFormat> ParseReportFormat(const std::string& name);

// Version of the JSON layout; bumped when a key changes meaning or disappears.
inline constexpr int kAnalyzeSchemaVersion = 1;

// The `mbench analyze` report of `model` and its `analysis` in `format`.
std::string RenderAnalysis(const analyzer::LoadedModel& model,
                           const analyzer::ModelAnalysis& analysis, ReportFormat format);

// A model read and counted, as every model-taking subcommand starts.
struct AnalyzedModel {
  analyzer::LoadedModel model;
  analyzer::ModelAnalysis analysis;
};
// Reads `path` (a file or zoo:NAME) with the --input-shape flags and zoo knobs, and analyzes it.
// Errors name the path.
StatusOr<AnalyzedModel> LoadAndAnalyze(const std::string& path,
                                       const std::vector<std::string>& input_shape_flags,
                                       const analyzer::ZooOptions& zoo, bool keep_weights = false);

// The "build" object every JSON report carries: version, commit, compiler, flags.
nlohmann::ordered_json BuildJson();
// [{"name", "dtype", "shape"}] for the tensors `ids` of `graph`.
nlohmann::ordered_json TensorListJson(const analyzer::Graph& graph, const std::vector<int32_t>& ids);

// "1.23 G", "456.7 M", "12.3 K", "999" (SI, for counts).
std::string HumanCount(int64_t n);
// "1.50 MiB", "12.0 KiB", "100 B".
std::string HumanBytes(int64_t n);

}  // namespace mbench::cli

#endif  // MBENCH_CLI_REPORT_WRITER_H_
