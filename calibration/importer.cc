#include "calibration/importer.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzer/model_ref.h"
#include "calibration/records.h"
#include "calibration/tool_logs.h"
#include "core/csv.h"
#include "core/env.h"
#include "core/text.h"
#include "device_profiles/profile.h"

namespace mbench::calibration {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "Qualcomm Snapdragon 8 Gen 2" and "Snapdragon 8 Gen 2" name the same SoC.
std::string NormalizeName(const std::string& s) {
  std::string l = Lower(s);
  for (const char* vendor :
       {"qualcomm ", "mediatek ", "hisilicon ", "samsung ", "google ", "apple "}) {
    if (l.rfind(vendor, 0) == 0) l = l.substr(std::string(vendor).size());
  }
  std::string out;
  for (char c : l) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+') out += c;
  }
  return out;
}

std::string SlugId(const std::string& s) {
  std::string out;
  for (char c : Lower(s)) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "unnamed-device" : out;
}

struct ImportRow {
  db::DeviceRecord device;
  analyzer::ModelRef ref;  // path empty: the table names a model mbench cannot rebuild
  std::string model_name;  // as the table names it
  db::RunRecord run;
};

// The first YYYY-MM-DD date a source line names ("README.md line 9050 (2024-01-15, commit
// ...)"): when the table was measured. "" when it names none.
std::string DateIn(const std::string& text) {
  auto digit = [&](size_t i) { return std::isdigit(static_cast<unsigned char>(text[i])) != 0; };
  for (size_t i = 0; i + 10 <= text.size(); ++i) {
    if ((i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]))) ||
        (i + 10 < text.size() && std::isalnum(static_cast<unsigned char>(text[i + 10])))) {
      continue;
    }
    bool shape = text[i + 4] == '-' && text[i + 7] == '-';
    for (size_t k : {0, 1, 2, 3, 5, 6, 8, 9}) shape = shape && digit(i + k);
    if (!shape) continue;
    const int year = std::atoi(text.substr(i, 4).c_str());
    const int month = std::atoi(text.substr(i + 5, 2).c_str());
    const int day = std::atoi(text.substr(i + 8, 2).c_str());
    if (year >= 1990 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= 31) {
      return text.substr(i, 10);
    }
  }
  return "";
}

// The kind of table `text` holds, from its content: a raw benchncnn log ("loop_count = 4",
// then "name  min = ..  max = ..  avg = .."), or a CSV whose header names its columns.
std::string DetectKind(const std::string& text) {
  if (IsAiHubProfile(text)) return "qai-hub-profile";
  if (IsBenchmarkModelLog(text)) return "benchmark-model";
  if (text.find("loop_count =") != std::string::npos ||
      (text.find(" min = ") != std::string::npos && text.find(" avg = ") != std::string::npos)) {
    return "benchncnn";
  }
  const std::string header = text.substr(0, text.find('\n'));
  auto has = [&](const char* column) { return header.find(column) != std::string::npos; };
  if (has("device_id") && has("model_ref")) return "mbench";
  if (has("inference_time_ms") && has("model_id")) return "qai-hub";
  if (has("input_size") && has("latency_ms")) return "tflite";
  if (has("avg_ms") && has("backend")) return "ncnn";
  return "";
}

