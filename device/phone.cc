#include "device/phone.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/env.h"
#include "core/sha256.h"
#include "core/text.h"

namespace mbench::device {
namespace {

std::string Remote(const std::string& rel) { return std::string(kRemoteDir) + "/" + rel; }

std::string ProgramDir() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : self.parent_path().string();
}

int64_t Number(const std::string& s) { return s == "-" ? 0 : std::atoll(s.c_str()); }

}  // namespace

StatusOr<Bundle> FindBundle(const std::string& flag) {
  std::vector<std::string> candidates;
  if (!flag.empty()) {
    candidates = {flag};
  } else if (const char* env = std::getenv("MBENCH_BUNDLE"); env != nullptr && env[0] != '\0') {
    candidates = {env};
  } else {
    const std::string here = ProgramDir();
    candidates = {JoinPath(here, "mbench-aarch64"),
                  JoinPath(here, "../build-aarch64/mbench-aarch64"),
                  JoinPath(here, "../share/mbench/mbench-aarch64")};
  }
  for (const auto& dir : candidates) {
    auto text = ReadFileToString(JoinPath(dir, "BUNDLE"), 1 << 20);
    if (!text.ok()) continue;
    const std::string last = LastLine(*text);
    if (last.rfind("sha256 ", 0) != 0 || !FileExists(JoinPath(dir, "mbench"))) {
      return Status::Corruption(dir + "/BUNDLE: not a complete aarch64 bundle (rebuild it with " +
                                "scripts/build-aarch64.sh)");
    }
    return Bundle{dir, last.substr(7)};
  }
  return Status::NotFound("no aarch64 bundle at " + candidates[0] +
                          (candidates.size() > 1 ? " or beside this mbench" : "") +
                          ": build it with `bash scripts/build-aarch64.sh`, or give --bundle DIR");
}

PhoneState ParseState(const std::string& text) {
  PhoneState s;
  std::istringstream is(text);
  std::string line;
  while (std::getline(is, line)) {
    std::istringstream ls(line);
    std::string kind;
    ls >> kind;
    if (kind == "cpu") {
      CpuState c;
      std::string gov, cur, max, online;
      if (!(ls >> c.cpu >> gov >> cur >> max >> online)) continue;
      c.governor = gov == "-" ? "" : gov;
      c.cur_khz = Number(cur);
      c.max_khz = Number(max);
      c.online = online != "0";
      s.cpus.push_back(c);
    } else if (kind == "zone") {
      ThermalZone z;
      std::string temp;
      if (!(ls >> z.zone >> z.type >> temp) || temp == "-") continue;
      const double t = std::atof(temp.c_str());
      z.celsius = t > 1000 ? t / 1000.0 : t;  // most kernels report millidegrees
      s.zones.push_back(z);
    }
  }
  return s;
}

nlohmann::ordered_json StateJson(const PhoneState& s) {
  nlohmann::ordered_json cpus = nlohmann::ordered_json::array(),
                         zones = nlohmann::ordered_json::array();
  for (const auto& c : s.cpus) {
    cpus.push_back({{"cpu", c.cpu},
                    {"governor", c.governor},
                    {"cur_mhz", c.cur_khz / 1000},
                    {"max_mhz", c.max_khz / 1000},
                    {"online", c.online}});
  }
  for (const auto& z : s.zones) {
    zones.push_back({{"zone", z.zone}, {"type", z.type}, {"celsius", z.celsius}});
  }
  return {{"cpus", cpus}, {"thermal", zones}};
}

std::vector<std::string> ThrottleNotes(const PhoneState& before, const PhoneState& after,
                                       const std::vector<int>& cpus) {
  std::vector<std::string> notes;
  for (const auto& b : before.cpus) {
    if (std::find(cpus.begin(), cpus.end(), b.cpu) == cpus.end()) continue;
    for (const auto& a : after.cpus) {
      if (a.cpu != b.cpu) continue;
      char buf[160];
      if (b.online && !a.online) {
        std::snprintf(buf, sizeof(buf), "cpu%d went offline during the run", a.cpu);
        notes.push_back(buf);
      } else if (b.max_khz > 0 && a.max_khz > 0 && a.max_khz < b.max_khz) {
        std::snprintf(buf, sizeof(buf),
                      "cpu%d was throttled during the run: its frequency cap fell from %lld to "
                      "%lld MHz",
                      a.cpu, static_cast<long long>(b.max_khz / 1000),
                      static_cast<long long>(a.max_khz / 1000));
        notes.push_back(buf);
      }
    }
  }
  return notes;
}

StatusOr<bool> Phone::EnsureBundle(const Bundle& bundle) {
  const std::string& s = id_.serial;
  std::string have;
  MBENCH_ASSIGN_OR_RETURN(int code, adb_.ShellExit(s, "cat " + Remote("BUNDLE"), &have));
  if (code == 0 && LastLine(have) == "sha256 " + bundle.sha256) return false;
  // BUNDLE goes last: an interrupted push leaves no BUNDLE, so the next run pushes again.
  MBENCH_RETURN_IF_ERROR(adb_.Shell(s, "rm -rf " + Remote("BUNDLE") + " " + Remote("bin") + " " +
                                           Remote("lib") + " " + Remote("mbench") +
                                           " && mkdir -p " + Remote("models") + " " +
                                           Remote("work"))
                             .status());
  for (const char* part : {"mbench", "bin", "lib"}) {
    MBENCH_RETURN_IF_ERROR(
        adb_.Push(s, JoinPath(bundle.dir, part),
                  part == std::string("mbench") ? Remote("mbench") : kRemoteDir));
  }
  MBENCH_RETURN_IF_ERROR(adb_.Shell(s, "chmod 755 " + Remote("mbench") + " " +
                                           Remote("bin/mbench") + " " +
                                           Remote("lib/ld-linux-aarch64.so.1"))
                             .status());
  MBENCH_RETURN_IF_ERROR(adb_.Push(s, JoinPath(bundle.dir, "BUNDLE"), Remote("BUNDLE")));
  return true;
}

