// libFuzzer harness: any text through the ncnn .param reader, alone and with the same bytes as
// its .bin, then the analysis of what it accepts.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "analyzer/analysis.h"
#include "analyzer/ncnn_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto graph = mbench::analyzer::ReadNcnnParam("fuzz.param", bytes, {});
  if (graph.ok()) (void)mbench::analyzer::Analyze(*graph);
  // The tail of the input as a .bin: weights the .param's layers read.
  const size_t split = size / 2;
  std::string_view bin = bytes.substr(split);
  auto with_bin = mbench::analyzer::ReadNcnnParam("fuzz.param", bytes.substr(0, split), {}, &bin);
  if (with_bin.ok()) (void)mbench::analyzer::Analyze(*with_bin);
  return 0;
}