// A benchncnn log as rows of the ncnn table: its settings lines (num_threads, powersave,
// gpu_device, loop_count) apply to the result lines after them, so one log may hold several
// runs of the tool. Each result line "squeezenet_int8  min = 4.95  max = 5.21  avg = 5.06"
// becomes a row; "_int8" names the int8 build of the network.
Status BenchncnnRows(const std::string& text, const std::string& file, const std::string& device,
                     std::vector<std::vector<std::string>>* rows) {
  rows->push_back({"device", "soc", "backend", "threads", "cluster", "model", "model_canonical",
                   "int8", "avg_ms", "min_ms", "max_ms", "loop_count", "log_line"});
  std::string threads, cluster = "big", backend = "cpu", loops;
  size_t line_no = 0;
  for (const std::string& line : SplitLines(text)) {
    ++line_no;
    const std::string where = file + ":" + std::to_string(line_no);
    char name[256] = {0};
    double mn = 0, mx = 0, avg = 0;
    char tail = 0;
    if (std::sscanf(line.c_str(), " %255s min = %lf max = %lf avg = %lf %c", name, &mn, &mx, &avg,
                    &tail) == 4) {
      if (!(mn > 0 && mx >= mn && avg >= mn && avg <= mx) || !std::isfinite(mx)) {
        return Status::Corruption(where + ": min/max/avg " + line + " are not a measurement");
      }
      std::string model = name, canonical = name, int8 = "0";
      if (model.size() > 5 && model.compare(model.size() - 5, 5, "_int8") == 0) {
        canonical = model.substr(0, model.size() - 5);
        int8 = "1";
      }
      char buf[3][32];
      std::snprintf(buf[0], sizeof(buf[0]), "%.6g", avg);
      std::snprintf(buf[1], sizeof(buf[1]), "%.6g", mn);
      std::snprintf(buf[2], sizeof(buf[2]), "%.6g", mx);
      rows->push_back({device, "", backend, backend == "gpu" ? "" : threads, cluster, model,
                       canonical, int8, buf[0], buf[1], buf[2], loops, std::to_string(line_no)});
      continue;
    }
    const size_t eq = line.find(" = ");
    if (eq == std::string::npos) continue;  // GPU info lines, blank lines, other output
    const std::string key = Trim(line.substr(0, eq)), value = Trim(line.substr(eq + 3));
    if (key == "num_threads") threads = value;
    if (key == "loop_count") loops = value;
    // powersave: 0 all cores, 1 little, 2 big.
    if (key == "powersave") cluster = value == "1" ? "little" : value == "0" ? "all" : "big";
    if (key == "gpu_device") backend = value == "-1" ? "cpu" : "gpu";
  }
  if (rows->size() == 1) {
    return Status::Corruption(file +
                              ": no benchncnn result lines (name  min = ..  max = ..  avg = ..)");
  }
  return Status::Ok();
}

class Importer {
 public:
  Importer(const ImportOptions& o, std::vector<profiles::DeviceProfile> profiles)
      : o_(o), profiles_(std::move(profiles)) {}

  // The device a table row names: a profile when its id, name or SoC matches, else a new
  // device with an id made from the name.
  db::DeviceRecord Device(const std::string& id, const std::string& name, const std::string& soc) {
    for (const auto& p : profiles_) {
      if ((!id.empty() && p.id == id) ||
          (!soc.empty() && NormalizeName(p.soc) == NormalizeName(soc)) ||
          (!name.empty() && NormalizeName(p.name) == NormalizeName(name))) {
        return DeviceRecordOf(p);
      }
    }
    db::DeviceRecord d;
    d.id = !id.empty() ? id : SlugId(!soc.empty() ? soc : name);
    d.name = !name.empty() ? name : (!soc.empty() ? soc : id);
    d.soc = soc;
    d.kind = "unknown";
    return d;
  }

  StatusOr<std::vector<ImportRow>> Read() {
    MBENCH_ASSIGN_OR_RETURN(std::string text, ReadFileToString(o_.file));
    kind_ = o_.kind.empty() || o_.kind == "auto" ? DetectKind(text) : o_.kind;
    if (kind_.empty() && IsOpProfileCsv(text)) {
      return Status::InvalidArgument(
          o_.file +
          ": an op-profiling CSV has layer times but no end-to-end time; import the "
          "benchmark_model log it came with and give this file as --op-profile");
    }
    if (kind_.empty()) {
      return Status::Corruption(o_.file +
                                ": not a table mbench knows (a benchncnn or benchmark_model "
                                "log, an AI Hub profile JSON, or a CSV of kind ncnn, tflite, "
                                "qai-hub or mbench: docs/imports.md); name it with --kind");
    }
    MBENCH_RETURN_IF_ERROR(CheckFlags());
    if (!o_.measured_at.empty() && DateIn(o_.measured_at) != o_.measured_at.substr(0, 10)) {
      return Status::InvalidArgument("--measured-at '" + o_.measured_at +
                                     "' is not a date (2026-12-01 or an ISO 8601 time)");
    }
    if (kind_ == "benchmark-model" || kind_ == "qai-hub-profile") return ToolRows(text);
    std::vector<std::vector<std::string>> rows;
    if (kind_ == "benchncnn") {
      MBENCH_RETURN_IF_ERROR(BenchncnnRows(text, o_.file, o_.device, &rows));
    } else if (!ParseCsv(text, &rows)) {
      return Status::Corruption(o_.file + ": unterminated quoted field");
    }
    if (rows.empty()) return Status::Corruption(o_.file + ": empty file");
    for (size_t i = 0; i < rows[0].size(); ++i) col_[rows[0][i]] = i;
    std::vector<const char*> need;
    if (kind_ == "ncnn" || kind_ == "benchncnn") {
      need = {"soc", "backend", "threads", "cluster", "model", "avg_ms", "min_ms", "max_ms"};
    } else if (kind_ == "tflite") {
      need = {"model",   "input_size", "device",     "soc",   "backend",
              "threads", "precision",  "latency_ms", "source"};
    } else if (kind_ == "qai-hub") {
      need = {"model_id", "precision",         "device",
              "runtime",  "inference_time_ms", "primary_compute_unit"};
    } else {
      need = {"device_id", "compute_unit", "runtime",    "precision",   "threads",    "cluster",
              "model_ref", "width",        "resolution", "input_shape", "latency_ms", "source"};
    }
    for (const char* n : need) {
      if (!col_.count(n)) {
        return Status::Corruption(o_.file + ": missing column '" + std::string(n) +
                                  "' (expected a --kind " + kind_ + " table)");
      }
    }
    std::vector<ImportRow> out;
    for (size_t line = 1; line < rows.size(); ++line) {
      row_ = &rows[line];
      where_ = o_.file + ":" + std::to_string(line + 1);
      if (row_->size() != rows[0].size()) {
        return Status::Corruption(where_ + ": expected " + std::to_string(rows[0].size()) +
                                  " fields, got " + std::to_string(row_->size()));
      }
      ImportRow r;
      bool keep = true;
      MBENCH_RETURN_IF_ERROR(kind_ == "ncnn" || kind_ == "benchncnn" ? Ncnn(&r, &keep)
                             : kind_ == "tflite"                     ? Tflite(&r, &keep)
                             : kind_ == "qai-hub"                    ? QaiHub(&r, &keep)
                                                                     : Mbench(&r, &keep));
      if (keep)
        out.push_back(std::move(r));
      else
        ++skipped_;
    }
    return out;
  }

