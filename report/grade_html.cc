#include <algorithm>
#include <cmath>
#include <sstream>

#include "calibration/records.h"
#include "report/format.h"
#include "report/grade_parts.h"

namespace mbench::report::grade_parts {
namespace {

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

}  // namespace

std::string RenderGradeHtml(const GradeReport& r) {
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

}  // namespace mbench::report::grade_parts
