#include "server/upload.h"

#include <cctype>
#include <cmath>
#include <set>

namespace mbench::server {
namespace {

using nlohmann::json;

// Reads the fields of one JSON object, remembering which keys were read so the unknown ones can
// be refused. Errors name the field by its path ("run.layers[3].name").
class Fields {
 public:
  Fields(const json& object, std::string path) : o_(object), path_(std::move(path)) {}

  Status Text(const char* key, std::string* out, bool required, size_t max = kMaxTextBytes) {
    seen_.insert(key);
    auto it = o_.find(key);
    if (it == o_.end() || it->is_null()) {
      return required ? Bad(key, "is required") : Status::Ok();
    }
    if (!it->is_string()) return Bad(key, "must be a string");
    const std::string& s = it->get_ref<const std::string&>();
    if (s.size() > max) return Bad(key, "is longer than " + std::to_string(max) + " bytes");
    for (unsigned char c : s) {
      if (c < 0x20 && c != '\t') return Bad(key, "holds a control character");
    }
    if (required && s.empty()) return Bad(key, "must not be empty");
    *out = s;
    return Status::Ok();
  }

  // An identifier: letters, digits and . _ - : + @ / (device ids, runtimes, precisions).
  Status Id(const char* key, std::string* out, bool required) {
    MBENCH_RETURN_IF_ERROR(Text(key, out, required, 128));
    for (unsigned char c : *out) {
      if (!std::isalnum(c) &&
          std::string("._-:+@/").find(static_cast<char>(c)) == std::string::npos) {
        return Bad(key, "may hold only letters, digits and . _ - : + @ /");
      }
    }
    return Status::Ok();
  }

