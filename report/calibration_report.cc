#include "report/calibration_report.h"

#include <cstdarg>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/csv.h"
#include "core/text.h"
#include "report/printf.h"
#include "report/text_table.h"

namespace mbench::report {
namespace {

std::string Pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", x);
  return buf;
}

}  // namespace

std::string RenderRefineSummary(const calibration::RefineOutcome& r, size_t width) {
  const profiles::DeviceProfile& p = r.profile;
  // Rates in GMAC/s (compute) and GB/s (memory); narrow terminals lose the memory rates first.
  TextTable table({{"target"},
                   {"conv", true, 5},
                   {"conv3x3", true, 4},
                   {"pointw.", true, 6},
                   {"depthw.", true, 7},
                   {"gemm", true, 3},
                   {"mem-op GB/s", true, 2},
                   {"bandw. GB/s", true, 1},
                   {"ovh us", true, 8},
                   {"cv n", true},
                   {"cv MAPE", true}});
  for (const auto& t : p.targets) {
    const auto& k = t.params;
    table.AddRow({t.Key(), Sprintf("%.2f", k.conv_gmacs), Sprintf("%.2f", k.conv3x3_gmacs),
                  Sprintf("%.2f", k.pointwise_gmacs), Sprintf("%.2f", k.depthwise_gmacs),
                  Sprintf("%.2f", k.gemm_gmacs), Sprintf("%.2f", k.memory_op_gbps),
                  Sprintf("%.2f", k.bandwidth_gbps), Sprintf("%.2f", k.overhead_us),
                  std::to_string(t.calibration.cv_points),
                  Sprintf("%.1f%%", t.calibration.cv_mape_pct)});
  }
  std::string out = "  compute rates in GMAC/s\n" + table.Render(width);
  out += Wrapped(Sprintf("  fitted to %d end-to-end and %d per-kernel timings of %d models; "
                         "whole-model leave-one-model-out: MAPE %.1f%%, %.0f%% within 10%%, "
                         "%.0f%% within 25%%, %.0f%% inside the 90%% interval (n=%d)",
                         r.whole_points, r.layer_points, r.models, r.refit_cv.mape_pct,
                         r.refit_cv.within10_pct, r.refit_cv.within25_pct, r.refit_cv.coverage_pct,
                         r.refit_cv.n),
                 width, "    ");
  for (const auto& s : r.skipped) out += Wrapped("  skipped: " + s, width, "    ");
  return out;
}
namespace {

// Every held-out prediction, one row each: what `validate --by point` prints.
std::string RenderValidationPoints(const calibration::Validation& v, ReportFormat format,
                                   size_t width) {
  auto error_pct = [](const calibration::ValidationPoint& p) {
    return 100.0 * (p.predicted_ms - p.measured_ms) / p.measured_ms;
  };
  if (format == ReportFormat::kJson) {
    nlohmann::ordered_json j;
    j["data"] = v.data;
    j["points"] = nlohmann::ordered_json::array();
    for (const auto& p : v.points) {
      j["points"].push_back({{"device_id", p.device},
                             {"target", p.target},
                             {"model", p.model},
                             {"measured_ms", p.measured_ms},
                             {"predicted_ms", p.predicted_ms},
                             {"low_ms", p.low_ms},
                             {"high_ms", p.high_ms},
                             {"error_pct", error_pct(p)}});
    }
    return JsonText(j) + "\n";
  }
  const bool md = format == ReportFormat::kMarkdown;
  const bool csv = format == ReportFormat::kCsv;
  std::string out;
  if (csv) {
    out += "device_id,target,model,measured_ms,predicted_ms,low_ms,high_ms,error_pct\n";
  } else if (md) {
    out +=
        "| device | target | model | measured ms | predicted ms | 90% interval | error |\n"
        "|---|---|---|---:|---:|---:|---:|\n";
  } else {
    out += Wrapped("Held-out predictions on " + v.data, width, "  ") + "\n";
  }
  TextTable table({{"device"},
                   {"target", false, 0, 14},
                   {"model", false, 0, 16},
                   {"measured", true},
                   {"predicted", true},
                   {"90% interval", true, 1},
                   {"error", true}},
                  "");
  for (const auto& p : v.points) {
    const double e = error_pct(p);
    if (csv) {
      out += CsvField(p.device) + ',' + CsvField(p.target) + ',' + CsvField(p.model);
      Appendf(&out, ",%.4g,%.4g,%.4g,%.4g,%.1f\n", p.measured_ms, p.predicted_ms, p.low_ms,
              p.high_ms, e);
    } else if (md) {
      out += "| " + MarkdownCell(p.device) + " | " + MarkdownCell(p.target) + " | " +
             MarkdownCell(p.model);
      Appendf(&out, " | %.3g | %.3g | %.3g-%.3g | %+.0f%% |\n", p.measured_ms, p.predicted_ms,
              p.low_ms, p.high_ms, e);
    } else {
      table.AddRow({p.device, p.target, p.model, Sprintf("%.3g", p.measured_ms),
                    Sprintf("%.3g", p.predicted_ms), Sprintf("%.3g-%.3g", p.low_ms, p.high_ms),
                    Sprintf("%+.0f%%", e)});
    }
  }
  if (!csv && !md) out += table.Render(width);
  return out;
}

}  // namespace

