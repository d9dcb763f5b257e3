#include "report/analysis_report.h"
#include "report/format.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "calibration/records.h"
#include "core/build_info.h"
#include "core/csv.h"
#include "core/text.h"
#include "report/text_table.h"

namespace mbench::report {
namespace {

using analyzer::LayerAnalysis;
using analyzer::LoadedModel;
using analyzer::ModelAnalysis;
using nlohmann::ordered_json;

std::string ShapesToString(const std::vector<analyzer::Shape>& shapes) {
  std::string out;
  for (const auto& s : shapes) out += (out.empty() ? "" : ",") + analyzer::ShapeToString(s);
  return out;
}

std::string RenderJson(const LoadedModel& m, const ModelAnalysis& a) {
  const auto& t = a.totals;
  ordered_json j;
  j["schema_version"] = kAnalyzeSchemaVersion;
  j["model"] = {{"path", m.path},
                {"format", analyzer::ModelFormatName(m.format)},
                {"sha256", m.sha256},
                {"size_bytes", m.size_bytes},
                {"producer", m.graph.producer},
                {"opset", m.graph.opset}};
  j["inputs"] = TensorListJson(m.graph, m.graph.inputs);
  j["outputs"] = TensorListJson(m.graph, m.graph.outputs);
  j["totals"] = {{"macs", t.macs},
                 {"flops", t.flops},
                 {"params", t.params},
                 {"params_stored", t.params_stored},
                 {"buffers", t.buffers},
                 {"weight_bytes", t.weight_bytes},
                 {"weight_bytes_by_dtype", t.weight_bytes_by_dtype},
                 {"activation_bytes_peak", t.activation_bytes_peak},
                 {"activation_bytes_sum", t.activation_bytes_sum},
                 {"unknown_ops", t.unknown_ops},
                 {"unknown_op_types", t.unknown_op_types},
                 {"unresolved_layers", t.unresolved_layers},
                 {"complete", t.complete}};
  ordered_json layers = ordered_json::array();
  for (const LayerAnalysis& l : a.layers) {
    layers.push_back({{"index", l.index},
                      {"name", l.name},
                      {"op", analyzer::OpKindName(l.kind)},
                      {"op_type", l.op_type},
                      {"input_shapes", l.input_shapes},
                      {"output_shapes", l.output_shapes},
                      {"macs", l.macs},
                      {"flops", l.flops},
                      {"params", l.params},
                      {"buffers", l.buffers},
                      {"weight_bytes", l.weight_bytes},
                      {"weight_bytes_by_dtype", l.weight_bytes_by_dtype},
                      {"activation_bytes", l.activation_bytes()},
                      {"input_bytes", l.input_bytes},
                      {"output_bytes", l.output_bytes},
                      {"arithmetic_intensity", l.arithmetic_intensity},
                      {"costed", l.costed},
                      {"shapes_resolved", l.shapes_resolved},
                      {"note", l.note}});
  }
  j["layers"] = std::move(layers);
  j["notes"] = m.graph.notes;
  j["build"] = calibration::BuildJson();
  return JsonText(j) + "\n";
}

std::string RenderCsv(const ModelAnalysis& a) {
  std::ostringstream os;
  os << "index,name,op,op_type,input_shapes,output_shapes,macs,flops,params,buffers,"
        "weight_bytes,input_bytes,output_bytes,arithmetic_intensity,costed,shapes_resolved,note\n";
  for (const LayerAnalysis& l : a.layers) {
    os << l.index << ',' << CsvField(l.name) << ',' << analyzer::OpKindName(l.kind) << ','
       << CsvField(l.op_type) << ',' << CsvField(ShapesToString(l.input_shapes)) << ','
       << CsvField(ShapesToString(l.output_shapes)) << ',' << l.macs << ',' << l.flops << ','
       << l.params << ',' << l.buffers << ',' << l.weight_bytes << ',' << l.input_bytes << ','
       << l.output_bytes << ',' << Fixed(l.arithmetic_intensity, 3) << ',' << (l.costed ? 1 : 0)
       << ',' << (l.shapes_resolved ? 1 : 0) << ',' << CsvField(l.note) << '\n';
  }
  return os.str();
}

std::string RenderText(const LoadedModel& m, const ModelAnalysis& a, bool md, size_t width) {
  std::ostringstream os;
  const auto& t = a.totals;
  std::string h = md ? "## " : "";
  os << (md ? "# mbench analyze: " : "mbench analyze: ") << m.path << "\n";
  if (md) os << "\n";
  os << Wrapped("format " + std::string(analyzer::ModelFormatName(m.format)) + ", opset " +
                    std::to_string(m.graph.opset) + ", producer '" + m.graph.producer + "', " +
                    HumanBytes(m.size_bytes) + ", sha256 " + m.sha256.substr(0, 16),
                md ? 0 : width, "  ");
  for (int32_t id : m.graph.inputs) {
    const auto& ti = m.graph.tensors[id];
    os << (md ? "- " : "  ") << "input  " << ti.name << ": " << analyzer::DTypeName(ti.dtype) << " "
       << analyzer::ShapeToString(ti.shape) << "\n";
  }
  for (int32_t id : m.graph.outputs) {
    const auto& ti = m.graph.tensors[id];
    os << (md ? "- " : "  ") << "output " << ti.name << ": " << analyzer::DTypeName(ti.dtype) << " "
       << analyzer::ShapeToString(ti.shape) << "\n";
  }
  os << "\n";
  // Narrow terminals lose the byte counts first, then the intensity; names are elided.
  const std::vector<TextColumn> columns = {{"#", true},
                                           {"layer", false, 0, 16},
                                           {"op"},
                                           {"output shape", false, 6, 12},
                                           {"MACs(M)", true},
                                           {"FLOPs(M)", true, 5},
                                           {"params", true, 4},
                                           {"weights(KiB)", true, 2},
                                           {"act(KiB)", true, 1},
                                           {"FLOP/B", true, 3},
                                           {"note", false, 7, 12, true}};
  std::vector<std::vector<std::string>> rows;
  for (const LayerAnalysis& l : a.layers) {
    std::string note = l.note;
    if (!l.costed)
      note = "UNKNOWN: " + note;
    else if (!l.shapes_resolved)
      note = "UNRESOLVED: " + note;
    rows.push_back({std::to_string(l.index), md ? l.name : ElideMiddle(l.name, 40),
                    analyzer::OpKindName(l.kind), ShapesToString(l.output_shapes),
                    Fixed(l.macs / 1e6, 3), Fixed(l.flops / 1e6, 3), std::to_string(l.params),
                    Fixed(l.weight_bytes / 1024.0, 1), Fixed(l.activation_bytes() / 1024.0, 1),
                    Fixed(l.arithmetic_intensity, 2), note});
  }
  if (md) {
    os << MarkdownTable(columns, rows) << "\n";
  } else {
    TextTable table(columns, "");
    for (auto& r : rows) table.AddRow(std::move(r));
    os << table.Render(width) << "\n";
  }
  os << h << "totals" << (t.complete ? "" : " (INCOMPLETE: lower bounds, see below)") << "\n";
  if (md) os << "\n";
  auto kv = [&](const std::string& k, const std::string& v) {
    if (md) {
      os << "- **" << k << "**: " << v << "\n";
    } else {
      os << Wrapped("  " + k + std::string(24 - std::min<size_t>(23, k.size()), ' ') + v, width,
                    std::string(26, ' '));
    }
  };
  kv("layers", std::to_string(a.layers.size()));
  kv("macs", std::to_string(t.macs) + " (" + HumanCount(t.macs) + ")");
  kv("flops", std::to_string(t.flops) + " (" + HumanCount(t.flops) + ")");
  kv("params", std::to_string(t.params) + " (" + HumanCount(t.params) + ")");
  if (t.params_stored != t.params) {
    kv("params_stored", std::to_string(t.params_stored) + " (sparse weights: values stored)");
  }
  kv("buffers", std::to_string(t.buffers));
  std::string by_dtype;
  for (const auto& [dt, bytes] : t.weight_bytes_by_dtype) {
    by_dtype += (by_dtype.empty() ? "" : ", ") + dt + " " + HumanBytes(bytes);
  }
  kv("weight_bytes", std::to_string(t.weight_bytes) + " (" + HumanBytes(t.weight_bytes) +
                         (by_dtype.empty() ? "" : "; " + by_dtype) + ")");
  kv("activation_bytes_peak", std::to_string(t.activation_bytes_peak) + " (" +
                                  HumanBytes(t.activation_bytes_peak) + ", live at once)");
  kv("activation_bytes_sum", std::to_string(t.activation_bytes_sum) + " (" +
                                 HumanBytes(t.activation_bytes_sum) + ", naive: no reuse)");
  std::string unknown = std::to_string(t.unknown_ops);
  if (!t.unknown_op_types.empty()) {
    unknown += " (";
    for (size_t i = 0; i < t.unknown_op_types.size(); ++i) {
      unknown += (i ? ", " : "") + t.unknown_op_types[i];
    }
    unknown += ": work not counted)";
  }
  kv("unknown_ops", unknown);
  if (t.unresolved_layers > 0) {
    kv("unresolved_layers", std::to_string(t.unresolved_layers) +
                                " (shapes unknown: counts for them are missing; fix inputs with "
                                "--input-shape)");
  }
  if (!m.graph.notes.empty()) {
    os << "\n" << h << "notes\n";
    if (md) os << "\n";
    for (const auto& n : m.graph.notes)
      os << (md ? "- " + n + "\n" : Wrapped("  " + n, width, "    "));
  }
  const BuildInfo& b = GetBuildInfo();
  os << "\n"
     << Wrapped("mbench " + b.version + " (" + b.git_commit + ", " + b.build_type + ", " +
                    b.compiler + "); conventions: docs/counting.md",
                md ? 0 : width, "  ");
  return os.str();
}

}  // namespace

std::string RenderAnalysis(const LoadedModel& model, const ModelAnalysis& analysis,
                           ReportFormat format, size_t width) {
  switch (format) {
    case ReportFormat::kJson: return RenderJson(model, analysis);
    case ReportFormat::kCsv: return RenderCsv(analysis);
    case ReportFormat::kMarkdown: return RenderText(model, analysis, /*md=*/true, 0);
    case ReportFormat::kTable: return RenderText(model, analysis, /*md=*/false, width);
  }
  return "";
}

}  // namespace mbench::report