  int skipped() const { return skipped_; }
  const std::string& kind() const { return kind_; }

 private:
  // Flags that describe a tool's output are refused for tables, which say it themselves.
  Status CheckFlags() const {
    const bool tool =
        kind_ == "benchncnn" || kind_ == "benchmark-model" || kind_ == "qai-hub-profile";
    // Each flag with the kinds of file it describes.
    const std::string any_tool = "benchncnn benchmark-model qai-hub-profile";
    const std::string model_tools = "benchmark-model qai-hub-profile";
    const struct {
      const char* flag;
      const std::string* value;
      std::string kinds;
    } flags[] = {{"--device", &o_.device, any_tool},
                 {"--measured-at", &o_.measured_at, any_tool},
                 {"--model", &o_.model, model_tools},
                 {"--runtime", &o_.runtime, model_tools},
                 {"--precision", &o_.precision, model_tools},
                 {"--op-profile", &o_.op_profile, "benchmark-model"}};
    for (const auto& f : flags) {
      if (f.value->empty() || (" " + f.kinds + " ").find(" " + kind_ + " ") != std::string::npos)
        continue;
      return Status::InvalidArgument(
          o_.file + ": " + f.flag + " does not apply to a " + kind_ +
          (tool ? " file" : " table, which names its devices, models and dates itself"));
    }
    if (tool && o_.device.empty()) {
      return Status::InvalidArgument(o_.file + ": a " + kind_ +
                                     " file does not say which device it ran on; give --device "
                                     "ID (a profile id such as pixel4, or a new name)");
    }
    if (kind_ == "qai-hub-profile" && o_.runtime.empty()) {
      return Status::InvalidArgument(o_.file +
                                     ": an AI Hub profile does not name its runtime; give "
                                     "--runtime (qnn, tflite or onnx)");
    }
    if (!o_.precision.empty() && o_.precision != "fp32" && o_.precision != "fp16" &&
        o_.precision != "int8") {
      return Status::InvalidArgument("--precision " + o_.precision +
                                     ": expected fp32, fp16 or int8");
    }
    return Status::Ok();
  }

  // The precision a tool's run measured: --precision, else the model's weights, else its name.
  // `how` says which, for the run's source.
  std::string Precision(const ToolRun& t, std::string* how) const {
    const bool accelerator = t.compute_unit == "gpu" || t.compute_unit == "npu";
    if (!o_.precision.empty()) {
      *how = "--precision";
      return o_.precision;
    }
    if (model_dtype_ == "int8") {
      *how = "the model's int8 weights";
      return "int8";
    }
    if (!model_dtype_.empty()) {
      *how = "the model's " + model_dtype_ + " weights";
      return accelerator ? "fp16" : model_dtype_;
    }
    const std::string name = Lower(t.model.empty() ? o_.file : t.model);
    for (const char* q : {"quant", "int8", "uint8", "w8a8"}) {
      if (name.find(q) != std::string::npos) {
        *how = "assumed from the name (give --precision or --model)";
        return "int8";
      }
    }
    *how = "assumed (give --precision or --model)";
    return accelerator ? "fp16" : "fp32";
  }

