// libFuzzer harness: any bytes through the .npy reader (mbench run --input).
#include <cstddef>
#include <cstdint>
#include <string>

#include "runner/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)mbench::runner::ParseNpy(bytes, "fuzz.npy");
  return 0;
}