  // An integer in [lo, hi]; absent or null leaves `*out` (the record's "unknown").
  Status Integer(const char* key, int64_t* out, int64_t lo, int64_t hi) {
    seen_.insert(key);
    auto it = o_.find(key);
    if (it == o_.end() || it->is_null()) return Status::Ok();
    if (!it->is_number_integer()) return Bad(key, "must be an integer");
    const int64_t v = it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX
                          ? INT64_MAX
                          : it->get<int64_t>();
    if (v < lo || v > hi) {
      return Bad(key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    *out = v;
    return Status::Ok();
  }

  // A finite number in [lo, hi]; absent or null leaves `*out`, unless required.
  Status Number(const char* key, double* out, double lo, double hi, bool required = false) {
    seen_.insert(key);
    auto it = o_.find(key);
    if (it == o_.end() || it->is_null()) {
      return required ? Bad(key, "is required") : Status::Ok();
    }
    if (!it->is_number()) return Bad(key, "must be a number");
    const double v = it->get<double>();
    if (!std::isfinite(v) || v < lo || v > hi) {
      return Bad(key, "must be a number in [" + Short(lo) + ", " + Short(hi) + "]");
    }
    *out = v;
    return Status::Ok();
  }

  Status Bool(const char* key, bool* out) {
    seen_.insert(key);
    auto it = o_.find(key);
    if (it == o_.end() || it->is_null()) return Status::Ok();
    if (!it->is_boolean()) return Bad(key, "must be true or false");
    *out = it->get<bool>();
    return Status::Ok();
  }

  // A JSON object, kept as its compact text.
  Status Object(const char* key, std::string* out) {
    seen_.insert(key);
    auto it = o_.find(key);
    if (it == o_.end() || it->is_null()) return Status::Ok();
    if (!it->is_object()) return Bad(key, "must be an object");
    *out = it->dump(-1, ' ', false, json::error_handler_t::replace);
    if (out->size() > 16 * kMaxTextBytes) return Bad(key, "is too large");
    return Status::Ok();
  }

  const json* Child(const char* key) {
    seen_.insert(key);
    auto it = o_.find(key);
    return it == o_.end() ? nullptr : &*it;
  }

  // Refuses keys nothing read.
  Status NoOthers() const {
    for (auto it = o_.begin(); it != o_.end(); ++it) {
      if (!seen_.count(it.key())) return Bad(it.key(), "is not a field of an upload");
    }
    return Status::Ok();
  }

  Status Bad(const std::string& key, const std::string& why) const {
    // A hostile key is cut short; the message reaches the client inside JSON, escaped.
    return Status::InvalidArgument(
        path_ + "." + (key.size() > 64 ? key.substr(0, 64) + "..." : key) + ": " + why);
  }

 private:
  static std::string Short(double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", v);
    return buf;
  }

  const json& o_;
  std::string path_;
  std::set<std::string> seen_;
};

Status NeedObject(const json* j, const std::string& path) {
  if (j == nullptr || !j->is_object()) return Status::InvalidArgument(path + ": must be an object");
  return Status::Ok();
}

constexpr double kMaxMs = 1e7;  // about 3 hours: no single inference takes longer

Status ReadDevice(const json& j, db::DeviceRecord* d) {
  Fields f(j, "device");
  MBENCH_RETURN_IF_ERROR(f.Id("id", &d->id, true));
  MBENCH_RETURN_IF_ERROR(f.Text("name", &d->name, false, 256));
  MBENCH_RETURN_IF_ERROR(f.Text("soc", &d->soc, false, 256));
  MBENCH_RETURN_IF_ERROR(f.Id("kind", &d->kind, false));
  MBENCH_RETURN_IF_ERROR(f.Text("cpu", &d->cpu, false, 512));
  MBENCH_RETURN_IF_ERROR(f.Object("facts", &d->facts_json));
  return f.NoOthers();
}

Status ReadModel(const json& j, db::ModelRecord* m) {
  Fields f(j, "model");
  MBENCH_RETURN_IF_ERROR(f.Text("key", &m->key, true, 1024));
  MBENCH_RETURN_IF_ERROR(f.Text("sha256", &m->sha256, false, 64));
  for (char c : m->sha256) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c))) {
      return f.Bad("sha256", "must be 64 lower-case hex digits");
    }
  }
  if (!m->sha256.empty() && m->sha256.size() != 64) {
    return f.Bad("sha256", "must be 64 lower-case hex digits");
  }
  MBENCH_RETURN_IF_ERROR(f.Text("name", &m->name, true, 1024));
  MBENCH_RETURN_IF_ERROR(f.Id("format", &m->format, false));
  MBENCH_RETURN_IF_ERROR(f.Text("ref", &m->ref, false, 1024));
  MBENCH_RETURN_IF_ERROR(f.Text("input_shapes", &m->input_shapes, false, 1024));
  constexpr int64_t kBig = int64_t{1} << 60;
  MBENCH_RETURN_IF_ERROR(f.Integer("macs", &m->macs, 0, kBig));
  MBENCH_RETURN_IF_ERROR(f.Integer("flops", &m->flops, 0, kBig));
  MBENCH_RETURN_IF_ERROR(f.Integer("params", &m->params, 0, kBig));
  MBENCH_RETURN_IF_ERROR(f.Integer("weight_bytes", &m->weight_bytes, 0, kBig));
  MBENCH_RETURN_IF_ERROR(f.Integer("peak_activation_bytes", &m->peak_activation_bytes, 0, kBig));
  MBENCH_RETURN_IF_ERROR(f.Integer("layers", &m->layers, 0, int64_t{1} << 32));
  return f.NoOthers();
}