  // benchmark-model and qai-hub-profile: each run the tool printed becomes a row.
  StatusOr<std::vector<ImportRow>> ToolRows(const std::string& text) {
    std::vector<ToolRun> runs;
    if (kind_ == "benchmark-model") {
      MBENCH_RETURN_IF_ERROR(BenchmarkModelRuns(text, o_.file, &runs));
    } else {
      ToolRun run;
      MBENCH_RETURN_IF_ERROR(AiHubProfileRun(text, o_.file, &run));
      runs.push_back(std::move(run));
    }
    if (!o_.op_profile.empty()) {
      if (runs.size() != 1) {
        return Status::InvalidArgument(o_.file + " holds " + std::to_string(runs.size()) +
                                       " runs; --op-profile belongs to a log of one");
      }
      MBENCH_ASSIGN_OR_RETURN(std::string csv, ReadFileToString(o_.op_profile));
      runs[0].layers.clear();
      MBENCH_RETURN_IF_ERROR(OpProfileLayers(csv, o_.op_profile, &runs[0].layers));
    }
    analyzer::ModelRef ref;
    if (!o_.model.empty()) {
      ref.path = o_.model;
      MBENCH_ASSIGN_OR_RETURN(analyzer::AnalyzedModel a,
                              analyzer::LoadAndAnalyze(o_.model, {}, {}));
      int64_t most = 0;
      for (const auto& [dtype, bytes] : a.analysis.totals.weight_bytes_by_dtype) {
        if (bytes > most) {
          most = bytes;
          model_dtype_ = dtype == "uint8" || dtype == "int8" ? "int8"
                         : dtype == "float16"                ? "fp16"
                                                             : "fp32";
        }
      }
    }
    std::vector<ImportRow> out;
    for (ToolRun& t : runs) {
      ImportRow r;
      r.device = Device(SlugId(o_.device), o_.device, "");
      r.ref = ref;
      const std::string named = !t.model.empty() ? t.model : !o_.model.empty() ? o_.model : o_.file;
      r.model_name = named.substr(named.find_last_of('/') + 1);
      if (!o_.runtime.empty()) t.runtime = o_.runtime;
      if (t.compute_unit.empty()) t.compute_unit = "npu";
      std::string how;
      r.run.precision = Precision(t, &how);
      r.run.runtime = t.runtime;
      r.run.compute_unit = t.compute_unit;
      r.run.threads = t.compute_unit == "cpu" ? t.threads : 0;
      r.run.n = t.n;
      r.run.p50_ms = t.p50_ms;
      r.run.mean_ms = t.mean_ms;
      r.run.min_ms = t.min_ms;
      r.run.max_ms = t.max_ms;
      r.run.std_ms = t.std_ms;
      r.run.init_ms = t.init_ms;
      r.run.first_run_ms = t.first_run_ms;
      r.run.layers = std::move(t.layers);
      r.run.measured_at = o_.measured_at;
      where_ = o_.file + ":" + std::to_string(t.line);
      r.run.source =
          Source((kind_ == "benchmark-model" ? "benchmark_model log" : "Qualcomm AI Hub profile") +
                 std::string("; precision ") + how +
                 (o_.op_profile.empty() ? "" : "; layers from " + o_.op_profile));
      out.push_back(std::move(r));
    }
    return out;
  }

