#include "device/identity.h"

#include "calibration/host.h"
#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>

namespace mbench::device {
namespace {

// ARM's CPU part numbers (the "CPU part" line of /proc/cpuinfo, implementer 0x41).
std::string CoreName(const std::string& part) {
  static const std::map<std::string, std::string> kParts = {
      {"0xd03", "Cortex-A53"},  {"0xd04", "Cortex-A35"},  {"0xd05", "Cortex-A55"},
      {"0xd07", "Cortex-A57"},  {"0xd08", "Cortex-A72"},  {"0xd09", "Cortex-A73"},
      {"0xd0a", "Cortex-A75"},  {"0xd0b", "Cortex-A76"},  {"0xd0d", "Cortex-A77"},
      {"0xd41", "Cortex-A78"},  {"0xd44", "Cortex-X1"},   {"0xd46", "Cortex-A510"},
      {"0xd47", "Cortex-A710"}, {"0xd48", "Cortex-X2"},   {"0xd4d", "Cortex-A715"},
      {"0xd4e", "Cortex-X3"},   {"0xd80", "Cortex-A520"}, {"0xd81", "Cortex-A720"},
      {"0xd82", "Cortex-X4"}};
  auto it = kParts.find(part);
  if (it != kParts.end()) return it->second;
  return part.empty() ? "" : "part " + part;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Get(const std::map<std::string, std::string>& props, const std::string& key) {
  auto it = props.find(key);
  return it == props.end() ? "" : it->second;
}

// Per-CPU "CPU part" from /proc/cpuinfo (processor blocks in order).
std::map<int, std::string> PartsOf(const std::string& cpuinfo, std::string* hardware) {
  std::map<int, std::string> parts;
  std::istringstream is(cpuinfo);
  std::string line;
  int cpu = -1;
  while (std::getline(is, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
    if (key == "processor") {
      cpu = std::atoi(value.c_str());
    } else if (key == "CPU part" && cpu >= 0) {
      parts[cpu] = Lower(value);
    } else if (key == "Hardware") {
      *hardware = value;
    }
  }
  return parts;
}

// Alphanumeric words of `s` in upper case ("Qualcomm Snapdragon 855 (SM8150)" -> ..., "SM8150").
std::set<std::string> Words(const std::string& s) {
  std::set<std::string> words;
  std::string w;
  for (char c : s + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      w += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (!w.empty()) {
      words.insert(w);
      w.clear();
    }
  }
  return words;
}

// A SoC part number: letters then digits, at least 4 digits ("SM8150", "MT6989", "SDM845").
bool IsPartNumber(const std::string& w) {
  size_t letters = 0;
  while (letters < w.size() && std::isalpha(static_cast<unsigned char>(w[letters]))) ++letters;
  return letters >= 2 && w.size() - letters >= 3 &&
         std::all_of(w.begin() + static_cast<long>(letters), w.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

std::string Identity::Soc() const {
  if (!soc_model.empty()) {
    return soc_manufacturer.empty() ? soc_model : soc_manufacturer + " " + soc_model;
  }
  if (!hardware.empty()) return hardware;
  return board_platform.empty() ? "unknown SoC" : board_platform;
}

std::string Identity::ClusterSummary() const {
  std::string freqs, cores;
  std::set<std::string> seen;
  for (const auto& c : clusters) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%zux%.2f", c.cpus.size(), c.max_khz / 1e6);
    freqs += (freqs.empty() ? "" : " + ") + std::string(buf);
    if (!c.core.empty() && seen.insert(c.core).second)
      cores += (cores.empty() ? "" : ", ") + c.core;
  }
  if (freqs.empty()) return "unknown CPU";
  return freqs + " GHz" + (cores.empty() ? "" : " (" + cores + ")");
}

std::map<std::string, std::string> ParseGetprop(const std::string& text) {
  std::map<std::string, std::string> props;
  std::istringstream is(text);
  std::string line;
  while (std::getline(is, line)) {
    // [key]: [value]
    const size_t k0 = line.find('['), k1 = line.find("]: [");
    if (k0 != 0 || k1 == std::string::npos) continue;
    const size_t v1 = line.rfind(']');
    if (v1 == std::string::npos || v1 < k1 + 4) continue;
    props[line.substr(1, k1 - 1)] = line.substr(k1 + 4, v1 - k1 - 4);
  }
  return props;
}

Identity ParseIdentity(const std::string& serial, const std::string& getprop,
                       const std::string& cpuinfo, const std::string& cpu_lines) {
  const auto props = ParseGetprop(getprop);
  Identity id;
  id.serial = serial;
  id.manufacturer = Get(props, "ro.product.manufacturer");
  id.model = Get(props, "ro.product.model");
  id.device = Get(props, "ro.product.device");
  id.soc_manufacturer = Get(props, "ro.soc.manufacturer");
  id.soc_model = Get(props, "ro.soc.model");
  id.board_platform = Get(props, "ro.board.platform");
  id.abi = Get(props, "ro.product.cpu.abi");
  id.android_release = Get(props, "ro.build.version.release");
  id.sdk = std::atoi(Get(props, "ro.build.version.sdk").c_str());
  const std::map<int, std::string> parts = PartsOf(cpuinfo, &id.hardware);

  std::istringstream is(cpu_lines);
  std::string name, lo, hi;
  std::map<std::pair<int64_t, std::string>, CpuCluster> by_kind;  // (max kHz, part) -> cluster
  while (is >> name >> lo >> hi) {
    if (name.rfind("cpu", 0) != 0 || name.size() < 4 ||
        name.find_first_not_of("0123456789", 3) != std::string::npos)
      continue;
    const int cpu = std::atoi(name.c_str() + 3);
    const int64_t max_khz = hi == "-" ? 0 : std::atoll(hi.c_str());
    const auto part_it = parts.find(cpu);
    const std::string part = part_it == parts.end() ? "" : part_it->second;
    CpuCluster& c = by_kind[{max_khz, part}];
    c.cpus.push_back(cpu);
    c.max_khz = max_khz;
    c.min_khz = lo == "-" ? 0 : std::atoll(lo.c_str());
    c.core = CoreName(part);
  }
  for (auto& [key, c] : by_kind) {
    std::sort(c.cpus.begin(), c.cpus.end());
    id.clusters.push_back(c);
  }
  std::sort(id.clusters.begin(), id.clusters.end(), [](const CpuCluster& a, const CpuCluster& b) {
    return a.max_khz != b.max_khz ? a.max_khz < b.max_khz : a.cpus < b.cpus;
  });
  return id;
}

std::string MatchProfile(const Identity& id, const std::vector<profiles::DeviceProfile>& profiles) {
  const std::string full = Lower(id.manufacturer + " " + id.model), model = Lower(id.model);
  for (const auto& p : profiles) {
    const std::string name = Lower(p.name);
    if (!model.empty() && (name == full || name == model)) return p.id;
  }
  std::set<std::string> codes;
  for (const std::string& text : {id.soc_model, id.hardware}) {
    for (const std::string& w : Words(text)) {
      if (IsPartNumber(w)) codes.insert(w);
    }
  }
  // A phone profile of that SoC before a board ("soc") profile of it.
  for (const char* kind : {"phone", "soc"}) {
    for (const auto& p : profiles) {
      if (p.kind != kind) continue;
      for (const std::string& w : Words(p.soc)) {
        if (codes.count(w)) return p.id;
      }
    }
  }
  return "";
}

StatusOr<std::vector<int>> CoresOf(const Identity& id, const std::string& which) {
  std::vector<int> cpus;
  if (which != "big" && which != "little" && which != "all") {
    return Status::InvalidArgument("--cores " + which + ": expected big, little or all");
  }
  for (size_t i = 0; i < id.clusters.size(); ++i) {
    const bool slowest = i == 0;
    const bool take = which == "all" || (which == "little" && slowest) ||
                      (which == "big" && (!slowest || id.clusters.size() == 1));
    if (take) cpus.insert(cpus.end(), id.clusters[i].cpus.begin(), id.clusters[i].cpus.end());
  }
  std::sort(cpus.begin(), cpus.end());
  if (cpus.empty()) {
    return Status::FailedPrecondition("the phone " + id.serial +
                                      " lists no CPUs in /sys/devices/system/cpu");
  }
  return cpus;
}

std::string DeviceIdOf(const Identity& id) {
  if (!id.profile_id.empty()) return id.profile_id;
  std::string slug = "phone";
  for (const std::string& part : {id.manufacturer, id.model}) {
    if (part.empty()) continue;
    slug += '-';
    for (char c : Lower(part)) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        slug += c;
      } else if (slug.back() != '-') {
        slug += '-';
      }
    }
    while (slug.back() == '-') slug.pop_back();
  }
  return slug;
}

nlohmann::ordered_json IdentityJson(const Identity& id) {
  nlohmann::ordered_json clusters = nlohmann::ordered_json::array();
  for (const auto& c : id.clusters) {
    clusters.push_back({{"cpus", c.cpus},
                        {"core", c.core},
                        {"min_mhz", c.min_khz / 1000},
                        {"max_mhz", c.max_khz / 1000}});
  }
  return {{"serial", id.serial},
          {"manufacturer", id.manufacturer},
          {"model", id.model},
          {"device", id.device},
          {"soc", id.Soc()},
          {"soc_model", id.soc_model},
          {"board_platform", id.board_platform},
          {"hardware", id.hardware},
          {"abi", id.abi},
          {"android", id.android_release},
          {"sdk", id.sdk},
          {"clusters", clusters},
          {"profile", id.profile_id.empty() ? nlohmann::ordered_json()
                                            : nlohmann::ordered_json(id.profile_id)}};
}

db::DeviceRecord DeviceRecordOf(const Identity& id) {
  db::DeviceRecord r;
  r.id = DeviceIdOf(id);
  r.name = Trim(id.manufacturer + " " + id.model);
  r.soc = id.Soc();
  r.kind = "phone";
  r.cpu = id.ClusterSummary();
  r.facts_json = IdentityJson(id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

profiles::DeviceProfile PhoneProfileFacts(const Identity& id, double bandwidth_gbps,
                                          const std::string& date) {
  profiles::DeviceProfile p;
  p.id = DeviceIdOf(id);
  p.name = Trim(id.manufacturer + " " + id.model);
  if (p.name.empty()) p.name = p.id;
  p.soc = id.Soc();
  p.release_year = std::atoi(date.substr(0, 4).c_str());
  p.kind = "phone";
  const char* names[] = {"little", "big", "prime"};
  for (size_t i = 0; i < id.clusters.size(); ++i) {
    profiles::CpuCluster cl;
    cl.name = id.clusters.size() == 1 ? "all" : i < 3 ? names[i] : "cluster" + std::to_string(i);
    cl.cores = static_cast<int>(id.clusters[i].cpus.size());
    cl.uarch = id.clusters[i].core.empty() ? "unknown" : id.clusters[i].core;
    cl.max_ghz = id.clusters[i].max_khz / 1e6;
    p.cpu_clusters.push_back(cl);
  }
  std::reverse(p.cpu_clusters.begin(), p.cpu_clusters.end());  // fastest first, as shipped ones
  const std::string bw = calibration::SetMeasuredMemory(
      &p, bandwidth_gbps, id.ClusterSummary(), "mbench device calibrate on the phone", date);
  p.fact_sources = {"phone " + id.serial +
                        ": getprop (model, SoC), /proc/cpuinfo (core types), "
                        "/sys/devices/system/cpu (clusters, clocks)",
                    bw, "release_year: the year of calibration (not read from the phone)"};
  return p;
}

StatusOr<Identity> ReadIdentity(const Adb& adb, const std::string& serial,
                                const std::vector<profiles::DeviceProfile>& profiles) {
  const std::string cmd =
      "getprop; echo @@cpuinfo; cat /proc/cpuinfo; echo @@cpus; "
      "for c in /sys/devices/system/cpu/cpu[0-9]*; do "
      "echo \"${c##*/} $(cat $c/cpufreq/cpuinfo_min_freq 2>/dev/null || echo -) "
      "$(cat $c/cpufreq/cpuinfo_max_freq 2>/dev/null || echo -)\"; done";
  MBENCH_ASSIGN_OR_RETURN(std::string out, adb.Shell(serial, cmd));
  const size_t a = out.find("@@cpuinfo\n"), b = out.find("@@cpus\n");
  if (a == std::string::npos || b == std::string::npos || b < a) {
    return Status::IOError("the phone " + serial + " answered its identity query with something " +
                           "else: is it an Android device?");
  }
  Identity id =
      ParseIdentity(serial, out.substr(0, a), out.substr(a + 10, b - a - 10), out.substr(b + 7));
  id.profile_id = MatchProfile(id, profiles);
  return id;
}

}  // namespace mbench::device
