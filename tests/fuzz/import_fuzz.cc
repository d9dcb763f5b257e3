// libFuzzer harness: any text as a latency table of each kind `mbench db import` reads (ncnn,
// tflite, qai-hub, mbench), up to the records it would store. The table goes through a file,
// as the importer reads one.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "calibration/importer.h"
#include "core/env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/mbench_import_fuzz_" + std::to_string(::getpid()) + ".csv";
  if (!mbench::WriteStringToFile(path, std::string(reinterpret_cast<const char*>(data), size))
           .ok()) {
    return 0;
  }
  for (const char* kind : {"ncnn", "tflite", "qai-hub", "mbench"}) {
    mbench::calibration::ImportOptions o;
    o.file = path;
    o.kind = kind;
    o.data_dir = MBENCH_SOURCE_DIR "/data";
    o.profile_dir = MBENCH_SOURCE_DIR "/device_profiles";
    (void)mbench::calibration::ReadTable(o);
  }
  return 0;
}