Status ReadLayers(const json* j, std::vector<db::LayerRecord>* out) {
  if (j == nullptr || j->is_null()) return Status::Ok();
  if (!j->is_array()) return Status::InvalidArgument("run.layers: must be an array");
  if (j->size() > kMaxUploadLayers) {
    return Status::InvalidArgument("run.layers: more than " + std::to_string(kMaxUploadLayers) +
                                   " layers");
  }
  std::set<int64_t> indices;
  for (size_t i = 0; i < j->size(); ++i) {
    const std::string path = "run.layers[" + std::to_string(i) + "]";
    MBENCH_RETURN_IF_ERROR(NeedObject(&(*j)[i], path));
    Fields f((*j)[i], path);
    db::LayerRecord l;
    l.index = -1;
    MBENCH_RETURN_IF_ERROR(f.Integer("index", &l.index, 0, int64_t{1} << 32));
    if (l.index < 0) return f.Bad("index", "is required");
    if (!indices.insert(l.index).second) return f.Bad("index", "repeats another layer's");
    MBENCH_RETURN_IF_ERROR(f.Text("name", &l.name, true, kMaxTextBytes));
    MBENCH_RETURN_IF_ERROR(f.Text("op", &l.op, true, 128));
    MBENCH_RETURN_IF_ERROR(f.Text("fused_into", &l.fused_into, false, kMaxTextBytes));
    MBENCH_RETURN_IF_ERROR(f.Number("p50_ms", &l.p50_ms, 0, kMaxMs, true));
    MBENCH_RETURN_IF_ERROR(f.Number("share", &l.share, 0, 1, true));
    MBENCH_RETURN_IF_ERROR(f.Id("kernel", &l.kernel, false));
    MBENCH_RETURN_IF_ERROR(f.Id("precision", &l.precision, false));
    MBENCH_RETURN_IF_ERROR(f.NoOthers());
    out->push_back(std::move(l));
  }
  return Status::Ok();
}

Status ReadRun(const json& j, db::RunRecord* r) {
  Fields f(j, "run");
  MBENCH_RETURN_IF_ERROR(f.Id("runtime", &r->runtime, true));
  MBENCH_RETURN_IF_ERROR(f.Id("compute_unit", &r->compute_unit, true));
  MBENCH_RETURN_IF_ERROR(f.Id("precision", &r->precision, true));
  MBENCH_RETURN_IF_ERROR(f.Id("cluster", &r->cluster, false));
  r->threads = 0;
  MBENCH_RETURN_IF_ERROR(f.Integer("threads", &r->threads, 1, 1024));
  MBENCH_RETURN_IF_ERROR(f.Object("options", &r->options_json));
  MBENCH_RETURN_IF_ERROR(f.Object("build", &r->build_json));
  MBENCH_RETURN_IF_ERROR(f.Text("measured_at", &r->measured_at, false, 32));
  for (char c : r->measured_at) {
    if (!std::isdigit(static_cast<unsigned char>(c)) &&
        std::string("-:TZ.+").find(c) == std::string::npos) {
      return f.Bad("measured_at", "must be an ISO 8601 time (2026-12-01T10:00:00Z)");
    }
  }
  MBENCH_RETURN_IF_ERROR(f.Text("source", &r->source, true, 1024));
  r->n = 0;
  MBENCH_RETURN_IF_ERROR(f.Integer("n", &r->n, 1, int64_t{1} << 40));
  MBENCH_RETURN_IF_ERROR(f.Number("p50_ms", &r->p50_ms, 1e-9, kMaxMs, true));
  for (auto [key, field] :
       {std::pair{"min_ms", &r->min_ms}, std::pair{"p90_ms", &r->p90_ms},
        std::pair{"p99_ms", &r->p99_ms}, std::pair{"max_ms", &r->max_ms},
        std::pair{"mean_ms", &r->mean_ms}, std::pair{"std_ms", &r->std_ms},
        std::pair{"init_ms", &r->init_ms}, std::pair{"first_run_ms", &r->first_run_ms}}) {
    MBENCH_RETURN_IF_ERROR(f.Number(key, field, 0, kMaxMs));
  }
  if (r->min_ms > r->p50_ms || (r->max_ms > 0 && r->max_ms < r->p50_ms)) {
    return f.Bad("p50_ms", "must lie between min_ms and max_ms");
  }
  MBENCH_RETURN_IF_ERROR(f.Integer("peak_rss_bytes", &r->peak_rss_bytes, 0, int64_t{1} << 50));
  MBENCH_RETURN_IF_ERROR(f.Bool("synthetic_weights", &r->synthetic_weights));
  MBENCH_RETURN_IF_ERROR(ReadLayers(f.Child("layers"), &r->layers));
  return f.NoOthers();
}

}  // namespace

