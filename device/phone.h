// One attached phone as mbench uses it: the aarch64 bundle installed in /data/local/tmp/mbench
// (pushed once, cached by its SHA-256), models pushed into models/ (cached by content), the
// bundle's mbench run there, and the CPU governor, clocks and thermal zones read before and after
// a measurement so that a run during which the phone throttled says so.
#ifndef MBENCH_DEVICE_PHONE_H_
#define MBENCH_DEVICE_PHONE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status_or.h"
#include "db/db.h"
#include "device/adb.h"
#include "device/identity.h"

namespace mbench::device {

inline constexpr char kRemoteDir[] = "/data/local/tmp/mbench";

// The aarch64 bundle on this machine (scripts/build-aarch64.sh).
struct Bundle {
  std::string dir;
  std::string sha256;  // the last line of its BUNDLE file
};
// `flag` (--bundle), else $MBENCH_BUNDLE, else mbench-aarch64/ beside this program or in
// ../build-aarch64/ of its build tree. kNotFound saying how to build one.
StatusOr<Bundle> FindBundle(const std::string& flag);

struct CpuState {
  int cpu = 0;
  std::string governor;              // "" when unreadable
  int64_t cur_khz = 0, max_khz = 0;  // scaling_cur_freq, scaling_max_freq (0 when unreadable)
  bool online = true;
};
struct ThermalZone {
  std::string zone, type;
  double celsius = 0.0;
};
struct PhoneState {
  std::vector<CpuState> cpus;
  std::vector<ThermalZone> zones;
};
// Parses lines "cpu N GOVERNOR CUR MAX ONLINE" and "zone NAME TYPE MILLIDEGREES" ("-" unknown).
PhoneState ParseState(const std::string& text);
nlohmann::ordered_json StateJson(const PhoneState& s);
// What changed on `cpus` between the two states that makes a measurement slower than the phone
// is: a lowered frequency cap (thermal throttling), a CPU gone offline. Empty when none.
std::vector<std::string> ThrottleNotes(const PhoneState& before, const PhoneState& after,
                                       const std::vector<int>& cpus);

class Phone {
 public:
  Phone(Adb adb, Identity id) : adb_(std::move(adb)), id_(std::move(id)) {}
  const Identity& identity() const { return id_; }
  const Adb& adb() const { return adb_; }

  // Installs `bundle` unless the phone already has it; true when it was pushed.
  StatusOr<bool> EnsureBundle(const Bundle& bundle);
  // Pushes a model file (with the .bin beside an ncnn .param) unless already there, and returns
  // its path on the phone. zoo: references need nothing and come back unchanged.
  StatusOr<std::string> PushModel(const std::string& ref);
  StatusOr<PhoneState> ReadState();
  // Runs the bundle's `mbench ARGS...` with stdout into `remote_out`; the error carries the
  // last line mbench wrote to stderr. `what` names the step in errors.
  Status RunMbench(const std::vector<std::string>& args, const std::string& remote_out,
                   const std::string& what);
  // A fresh work folder on the phone for one command's files.
  StatusOr<std::string> MakeWorkDir();
  Status Pull(const std::string& remote, const std::string& local);

 private:
  Adb adb_;
  Identity id_;
};

// Copies every run in `from` (a database the phone's mbench wrote) into `to` as runs of
// `phone`, with each model's ref replaced by `ref_of(model)` (the host's path for a pushed file).
// One transaction: all runs or none. Returns the number copied.
StatusOr<int> CopyRuns(db::Database& from, db::Database& to, const db::DeviceRecord& phone,
                       const std::function<std::string(const db::ModelRecord&)>& ref_of);

// Copies every run in `from` into `to` under the device it was stored for (the same records,
// nothing renamed), in one transaction; runs `to` has already are not copied twice.
StatusOr<int> CopyAllRuns(db::Database& from, db::Database& to);

}  // namespace mbench::device

#endif  // MBENCH_DEVICE_PHONE_H_
