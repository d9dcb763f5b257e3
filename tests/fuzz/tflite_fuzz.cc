// libFuzzer harness: any bytes through the TFLite reader, then the analysis of what it accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "analyzer/analysis.h"
#include "analyzer/tflite_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto graph = mbench::analyzer::ReadTfliteModel("fuzz.tflite", bytes, {});
  if (graph.ok()) (void)mbench::analyzer::Analyze(*graph);
  return 0;
}