  std::string Get(const char* name) const {
    auto it = col_.find(name);
    return it == col_.end() ? std::string() : (*row_)[it->second];
  }
  StatusOr<double> Ms(const char* name) const {
    const std::string v = Get(name);
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !std::isfinite(x) || !(x > 0)) {
      return Status::Corruption(where_ + ": " + name + " '" + v + "' is not a positive number");
    }
    return x;
  }
  StatusOr<int64_t> Threads(const std::string& v) const {
    if (v.empty()) return int64_t{0};
    char* end = nullptr;
    long t = std::strtol(v.c_str(), &end, 10);
    if (*end != '\0' || t < 1 || t > 1024) {
      return Status::Corruption(where_ + ": threads '" + v + "' is not a thread count");
    }
    return static_cast<int64_t>(t);
  }
  std::string Source(const std::string& what) const { return what + " (" + where_ + ")"; }

  Status Ncnn(ImportRow* r, bool* /*keep*/) {
    const bool gpu = Get("backend") == "gpu" || Get("backend") == "vulkan";
    r->device = kind_ == "benchncnn" ? Device(SlugId(o_.device), o_.device, "")
                                     : Device("", Get("device"), Get("soc"));
    r->model_name = Get("model_canonical").empty() ? Get("model") : Get("model_canonical");
    r->run.runtime = "ncnn";
    r->run.compute_unit = gpu ? "gpu" : "cpu";
    r->run.precision = gpu ? "fp16" : (Get("int8") == "1" ? "int8" : "fp32");
    if (!gpu) {
      MBENCH_ASSIGN_OR_RETURN(r->run.threads, Threads(Get("threads")));
    }
    r->run.cluster = gpu ? "" : Get("cluster");
    MBENCH_ASSIGN_OR_RETURN(r->run.p50_ms, Ms("avg_ms"));
    r->run.mean_ms = r->run.p50_ms;
    MBENCH_ASSIGN_OR_RETURN(r->run.min_ms, Ms("min_ms"));
    MBENCH_ASSIGN_OR_RETURN(r->run.max_ms, Ms("max_ms"));
    if (!Get("loop_count").empty()) r->run.n = std::strtoll(Get("loop_count").c_str(), nullptr, 10);
    r->run.measured_at = Get("line_date");
    r->run.source = kind_ == "benchncnn"
                        ? Source("benchncnn log line " + Get("log_line"))
                        : Source("ncnn benchmark/README.md line " + Get("readme_line") +
                                 (Get("line_commit").empty() ? "" : " @" + Get("line_commit")));
    if (kind_ == "benchncnn") r->run.measured_at = o_.measured_at;
    // The network structure the row was measured on, when it ships with mbench.
    const std::string param =
        JoinPath(JoinPath(o_.data_dir, "ncnn_params"), r->model_name + ".param");
    if (FileExists(param)) r->ref.path = param;
    return Status::Ok();
  }

  Status Tflite(ImportRow* r, bool* keep) {
    const std::string backend = Lower(Get("backend"));
    r->device = Device("", Get("device"), Get("soc"));
    r->model_name = Get("model") + " @" + Get("input_size");
    const std::string framework = Lower(Get("framework"));
    r->run.runtime = backend == "nnapi"                            ? "nnapi"
                     : framework.find("core") != std::string::npos ? "coreml"
                                                                   : "tflite";
    r->run.compute_unit = backend == "nnapi" || backend == "npu" ? "npu"
                          : backend == "gpu"                     ? "gpu"
                                                                 : "cpu";
    r->run.precision = Get("precision").empty() ? "fp32" : Lower(Get("precision"));
    MBENCH_ASSIGN_OR_RETURN(r->run.threads, Threads(Get("threads")));
    MBENCH_ASSIGN_OR_RETURN(r->run.p50_ms, Ms("latency_ms"));
    r->run.source = Source(Get("source"));
    r->run.measured_at = DateIn(Get("source"));  // the date the source line names, if any
    (void)keep;
    return Status::Ok();
  }

  Status QaiHub(ImportRow* r, bool* keep) {
    if ((!Get("job_status").empty() && Get("job_status") != "Passed") ||
        Get("inference_time_ms").empty()) {
      *keep = false;  // a failed or never-run profiling job has no time
      return Status::Ok();
    }
    r->device = Device("", Get("device"), "");
    r->model_name =
        Get("model_id") + (Get("input_resolution").empty() ? "" : " @" + Get("input_resolution"));
    const std::string rt = Get("runtime");
    r->run.runtime = rt == "qnn_dlc" || rt == "qnn" ? "qnn" : rt == "tflite" ? "tflite" : rt;
    r->run.compute_unit = Lower(Get("primary_compute_unit"));
    r->run.precision = Get("precision") == "float"  ? "fp16"
                       : Get("precision") == "w8a8" ? "int8"
                                                    : Get("precision");
    MBENCH_ASSIGN_OR_RETURN(r->run.p50_ms, Ms("inference_time_ms"));
    r->run.source = Source(Get("source").empty() ? "Qualcomm AI Hub" : Get("source"));
    r->run.measured_at = DateIn(Get("source"));
    return Status::Ok();
  }

  Status Mbench(ImportRow* r, bool* keep) {
    (void)keep;
    r->device = Device(Get("device_id"), "", "");
    r->run.runtime = Get("runtime");
    r->run.compute_unit = Get("compute_unit");
    r->run.precision = Get("precision");
    MBENCH_ASSIGN_OR_RETURN(r->run.threads, Threads(Get("threads")));
    r->run.cluster = Get("cluster");
    MBENCH_ASSIGN_OR_RETURN(r->run.p50_ms, Ms("latency_ms"));
    r->run.source = Source(Get("source"));
    r->run.measured_at = DateIn(Get("source"));  // the date the source line names, if any
    const std::string ref = Get("model_ref");
    r->model_name = ref;
    if (ref.rfind("zoo:", 0) == 0) {
      r->ref.path = ref;
      if (!Get("width").empty()) r->ref.zoo.width = std::strtod(Get("width").c_str(), nullptr);
      if (!Get("resolution").empty()) {
        r->ref.zoo.resolution = std::strtoll(Get("resolution").c_str(), nullptr, 10);
      }
    } else if (!ref.empty()) {
      r->ref.path = JoinPath(o_.data_dir, ref);
    }
    if (!Get("input_shape").empty()) r->ref.input_shapes.push_back(Get("input_shape"));
    return Status::Ok();
  }

  const ImportOptions& o_;
  std::vector<profiles::DeviceProfile> profiles_;
  std::map<std::string, size_t> col_;
  const std::vector<std::string>* row_ = nullptr;
  std::string where_;
  int skipped_ = 0;
  std::string kind_;         // o_.kind, or the one the content showed
  std::string model_dtype_;  // --model's main weight dtype: "fp32", "fp16", "int8"
};

}  // namespace

