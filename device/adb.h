// Android's adb, driven as a subprocess: listing devices, shell commands, push and pull, each
// failure turned into one line that says what happened and what to do (no device, an
// unauthorized or offline device, a full /data/local/tmp, a phone that went away).
// Thread-compatible; every call runs one adb process.
#ifndef MBENCH_DEVICE_ADB_H_
#define MBENCH_DEVICE_ADB_H_

#include <string>
#include <vector>

#include "core/status_or.h"
#include "device/process.h"

namespace mbench::device {

// One line of `adb devices -l`.
struct Attached {
  std::string serial;
  std::string state;  // "device" (ready), "unauthorized", "offline", "recovery", ...
  std::string model;  // adb's model:... field ("" when absent)
};

class Adb {
 public:
  // The adb to run: `flag` (--adb) when given, else $ADB, else "adb" from PATH.
  static std::string Locate(const std::string& flag);
  explicit Adb(std::string program) : program_(std::move(program)) {}

  const std::string& program() const { return program_; }

  // Every attached device. kNotFound when adb itself is missing.
  StatusOr<std::vector<Attached>> Devices() const;
  // The serial to use: `serial` if it is attached and ready, else the only ready device when
  // `serial` is empty. kNotFound / kFailedPrecondition with the remedy otherwise.
  StatusOr<std::string> Select(const std::string& serial) const;

  // `adb -s SERIAL shell COMMAND`; the command's stdout. A non-zero exit of the command is an
  // error carrying its last line of output; a phone that disconnected says so.
  StatusOr<std::string> Shell(const std::string& serial, const std::string& command) const;
  // The same, keeping a non-zero exit as exit_code instead of an error (adb's own failures
  // are still errors).
  // `err`, when given, receives the command's stderr.
  StatusOr<int> ShellExit(const std::string& serial, const std::string& command, std::string* out,
                          std::string* err = nullptr) const;
  Status Push(const std::string& serial, const std::string& local, const std::string& remote) const;
  Status Pull(const std::string& serial, const std::string& remote, const std::string& local) const;

 private:
  // Runs `adb -s SERIAL ARGS...`; adb's own failures become errors naming `what`.
  StatusOr<ProcessResult> Run(const std::string& serial, const std::vector<std::string>& args,
                              const std::string& what) const;
  std::string program_;
};

// Quotes `s` for the device's shell (single quotes).
std::string ShellQuote(const std::string& s);

}  // namespace mbench::device

#endif  // MBENCH_DEVICE_ADB_H_
