#include "device_profiles/profile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "core/env.h"

#ifndef MBENCH_SOURCE_DIR
#define MBENCH_SOURCE_DIR "."
#endif

namespace mbench::profiles {
namespace {

using nlohmann::json;

// Reads typed fields out of a JSON object, remembering the first error with its path.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  bool ok() const { return error_.empty(); }
  Status status() const {
    return ok() ? Status::Ok() : Status::Corruption(origin_ + ": " + error_);
  }
  void Fail(const std::string& path, const std::string& what) {
    if (error_.empty()) error_ = path + ": " + what;
  }

  const json* Field(const json& obj, const std::string& path, const char* key, bool required) {
    if (!obj.is_object()) {
      Fail(path, "expected an object");
      return nullptr;
    }
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) Fail(path + "." + key, "missing");
      return nullptr;
    }
    return &*it;
  }
  std::string String(const json& obj, const std::string& path, const char* key,
                     bool required = true) {
    const json* v = Field(obj, path, key, required);
    if (v == nullptr) return {};
    if (!v->is_string()) {
      Fail(path + "." + key, "expected a string");
      return {};
    }
    return v->get<std::string>();
  }
  // A finite number in [lo, hi].
  double Number(const json& obj, const std::string& path, const char* key, double lo, double hi,
                bool required = true) {
    const json* v = Field(obj, path, key, required);
    if (v == nullptr) return 0.0;
    if (!v->is_number()) {
      Fail(path + "." + key, "expected a number");
      return 0.0;
    }
    double x = v->get<double>();
    if (!std::isfinite(x) || x < lo || x > hi) {
      char buf[128];
      std::snprintf(buf, sizeof(buf), "%g is outside [%g, %g]", x, lo, hi);
      Fail(path + "." + key, buf);
      return 0.0;
    }
    return x;
  }
  int Int(const json& obj, const std::string& path, const char* key, int lo, int hi,
          bool required = true) {
    const json* v = Field(obj, path, key, required);
    if (v == nullptr) return 0;
    if (!v->is_number_integer()) {
      Fail(path + "." + key, "expected an integer");
      return 0;
    }
    int64_t x = v->get<int64_t>();
    if (x < lo || x > hi) {
      Fail(path + "." + key, std::to_string(x) + " is outside [" + std::to_string(lo) + ", " +
                                 std::to_string(hi) + "]");
      return 0;
    }
    return static_cast<int>(x);
  }
  std::vector<std::string> Strings(const json& obj, const std::string& path, const char* key) {
    std::vector<std::string> out;
    const json* v = Field(obj, path, key, false);
    if (v == nullptr) return out;
    if (!v->is_array()) {
      Fail(path + "." + key, "expected an array of strings");
      return out;
    }
    for (const auto& s : *v) {
      if (!s.is_string()) {
        Fail(path + "." + key, "expected an array of strings");
        return {};
      }
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  const json* Array(const json& obj, const std::string& path, const char* key, bool required) {
    const json* v = Field(obj, path, key, required);
    if (v != nullptr && !v->is_array()) {
      Fail(path + "." + key, "expected an array");
      return nullptr;
    }
    return v;
  }

 private:
  std::string origin_;
  std::string error_;
};

bool IsOneOf(const std::string& s, std::initializer_list<const char*> options) {
  for (const char* o : options) {
    if (s == o) return true;
  }
  return false;
}

// Rounds to 6 significant digits so profile files stay readable and stable.
double Round6(double x) {
  if (x == 0.0 || !std::isfinite(x)) return x;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", x);
  return std::strtod(buf, nullptr);
}

}  // namespace

std::string Target::Key() const {
  std::string key = compute_unit + "/" + runtime + "/" + precision;
  if (compute_unit == "cpu") {
    key += "/" + std::to_string(threads) + "t";
    if (!cluster.empty() && cluster != "big" && cluster != "all") key += "-" + cluster;
  }
  return key;
}

const ComputeUnit* DeviceProfile::FindUnit(std::string_view unit_kind) const {
  for (const auto& u : compute_units) {
    if (u.kind == unit_kind) return &u;
  }
  return nullptr;
}

