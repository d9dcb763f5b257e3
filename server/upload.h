// The body of an upload (POST /api/v1/runs): one run with its device and model, as JSON. The
// client (`mbench run --upload`) writes it from the records `--db` would store; the server reads
// it back and checks every field before anything is stored. Pure; thread-safe.
//
//   {"device": {"id": "host-amd-epyc-2c", "name": ..., "soc": ..., "kind": ..., "cpu": ...,
//               "facts": {...}},
//    "model":  {"key": ..., "sha256": ..., "name": ..., "format": ..., "ref": ...,
//               "input_shapes": ..., "macs": N, "flops": N, "params": N, "weight_bytes": N,
//               "peak_activation_bytes": N, "layers": N},
//    "run":    {"runtime": ..., "compute_unit": ..., "precision": ..., "cluster": ...,
//               "threads": N, "options": {...}, "build": {...}, "measured_at": ...,
//               "source": ..., "n": N, "min_ms": x, "p50_ms": x, "p90_ms": x, "p99_ms": x,
//               "max_ms": x, "mean_ms": x, "std_ms": x, "init_ms": x, "first_run_ms": x,
//               "peak_rss_bytes": N, "synthetic_weights": bool,
//               "layers": [{"index": N, "name": ..., "op": ..., "fused_into": ...,
//                           "p50_ms": x, "share": x, "kernel": ..., "precision": ...}, ...]}}
//
// Unknown keys are refused (a misspelt field must not vanish); numbers may be null where the
// stored column may be NULL.
#ifndef MBENCH_SERVER_UPLOAD_H_
#define MBENCH_SERVER_UPLOAD_H_

#include <string>

#include <nlohmann/json.hpp>

#include "core/status_or.h"
#include "db/db.h"

namespace mbench::server {

struct Upload {
  db::DeviceRecord device;
  db::ModelRecord model;
  db::RunRecord run;
};

// Limits a single upload must respect.
inline constexpr size_t kMaxUploadLayers = 100000;
inline constexpr size_t kMaxTextBytes = 4096;

nlohmann::json UploadJson(const Upload& upload);

// Parses and validates `body`; kInvalidArgument names the first bad field ("run.p50_ms: must be
// a positive number of milliseconds").
StatusOr<Upload> ParseUpload(const std::string& body);

}  // namespace mbench::server

#endif  // MBENCH_SERVER_UPLOAD_H_