std::string RenderValidation(const calibration::Validation& v, ReportFormat format, size_t width) {
  if (!v.points.empty()) return RenderValidationPoints(v, format, width);
  if (format == ReportFormat::kJson) {
    nlohmann::ordered_json j;
    j["method"] =
        "leave-one-model-out: each architecture (all its widths, resolutions and "
        "precisions) is removed from every fit, then predicted";
    j["data"] = v.data;
    j["unpredictable"] = v.unpredictable;
    j["rows"] = nlohmann::ordered_json::array();
    for (const auto& r : v.rows) {
      j["rows"].push_back({{"device_id", r.device},
                           {"target", r.target},
                           {"n", r.acc.n},
                           {"mape_pct", r.acc.mape_pct},
                           {"within10_pct", r.acc.within10_pct},
                           {"within25_pct", r.acc.within25_pct},
                           {"interval_coverage_pct", r.acc.coverage_pct}});
    }
    j["overall"] = {{"n", v.overall.acc.n},
                    {"mape_pct", v.overall.acc.mape_pct},
                    {"within10_pct", v.overall.acc.within10_pct},
                    {"within25_pct", v.overall.acc.within25_pct},
                    {"interval_coverage_pct", v.overall.acc.coverage_pct}};
    return JsonText(j) + "\n";
  }
  const bool md = format == ReportFormat::kMarkdown;
  const bool csv = format == ReportFormat::kCsv;
  std::ostringstream out;
  if (csv) {
    out << "device_id,target,n,mape_pct,within10_pct,within25_pct,interval_coverage_pct\n";
  } else if (md) {
    out << "| device | target | n | MAPE | within ±10% | within ±25% | in 90% interval |\n"
           "|---|---|---:|---:|---:|---:|---:|\n";
  } else {
    out << Wrapped("Leave-one-model-out cross-validation on " + v.data +
                       " (each architecture is left out of every fit, then predicted)",
                   width, "  ")
        << "\n";
  }
  TextTable table({{"device"},
                   {"target"},
                   {"n", true},
                   {"MAPE", true},
                   {"<=10%", true},
                   {"<=25%", true},
                   {"in 90% PI", true}},
                  "");
  std::vector<calibration::ValidationRow> rows = v.rows;
  rows.push_back(v.overall);
  for (const auto& r : rows) {
    char buf[320];
    if (csv) {
      std::snprintf(buf, sizeof(buf), "%s,%s,%d,%.2f,%.1f,%.1f,%.1f\n", r.device.c_str(),
                    r.target.c_str(), r.acc.n, r.acc.mape_pct, r.acc.within10_pct,
                    r.acc.within25_pct, r.acc.coverage_pct);
    } else if (md) {
      std::snprintf(buf, sizeof(buf), "| %s | %s | %d | %s | %s | %s | %s |\n", r.device.c_str(),
                    r.target.c_str(), r.acc.n, Pct(r.acc.mape_pct).c_str(),
                    Pct(r.acc.within10_pct).c_str(), Pct(r.acc.within25_pct).c_str(),
                    Pct(r.acc.coverage_pct).c_str());
    } else {
      table.AddRow({r.device, r.target, std::to_string(r.acc.n), Pct(r.acc.mape_pct),
                    Pct(r.acc.within10_pct), Pct(r.acc.within25_pct), Pct(r.acc.coverage_pct)});
      continue;
    }
    out << buf;
  }
  if (!csv && !md) out << table.Render(width);
  if (!csv && !md && v.unanchored > 0) {
    out << "\n"
        << v.unanchored
        << " measurements are of a model measured on no other target: nothing to anchor on.\n";
  }
  if (!csv && !md && v.unpredictable > 0) {
    out << "\n"
        << v.unpredictable
        << " measurements could not be predicted: their target had no other model.\n";
  }
  return out.str();
}

}  // namespace mbench::report