StatusOr<DeviceProfile> ParseProfile(std::string_view json_text, std::string_view origin) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  std::string where(origin);
  if (doc.is_discarded()) return Status::Corruption(where + ": not valid JSON");
  if (!doc.is_object()) return Status::Corruption(where + ": expected an object");
  Reader r(where);
  DeviceProfile p;
  p.schema_version = r.Int(doc, "$", "schema_version", 0, 1 << 20);
  if (r.ok() && p.schema_version != kProfileSchemaVersion) {
    return Status::Unsupported(where + ": profile schema_version " +
                               std::to_string(p.schema_version) +
                               " is not supported (this mbench reads version " +
                               std::to_string(kProfileSchemaVersion) + ")");
  }
  p.id = r.String(doc, "$", "id");
  if (r.ok() && (p.id.empty() || !std::all_of(p.id.begin(), p.id.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
                 }))) {
    r.Fail("$.id", "'" + p.id + "' must be non-empty lower-case letters, digits, '_' or '-'");
  }
  p.name = r.String(doc, "$", "name");
  p.soc = r.String(doc, "$", "soc");
  p.release_year = r.Int(doc, "$", "release_year", 2000, 2100);
  p.kind = r.String(doc, "$", "kind");
  if (r.ok() && !IsOneOf(p.kind, {"phone", "soc", "host"})) {
    r.Fail("$.kind", "'" + p.kind + "' is not phone, soc or host");
  }
  if (const json* clusters = r.Array(doc, "$", "cpu_clusters", true)) {
    for (size_t i = 0; i < clusters->size(); ++i) {
      std::string path = "$.cpu_clusters[" + std::to_string(i) + "]";
      const json& c = (*clusters)[i];
      CpuCluster cl;
      cl.name = r.String(c, path, "name");
      cl.cores = r.Int(c, path, "cores", 1, 256);
      cl.uarch = r.String(c, path, "uarch");
      // Optional: a virtual machine may not expose its clock (0 = unknown).
      cl.max_ghz = r.Number(c, path, "max_ghz", 0.1, 10.0, /*required=*/false);
      p.cpu_clusters.push_back(cl);
    }
    if (r.ok() && p.cpu_clusters.empty()) r.Fail("$.cpu_clusters", "empty");
  }
  if (const json* mem = r.Field(doc, "$", "memory", true)) {
    p.memory_type = r.String(*mem, "$.memory", "type");
    p.memory_bandwidth_gbps = r.Number(*mem, "$.memory", "bandwidth_gbps", 0.1, 10000.0);
  }
  if (const json* bat = r.Field(doc, "$", "battery", false)) {
    p.battery_mah = r.Number(*bat, "$.battery", "capacity_mah", 100.0, 100000.0);
    p.battery_voltage_v = r.Number(*bat, "$.battery", "voltage_v", 1.0, 20.0);
  }
  if (const json* units = r.Array(doc, "$", "compute_units", true)) {
    std::set<std::string> seen;
    for (size_t i = 0; i < units->size(); ++i) {
      std::string path = "$.compute_units[" + std::to_string(i) + "]";
      const json& u = (*units)[i];
      ComputeUnit cu;
      cu.kind = r.String(u, path, "kind");
      if (r.ok() && !IsOneOf(cu.kind, {"cpu", "gpu", "npu"})) {
        r.Fail(path + ".kind", "'" + cu.kind + "' is not cpu, gpu or npu");
      }
      if (r.ok() && !seen.insert(cu.kind).second) r.Fail(path + ".kind", "duplicate unit");
      cu.name = r.String(u, path, "name");
      if (const json* power = r.Field(u, path, "power", false)) {
        cu.power_w = r.Number(*power, path + ".power", "watts", 0.01, 500.0);
        cu.power_rel_error = r.Number(*power, path + ".power", "rel_error", 0.0, 2.0);
        cu.power_source = r.String(*power, path + ".power", "source");
      }
      p.compute_units.push_back(cu);
    }
  }
  p.fact_sources = r.Strings(doc, "$", "fact_sources");
  if (r.ok() && p.fact_sources.empty()) {
    r.Fail("$.fact_sources", "a profile must say where its hardware facts come from");
  }
  if (const json* targets = r.Array(doc, "$", "targets", true)) {
    std::set<std::string> keys;
    for (size_t i = 0; i < targets->size() && r.ok(); ++i) {
      std::string path = "$.targets[" + std::to_string(i) + "]";
      const json& t = (*targets)[i];
      Target tg;
      tg.compute_unit = r.String(t, path, "compute_unit");
      if (r.ok() && p.FindUnit(tg.compute_unit) == nullptr) {
        r.Fail(path + ".compute_unit",
               "'" + tg.compute_unit + "' is not one of the profile's compute_units");
      }
      tg.runtime = r.String(t, path, "runtime");
      if (r.ok() &&
          !IsOneOf(tg.runtime, {"tflite", "ncnn", "nnapi", "qnn", "hiai", "coreml", "mbench"})) {
        r.Fail(path + ".runtime", "unknown runtime '" + tg.runtime + "'");
      }
      tg.precision = r.String(t, path, "precision");
      if (r.ok() && !IsOneOf(tg.precision, {"fp32", "fp16", "int8"})) {
        r.Fail(path + ".precision", "'" + tg.precision + "' is not fp32, fp16 or int8");
      }
      tg.threads = r.Int(t, path, "threads", 0, 1024);
      tg.cluster = r.String(t, path, "cluster", false);
      tg.op_set = r.String(t, path, "op_set");
      if (r.ok() && !IsOneOf(tg.op_set, {"tflite_cpu", "tflite_gpu", "nnapi", "coreml", "hiai",
                                         "qnn", "ncnn_cpu", "ncnn_vulkan"})) {
        r.Fail(path + ".op_set", "unknown op set '" + tg.op_set + "'");
      }
      tg.dtypes = r.Strings(t, path, "dtypes");
      if (r.ok() && tg.dtypes.empty()) r.Fail(path + ".dtypes", "missing");
      if (r.ok() && tg.compute_unit == "cpu" && tg.threads < 1) {
        r.Fail(path + ".threads", "a CPU target needs threads >= 1");
      }
      const json* params = r.Field(t, path, "params", true);
      if (params != nullptr) {
        std::string pp = path + ".params";
        KernelParams& k = tg.params;
        k.conv_gmacs = r.Number(*params, pp, "conv_gmacs", 1e-6, 1e7);
        k.pointwise_gmacs = r.Number(*params, pp, "pointwise_gmacs", 1e-6, 1e7);
        k.depthwise_gmacs = r.Number(*params, pp, "depthwise_gmacs", 1e-6, 1e7);
        k.gemm_gmacs = r.Number(*params, pp, "gemm_gmacs", 1e-6, 1e7);
        k.conv3x3_gmacs = r.Number(*params, pp, "conv3x3_gmacs", 1e-6, 1e7);
        k.memory_op_gbps = r.Number(*params, pp, "memory_op_gbps", 1e-6, 1e6);
        k.bandwidth_gbps = r.Number(*params, pp, "bandwidth_gbps", 1e-6, 1e6);
        k.overhead_us = r.Number(*params, pp, "overhead_us", 0.0, 1e6);
        if (r.Field(*params, pp, "model_context", false) != nullptr) {
          k.model_context = r.Number(*params, pp, "model_context", 0.2, 5.0);
        }
      }
      const json* cal = r.Field(t, path, "calibration", true);
      if (cal != nullptr) {
        std::string cp = path + ".calibration";
        CalibrationRecord& c = tg.calibration;
        c.method = r.String(*cal, cp, "method");
        c.date = r.String(*cal, cp, "date");
        c.data = r.String(*cal, cp, "data");
        c.sources = r.Strings(*cal, cp, "sources");
        c.models = r.Strings(*cal, cp, "models");
        c.points = r.Int(*cal, cp, "points", 0, 1 << 30);
        c.rms_log_residual = r.Number(*cal, cp, "rms_log_residual", 0.0, 100.0);
        c.cv_rms_log_residual = r.Number(*cal, cp, "cv_rms_log_residual", 0.0, 100.0);
        c.cv_points = r.Int(*cal, cp, "cv_points", 0, 1 << 30);
        c.cv_mape_pct = r.Number(*cal, cp, "cv_mape_pct", 0.0, 1e6);
        c.interval_log_halfwidth = r.Number(*cal, cp, "interval_log_halfwidth", 0.0, 100.0);
        if (const json* res = r.Field(*cal, cp, "cv_residuals", false)) {
          if (!res->is_object()) r.Fail(cp + ".cv_residuals", "expected an object");
          for (auto it = res->begin(); r.ok() && res->is_object() && it != res->end(); ++it) {
            c.cv_residuals.emplace_back(
                it.key(), r.Number(*res, cp + ".cv_residuals", it.key().c_str(), -20.0, 20.0));
          }
          std::sort(c.cv_residuals.begin(), c.cv_residuals.end());
        }
      }
      if (const json* samples = r.Array(t, path, "kernel_samples", false)) {
        for (size_t k = 0; k < samples->size() && r.ok(); ++k) {
          const std::string sp = path + ".kernel_samples[" + std::to_string(k) + "]";
          const json& e = (*samples)[k];
          // [kind, macs, out, in, weights, residual]: compact, a host profile holds hundreds.
          if (!e.is_array() || e.size() != 6 || !e[0].is_string()) {
            r.Fail(sp, "expected [kind, macs, out, in, weights, log_residual]");
            break;
          }
          KernelSample ks;
          ks.kind = e[0].get<std::string>();
          for (int f = 0; f < 5 && r.ok(); ++f) {
            const json& v = e[f + 1];
            const double lim = f < 4 ? 100.0 : 20.0;
            if (!v.is_number() || !(v.get<double>() >= (f < 4 ? 0.0 : -lim)) ||
                !(v.get<double>() <= lim)) {
              r.Fail(sp + "[" + std::to_string(f + 1) + "]", "not a number in range");
              break;
            }
            (f < 4 ? ks.shape[f] : ks.log_residual) = v.get<double>();
          }
          tg.kernel_samples.push_back(std::move(ks));
        }
        std::stable_sort(
            tg.kernel_samples.begin(), tg.kernel_samples.end(),
            [](const KernelSample& a, const KernelSample& b) { return a.kind < b.kind; });
      }
      if (r.ok() && !keys.insert(tg.Key()).second) {
        r.Fail(path, "duplicate target " + tg.Key());
      }
      p.targets.push_back(std::move(tg));
    }
  }
  MBENCH_RETURN_IF_ERROR(r.status());
  return p;
}

