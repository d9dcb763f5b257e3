// The grade as one self-contained HTML page a phone team can forward: no script, no external
// resource, readable from a phone's width to a desktop's. Charts are plain HTML and CSS, so
// they reflow with the page: latency bars on a linear axis from 0 ms (bar lengths are in the
// ratio of the latencies), each device's kernels in a <details> that opens without a script.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "calibration/records.h"
#include "core/text.h"
#include "report/format.h"
#include "report/grade_parts.h"

namespace mbench::report::grade_parts {
namespace {

constexpr char kStyle[] = R"CSS(
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:16px;
 max-width:1200px;color:#1f2328;line-height:1.4}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px}
.path{color:#57606a;word-break:break-all;margin:0 0 12px}
.note{color:#57606a;font-size:.9em;margin:4px 0 10px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:10px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 12px}
.card .k{display:block;font-size:.8em;color:#57606a;text-transform:uppercase;letter-spacing:.03em}
.card .v{display:block;font-size:1.25em;font-weight:600}
.card .s{display:block;font-size:.85em;color:#57606a}
.ok{color:#1a7f37}.bad{color:#cf222e}
.chart{margin:8px 0}
.row{display:grid;grid-template-columns:minmax(120px,300px) 1fr 76px;gap:8px;align-items:center;
 margin:3px 0}
.label{font-size:.9em;overflow-wrap:anywhere}.label small{color:#57606a}
.track{position:relative;height:16px;background:#f6f8fa;border-radius:3px}
.bar{position:absolute;left:0;top:2px;bottom:2px;border-radius:2px;background:#4e79a7}
.bar.miss,.dot.miss{background:#e15759}
.dot{position:absolute;top:3px;width:10px;height:10px;margin-left:-5px;border-radius:50%;
 background:#4e79a7;z-index:1}
.whisker{position:absolute;top:7px;height:2px;background:#1f2328}
.whisker::before,.whisker::after{content:"";position:absolute;top:-4px;width:2px;height:10px;
 background:#1f2328}
.whisker::before{left:0}.whisker::after{right:0}
.gate{position:absolute;top:-3px;bottom:-3px;border-left:2px dashed #cf222e}
.val{font-size:.9em;text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.axis{position:relative;height:18px;font-size:.75em;color:#57606a}
.axis span{position:absolute;transform:translateX(-50%);white-space:nowrap}
.axisrow{display:grid;grid-template-columns:minmax(120px,300px) 1fr 76px;gap:8px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.85em;margin:6px 0}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-2px;
 margin-right:4px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.88em;margin:6px 0 12px}
th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.src{color:#57606a;font-size:.9em;min-width:220px}
details{border:1px solid #d0d7de;border-radius:8px;padding:6px 10px;margin:8px 0}
summary{cursor:pointer;font-weight:600}
footer{color:#57606a;font-size:.8em;margin-top:28px;border-top:1px solid #d0d7de;padding-top:8px}
@media (max-width:600px){
 body{padding:10px}
 .row,.axisrow{grid-template-columns:1fr 72px}
 .row .label{grid-column:1 / span 2}
 .axisrow .pad{display:none}
}
)CSS";

// Colours of the kernel classes, with the legend's words for them.
struct ClassColour {
  const char* cls;
  const char* colour;
  const char* meaning;
};
constexpr ClassColour kClasses[] = {
    {"conv", "#4e79a7", "convolution"},
    {"conv3x3s1", "#76b7b2", "3x3 convolution (stride 1)"},
    {"pointwise", "#59a14f", "pointwise (1x1) convolution"},
    {"depthwise", "#f28e2b", "depthwise convolution"},
    {"gemm", "#b07aa1", "matrix multiply / fully connected"},
    {"memory", "#9c9c9c", "memory-bound (element-wise, pooling, copies)"},
};
constexpr char kFallbackColour[] = "#e15759";

const char* Colour(const std::string& cls) {
  for (const auto& c : kClasses) {
    if (cls == c.cls) return c.colour;
  }
  return "#bab0ac";
}

std::string Pct(double v) { return Fmt("%.3f", std::clamp(v, 0.0, 100.0)) + "%"; }

// "10 ms" ticks: a round step giving four to eight ticks up to `max`.
double TickStep(double max) {
  const double raw = max / 5.0;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (raw <= m * p) return m * p;
  }
  return 10 * p;
}

std::string SummaryCards(const GradeReport& r) {
  std::ostringstream os;
  size_t runs = 0;
  std::string refused;
  for (const auto& c : r.compatibility) {
    if (c.unsupported_ops.empty()) {
      ++runs;
    } else {
      refused += (refused.empty() ? "" : "; ") + c.name + ": " + Compat(c).substr(15);
    }
  }
  const bool compatible = runs == r.compatibility.size();
  const int64_t bytes = ShippedBytes(r);
  const auto& t = r.analysis->totals;
  os << "<div class='cards'>";
  os << "<div class='card'><span class='k'>Compatible</span><span class='v "
     << (compatible ? "ok'>Yes" : "bad'>Partly") << "</span><span class='s'>runs on " << runs
     << " of " << r.compatibility.size() << " runtimes"
     << (refused.empty() ? "" : "; not on " + Html(refused)) << "</span></div>";
  if (const GradePrediction* ref = Reference(r)) {
    const auto& p = ref->p;
    os << "<div class='card'><span class='k'>Predicted on " << Html(p.device_name)
       << "</span><span class='v'>" << Ms(p.latency_ms) << " ms · " << Fmt("%.0f", p.fps)
       << " fps</span><span class='s'>" << Html(Setup(p)) << "; 90% interval "
       << Ms(p.latency_low_ms) << "–" << Ms(p.latency_high_ms) << " ms</span></div>";
  }
  os << "<div class='card'><span class='k'>Work</span><span class='v'>"
     << Fmt("%.1f", t.flops / 1e6) << " MFLOPs</span><span class='s'>" << HumanCount(t.macs)
     << " MACs" << (t.complete ? "" : "; incomplete: " + Html(IncompleteReason(t)))
     << "</span></div>";
  os << "<div class='card'><span class='k'>Parameters</span><span class='v'>"
     << HumanCount(t.params) << "</span><span class='s'>peak activations "
     << HumanBytes(t.activation_bytes_peak) << "</span></div>";
  os << "<div class='card'><span class='k'>Size</span><span class='v "
     << (bytes > kCellularLimitBytes ? "bad'>" : "'>") << HumanBytes(bytes)
     << "</span><span class='s'>" << (bytes > kCellularLimitBytes ? "over" : "under")
     << " the 200 MB cellular download limit</span></div>";
  os << "</div>";
  return os.str();
}

// One row per prediction with its 90% interval as a whisker. Bars on a linear axis from 0 ms
// while the latencies are within 100x of each other; beyond that a linear axis squeezes the
// fast devices into slivers, so past 100x the axis turns logarithmic and the bars become dots (a
// bar's length on a log axis would measure nothing).
std::string LatencyChart(const GradeReport& r) {
  double lo = 1e300, hi = 0, fastest = 1e300, slowest = 0;
  for (const auto& g : r.predictions) {
    lo = std::min(lo, g.p.latency_low_ms);
    hi = std::max(hi, g.p.latency_high_ms);
    fastest = std::min(fastest, g.p.latency_ms);
    slowest = std::max(slowest, g.p.latency_ms);
  }
  if (r.target_fps > 0) hi = std::max(hi, 1000.0 / r.target_fps);
  if (!(hi > 0) || !(lo > 0)) return "";
  const bool log = slowest / fastest > 100.0;
  double l0 = 0, l1 = 1, max = hi, step = 0;
  if (log) {
    l0 = std::floor(std::log10(lo));
    l1 = std::ceil(std::log10(hi));
    if (l1 <= l0) l1 = l0 + 1;
  } else {
    step = TickStep(hi);
    max = std::ceil(hi / step) * step;
  }
  const auto pos = [&](double ms) {  // percent of the track
    return log ? 100.0 * (std::log10(ms) - l0) / (l1 - l0) : 100.0 * ms / max;
  };
  const auto at = [&](double ms) { return Pct(pos(ms)); };
  std::ostringstream os;
  os << "<p class='note'>"
     << (log ? "Logarithmic scale (the latencies span more than 100x): each gridline is ten times "
               "the one before, and a dot marks each prediction."
             : "Linear scale from 0 ms, so bar lengths compare as the latencies do.")
     << "</p><div class='legend'><span><i style='background:#4e79a7"
     << (log ? ";border-radius:50%" : "")
     << "'></i>predicted latency</span><span><i style='background:#1f2328;height:2px;"
     << "vertical-align:3px'></i>90% interval</span>";
  if (r.target_fps > 0) {
    os << "<span><i style='background:#e15759'></i>below " << Fmt("%g", r.target_fps)
       << " FPS</span><span><i style='border-left:2px dashed #cf222e;background:none'></i>"
       << Ms(1000.0 / r.target_fps) << " ms (" << Fmt("%g", r.target_fps) << " FPS)</span>";
  }
  os << "</div><div class='chart'>";
  for (const auto& g : r.predictions) {
    const auto& p = g.p;
    const bool miss = r.target_fps > 0 && p.fps < r.target_fps;
    os << "<div class='row'><div class='label'>" << Html(p.device_name) << " <small>"
       << Html(Setup(p)) << "</small></div><div class='track' title='"
       << Html(p.target_key + ": " + p.calibration) << "'>";
    if (log) {
      os << "<div class='dot" << (miss ? " miss" : "") << "' style='left:" << at(p.latency_ms)
         << "'></div>";
    } else {
      os << "<div class='bar" << (miss ? " miss" : "") << "' style='width:" << at(p.latency_ms)
         << "'></div>";
    }
    os << "<div class='whisker' style='left:" << at(p.latency_low_ms)
       << ";width:" << Pct(pos(p.latency_high_ms) - pos(p.latency_low_ms)) << "'></div>";
    if (r.target_fps > 0) {
      os << "<div class='gate' style='left:" << at(1000.0 / r.target_fps) << "'></div>";
    }
    os << "</div><div class='val'>" << Ms(p.latency_ms) << " ms</div></div>";
  }
  os << "<div class='axisrow'><div class='pad'></div><div class='axis'>";
  if (log) {
    for (double e = l0; e <= l1 + 1e-9; e += 1) {
      os << "<span style='left:" << at(std::pow(10.0, e)) << "'>" << Fmt("%g", std::pow(10.0, e))
         << "</span>";
    }
  } else {
    for (double v = 0; v <= max + step / 2; v += step) {
      os << "<span style='left:" << at(v) << "'>" << Fmt("%g", v) << "</span>";
    }
  }
  os << "</div><div class='val'>ms</div></div></div>";
  return os.str();
}

// Where the time goes on one device: the heaviest kernels as bars (linear, from 0), then
// every kernel in a table.
std::string Breakdown(const GradeReport& r, const GradePrediction& g, bool open) {
  const auto& p = g.p;
  std::ostringstream os;
  os << "<details" << (open ? " open" : "") << "><summary>" << Html(p.device_name) << " · "
     << Html(Setup(p)) << " — " << Ms(p.latency_ms) << " ms, " << Html(p.bound)
     << "-bound</summary>";
  std::vector<estimator::KernelTime> k = p.kernel_times;
  if (k.empty()) {
    os << "<p class='note'>No kernel times were kept for this prediction.</p></details>";
    return os.str();
  }
  std::stable_sort(k.begin(), k.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
  std::map<std::string, int> seen;
  bool any_fallback = false;
  for (const auto& x : k) {
    ++seen[x.cls];
    any_fallback |= x.fallback;
  }
  os << "<div class='legend'>";
  for (const auto& c : kClasses) {
    if (seen.count(c.cls)) {
      os << "<span><i style='background:" << c.colour << "'></i>" << c.meaning << "</span>";
    }
  }
  if (any_fallback) {
    os << "<span><i style='background:" << kFallbackColour << "'></i>falls back to the CPU</span>";
  }
  os << "</div><div class='chart'>";
  const size_t shown = std::min<size_t>(k.size(), 15);
  const double max = k.front().ms > 0 ? k.front().ms : 1.0;
  for (size_t i = 0; i < shown; ++i) {
    os << "<div class='row'><div class='label'>" << Html(ElideMiddle(k[i].name, 48)) << " <small>"
       << Html(k[i].cls) << "</small></div><div class='track'><div class='bar' style='width:"
       << Pct(100.0 * k[i].ms / max)
       << ";background:" << (k[i].fallback ? kFallbackColour : Colour(k[i].cls))
       << "'></div></div><div class='val'>" << Fmt("%.1f", 100.0 * k[i].ms / p.latency_ms)
       << "%</div></div>";
  }
  os << "</div><p class='note'>The " << shown << " heaviest of " << k.size()
     << " kernels (after fusion: a convolution with its BatchNorm and activation is one), as a "
        "share of the predicted "
     << Ms(p.latency_ms) << " ms; bars are linear from 0.</p>";
  os << "<details><summary>Every kernel (" << k.size()
     << ")</summary><div class='scroll'><table><tr><th>#</th><th>kernel (its main layer)</th>"
     << "<th>class</th>"
     << "<th>ms</th><th>share</th><th>runs on</th></tr>";
  for (const auto& x : p.kernel_times) {
    os << "<tr><td class='n'>" << x.kernel << "</td><td>" << Html(x.name) << "</td><td>"
       << Html(x.cls) << "</td><td class='n'>" << Fmt("%.4f", x.ms) << "</td><td class='n'>"
       << Fmt("%.1f", 100.0 * x.ms / p.latency_ms) << "%</td><td"
       << (x.fallback ? " class='bad'>CPU (fallback)" : ">" + Html(p.compute_unit)) << "</td></tr>";
  }
  os << "</table></div></details></details>";
  (void)r;
  return os.str();
}

}  // namespace

std::string RenderGradeHtml(const GradeReport& r) {
  const auto& m = *r.model;
  std::ostringstream os;
  os << "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
     << "<meta name='viewport' content='width=device-width, initial-scale=1'>"
     << "<title>mbench grade: " << Html(m.path) << "</title><style>" << kStyle
     << "</style></head><body>";
  os << "<h1>mbench grade</h1><p class='path'>" << Html(m.path) << " — " << Html(ModelLine(r))
     << "; inputs " << Html(Inputs(m.graph)) << "</p>";
  os << SummaryCards(r);

  os << "<h2 id='latency'>Predicted latency</h2><p class='note'>" << Html(r.compute_unit) << ", "
     << Html(r.precision) << ". Each device in the setup named beside it; the whisker is the 90% "
     << "interval, from its profile's error on models held out of the fit.</p>" << LatencyChart(r);
  if (!r.coverage.empty()) os << "<p><b>" << Html(r.coverage) << "</b></p>";

  os << "<div class='scroll'><table><tr><th>device</th><th>year</th><th>setup</th><th>ms</th>"
     << "<th>90% interval</th><th>fps</th><th>mJ / inference</th>";
  for (double f : r.battery_fps) os << "<th>battery h @" << Fmt("%g", f) << " FPS</th>";
  os << "<th>bound</th><th>heaviest kernels</th><th>where the number comes from</th></tr>";
  for (const auto& g : r.predictions) {
    const auto& p = g.p;
    os << "<tr><td>" << Html(p.device_name) << "</td><td class='n'>" << p.release_year
       << "</td><td>" << Html(Setup(p)) << "</td><td class='n'>" << Ms(p.latency_ms)
       << "</td><td class='n'>" << Ms(p.latency_low_ms) << "–" << Ms(p.latency_high_ms)
       << "</td><td class='n'>" << Fmt("%.1f", p.fps) << "</td><td class='n'>" << Energy(p)
       << "</td>";
    for (double h : g.battery_hours) os << "<td class='n'>" << Hours(h) << "</td>";
    os << "<td>" << Html(p.bound) << "</td><td>" << Html(Heaviest(p, 3, 40))
       << "</td><td class='src'>" << Html(p.target_key + ": " + p.calibration)
       << (p.extrapolation.empty() ? "" : "; " + Html(p.extrapolation))
       << (p.anchor.empty() ? "" : "; " + Html(p.anchor))
       << (p.speed_check.empty() ? "" : "; " + Html(p.speed_check)) << "</td></tr>";
  }
  os << "</table></div>";
  if (!r.not_predicted.empty()) {
    os << "<p class='note'>Not predicted:</p><ul class='note'>";
    for (const auto& [id, why] : r.not_predicted) os << "<li>" << Html(why) << "</li>";
    os << "</ul>";
  }

  bool any_fallback = false;
  for (const auto& g : r.predictions) any_fallback |= !g.p.fallback_ops.empty();
  os << "<h2 id='fallback'>Ops falling back to the CPU</h2>";
  if (!any_fallback) {
    os << "<p>None: on every device above, every op runs on the compute unit predicted.</p>";
  } else {
    os << "<div class='scroll'><table><tr><th>device</th><th>setup</th><th>ops run on the CPU"
       << "</th><th>their ms</th></tr>";
    for (const auto& g : r.predictions) {
      if (g.p.fallback_ops.empty()) continue;
      std::string ops;
      for (const auto& o : g.p.fallback_ops) ops += (ops.empty() ? "" : ", ") + o;
      os << "<tr><td>" << Html(g.p.device_name) << "</td><td>" << Html(Setup(g.p))
         << "</td><td class='bad'>" << Html(ops) << "</td><td class='n'>" << Ms(g.p.fallback_ms)
         << "</td></tr>";
    }
    os << "</table></div>";
  }

  os << "<h2 id='time'>Where the time goes</h2><p class='note'>Open a device to see its "
        "kernels.</p>";
  for (size_t i = 0; i < r.predictions.size(); ++i) {
    os << Breakdown(r, r.predictions[i], i == 0);
  }

  os << "<h2 id='compatibility'>Runtime compatibility</h2><div "
        "class='scroll'><table><tr><th>runtime</th>"
     << "<th>status</th><th>op list source</th></tr>";
  for (const auto& c : r.compatibility) {
    os << "<tr><td>" << Html(c.name) << "</td><td class='"
       << (c.unsupported_ops.empty() ? "ok" : "bad") << "'>" << Html(Compat(c))
       << "</td><td class='src'>" << Html(c.source) << "</td></tr>";
  }
  os << "</table></div>";
  if (!r.warnings.empty()) {
    os << "<h2>Warnings</h2><ul>";
    for (const auto& w : r.warnings) os << "<li>" << Html(w) << "</li>";
    os << "</ul>";
  }
  const auto build = calibration::BuildJson();
  os << "<footer>mbench " << Html(build["version"].get<std::string>()) << " ("
     << Html(build["git_commit"].get<std::string>()) << ", "
     << Html(build["build_type"].get<std::string>()) << "); profiles from " << Html(r.profile_dir)
     << ". Work counted per docs/counting.md.</footer></body></html>\n";
  return os.str();
}

}  // namespace mbench::report::grade_parts
