// libFuzzer harness: any bytes through the ONNX reader, then the analysis of what it accepts.
// A crash, a sanitizer report or a hang is a finding; an error Status is the expected answer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "analyzer/analysis.h"
#include "analyzer/onnx_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto graph = mbench::analyzer::ReadOnnxModel("fuzz.onnx", bytes, {});
  if (graph.ok()) (void)mbench::analyzer::Analyze(*graph);
  return 0;
}