StatusOr<DeviceProfile> LoadProfile(const std::string& path) {
  MBENCH_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  MBENCH_ASSIGN_OR_RETURN(DeviceProfile p, ParseProfile(text, path));
  p.path = path;
  return p;
}

StatusOr<std::vector<DeviceProfile>> LoadProfileDir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::NotFound(dir + ": no such profile directory");
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  if (ec) return Status::IOError(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<DeviceProfile> out;
  std::set<std::string> ids;
  for (const auto& f : files) {
    // Other JSON in the folder (a report, a package.json) is not a profile and not an error; a
    // file that claims to be one (an object with an id and compute units) must load.
    MBENCH_ASSIGN_OR_RETURN(std::string text, ReadFileToString(f));
    const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("id") || !doc.contains("compute_units")) continue;
    MBENCH_ASSIGN_OR_RETURN(DeviceProfile p, ParseProfile(text, f));
    p.path = f;
    if (!ids.insert(p.id).second) {
      return Status::Corruption(f + ": duplicate device id '" + p.id + "'");
    }
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(),
            [](const DeviceProfile& a, const DeviceProfile& b) { return a.id < b.id; });
  return out;
}

std::string ProfileToJson(const DeviceProfile& p) {
  // ordered_json keeps keys in insertion order: the file layout is fixed.
  nlohmann::ordered_json o;
  o["schema_version"] = p.schema_version;
  o["id"] = p.id;
  o["name"] = p.name;
  o["soc"] = p.soc;
  o["release_year"] = p.release_year;
  o["kind"] = p.kind;
  o["cpu_clusters"] = nlohmann::ordered_json::array();
  for (const auto& c : p.cpu_clusters) {
    nlohmann::ordered_json cl = {{"name", c.name}, {"cores", c.cores}, {"uarch", c.uarch}};
    if (c.max_ghz > 0) cl["max_ghz"] = c.max_ghz;
    o["cpu_clusters"].push_back(cl);
  }
  o["memory"] = {{"type", p.memory_type}, {"bandwidth_gbps", p.memory_bandwidth_gbps}};
  if (p.battery_mah > 0) {
    o["battery"] = {{"capacity_mah", p.battery_mah}, {"voltage_v", p.battery_voltage_v}};
  }
  o["compute_units"] = nlohmann::ordered_json::array();
  for (const auto& u : p.compute_units) {
    nlohmann::ordered_json j = {{"kind", u.kind}, {"name", u.name}};
    if (u.power_w > 0) {
      j["power"] = {
          {"watts", u.power_w}, {"rel_error", u.power_rel_error}, {"source", u.power_source}};
    }
    o["compute_units"].push_back(j);
  }
  o["fact_sources"] = p.fact_sources;
  o["targets"] = nlohmann::ordered_json::array();
  for (const auto& t : p.targets) {
    nlohmann::ordered_json j;
    j["compute_unit"] = t.compute_unit;
    j["runtime"] = t.runtime;
    j["precision"] = t.precision;
    j["threads"] = t.threads;
    if (!t.cluster.empty()) j["cluster"] = t.cluster;
    j["op_set"] = t.op_set;
    j["dtypes"] = t.dtypes;
    const KernelParams& k = t.params;
    j["params"] = {{"conv_gmacs", Round6(k.conv_gmacs)},
                   {"pointwise_gmacs", Round6(k.pointwise_gmacs)},
                   {"depthwise_gmacs", Round6(k.depthwise_gmacs)},
                   {"gemm_gmacs", Round6(k.gemm_gmacs)},
                   {"conv3x3_gmacs", Round6(k.conv3x3_gmacs)},
                   {"memory_op_gbps", Round6(k.memory_op_gbps)},
                   {"bandwidth_gbps", Round6(k.bandwidth_gbps)},
                   {"overhead_us", Round6(k.overhead_us)}};
    if (k.model_context != 1.0) j["params"]["model_context"] = Round6(k.model_context);
    const CalibrationRecord& c = t.calibration;
    j["calibration"] = {{"method", c.method},
                        {"date", c.date},
                        {"data", c.data},
                        {"sources", c.sources},
                        {"models", c.models},
                        {"points", c.points},
                        {"rms_log_residual", Round6(c.rms_log_residual)},
                        {"cv_rms_log_residual", Round6(c.cv_rms_log_residual)},
                        {"cv_points", c.cv_points},
                        {"cv_mape_pct", Round6(c.cv_mape_pct)},
                        {"interval_log_halfwidth", Round6(c.interval_log_halfwidth)}};
    if (!c.cv_residuals.empty()) {
      auto& res = j["calibration"]["cv_residuals"] = nlohmann::ordered_json::object();
      for (const auto& [model, r] : c.cv_residuals) res[model] = Round6(r);
    }
    if (!t.kernel_samples.empty()) {
      j["kernel_samples"] = nlohmann::ordered_json::array();
      for (const KernelSample& ks : t.kernel_samples) {
        j["kernel_samples"].push_back({ks.kind, Round6(ks.shape[0]), Round6(ks.shape[1]),
                                       Round6(ks.shape[2]), Round6(ks.shape[3]),
                                       Round6(ks.log_residual)});
      }
    }
    o["targets"].push_back(j);
  }
  return o.dump(2) + "\n";
}

