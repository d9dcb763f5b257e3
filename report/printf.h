// printf into a std::string, for renderers that build a report before anyone prints it.
#ifndef MBENCH_REPORT_PRINTF_H_
#define MBENCH_REPORT_PRINTF_H_

#include <string>

namespace mbench::report {

// Appends the printf-formatted text to `out` (any length).
void Appendf(std::string* out, const char* format, ...) __attribute__((format(printf, 2, 3)));

// The printf-formatted text (any length).
std::string Sprintf(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace mbench::report

#endif  // MBENCH_REPORT_PRINTF_H_
