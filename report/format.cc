#include "report/format.h"

#include <cstdio>

namespace mbench::report {

using nlohmann::ordered_json;

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

StatusOr<ReportFormat> ParseReportFormat(const std::string& name) {
  if (name == "table") return ReportFormat::kTable;
  if (name == "json") return ReportFormat::kJson;
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "md" || name == "markdown") return ReportFormat::kMarkdown;
  return Status::InvalidArgument("--format " + name + ": expected table, json, csv or md");
}

std::string HumanCount(int64_t n) {
  double v = static_cast<double>(n);
  if (n >= 1'000'000'000) return Fixed(v / 1e9, 2) + " G";
  if (n >= 1'000'000) return Fixed(v / 1e6, 2) + " M";
  if (n >= 1'000) return Fixed(v / 1e3, 2) + " K";
  return std::to_string(n);
}

std::string IncompleteReason(const analyzer::ModelTotals& t) {
  if (t.complete) return "";
  std::string why;
  if (t.unknown_ops > 0) {
    std::string types;
    for (const auto& s : t.unknown_op_types) types += (types.empty() ? "" : ", ") + s;
    why = std::to_string(t.unknown_ops) + " layers of unknown work" +
          (types.empty() ? "" : " (" + types + ")");
  }
  if (t.unresolved_layers > 0) {
    why += (why.empty() ? "" : "; ") + std::to_string(t.unresolved_layers) +
           " layers whose shapes could not be resolved (their work is not counted)";
  }
  return why.empty() ? "some work could not be counted" : why;
}

std::string HumanBytes(int64_t n) {
  double v = static_cast<double>(n);
  if (n >= (int64_t{1} << 30)) return Fixed(v / (1 << 30), 2) + " GiB";
  if (n >= (int64_t{1} << 20)) return Fixed(v / (1 << 20), 2) + " MiB";
  if (n >= 1024) return Fixed(v / 1024, 1) + " KiB";
  return std::to_string(n) + " B";
}

std::string JsonText(const ordered_json& j, int indent) {
  return j.dump(indent, ' ', false, ordered_json::error_handler_t::replace);
}

ordered_json TensorListJson(const analyzer::Graph& g, const std::vector<int32_t>& ids) {
  ordered_json out = ordered_json::array();
  for (int32_t id : ids) {
    const auto& t = g.tensors[id];
    out.push_back({{"name", t.name}, {"dtype", analyzer::DTypeName(t.dtype)}, {"shape", t.shape}});
  }
  return out;
}

}  // namespace mbench::report