nlohmann::json UploadJson(const Upload& u) {
  auto object = [](const std::string& text) {
    auto j = json::parse(text.empty() ? "{}" : text, nullptr, false);
    return j.is_object() ? j : json::object();
  };
  auto opt_int = [](int64_t v) { return v < 0 ? json(nullptr) : json(v); };
  auto opt_real = [](double v) { return v < 0 ? json(nullptr) : json(v); };
  json layers = json::array();
  for (const db::LayerRecord& l : u.run.layers) {
    layers.push_back({{"index", l.index},
                      {"name", l.name},
                      {"op", l.op},
                      {"fused_into", l.fused_into},
                      {"p50_ms", l.p50_ms},
                      {"share", l.share},
                      {"kernel", l.kernel},
                      {"precision", l.precision}});
  }
  const db::RunRecord& r = u.run;
  return {{"device",
           {{"id", u.device.id},
            {"name", u.device.name},
            {"soc", u.device.soc},
            {"kind", u.device.kind},
            {"cpu", u.device.cpu},
            {"facts", object(u.device.facts_json)}}},
          {"model",
           {{"key", u.model.key},
            {"sha256", u.model.sha256},
            {"name", u.model.name},
            {"format", u.model.format},
            {"ref", u.model.ref},
            {"input_shapes", u.model.input_shapes},
            {"macs", opt_int(u.model.macs)},
            {"flops", opt_int(u.model.flops)},
            {"params", opt_int(u.model.params)},
            {"weight_bytes", opt_int(u.model.weight_bytes)},
            {"peak_activation_bytes", opt_int(u.model.peak_activation_bytes)},
            {"layers", opt_int(u.model.layers)}}},
          {"run",
           {{"runtime", r.runtime},
            {"compute_unit", r.compute_unit},
            {"precision", r.precision},
            {"cluster", r.cluster},
            {"threads", r.threads > 0 ? json(r.threads) : json(nullptr)},
            {"options", object(r.options_json)},
            {"build", object(r.build_json)},
            {"measured_at", r.measured_at.empty() ? json(nullptr) : json(r.measured_at)},
            {"source", r.source},
            {"n", r.n > 0 ? json(r.n) : json(nullptr)},
            {"min_ms", r.min_ms},
            {"p50_ms", r.p50_ms},
            {"p90_ms", r.p90_ms},
            {"p99_ms", r.p99_ms},
            {"max_ms", r.max_ms},
            {"mean_ms", r.mean_ms},
            {"std_ms", r.std_ms},
            {"init_ms", opt_real(r.init_ms)},
            {"first_run_ms", opt_real(r.first_run_ms)},
            {"peak_rss_bytes", opt_int(r.peak_rss_bytes)},
            {"synthetic_weights", r.synthetic_weights},
            {"layers", std::move(layers)}}}};
}

StatusOr<Upload> ParseUpload(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("the body is not JSON");
  MBENCH_RETURN_IF_ERROR(NeedObject(&j, "the body"));
  Fields top(j, "upload");
  Upload u;
  const json* device = top.Child("device");
  const json* model = top.Child("model");
  const json* run = top.Child("run");
  MBENCH_RETURN_IF_ERROR(top.NoOthers());
  MBENCH_RETURN_IF_ERROR(NeedObject(device, "device"));
  MBENCH_RETURN_IF_ERROR(NeedObject(model, "model"));
  MBENCH_RETURN_IF_ERROR(NeedObject(run, "run"));
  MBENCH_RETURN_IF_ERROR(ReadDevice(*device, &u.device));
  MBENCH_RETURN_IF_ERROR(ReadModel(*model, &u.model));
  MBENCH_RETURN_IF_ERROR(ReadRun(*run, &u.run));
  return u;
}

}  // namespace mbench::server
