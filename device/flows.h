// The flows behind `mbench device`: list the attached phones, run a model on one and store the
// run under the phone's identity, calibrate a phone (probes measured there, the profile fitted
// here). Each step reports through `log`; nothing is stored in the results database until the
// phone's results are all back, and then in one transaction.
#ifndef MBENCH_DEVICE_FLOWS_H_
#define MBENCH_DEVICE_FLOWS_H_

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzer/zoo.h"
#include "calibration/refine.h"
#include "core/status_or.h"
#include "db/db.h"
#include "device/adb.h"
#include "device/identity.h"
#include "device/phone.h"

namespace mbench::device {

using Log = std::function<void(const std::string&)>;

struct Connection {
  std::string adb;     // --adb ("" : $ADB or adb)
  std::string serial;  // --serial ("" : the only attached phone)
  std::string bundle;  // --bundle ("" : FindBundle's default)
  std::string profile_dir;
};

// Every attached device; a phone that cannot be read (unauthorized, offline) has only its
// serial and `problem` set.
struct Listed {
  Identity id;
  std::string state;    // adb's state
  std::string problem;  // "" when the identity was read
};
StatusOr<std::vector<Listed>> ListPhones(const Connection& c);

// Selects the phone, reads its identity and refuses one that is not arm64.
StatusOr<Phone> Connect(const Connection& c);

struct PhoneRunRequest {
  std::string model;  // a file or zoo:NAME
  analyzer::ZooOptions zoo;
  std::vector<std::string> input_shapes;
  int threads = 1;
  std::string cores = "big";
  std::string precision = "fp32";
  int warmup = 3, runs = 10;
  double min_secs = 1.0, max_secs = 60.0;
  bool per_layer = false;
  db::Database* results = nullptr;  // store the run here when set
};
// The run's JSON as `mbench run --format json` prints it, plus "device": identity, cores and
// CPUs, governor, clocks and thermal zones before and after, "throttled" with notes, and
// "stored" when the run went into the database.
StatusOr<nlohmann::ordered_json> RunOnPhone(Phone& phone, const Connection& c,
                                            const PhoneRunRequest& r, const Log& log);

struct PhoneCalibrateRequest {
  std::string cores = "big";
  std::vector<int> threads;  // empty: 1 and every CPU of the cluster
  bool quick = false;
  std::vector<std::string> probes;  // only probes whose name contains one of these
  std::vector<std::string> models;  // whole models too (default: calibrate's)
  double probe_secs = 0.1, model_secs = 0.3;
  std::string probe_dir;  // this machine's copy of the probes (refine reads them)
  std::function<void(int, int)> fit_progress;  // (done, total) leave-one-model-out fits
};
struct PhoneCalibration {
  db::DeviceRecord device;
  int runs = 0;
  double bandwidth_gbps = 0.0;
  calibration::RefineOutcome outcome;
};
// Measures the probe set (and models) on the phone, copies the runs into `results` under the
// phone's identity, and fits the phone's profile from them. The calibration row is the caller's
// to store (CalibrationRowOf).
StatusOr<PhoneCalibration> CalibratePhone(Phone& phone, const Connection& c,
                                          const PhoneCalibrateRequest& r, db::Database& results,
                                          const Log& log);

}  // namespace mbench::device

#endif  // MBENCH_DEVICE_FLOWS_H_
