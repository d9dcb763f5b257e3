#include "device/adb.h"

#include <cstdlib>
#include <sstream>

#include "core/text.h"
#include "device/process.h"

namespace mbench::device {
namespace {

constexpr char kExitMarker[] = "mbench-shell-exit=";

bool Has(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

std::string Adb::Locate(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("ADB"); env != nullptr && env[0] != '\0') return env;
  return "adb";
}

std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

StatusOr<ProcessResult> Adb::Run(const std::string& serial, const std::vector<std::string>& args,
                                 const std::string& what) const {
  std::vector<std::string> argv = {program_};
  if (!serial.empty()) argv.insert(argv.end(), {"-s", serial});
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunProcess(argv);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("adb not found (" + r.status().message() +
                              "): install it (Debian: apt-get install adb) or give its path with "
                              "--adb or $ADB");
    }
    return r.status();
  }
  if (r->exit_code == 0) return r;
  const std::string said = LastLine(r->err.empty() ? r->out : r->err);
  const std::string all = r->err + r->out;
  if (Has(all, "No space left on device")) {
    return Status::IOError("the phone " + serial + " has no space left in /data/local/tmp while " +
                           what + " (" + said + "): free some (adb -s " + serial +
                           " shell rm -r /data/local/tmp/mbench/models) " + "and run again");
  }
  if (Has(all, "unauthorized")) {
    return Status::FailedPrecondition("the phone " + serial +
                                      " has not authorized this computer: unlock it, accept the "
                                      "USB debugging prompt and run again");
  }
  if (Has(all, "not found") || Has(all, "offline") || Has(all, "no devices") ||
      Has(all, "closed") || Has(all, "protocol fault") || Has(all, "device still connecting")) {
    return Status::IOError("the phone " + serial + " went away while " + what + " (adb: " + said +
                           "): reconnect it, check `adb devices` and run again");
  }
  return Status::IOError("adb failed while " + what + " (exit " + std::to_string(r->exit_code) +
                         "): " + said);
}

StatusOr<std::vector<Attached>> Adb::Devices() const {
  MBENCH_ASSIGN_OR_RETURN(ProcessResult r, Run("", {"devices", "-l"}, "listing devices"));
  std::vector<Attached> out;
  std::istringstream is(r.out);
  std::string line;
  while (std::getline(is, line)) {
    if (line.rfind("List of devices", 0) == 0 || line.rfind("* ", 0) == 0) continue;
    std::istringstream ls(line);
    Attached a;
    if (!(ls >> a.serial >> a.state)) continue;
    std::string field;
    while (ls >> field) {
      if (field.rfind("model:", 0) == 0) a.model = field.substr(6);
    }
    out.push_back(a);
  }
  return out;
}

StatusOr<std::string> Adb::Select(const std::string& serial) const {
  MBENCH_ASSIGN_OR_RETURN(std::vector<Attached> all, Devices());
  const auto state_error = [&](const Attached& a) -> Status {
    if (a.state == "unauthorized") {
      return Status::FailedPrecondition("the phone " + a.serial +
                                        " has not authorized this computer: unlock it, accept "
                                        "the USB debugging prompt and run again");
    }
    return Status::FailedPrecondition("the phone " + a.serial + " is " + a.state +
                                      ", not ready: reconnect it and check `adb devices`");
  };
  if (!serial.empty()) {
    for (const auto& a : all) {
      if (a.serial == serial) {
        if (a.state != "device") return state_error(a);
        return serial;
      }
    }
    return Status::NotFound("no phone " + serial + " attached (adb devices lists " +
                            std::to_string(all.size()) +
                            "): plug it in with USB debugging on, or see `mbench device list`");
  }
  std::vector<Attached> ready;
  for (const auto& a : all) {
    if (a.state == "device") ready.push_back(a);
  }
  if (ready.size() == 1) return ready[0].serial;
  if (ready.empty() && !all.empty()) return state_error(all[0]);
  if (ready.empty()) {
    return Status::NotFound(
        "no phone attached: plug one in with USB debugging on (Settings > Developer options) "
        "and check `adb devices`");
  }
  return Status::InvalidArgument(std::to_string(ready.size()) +
                                 " phones attached: pick one with --serial (see `mbench device "
                                 "list`)");
}

StatusOr<int> Adb::ShellExit(const std::string& serial, const std::string& command,
                             std::string* out, std::string* err) const {
  // The exit status travels in the output: adb before 1.0.36 and old phones drop it.
  MBENCH_ASSIGN_OR_RETURN(
      ProcessResult r,
      Run(serial, {"shell", command + "; echo " + kExitMarker + "$?"}, "running a command"));
  const size_t at = r.out.rfind(kExitMarker);
  if (at == std::string::npos) {
    return Status::IOError("the phone " + serial +
                           " went away while running a command (no exit status came back): "
                           "reconnect it and run again");
  }
  *out = r.out.substr(0, at);
  if (err != nullptr) *err = r.err;
  return std::atoi(r.out.c_str() + at + sizeof(kExitMarker) - 1);
}

StatusOr<std::string> Adb::Shell(const std::string& serial, const std::string& command) const {
  std::string out, err;
  MBENCH_ASSIGN_OR_RETURN(int code, ShellExit(serial, command, &out, &err));
  if (code != 0) {
    return Status::IOError("on the phone " + serial + ", `" + command + "` failed (exit " +
                           std::to_string(code) + "): " + LastLine(err.empty() ? out : err));
  }
  return out;
}

Status Adb::Push(const std::string& serial, const std::string& local,
                 const std::string& remote) const {
  return Run(serial, {"push", local, remote}, "copying " + local + " to the phone").status();
}

Status Adb::Pull(const std::string& serial, const std::string& remote,
                 const std::string& local) const {
  return Run(serial, {"pull", remote, local}, "copying " + remote + " from the phone").status();
}

}  // namespace mbench::device
