// libFuzzer harness: any text as a latency table or tool output of each kind `mbench db import`
// reads (ncnn, tflite, qai-hub, mbench, benchncnn, benchmark-model, qai-hub-profile, and an
// op-profiling CSV), up to the records it would store. The table goes through a file,
// as the importer reads one. Profiles and model files come from empty folders, so an input
// costs its parsing, not 18 profiles and the models its rows name.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "calibration/importer.h"
#include "core/env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string base = "/tmp/mbench_import_fuzz_" + std::to_string(::getpid());
  static const std::string path = base + ".csv";
  static const bool made = std::system(("mkdir -p " + base + ".empty").c_str()) == 0;
  if (!made) return 0;
  if (!mbench::WriteStringToFile(path, std::string(reinterpret_cast<const char*>(data), size))
           .ok()) {
    return 0;
  }
  for (const char* kind : {"ncnn", "tflite", "qai-hub", "mbench", "benchncnn", "benchmark-model",
                           "qai-hub-profile", "auto"}) {
    mbench::calibration::ImportOptions o;
    o.file = path;
    o.kind = kind;
    o.data_dir = base + ".empty";
    o.profile_dir = base + ".empty";
    const std::string k = kind;
    if (k == "benchncnn" || k == "benchmark-model" || k == "qai-hub-profile") o.device = "phone";
    if (k == "qai-hub-profile") o.runtime = "qnn";
    if (k == "benchmark-model") o.op_profile = path;  // the same bytes as its op-profiling CSV
    (void)mbench::calibration::ReadTable(o);
  }
  return 0;
}
