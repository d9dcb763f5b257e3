#include "report/grade.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "calibration/records.h"
#include "core/text.h"
#include "report/format.h"

namespace mbench::report {
namespace {

using nlohmann::ordered_json;

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

// Milliseconds with three significant digits: 0.123, 1.23, 12.3, 123.
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
    out += Truncate(k.name, name_width) + " " + Fmt("%.0f%%", 100.0 * k.ms / p.latency_ms);
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

// "onnx, 13.3 MiB, sha256 1a2b..." or, for a zoo model (no file), its weights at fp32.
std::string ModelLine(const GradeReport& r) {
  const auto& m = *r.model;
  std::string size =
      m.format == analyzer::ModelFormat::kZoo
          ? "built in, " + HumanBytes(r.analysis->totals.weight_bytes) + " of weights"
          : HumanBytes(m.size_bytes);
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

std::string RenderTable(const GradeReport& r, bool markdown) {
  std::ostringstream os;
  const auto& m = *r.model;
  std::string setup = r.compute_unit + ", " + r.precision +
                      (r.threads > 0 ? ", " + std::to_string(r.threads) + " threads" : "");
  if (markdown) {
    os << "# mbench grade: " << m.path << "\n\n"
       << "| | |\n|---|---|\n"
       << "| Model | " << MarkdownCell(ModelLine(r)) << " |\n"
       << "| Inputs | " << MarkdownCell(Inputs(m.graph)) << " |\n"
       << "| Work | " << MarkdownCell(Summary(r)) << " |\n\n"
       << "## Runtime compatibility\n\n| runtime | ops |\n|---|---|\n";
    for (const auto& c : r.compatibility) {
      os << "| " << c.name << " | " << MarkdownCell(Compat(c)) << " |\n";
    }
    os << "\n## Predicted latency (" << setup << ", 90% interval)\n\n"
       << "| device | year | setup | latency ms | interval ms | fps | mJ/inference |";
    for (double f : r.battery_fps) os << " battery h @" << Fmt("%g", f) << " FPS |";
    os << " bound | heaviest kernels | calibration |\n|---|---:|---|---:|---:|---:|---:|";
    for (size_t i = 0; i < r.battery_fps.size(); ++i) os << "---:|";
    os << "---|---|---|\n";
    for (const auto& g : r.predictions) {
      const auto& p = g.p;
      os << "| " << p.device_name << " | " << p.release_year << " | " << Setup(p) << " | "
         << Ms(p.latency_ms) << " | " << Ms(p.latency_low_ms) << "–" << Ms(p.latency_high_ms)
         << " | " << Fmt("%.1f", p.fps) << " | " << Energy(p) << " |";
      for (double h : g.battery_hours) os << " " << Hours(h) << " |";
      os << " " << p.bound << " | " << MarkdownCell(Heaviest(p, 3, 40)) << " | " << p.target_key
         << ": " << p.calibration << (p.extrapolation.empty() ? "" : "; " + p.extrapolation)
         << (p.anchor.empty() ? "" : "; " + MarkdownCell(p.anchor))
         << (p.speed_check.empty() ? "" : "; " + MarkdownCell(p.speed_check)) << " |\n";
    }
  } else {
    os << "mbench grade: " << m.path << "\n"
       << "  model     " << ModelLine(r) << "\n"
       << "  inputs    " << Inputs(m.graph) << "\n"
       << "  work      " << Summary(r) << "\n\n"
       << "Runtime compatibility\n";
    for (const auto& c : r.compatibility) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "  %-27s ", c.name.c_str());
      os << buf << Compat(c) << "\n";
    }
    os << "\nPredicted latency (" << setup << "; 90% interval from each profile's "
       << "cross-validated error)\n";
    char buf[512];
    std::string battery_head;
    for (double f : r.battery_fps)
      battery_head += (battery_head.empty() ? "" : "/") + Fmt("@%g", f);
    std::snprintf(buf, sizeof(buf), "  %-30s %4s %-19s %8s %-17s %6s %7s %10s %-8s %s\n", "device",
                  "year", "setup", "ms", "interval", "fps", "mJ",
                  ("batt h " + battery_head).c_str(), "bound", "heaviest kernel");
    os << buf;
    for (const auto& g : r.predictions) {
      const auto& p = g.p;
      std::string hours;
      for (double h : g.battery_hours) hours += (hours.empty() ? "" : "/") + Hours(h);
      std::snprintf(buf, sizeof(buf), "  %-30s %4d %-19s %8s %-17s %6.1f %7s %10s %-8s %s\n",
                    Truncate(p.device_name, 30).c_str(), p.release_year, Setup(p).c_str(),
                    Ms(p.latency_ms).c_str(),
                    ("[" + Ms(p.latency_low_ms) + ", " + Ms(p.latency_high_ms) + "]").c_str(),
                    p.fps, Energy(p).c_str(), hours.c_str(), p.bound.c_str(),
                    Heaviest(p, 1, 28).c_str());
      os << buf;
    }
  }
  if (!r.not_predicted.empty()) {
    os << (markdown ? "\n**Not predicted**\n\n" : "\n  not predicted:\n");
    for (const auto& [id, why] : r.not_predicted) {
      os << (markdown ? "- " : "    ") << why << "\n";
    }
  }
  if (!r.coverage.empty()) os << (markdown ? "\n" : "\n") << r.coverage << "\n";
  bool any_fallback = false;
  for (const auto& g : r.predictions) any_fallback |= !g.p.fallback_ops.empty();
  if (any_fallback) {
    os << (markdown ? "\n**Ops falling back to the CPU**\n\n" : "\nOps falling back to the CPU\n");
    for (const auto& g : r.predictions) {
      if (g.p.fallback_ops.empty()) continue;
      std::string ops;
      for (const auto& o : g.p.fallback_ops) ops += (ops.empty() ? "" : ", ") + o;
      os << (markdown ? "- " : "  ") << g.p.device_id << " " << g.p.target_key << ": " << ops
         << " (" << Ms(g.p.fallback_ms) << " ms of the total)\n";
    }
  }
  if (!markdown) {
    os << "\nWhere the numbers come from (profiles in " << r.profile_dir << ")\n";
    for (const auto& g : r.predictions) {
      const auto& p = g.p;
      os << "  " << p.device_id << " " << p.target_key << ": " << p.calibration
         << (p.extrapolation.empty() ? "" : "; " + p.extrapolation) << "\n";
      if (!p.speed_check.empty()) os << "    " << p.speed_check << "\n";
      if (!p.anchor.empty()) os << "    " << p.anchor << "\n";
    }
  }
  if (!r.warnings.empty()) {
    os << (markdown ? "\n## Warnings\n\n" : "\nWarnings\n");
    for (const auto& w : r.warnings) os << (markdown ? "- " : "  ! ") << w << "\n";
  }
  return os.str();
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

std::string Html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Horizontal bars with interval whiskers, one per prediction, on a log axis (latencies across
// devices span three orders of magnitude).
std::string LatencySvg(const GradeReport& r) {
  const int label_w = 330, plot_w = 520, row_h = 22, top = 30;
  const int h = top + row_h * static_cast<int>(r.predictions.size()) + 30;
  double lo = 1e300, hi = 0;
  for (const auto& g : r.predictions) {
    lo = std::min(lo, g.p.latency_low_ms);
    hi = std::max(hi, g.p.latency_high_ms);
  }
  if (r.predictions.empty()) return "";
  double l0 = std::floor(std::log10(std::max(lo, 1e-3))), l1 = std::ceil(std::log10(hi));
  if (l1 <= l0) l1 = l0 + 1;
  auto x = [&](double ms) {
    return label_w + plot_w * (std::log10(std::max(ms, 1e-3)) - l0) / (l1 - l0);
  };
  std::ostringstream os;
  os << "<svg xmlns='http://www.w3.org/2000/svg' width='" << label_w + plot_w + 80 << "' height='"
     << h << "' font-family='sans-serif' font-size='12'>";
  for (double e = l0; e <= l1; e += 1) {
    double v = std::pow(10.0, e);
    os << "<line x1='" << x(v) << "' x2='" << x(v) << "' y1='" << top - 8 << "' y2='" << h - 24
       << "' stroke='#ddd'/><text x='" << x(v) << "' y='" << h - 8
       << "' text-anchor='middle' fill='#555'>" << Ms(v) << " ms</text>";
  }
  if (r.target_fps > 0) {
    double v = 1000.0 / r.target_fps;
    os << "<line x1='" << x(v) << "' x2='" << x(v) << "' y1='" << top - 12 << "' y2='" << h - 24
       << "' stroke='#c00' stroke-dasharray='4,3'/><text x='" << x(v) << "' y='" << top - 14
       << "' text-anchor='middle' fill='#c00'>" << Fmt("%g", r.target_fps) << " FPS</text>";
  }
  int y = top;
  for (const auto& g : r.predictions) {
    const auto& p = g.p;
    bool miss = r.target_fps > 0 && p.fps < r.target_fps;
    os << "<text x='" << label_w - 8 << "' y='" << y + 14 << "' text-anchor='end'>"
       << Html(Truncate(p.device_name, 32) + " · " + Setup(p)) << "</text>";
    os << "<rect x='" << label_w << "' y='" << y + 4 << "' width='"
       << std::max(1.0, x(p.latency_ms) - label_w) << "' height='" << row_h - 8 << "' fill='"
       << (miss ? "#e8a0a0" : "#7aa7d8") << "'><title>" << Html(p.target_key + ": " + p.calibration)
       << "</title></rect>";
    double yc = y + row_h / 2.0;
    os << "<line x1='" << x(p.latency_low_ms) << "' x2='" << x(p.latency_high_ms) << "' y1='" << yc
       << "' y2='" << yc << "' stroke='#222'/>";
    for (double v : {p.latency_low_ms, p.latency_high_ms}) {
      os << "<line x1='" << x(v) << "' x2='" << x(v) << "' y1='" << yc - 5 << "' y2='" << yc + 5
         << "' stroke='#222'/>";
    }
    os << "<text x='" << x(p.latency_high_ms) + 6 << "' y='" << y + 14 << "'>" << Ms(p.latency_ms)
       << " ms</text>";
    y += row_h;
  }
  os << "</svg>";
  return os.str();
}

// The kernels of one prediction, heaviest first, with their share of the total.
std::string KernelSvg(const estimator::Prediction& p) {
  std::vector<estimator::KernelTime> k = p.kernel_times;
  std::stable_sort(k.begin(), k.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
  const size_t shown = std::min<size_t>(k.size(), 25);
  double rest = 0;
  for (size_t i = shown; i < k.size(); ++i) rest += k[i].ms;
  const int label_w = 330, plot_w = 420, row_h = 18;
  const int rows = static_cast<int>(shown) + (rest > 0 ? 1 : 0);
  double max_ms = 0;
  for (size_t i = 0; i < shown; ++i) max_ms = std::max(max_ms, k[i].ms);
  max_ms = std::max(max_ms, rest);
  if (max_ms <= 0) return "";
  std::ostringstream os;
  os << "<svg xmlns='http://www.w3.org/2000/svg' width='" << label_w + plot_w + 120 << "' height='"
     << rows * row_h + 10 << "' font-family='sans-serif' font-size='11'>";
  auto bar = [&](int row, const std::string& label, const std::string& cls, double ms, bool fb) {
    int y = row * row_h;
    const char* color = cls == "conv"        ? "#4e79a7"
                        : cls == "pointwise" ? "#59a14f"
                        : cls == "depthwise" ? "#f28e2b"
                        : cls == "gemm"      ? "#b07aa1"
                                             : "#9c9c9c";
    os << "<text x='" << label_w - 6 << "' y='" << y + 13 << "' text-anchor='end'>" << Html(label)
       << "</text><rect x='" << label_w << "' y='" << y + 3 << "' width='"
       << std::max(1.0, plot_w * ms / max_ms) << "' height='" << row_h - 5 << "' fill='"
       << (fb ? "#d62728" : color) << "'/><text x='" << label_w + plot_w * ms / max_ms + 5
       << "' y='" << y + 13 << "'>" << Ms(ms) << " ms (" << Fmt("%.1f", 100 * ms / p.latency_ms)
       << "%)</text>";
  };
  for (size_t i = 0; i < shown; ++i) {
    bar(static_cast<int>(i), Truncate(k[i].name, 44) + " [" + k[i].cls + "]", k[i].cls, k[i].ms,
        k[i].fallback);
  }
  if (rest > 0) {
    bar(static_cast<int>(shown), std::to_string(k.size() - shown) + " more kernels", "rest", rest,
        false);
  }
  os << "</svg>";
  return os.str();
}

std::string RenderHtml(const GradeReport& r) {
  const auto& m = *r.model;
  std::ostringstream os;
  os << "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>mbench grade: "
     << Html(m.path) << "</title><style>"
     << "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}"
     << "table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;"
     << "padding:3px 8px;font-size:13px;text-align:left}th{background:#f3f3f3}"
     << "td.n{text-align:right}.ok{color:#1a7f37}.bad{color:#b42318}.small{font-size:12px;"
     << "color:#555}h2{margin-top:28px}</style></head><body>";
  os << "<h1>mbench grade</h1><table>"
     << "<tr><th>Model</th><td>" << Html(m.path) << " (" << Html(ModelLine(r)) << ")</td></tr>"
     << "<tr><th>Inputs</th><td>" << Html(Inputs(m.graph)) << "</td></tr>"
     << "<tr><th>Work</th><td>" << Html(Summary(r)) << "</td></tr></table>";
  os << "<h2>Runtime compatibility</h2><table><tr><th>runtime</th><th>status</th>"
     << "<th class='small'>op list source</th></tr>";
  for (const auto& c : r.compatibility) {
    os << "<tr><td>" << Html(c.name) << "</td><td class='"
       << (c.unsupported_ops.empty() ? "ok" : "bad") << "'>" << Html(Compat(c))
       << "</td><td class='small'>" << Html(c.source) << "</td></tr>";
  }
  os << "</table>";
  os << "<h2>Predicted latency</h2><p class='small'>" << Html(r.compute_unit) << ", "
     << Html(r.precision) << ". Bars: point prediction; whiskers: 90% interval from each "
     << "profile's cross-validated error. Log scale.</p>" << LatencySvg(r);
  os << "<table><tr><th>device</th><th>year</th><th>setup</th><th>ms</th><th>90% interval</th>"
     << "<th>fps</th><th>mJ/inference</th>";
  for (double f : r.battery_fps) os << "<th>battery h @" << Fmt("%g", f) << " FPS</th>";
  os << "<th>bound</th><th>heaviest kernels</th><th>calibration</th></tr>";
  for (const auto& g : r.predictions) {
    const auto& p = g.p;
    os << "<tr><td>" << Html(p.device_name) << "</td><td class='n'>" << p.release_year
       << "</td><td>" << Html(Setup(p)) << "</td><td class='n'>" << Ms(p.latency_ms)
       << "</td><td class='n'>" << Ms(p.latency_low_ms) << " – " << Ms(p.latency_high_ms)
       << "</td><td class='n'>" << Fmt("%.1f", p.fps) << "</td><td class='n'>" << Energy(p)
       << "</td>";
    for (double h : g.battery_hours) os << "<td class='n'>" << Hours(h) << "</td>";
    os << "<td>" << p.bound << "</td><td class='small'>" << Html(Heaviest(p, 3, 40))
       << "</td><td class='small'>" << Html(p.target_key + ": " + p.calibration)
       << (p.extrapolation.empty() ? "" : "; " + Html(p.extrapolation))
       << (p.anchor.empty() ? "" : "; " + Html(p.anchor))
       << (p.speed_check.empty() ? "" : "; " + Html(p.speed_check)) << "</td></tr>";
  }
  os << "</table>";
  if (!r.coverage.empty()) os << "<p><b>" << Html(r.coverage) << "</b></p>";
  if (!r.not_predicted.empty()) {
    os << "<p class='small'>Not predicted:</p><ul class='small'>";
    for (const auto& [id, why] : r.not_predicted) os << "<li>" << Html(why) << "</li>";
    os << "</ul>";
  }
  if (!r.predictions.empty()) {
    const auto& first = r.predictions.front().p;
    os << "<h2>Where the time goes: " << Html(first.device_name) << " (" << Html(Setup(first))
       << ")</h2><p class='small'>Kernels after fusion (convolution + BatchNorm + activation "
       << "count as one). Colours: conv, pointwise, depthwise, gemm, memory-bound; red: falls "
       << "back to the CPU.</p>" << KernelSvg(first);
  }
  if (!r.warnings.empty()) {
    os << "<h2>Warnings</h2><ul>";
    for (const auto& w : r.warnings) os << "<li>" << Html(w) << "</li>";
    os << "</ul>";
  }
  const auto build = calibration::BuildJson();
  os << "<p class='small'>mbench " << Html(build["version"].get<std::string>()) << " ("
     << Html(build["git_commit"].get<std::string>()) << ", "
     << Html(build["build_type"].get<std::string>()) << "); profiles from " << Html(r.profile_dir)
     << "</p></body></html>\n";
  return os.str();
}

}  // namespace

std::string RenderGrade(const GradeReport& report, GradeFormat format) {
  switch (format) {
    case GradeFormat::kJson: return RenderJson(report);
    case GradeFormat::kMarkdown: return RenderTable(report, true);
    case GradeFormat::kHtml: return RenderHtml(report);
    case GradeFormat::kTable: break;
  }
  return RenderTable(report, false);
}

}  // namespace mbench::report
