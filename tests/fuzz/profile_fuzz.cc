// libFuzzer harness: any text through the device-profile parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "device_profiles/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)mbench::profiles::ParseProfile(text, "fuzz.json");
  return 0;
}
