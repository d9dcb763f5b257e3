// SHA-256 (FIPS 180-4) of a byte string, as lower-case hex. Identifies models in every report
// and, later, in the results database. Pure function; thread-safe.
#ifndef MBENCH_CORE_SHA256_H_
#define MBENCH_CORE_SHA256_H_

#include <string>
#include <string_view>

namespace mbench {

// Uses the CPU's SHA instructions when it has them (x86 SHA-NI), else portable code.
std::string Sha256Hex(std::string_view data);

// Always the portable code; for tests that compare both paths.
std::string Sha256HexPortable(std::string_view data);

}  // namespace mbench

#endif  // MBENCH_CORE_SHA256_H_