StatusOr<std::vector<DeviceProfile>> LoadDeviceFacts(const std::string& path, std::string* date) {
  MBENCH_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("devices") ||
      !doc["devices"].is_array() || !doc.contains("calibration_date") ||
      !doc["calibration_date"].is_string()) {
    return Status::Corruption(path + ": expected {\"calibration_date\": ..., \"devices\": [...]}");
  }
  *date = doc["calibration_date"].get<std::string>();
  std::vector<DeviceProfile> out;
  std::set<std::string> ids;
  for (size_t i = 0; i < doc["devices"].size(); ++i) {
    MBENCH_ASSIGN_OR_RETURN(
        DeviceProfile p,
        ParseProfile(doc["devices"][i].dump(), path + " devices[" + std::to_string(i) + "]"));
    if (!ids.insert(p.id).second) {
      return Status::Corruption(path + ": duplicate device id '" + p.id + "'");
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string DefaultProfileDir() {
  if (const char* env = std::getenv("MBENCH_PROFILE_DIR"); env != nullptr && env[0] != '\0') {
    return env;
  }
  if (const char* home = std::getenv("MBENCH_HOME"); home != nullptr && home[0] != '\0') {
    return JoinPath(home, "device_profiles");
  }
  // An installed mbench (cmake --install, the .deb) finds its files next to itself:
  // PREFIX/bin/mbench reads PREFIX/share/mbench/{device_profiles,data}.
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path installed =
        exe.parent_path().parent_path() / "share" / "mbench" / "device_profiles";
    if (std::filesystem::is_directory(installed, ec)) return installed.string();
  }
  return std::string(MBENCH_SOURCE_DIR) + "/device_profiles";
}

}  // namespace mbench::profiles
