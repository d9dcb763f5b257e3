// Rows of the results database built from mbench's own types: a model as analyzed, a device
// from its profile or from this host's CPU, a runner measurement, predictions. db/ knows none of
// these types; this is where they meet it. Pure apart from HostDevice (reads the CPU).
#ifndef MBENCH_CALIBRATION_RECORDS_H_
#define MBENCH_CALIBRATION_RECORDS_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzer/model_ref.h"
#include "db/db.h"
#include "device_profiles/profile.h"
#include "estimator/estimator.h"
#include "runner/measure.h"

namespace mbench::calibration {

// The "build" object every stored run and JSON report carries: version, commit, compiler,
// build type, flags, asserts, sanitizer.
nlohmann::ordered_json BuildJson();

// The record of an analyzed model; `ref.path` is made absolute for files.
db::ModelRecord ModelRecordOf(const analyzer::AnalyzedModel& m, const analyzer::ModelRef& ref);

// The record of a profiled device (its facts as JSON).
db::DeviceRecord DeviceRecordOf(const profiles::DeviceProfile& p);

// This machine, identified by its CPU: "host-amd-epyc-7b13-2c".
db::DeviceRecord HostDevice();

// The stored form of a runner measurement (runtime "mbench", this host's CPU).
db::RunRecord RunRecordOf(const runner::Measurement& m, int threads, const std::string& precision,
                          double init_ms, bool synthetic_weights, const std::string& options_json,
                          const std::string& measured_at);

// The stored form of a prediction by `estimator_version`.
db::PredictionRecord PredictionRecordOf(const estimator::Prediction& p);

}  // namespace mbench::calibration

#endif  // MBENCH_CALIBRATION_RECORDS_H_