StatusOr<ImportBatch> ReadTable(const ImportOptions& o) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<profiles::DeviceProfile> profiles,
                          profiles::LoadProfileDir(o.profile_dir));
  Importer importer(o, std::move(profiles));
  MBENCH_ASSIGN_OR_RETURN(std::vector<ImportRow> rows, importer.Read());
  // Group by model; analyze each model file once. A model that no longer loads is stored by name.
  std::map<std::string, size_t> index;
  std::vector<std::pair<db::ModelRecord, std::vector<std::pair<std::string, db::RunRecord>>>> runs;
  std::map<std::string, db::DeviceRecord> devices;
  int unresolved = 0;
  for (ImportRow& r : rows) {
    const std::string key = analyzer::EncodeRef(r.ref) + "|" + r.model_name;
    auto it = index.find(key);
    if (it == index.end()) {
      db::ModelRecord m;
      bool analyzed = false;
      if (!r.ref.path.empty()) {
        auto a = analyzer::LoadAndAnalyze(r.ref.path, r.ref.input_shapes, r.ref.zoo);
        if (a.ok()) {
          m = ModelRecordOf(*a, r.ref);
          analyzed = true;
        }
      }
      if (!analyzed) {
        m.key = "published:" + r.model_name;
        m.name = r.model_name;
        ++unresolved;
      }
      it = index.emplace(key, runs.size()).first;
      runs.push_back({m, {}});
    }
    r.run.options_json = nlohmann::json({{"imported_from", o.file}, {"kind", importer.kind()}})
                             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // A table without dates stores none (NULL), never the import's time; CPU thread counts do
    // not apply to a GPU or NPU run (NULL too).
    if (r.run.compute_unit != "cpu") r.run.threads = 0;
    devices[r.device.id] = r.device;
    runs[it->second].second.emplace_back(r.device.id, std::move(r.run));
  }
  ImportBatch batch;
  for (auto& [id, d] : devices) batch.devices.push_back(d);
  batch.summary.models = static_cast<int>(runs.size());
  batch.summary.devices = static_cast<int>(devices.size());
  batch.summary.skipped_rows = importer.skipped();
  batch.summary.unresolved_models = unresolved;
  batch.runs = std::move(runs);
  return batch;
}

StatusOr<ImportSummary> StoreBatch(const ImportBatch& batch, db::Database& results) {
  ImportSummary s = batch.summary;
  MBENCH_ASSIGN_OR_RETURN(s.runs, results.AddRuns(batch.devices, batch.runs));
  for (const auto& [model, runs] : batch.runs) s.already_stored += static_cast<int>(runs.size());
  s.already_stored -= s.runs;
  return s;
}

}  // namespace mbench::calibration
