#include "device/flows.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>

#include "calibration/probes.h"
#include "core/env.h"
#include "core/text.h"
#include "device_profiles/profile.h"

namespace mbench::device {
namespace {

// A local folder for the files pulled from the phone, removed with everything in it.
class LocalTemp {
 public:
  LocalTemp() {
    std::string t = (std::filesystem::temp_directory_path() / "mbench-device-XXXXXX").string();
    if (mkdtemp(t.data()) != nullptr) path_ = t;
  }
  ~LocalTemp() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Removes the phone's work folder on every path out of a flow (best effort: the phone may be gone).
class RemoteWork {
 public:
  RemoteWork(Phone& phone, std::string dir) : phone_(phone), dir_(std::move(dir)) {}
  ~RemoteWork() {
    std::string out;
    (void)phone_.adb().ShellExit(phone_.identity().serial, "rm -rf " + dir_, &out);
  }
  const std::string& dir() const { return dir_; }

 private:
  Phone& phone_;
  std::string dir_;
};

StatusOr<std::vector<profiles::DeviceProfile>> Profiles(const Connection& c) {
  auto p = profiles::LoadProfileDir(c.profile_dir);
  if (!p.ok() && p.status().code() == StatusCode::kNotFound) {
    return std::vector<profiles::DeviceProfile>{};
  }
  return p;
}

std::string CpuList(const std::vector<int>& cpus) {
  std::string s;
  for (int c : cpus) s += (s.empty() ? "" : ",") + std::to_string(c);
  return s;
}

// Pushes the bundle when the phone lacks it; says so.
Status Install(Phone& phone, const Connection& c, const Log& log) {
  MBENCH_ASSIGN_OR_RETURN(Bundle bundle, FindBundle(c.bundle));
  MBENCH_ASSIGN_OR_RETURN(bool pushed, phone.EnsureBundle(bundle));
  log(pushed ? "installed the aarch64 bundle " + bundle.sha256.substr(0, 12) + " in " + kRemoteDir
             : "bundle " + bundle.sha256.substr(0, 12) + " already on the phone");
  return Status::Ok();
}

StatusOr<std::unique_ptr<db::Database>> OpenPulled(Phone& phone, const std::string& remote,
                                                   const LocalTemp& tmp) {
  const std::string local = JoinPath(tmp.path(), "phone.db");
  MBENCH_RETURN_IF_ERROR(phone.Pull(remote, local));
  return db::Database::Open(local, {.must_exist = true});
}

// A JSON object mbench wrote on the phone (`what` names the command in errors).
StatusOr<nlohmann::ordered_json> PullJson(Phone& phone, const std::string& remote,
                                          const LocalTemp& tmp, const std::string& what) {
  const std::string local = JoinPath(tmp.path(), "phone.json");
  MBENCH_RETURN_IF_ERROR(phone.Pull(remote, local));
  MBENCH_ASSIGN_OR_RETURN(std::string text, ReadFileToString(local));
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption("the phone's " + what + " printed no JSON report (" +
                              std::to_string(text.size()) + " bytes)");
  }
  return j;
}

}  // namespace

StatusOr<std::vector<Listed>> ListPhones(const Connection& c) {
  Adb adb(Adb::Locate(c.adb));
  MBENCH_ASSIGN_OR_RETURN(std::vector<Attached> attached, adb.Devices());
  MBENCH_ASSIGN_OR_RETURN(std::vector<profiles::DeviceProfile> profiles, Profiles(c));
  std::vector<Listed> out;
  for (const auto& a : attached) {
    Listed l;
    l.id.serial = a.serial;
    l.id.model = a.model;
    l.state = a.state;
    if (a.state != "device") {
      l.problem = a.state == "unauthorized" ? "unauthorized: accept the USB debugging prompt"
                                            : a.state + ": not ready";
    } else if (auto id = ReadIdentity(adb, a.serial, profiles); id.ok()) {
      l.id = *id;
    } else {
      l.problem = id.status().message();
    }
    out.push_back(l);
  }
  return out;
}

StatusOr<Phone> Connect(const Connection& c) {
  Adb adb(Adb::Locate(c.adb));
  MBENCH_ASSIGN_OR_RETURN(std::string serial, adb.Select(c.serial));
  MBENCH_ASSIGN_OR_RETURN(std::vector<profiles::DeviceProfile> profiles, Profiles(c));
  MBENCH_ASSIGN_OR_RETURN(Identity id, ReadIdentity(adb, serial, profiles));
  if (!id.IsArm64()) {
    return Status::Unsupported("the device " + serial + " is " +
                               (id.abi.empty() ? "of unknown ABI" : id.abi) +
                               ", not arm64-v8a: mbench's device bundle runs on 64-bit ARM only");
  }
  return Phone(std::move(adb), std::move(id));
}

StatusOr<nlohmann::ordered_json> RunOnPhone(Phone& phone, const Connection& c,
                                            const PhoneRunRequest& r, const Log& log) {
  const Identity& id = phone.identity();
  MBENCH_ASSIGN_OR_RETURN(std::vector<int> cpus, CoresOf(id, r.cores));
  MBENCH_RETURN_IF_ERROR(Install(phone, c, log));
  MBENCH_ASSIGN_OR_RETURN(std::string model, phone.PushModel(r.model));
  MBENCH_ASSIGN_OR_RETURN(std::string dir, phone.MakeWorkDir());
  RemoteWork work(phone, dir);
  std::vector<std::string> args = {"run",         model,
                                   "--format",    "json",
                                   "--threads",   std::to_string(r.threads),
                                   "--cpus",      CpuList(cpus),
                                   "--precision", r.precision,
                                   "--warmup",    std::to_string(r.warmup),
                                   "--runs",      std::to_string(r.runs),
                                   "--min-secs",  ShortNumber(r.min_secs),
                                   "--max-secs",  ShortNumber(r.max_secs)};
  if (r.zoo.width != 1.0) args.insert(args.end(), {"--width", ShortNumber(r.zoo.width)});
  if (r.zoo.resolution > 0) {
    args.insert(args.end(), {"--resolution", std::to_string(r.zoo.resolution)});
  }
  if (r.zoo.fold_bn) args.push_back("--fold-bn");
  for (const auto& s : r.input_shapes) args.insert(args.end(), {"--input-shape", s});
  if (r.per_layer) args.push_back("--per-layer");
  if (r.results != nullptr) args.insert(args.end(), {"--db", dir + "/run.db"});

  MBENCH_ASSIGN_OR_RETURN(PhoneState before, phone.ReadState());
  log("running " + r.model + " on " + id.serial + " (" + r.cores + " cores: cpus " + CpuList(cpus) +
      ", " + std::to_string(r.threads) + " threads)");
  MBENCH_RETURN_IF_ERROR(phone.RunMbench(args, dir + "/run.json", "mbench run"));
  MBENCH_ASSIGN_OR_RETURN(PhoneState after, phone.ReadState());

  LocalTemp tmp;
  if (tmp.path().empty()) return Status::IOError("cannot create a temporary folder");
  MBENCH_ASSIGN_OR_RETURN(nlohmann::ordered_json run,
                          PullJson(phone, dir + "/run.json", tmp, "mbench run"));
  const std::vector<std::string> notes = ThrottleNotes(before, after, cpus);
  // The phone's own report describes its CPU as cpuinfo sees it; the phone's identity joins it.
  nlohmann::ordered_json dev = run.contains("device") && run["device"].is_object()
                                   ? run["device"]
                                   : nlohmann::ordered_json::object();
  const nlohmann::ordered_json identity = IdentityJson(id);
  for (const auto& [key, value] : identity.items()) dev[key] = value;
  dev["id"] = DeviceIdOf(id);
  dev["cores"] = r.cores;
  dev["cpus"] = cpus;
  dev["before"] = StateJson(before);
  dev["after"] = StateJson(after);
  dev["throttled"] = !notes.empty();
  dev["notes"] = notes;
  for (const auto& n : notes) log("warning: " + n);
  if (r.results != nullptr) {
    MBENCH_ASSIGN_OR_RETURN(auto pulled, OpenPulled(phone, dir + "/run.db", tmp));
    // The ref names the file on the phone (with any shapes after it): name this machine's.
    std::error_code ec;
    const std::string host_path =
        std::filesystem::absolute(r.model, ec).lexically_normal().string();
    MBENCH_ASSIGN_OR_RETURN(
        int n, CopyRuns(*pulled, *r.results, DeviceRecordOf(id), [&](const db::ModelRecord& m) {
          if (ec || m.ref.rfind(model, 0) != 0 || model.rfind("zoo:", 0) == 0) return m.ref;
          return host_path + m.ref.substr(model.size());
        }));
    dev["stored"] = {{"db", r.results->location()}, {"device_id", DeviceIdOf(id)}, {"runs", n}};
    log("stored the run as " + DeviceIdOf(id) + " in " + r.results->location());
  }
  run["device"] = dev;
  return run;
}

StatusOr<PhoneCalibration> CalibratePhone(Phone& phone, const Connection& c,
                                          const PhoneCalibrateRequest& r, db::Database& results,
                                          const Log& log) {
  const Identity& id = phone.identity();
  MBENCH_ASSIGN_OR_RETURN(std::vector<int> cpus, CoresOf(id, r.cores));
  MBENCH_RETURN_IF_ERROR(Install(phone, c, log));
  MBENCH_ASSIGN_OR_RETURN(std::string dir, phone.MakeWorkDir());
  RemoteWork work(phone, dir);
  std::vector<std::string> args = {
      "calibrate",    "--measure-only",          "--db",         dir + "/cal.db",
      "--probe-dir",  dir + "/probes",           "--cpus",       CpuList(cpus),
      "--probe-secs", ShortNumber(r.probe_secs), "--model-secs", ShortNumber(r.model_secs)};
  if (r.quick) args.push_back("--quick");
  // calibrate's list flags take one value per occurrence.
  for (const auto& p : r.probes) args.insert(args.end(), {"--probes", p});
  for (int t : r.threads) args.insert(args.end(), {"--threads", std::to_string(t)});
  for (const auto& m : r.models) args.insert(args.end(), {"--model", m});
  MBENCH_ASSIGN_OR_RETURN(PhoneState before, phone.ReadState());
  log("measuring the probe set on " + id.serial + " (cpus " + CpuList(cpus) +
      "); this takes minutes");
  MBENCH_RETURN_IF_ERROR(phone.RunMbench(args, dir + "/cal.json", "mbench calibrate"));
  MBENCH_ASSIGN_OR_RETURN(PhoneState after, phone.ReadState());
  for (const auto& n : ThrottleNotes(before, after, cpus)) {
    log("warning: " + n + "; the profile may be slower than the phone is");
  }

  LocalTemp tmp;
  if (tmp.path().empty()) return Status::IOError("cannot create a temporary folder");
  MBENCH_ASSIGN_OR_RETURN(nlohmann::ordered_json summary,
                          PullJson(phone, dir + "/cal.json", tmp, "mbench calibrate"));
  if (!summary.contains("bandwidth_gbps") || !summary["bandwidth_gbps"].is_number()) {
    return Status::Corruption("the phone's mbench calibrate printed no copy bandwidth");
  }
  PhoneCalibration out;
  out.device = DeviceRecordOf(id);
  out.bandwidth_gbps = summary["bandwidth_gbps"].get<double>();

  // The probes are deterministic: this machine writes the same files, which refine reads.
  MBENCH_ASSIGN_OR_RETURN(std::vector<std::string> probes, calibration::WriteProbes(r.probe_dir));
  (void)probes;
  MBENCH_ASSIGN_OR_RETURN(auto pulled, OpenPulled(phone, dir + "/cal.db", tmp));
  MBENCH_ASSIGN_OR_RETURN(
      out.runs, CopyRuns(*pulled, results, out.device, [&](const db::ModelRecord& m) {
        const size_t at = m.ref.find("/probes/");
        return at == std::string::npos ? m.ref : JoinPath(r.probe_dir, m.ref.substr(at + 8));
      }));
  log("stored " + std::to_string(out.runs) + " runs of " + out.device.id + " in " +
      results.location() + "; fitting");

  const std::string date = db::NowUtc().substr(0, 10);
  calibration::RefineRequest req;
  req.date = date;
  req.data.runtime = "mbench";
  req.progress = r.fit_progress;
  MBENCH_ASSIGN_OR_RETURN(
      out.outcome,
      calibration::RefineDevice(results, PhoneProfileFacts(id, out.bandwidth_gbps, date), req));
  return out;
}

}  // namespace mbench::device
