#include "report/printf.h"

#include <cstdarg>
#include <cstdio>

namespace mbench::report {
namespace {

void AppendV(std::string* out, const char* format, va_list args) {
  char buf[1024];
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(buf, sizeof(buf), format, args);
  if (n >= 0 && static_cast<size_t>(n) < sizeof(buf)) {
    out->append(buf, static_cast<size_t>(n));
  } else if (n >= 0) {
    std::string big(static_cast<size_t>(n) + 1, '\0');
    std::vsnprintf(big.data(), big.size(), format, again);
    big.resize(static_cast<size_t>(n));
    out->append(big);
  }
  va_end(again);
}

}  // namespace

void Appendf(std::string* out, const char* format, ...) {
  va_list args;
  va_start(args, format);
  AppendV(out, format, args);
  va_end(args);
}

std::string Sprintf(const char* format, ...) {
  std::string out;
  va_list args;
  va_start(args, format);
  AppendV(&out, format, args);
  va_end(args);
  return out;
}

}  // namespace mbench::report