StatusOr<std::string> Phone::PushModel(const std::string& ref) {
  if (ref.rfind("zoo:", 0) == 0) return ref;
  MBENCH_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(ref));
  std::vector<std::string> files = {ref};
  std::string bin;
  const std::filesystem::path p(ref);
  if (p.extension() == ".param") {  // ncnn: weights in the .bin beside it
    const std::string bin_path = (p.parent_path() / p.stem()).string() + ".bin";
    if (FileExists(bin_path)) {
      MBENCH_ASSIGN_OR_RETURN(bin, ReadFileToString(bin_path));
      files.push_back(bin_path);
    }
  }
  const std::string key = Sha256Hex(bytes + bin).substr(0, 16);
  std::string name;
  for (char c : p.filename().string()) {
    name +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  }
  const std::string remote = Remote("models/" + key + "-" + name);
  std::string out;
  MBENCH_ASSIGN_OR_RETURN(int there, adb_.ShellExit(id_.serial, "test -f " + remote, &out));
  if (there == 0) return remote;
  for (const auto& f : files) {
    const std::string dest =
        f == ref
            ? remote
            : Remote("models/" + key + "-" + std::filesystem::path(name).stem().string() + ".bin");
    MBENCH_RETURN_IF_ERROR(adb_.Push(id_.serial, f, dest + ".part"));
    MBENCH_RETURN_IF_ERROR(adb_.Shell(id_.serial, "mv " + dest + ".part " + dest).status());
  }
  return remote;
}

StatusOr<PhoneState> Phone::ReadState() {
  const std::string cmd =
      "for c in /sys/devices/system/cpu/cpu[0-9]*; do f=$c/cpufreq; "
      "echo \"cpu ${c##*cpu} $(cat $f/scaling_governor 2>/dev/null || echo -) "
      "$(cat $f/scaling_cur_freq 2>/dev/null || echo -) "
      "$(cat $f/scaling_max_freq 2>/dev/null || echo -) $(cat $c/online 2>/dev/null || echo 1)\"; "
      "done; for z in /sys/class/thermal/thermal_zone*; do [ -e $z/temp ] || continue; "
      "echo \"zone ${z##*/} $(cat $z/type 2>/dev/null | tr ' ' _ || echo -) "
      "$(cat $z/temp 2>/dev/null || echo -)\"; done";
  MBENCH_ASSIGN_OR_RETURN(std::string out, adb_.Shell(id_.serial, cmd));
  return ParseState(out);
}

StatusOr<std::string> Phone::MakeWorkDir() {
  const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
  const std::string dir = Remote("work/" + std::to_string(stamp) + "-" + std::to_string(getpid()));
  MBENCH_RETURN_IF_ERROR(adb_.Shell(id_.serial, "mkdir -p " + dir).status());
  return dir;
}

Status Phone::RunMbench(const std::vector<std::string>& args, const std::string& remote_out,
                        const std::string& what) {
  std::string cmd = Remote("mbench");
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  const std::string err = remote_out + ".err";
  cmd += " > " + remote_out + " 2> " + err;
  std::string out;
  MBENCH_ASSIGN_OR_RETURN(int code, adb_.ShellExit(id_.serial, cmd, &out));
  if (code == 0) return Status::Ok();
  std::string said;
  MBENCH_ASSIGN_OR_RETURN(int c2, adb_.ShellExit(id_.serial, "tail -n 1 " + err, &said));
  if (c2 != 0 || LastLine(said).empty()) said = "exit " + std::to_string(code);
  return Status::IOError("on the phone " + id_.serial + ", " + what + " failed: " + LastLine(said));
}

Status Phone::Pull(const std::string& remote, const std::string& local) {
  return adb_.Pull(id_.serial, remote, local);
}

StatusOr<int> CopyRuns(db::Database& from, db::Database& to, const db::DeviceRecord& phone,
                       const std::function<std::string(const db::ModelRecord&)>& ref_of) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::DeviceRecord> devices, from.Devices());
  std::vector<std::pair<db::ModelRecord, std::vector<std::pair<std::string, db::RunRecord>>>> runs;
  int n = 0;
  for (const auto& d : devices) {
    MBENCH_ASSIGN_OR_RETURN(std::vector<db::StoredRun> stored, from.RunsOfDevice(d.id));
    for (auto& s : stored) {
      s.model.ref = ref_of(s.model);
      runs.push_back({s.model, {{phone.id, s.run}}});
      ++n;
    }
  }
  if (n == 0) return Status::Internal(from.location() + ": the phone stored no runs");
  MBENCH_RETURN_IF_ERROR(to.AddRuns({phone}, runs).status());
  return n;
}

StatusOr<int> CopyAllRuns(db::Database& from, db::Database& to) {
  MBENCH_ASSIGN_OR_RETURN(std::vector<db::DeviceRecord> devices, from.Devices());
  std::vector<std::pair<db::ModelRecord, std::vector<std::pair<std::string, db::RunRecord>>>> runs;
  for (const auto& d : devices) {
    MBENCH_ASSIGN_OR_RETURN(std::vector<db::StoredRun> stored, from.RunsOfDevice(d.id));
    for (auto& s : stored) runs.push_back({s.model, {{d.id, s.run}}});
  }
  return to.AddRuns(devices, runs);
}

}  // namespace mbench::device
