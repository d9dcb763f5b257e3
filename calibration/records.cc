#include "calibration/records.h"

#include <cctype>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/build_info.h"

namespace mbench::calibration {
namespace {

std::string Slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string JoinShapes(const std::vector<std::string>& shapes) {
  std::string out;
  for (const auto& s : shapes) out += (out.empty() ? "" : ";") + s;
  return out;
}

}  // namespace

nlohmann::ordered_json BuildJson() {
  const BuildInfo& b = GetBuildInfo();
  return nlohmann::ordered_json{{"version", b.version},     {"git_commit", b.git_commit},
                                {"compiler", b.compiler},   {"build_type", b.build_type},
                                {"cxx_flags", b.cxx_flags}, {"asserts_enabled", b.asserts_enabled},
                                {"sanitizer", b.sanitizer}, {"target", b.target}};
}

db::ModelRecord ModelRecordOf(const analyzer::AnalyzedModel& m, const analyzer::ModelRef& ref) {
  db::ModelRecord r;
  analyzer::ModelRef abs = ref;
  if (abs.path.rfind("zoo:", 0) != 0) {
    std::error_code ec;
    auto p = std::filesystem::absolute(abs.path, ec);
    if (!ec) abs.path = p.lexically_normal().string();
  }
  r.sha256 = m.model.sha256;
  r.input_shapes = JoinShapes(ref.input_shapes);
  r.key = r.sha256 + (r.input_shapes.empty() ? "" : " " + r.input_shapes);
  r.ref = analyzer::EncodeRef(abs);
  r.name =
      abs.path.rfind("zoo:", 0) == 0 ? r.ref : std::filesystem::path(abs.path).filename().string();
  r.format = analyzer::ModelFormatName(m.model.format);
  const auto& t = m.analysis.totals;
  r.macs = t.macs;
  r.flops = t.flops;
  r.params = t.params;
  r.weight_bytes = t.weight_bytes;
  r.peak_activation_bytes = t.activation_bytes_peak;
  r.layers = static_cast<int64_t>(m.analysis.layers.size());
  return r;
}

db::DeviceRecord DeviceRecordOf(const profiles::DeviceProfile& p) {
  db::DeviceRecord d;
  d.id = p.id;
  d.name = p.name;
  d.soc = p.soc;
  d.kind = p.kind;
  std::string cpu;
  for (const auto& c : p.cpu_clusters) {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "%s%dx %s %.2f GHz", cpu.empty() ? "" : " + ", c.cores,
                  c.uarch.c_str(), c.max_ghz);
    cpu += buf;
  }
  d.cpu = cpu;
  nlohmann::ordered_json f = {{"release_year", p.release_year},
                              {"memory_type", p.memory_type},
                              {"memory_bandwidth_gbps", p.memory_bandwidth_gbps},
                              {"battery_mah", p.battery_mah},
                              {"fact_sources", p.fact_sources}};
  d.facts_json = f.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return d;
}

db::DeviceRecord HostDevice() {
  const runner::CpuDescription cpu = runner::DescribeCpu();
  db::DeviceRecord d;
  std::string slug = Slug(cpu.package.empty() ? cpu.uarch : cpu.package);
  if (slug.empty()) slug = "unknown-cpu";
  d.id = "host-" + slug + "-" + std::to_string(cpu.cores) + "c";
  d.name = "host: " + (cpu.package.empty() ? cpu.vendor + " " + cpu.uarch : cpu.package);
  d.soc = cpu.package;
  d.kind = "host";
  d.cpu = cpu.vendor + " " + cpu.uarch + ", " + std::to_string(cpu.cores) + " cores, " +
          std::to_string(cpu.logical_processors) + " logical processors";
  nlohmann::ordered_json f = {{"cpu_vendor", cpu.vendor},
                              {"cpu_uarch", cpu.uarch},
                              {"cpu_package", cpu.package},
                              {"cores", cpu.cores},
                              {"logical_processors", cpu.logical_processors},
                              {"l1d_bytes", cpu.l1d_bytes},
                              {"l2_bytes", cpu.l2_bytes},
                              {"l3_bytes", cpu.l3_bytes},
                              {"source", "cpuinfo"}};
  d.facts_json = f.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return d;
}

db::RunRecord RunRecordOf(const runner::Measurement& r, int threads, const std::string& precision,
                          double init_ms, bool synthetic_weights, const std::string& options_json,
                          const std::string& measured_at) {
  db::RunRecord rec;
  rec.runtime = "mbench";
  rec.compute_unit = "cpu";
  rec.precision = precision;
  rec.threads = threads;
  rec.options_json = options_json;
  rec.build_json = BuildJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  rec.measured_at = measured_at;
  rec.source = "mbench run";
  const auto& l = r.latency;
  rec.n = l.n;
  rec.min_ms = l.min;
  rec.p50_ms = l.p50;
  rec.p90_ms = l.p90;
  rec.p99_ms = l.p99;
  rec.max_ms = l.max;
  rec.mean_ms = l.mean;
  rec.std_ms = l.std;
  rec.init_ms = init_ms;
  rec.first_run_ms = r.first_run_ms;
  rec.peak_rss_bytes = r.peak_rss_bytes;
  rec.synthetic_weights = synthetic_weights;
  for (const auto& t : r.layers) {
    rec.layers.push_back({t.index, t.name, t.op, t.fused_into, t.p50_ms, t.share, t.kernel,
                          t.int8   ? "int8"
                          : t.fp16 ? "fp16"
                                   : "fp32"});
  }
  return rec;
}

db::PredictionRecord PredictionRecordOf(const estimator::Prediction& p) {
  db::PredictionRecord pr;
  pr.profile = p.profile_path;
  // What changed the roofline's number goes with it, so a dashboard can tell.
  pr.calibration = p.calibration;
  if (!p.speed_check.empty()) pr.calibration += "; " + p.speed_check;
  if (!p.anchor.empty()) pr.calibration += "; " + p.anchor;
  pr.estimator_version = estimator::kEstimatorVersion;
  pr.target_key = p.target_key;
  pr.runtime = p.runtime;
  pr.compute_unit = p.compute_unit;
  pr.precision = p.precision;
  pr.threads = p.threads;
  pr.latency_ms = p.latency_ms;
  pr.low_ms = p.latency_low_ms;
  pr.high_ms = p.latency_high_ms;
  pr.energy_mj = p.energy_mj;
  return pr;
}

}  // namespace mbench::calibration
