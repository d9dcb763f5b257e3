#include "report/grade.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "calibration/records.h"
#include "core/csv.h"
#include "core/text.h"
#include "report/format.h"
#include "report/grade_parts.h"
#include "report/text_table.h"

namespace mbench::report {
namespace grade_parts {

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string Ms(double ms) {
  if (ms < 1) return Fmt("%.3f", ms);
  if (ms < 10) return Fmt("%.2f", ms);
  if (ms < 100) return Fmt("%.1f", ms);
  return Fmt("%.0f", ms);
}

std::string Hours(double h) {
  if (h < 0) return "n/a";
  if (h >= 1000) return ">999";
  return h < 10 ? Fmt("%.1f", h) : Fmt("%.0f", h);
}

std::string Energy(const estimator::Prediction& p) {
  return p.energy_mj < 0 ? "n/a"
                         : (p.energy_mj < 10 ? Fmt("%.2f", p.energy_mj) : Fmt("%.0f", p.energy_mj));
}

std::string Setup(const estimator::Prediction& p) {
  std::string s = p.compute_unit + " " + p.runtime + " " + p.precision;
  if (p.compute_unit == "cpu") s += " " + std::to_string(p.threads) + "t";
  if (p.compute_unit == "cpu" && !p.cluster.empty() && p.cluster != "big" && p.cluster != "all") {
    s += "-" + p.cluster;
  }
  return s;
}

std::string Heaviest(const estimator::Prediction& p, size_t count, size_t name_width) {
  std::string out;
  for (size_t i = 0; i < p.top_kernels.size() && i < count; ++i) {
    const auto& k = p.top_kernels[i];
    if (!out.empty()) out += ", ";
    out += ElideMiddle(k.name, name_width) + " " + Fmt("%.0f%%", 100.0 * k.ms / p.latency_ms);
  }
  return out;
}

std::string Inputs(const analyzer::Graph& g) {
  std::string out;
  for (int32_t id : g.inputs) {
    const auto& t = g.tensors[id];
    if (!out.empty()) out += ", ";
    out += t.name + " " + analyzer::ShapeToString(t.shape) + " " + analyzer::DTypeName(t.dtype);
  }
  return out.empty() ? "none" : out;
}

int64_t ShippedBytes(const GradeReport& r) {
  return r.model->format == analyzer::ModelFormat::kZoo ? r.analysis->totals.weight_bytes
                                                        : r.model->size_bytes;
}

std::string ModelLine(const GradeReport& r) {
  const auto& m = *r.model;
  std::string size = m.format == analyzer::ModelFormat::kZoo
                         ? "built in, " + HumanBytes(ShippedBytes(r)) + " of weights"
                         : HumanBytes(ShippedBytes(r));
  return std::string(analyzer::ModelFormatName(m.format)) + ", " + size + ", sha256 " +
         m.sha256.substr(0, 12);
}

std::string Compat(const CompatibilityRow& c) {
  if (c.unsupported_ops.empty()) return "supported";
  std::string out = "not supported: ";
  for (size_t i = 0; i < c.unsupported_ops.size(); ++i) {
    if (i) out += ", ";
    out += c.unsupported_ops[i];
  }
  return out;
}

std::string Summary(const GradeReport& r) {
  const auto& t = r.analysis->totals;
  std::ostringstream os;
  os << HumanCount(t.macs) << " MACs, " << Fmt("%.1f", t.flops / 1e6) << " MFLOPs, "
     << HumanCount(t.params) << " params (" << HumanBytes(t.weight_bytes) << "), peak activations "
     << HumanBytes(t.activation_bytes_peak);
  if (!t.complete) os << " [incomplete: " << IncompleteReason(t) << "]";
  return os.str();
}

std::string Verdict(const GradeReport& r) {
  size_t runs = 0;
  for (const auto& c : r.compatibility) runs += c.unsupported_ops.empty();
  const int64_t bytes = ShippedBytes(r);
  return "runs on " + std::to_string(runs) + " of " + std::to_string(r.compatibility.size()) +
         " runtimes; " + HumanBytes(bytes) + (bytes > kCellularLimitBytes ? ", OVER" : ", under") +
         " the 200 MB cellular download limit";
}

const GradePrediction* Reference(const GradeReport& r) {
  return r.predictions.empty() ? nullptr : &r.predictions.front();
}

std::string Html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace grade_parts

namespace {

using nlohmann::ordered_json;
using namespace grade_parts;  // NOLINT: this file renders them

std::string RequestLine(const GradeReport& r) {
  return r.compute_unit + ", " + r.precision +
         (r.threads > 0 ? ", " + std::to_string(r.threads) + " threads" : "");
}

std::string BatteryHead(const GradeReport& r) {
  std::string head;
  for (double f : r.battery_fps) head += (head.empty() ? "" : "/") + Fmt("@%g", f);
  return "batt h " + head;
}

std::string BatteryCell(const GradePrediction& g) {
  std::string hours;
  for (double h : g.battery_hours) hours += (hours.empty() ? "" : "/") + Hours(h);
  return hours;
}

std::string CvCell(const estimator::Prediction& p) {
  return p.cv_mape_pct > 0 ? Fmt("%.0f%%", p.cv_mape_pct) : "-";
}

std::string RenderMarkdown(const GradeReport& r) {
  std::ostringstream os;
  const auto& m = *r.model;
  os << "# mbench grade: " << m.path << "\n\n"
     << "| | |\n|---|---|\n"
     << "| Model | " << MarkdownCell(ModelLine(r)) << " |\n"
     << "| Inputs | " << MarkdownCell(Inputs(m.graph)) << " |\n"
     << "| Work | " << MarkdownCell(Summary(r)) << " |\n"
     << "| Verdict | " << MarkdownCell(Verdict(r)) << " |\n\n"
     << "## Runtime compatibility\n\n| runtime | ops |\n|---|---|\n";
  for (const auto& c : r.compatibility) {
    os << "| " << c.name << " | " << MarkdownCell(Compat(c)) << " |\n";
  }
  os << "\n## Predicted latency (" << RequestLine(r) << ", 90% interval)\n\n"
     << "| device | year | setup | latency ms | interval ms | fps | mJ/inference |";
  for (double f : r.battery_fps) os << " battery h @" << Fmt("%g", f) << " FPS |";
  os << " bound | heaviest kernels | calibration |\n|---|---:|---|---:|---:|---:|---:|";
  for (size_t i = 0; i < r.battery_fps.size(); ++i) os << "---:|";
  os << "---|---|---|\n";
  for (const auto& g : r.predictions) {
    const auto& p = g.p;
    os << "| " << MarkdownCell(p.device_name) << " | " << p.release_year << " | " << Setup(p)
       << " | " << Ms(p.latency_ms) << " | " << Ms(p.latency_low_ms) << "–" << Ms(p.latency_high_ms)
       << " | " << Fmt("%.1f", p.fps) << " | " << Energy(p) << " |";
    for (double h : g.battery_hours) os << " " << Hours(h) << " |";
    os << " " << p.bound << " | " << MarkdownCell(Heaviest(p, 3, 40)) << " | " << p.target_key
       << ": " << MarkdownCell(p.calibration)
       << (p.extrapolation.empty() ? "" : "; " + MarkdownCell(p.extrapolation))
       << (p.anchor.empty() ? "" : "; " + MarkdownCell(p.anchor))
       << (p.speed_check.empty() ? "" : "; " + MarkdownCell(p.speed_check)) << " |\n";
  }
  if (!r.not_predicted.empty()) {
    os << "\n**Not predicted**\n\n";
    for (const auto& [id, why] : r.not_predicted) os << "- " << MarkdownCell(why) << "\n";
  }
  if (!r.coverage.empty()) os << "\n" << r.coverage << "\n";
  bool any_fallback = false;
  for (const auto& g : r.predictions) any_fallback |= !g.p.fallback_ops.empty();
  if (any_fallback) {
    os << "\n**Ops falling back to the CPU**\n\n";
    for (const auto& g : r.predictions) {
      if (g.p.fallback_ops.empty()) continue;
      std::string ops;
      for (const auto& o : g.p.fallback_ops) ops += (ops.empty() ? "" : ", ") + o;
      os << "- " << g.p.device_id << " " << g.p.target_key << ": " << MarkdownCell(ops) << " ("
         << Ms(g.p.fallback_ms) << " ms of the total)\n";
    }
  }
  if (!r.warnings.empty()) {
    os << "\n## Warnings\n\n";
    for (const auto& w : r.warnings) os << "- " << MarkdownCell(w) << "\n";
  }
  return os.str();
}

// The terminal view: fits `width` columns (0: no limit). The default fits one screen; verbose
// adds each runtime's status, every fallback op, why each device was not predicted and each
// target's calibration in full.
std::string RenderText(const GradeReport& r, const GradeTextOptions& o) {
  const size_t width = o.width;
  const auto& m = *r.model;
  std::string out = Wrapped("mbench grade: " + m.path, width, "  ");
  out += Wrapped("  model    " + ModelLine(r), width, "           ");
  out += Wrapped("  inputs   " + Inputs(m.graph), width, "           ");
  out += Wrapped("  work     " + Summary(r), width, "           ");
  out += Wrapped("  verdict  " + Verdict(r), width, "           ");

  std::vector<const CompatibilityRow*> refused;
  for (const auto& c : r.compatibility) {
    if (!c.unsupported_ops.empty()) refused.push_back(&c);
  }
  out += "\n";
  if (o.verbose) {
    out += "Runtime compatibility\n";
    TextTable t({{"runtime"}, {"ops", false, 0, 20, true}, {"op list source", false, 1, 20, true}});
    for (const auto& c : r.compatibility) t.AddRow({c.name, Compat(c), c.source});
    out += t.Render(width);
  } else if (refused.empty()) {
    std::string names;
    for (const auto& c : r.compatibility) names += (names.empty() ? "" : ", ") + c.name;
    out += Wrapped("Runtime compatibility: every op runs on all " +
                       std::to_string(r.compatibility.size()) + " runtimes (" + names + ")",
                   width, "  ");
  } else {
    out += "Runtime compatibility (" + std::to_string(r.compatibility.size() - refused.size()) +
           " of " + std::to_string(r.compatibility.size()) + " run every op)\n";
    TextTable t({{"runtime"}, {"ops", false, 0, 20, true}});
    for (const auto& c : r.compatibility) t.AddRow({c.name, Compat(c)});
    out += t.Render(width);
  }

  out += "\n" + Wrapped("Predicted latency (" + RequestLine(r) +
                            "; 90% interval from each profile's cross-validated error)",
                        width, "  ");
  // Left out first when the terminal is narrow: the heaviest kernel, then bound, year, fit n...
  TextTable t({{"device", false, 0, 22},
               {"year", true, 3},
               {"setup", false, 10, 18},
               {"ms", true},
               {"90% interval", true, 9},
               {"fps", true, 7},
               {"mJ", true, 5},
               {BatteryHead(r), true, 6},
               {"fit n", true, 4},
               {"cv err", true, 8},
               {"bound", false, 2},
               {"heaviest kernel", false, 1, 15}});
  for (const auto& g : r.predictions) {
    const auto& p = g.p;
    std::string mark = p.anchors > 0 ? "*" : (!p.speed_check.empty() ? "+" : "");
    t.AddRow({p.device_name, std::to_string(p.release_year), Setup(p), Ms(p.latency_ms) + mark,
              "[" + Ms(p.latency_low_ms) + ", " + Ms(p.latency_high_ms) + "]", Fmt("%.1f", p.fps),
              Energy(p), BatteryCell(g), p.fit_points > 0 ? std::to_string(p.fit_points) : "-",
              CvCell(p), p.bound, Heaviest(p, 1, 40)});
  }
  out += t.Render(width);

  if (!r.not_predicted.empty()) {
    if (o.verbose || r.not_predicted.size() <= 2) {
      for (const auto& [id, why] : r.not_predicted) {
        out += Wrapped("  not predicted: " + why, width, "    ");
      }
    } else {
      std::string ids;
      for (const auto& [id, why] : r.not_predicted) ids += (ids.empty() ? "" : ", ") + id;
      out += Wrapped("  not predicted on " + std::to_string(r.not_predicted.size()) +
                         " devices (--verbose says why): " + ids,
                     width, "    ");
    }
  }
  if (!r.coverage.empty()) out += Wrapped("  " + r.coverage, width, "    ");

  std::map<std::string, std::vector<std::string>> fallback;  // ops -> devices
  for (const auto& g : r.predictions) {
    if (g.p.fallback_ops.empty()) continue;
    std::string ops;
    for (const auto& op : g.p.fallback_ops) ops += (ops.empty() ? "" : ", ") + op;
    if (o.verbose) ops += " (" + Ms(g.p.fallback_ms) + " ms on " + g.p.device_id + ")";
    fallback[ops].push_back(g.p.device_id);
  }
  if (!fallback.empty()) {
    out += "\nOps falling back to the CPU\n";
    for (const auto& [ops, ids] : fallback) {
      std::string who;
      for (const auto& id : ids) who += (who.empty() ? "" : ", ") + id;
      out += Wrapped("  " + ops + (o.verbose ? "" : " on " + who), width, "    ");
    }
  }

  out += "\nWhere the numbers come from\n";
  out += Wrapped("  Profiles in " + r.profile_dir +
                     ". Each target is a roofline fitted to published or measured whole-model "
                     "latencies ('fit n': how many); 'cv err' is its mean error on models held "
                     "out of the fit." +
                     (o.verbose ? "" : " --verbose shows each fit."),
                 width, "  ");
  for (const auto& g : r.predictions) {
    const auto& p = g.p;
    if (o.verbose) {
      out += Wrapped("  " + p.device_id + " " + p.target_key + ": " + p.calibration +
                         (p.extrapolation.empty() ? "" : "; " + p.extrapolation),
                     width, "      ");
    }
    if (!p.anchor.empty()) out += Wrapped("  * " + p.device_id + ": " + p.anchor, width, "    ");
    if (!p.speed_check.empty()) {
      out += Wrapped("  + " + p.device_id + ": " + p.speed_check, width, "    ");
    }
  }
  if (!r.warnings.empty()) {
    out += "\nWarnings\n";
    for (const auto& w : r.warnings) out += Wrapped("  ! " + w, width, "    ");
  }
  return out;
}

// One row per prediction, every number in its own column (units in the header).
std::string RenderCsv(const GradeReport& r) {
  std::vector<std::string> head = {
      "model",        "sha256",         "device_id",       "device_name", "release_year",
      "compute_unit", "runtime",        "precision",       "threads",     "target",
      "latency_ms",   "latency_low_ms", "latency_high_ms", "fps",         "energy_mj"};
  for (double f : r.battery_fps) head.push_back("battery_hours_at_" + Fmt("%g", f) + "fps");
  for (const char* h :
       {"bound", "heaviest_kernel", "fallback_ops", "fallback_ms", "fit_points", "cv_mape_pct",
        "calibration", "extrapolation", "anchor", "speed_check", "profile"}) {
    head.emplace_back(h);
  }
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + CsvField(cells[i]);
    out += "\n";
  };
  line(head);
  for (const auto& g : r.predictions) {
    const auto& p = g.p;
    std::vector<std::string> row = {r.model->path,
                                    r.model->sha256,
                                    p.device_id,
                                    p.device_name,
                                    std::to_string(p.release_year),
                                    p.compute_unit,
                                    p.runtime,
                                    p.precision,
                                    std::to_string(p.threads),
                                    p.target_key,
                                    ShortNumber(p.latency_ms),
                                    ShortNumber(p.latency_low_ms),
                                    ShortNumber(p.latency_high_ms),
                                    ShortNumber(p.fps),
                                    p.energy_mj < 0 ? "" : ShortNumber(p.energy_mj)};
    for (double h : g.battery_hours) row.push_back(h < 0 ? "" : ShortNumber(h));
    std::string ops;
    for (const auto& op : g.p.fallback_ops) ops += (ops.empty() ? "" : " ") + op;
    row.insert(row.end(), {p.bound, p.top_kernels.empty() ? "" : p.top_kernels.front().name, ops,
                           ShortNumber(p.fallback_ms), std::to_string(p.fit_points),
                           ShortNumber(p.cv_mape_pct), p.calibration, p.extrapolation, p.anchor,
                           p.speed_check, p.profile_path});
    line(row);
  }
  return out;
}

ordered_json PredictionJson(const GradeReport& r, const GradePrediction& g) {
  const auto& p = g.p;
  ordered_json j;
  j["device_id"] = p.device_id;
  j["device_name"] = p.device_name;
  j["soc"] = p.soc;
  j["release_year"] = p.release_year;
  j["compute_unit"] = p.compute_unit;
  j["runtime"] = p.runtime;
  j["precision"] = p.precision;
  j["threads"] = p.threads;
  j["latency_ms"] = p.latency_ms;
  j["latency_low_ms"] = p.latency_low_ms;
  j["latency_high_ms"] = p.latency_high_ms;
  j["fps"] = p.fps;
  j["energy_mj"] = p.energy_mj < 0 ? ordered_json() : ordered_json(p.energy_mj);
  j["energy_low_mj"] = p.energy_mj < 0 ? ordered_json() : ordered_json(p.energy_low_mj);
  j["energy_high_mj"] = p.energy_mj < 0 ? ordered_json() : ordered_json(p.energy_high_mj);
  ordered_json battery = ordered_json::array();
  for (size_t i = 0; i < r.battery_fps.size(); ++i) {
    double h = g.battery_hours[i];
    battery.push_back(
        {{"fps", r.battery_fps[i]}, {"hours", h < 0 ? ordered_json() : ordered_json(h)}});
  }
  j["battery_hours"] = battery;
  j["bound"] = p.bound;
  j["fallback_ops"] = p.fallback_ops;
  j["fallback_ms"] = p.fallback_ms;
  ordered_json heavy = ordered_json::array();
  for (const auto& k : p.top_kernels) {
    heavy.push_back({{"name", k.name}, {"class", k.cls}, {"ms", k.ms}, {"fallback", k.fallback}});
  }
  j["heaviest_kernels"] = heavy;
  if (!p.kernel_times.empty()) {
    ordered_json all = ordered_json::array();
    for (const auto& k : p.kernel_times) {
      all.push_back({{"index", k.kernel},
                     {"name", k.name},
                     {"class", k.cls},
                     {"ms", k.ms},
                     {"fallback", k.fallback}});
    }
    j["kernels"] = all;
  }
  j["profile"] = p.profile_path;
  j["target"] = p.target_key;
  j["calibration"] = p.calibration;
  j["extrapolation"] = p.extrapolation;
  if (!p.speed_check.empty()) j["speed_check"] = p.speed_check;
  if (p.anchors > 0) {
    j["anchor"] = {
        {"measurements", p.anchors}, {"note", p.anchor}, {"model_only_ms", p.model_only_ms}};
  }
  return j;
}

std::string RenderJson(const GradeReport& r) {
  const auto& m = *r.model;
  const auto& t = r.analysis->totals;
  ordered_json j;
  j["schema_version"] = kGradeSchemaVersion;
  j["model"] = {{"path", m.path},
                {"format", analyzer::ModelFormatName(m.format)},
                {"sha256", m.sha256},
                {"size_bytes", m.size_bytes},
                {"inputs", TensorListJson(m.graph, m.graph.inputs)}};
  j["totals"] = {{"macs", t.macs},
                 {"flops", t.flops},
                 {"params", t.params},
                 {"weight_bytes", t.weight_bytes},
                 {"activation_bytes_peak", t.activation_bytes_peak},
                 {"unknown_ops", t.unknown_ops},
                 {"complete", t.complete}};
  ordered_json compat = ordered_json::array();
  for (const auto& c : r.compatibility) {
    compat.push_back({{"runtime", c.id},
                      {"name", c.name},
                      {"supported", c.unsupported_ops.empty()},
                      {"unsupported_ops", c.unsupported_ops},
                      {"source", c.source}});
  }
  j["compatibility"] = compat;
  j["request"] = {{"compute_unit", r.compute_unit},
                  {"precision", r.precision},
                  {"threads", r.threads},
                  {"target_fps", r.target_fps}};
  ordered_json preds = ordered_json::array();
  for (const auto& g : r.predictions) preds.push_back(PredictionJson(r, g));
  j["predictions"] = preds;
  ordered_json np = ordered_json::array();
  for (const auto& [id, why] : r.not_predicted) np.push_back({{"device_id", id}, {"reason", why}});
  j["not_predicted"] = np;
  j["coverage"] = r.coverage;
  j["missed_target"] = r.missed_target;
  j["warnings"] = r.warnings;
  j["build"] = calibration::BuildJson();
  return JsonText(j) + "\n";
}

}  // namespace

std::string RenderGrade(const GradeReport& report, GradeFormat format,
                        const GradeTextOptions& text) {
  switch (format) {
    case GradeFormat::kJson: return RenderJson(report);
    case GradeFormat::kMarkdown: return RenderMarkdown(report);
    case GradeFormat::kHtml: return RenderGradeHtml(report);
    case GradeFormat::kCsv: return RenderCsv(report);
    case GradeFormat::kTable: break;
  }
  return RenderText(report, text);
}

}  // namespace mbench::report
