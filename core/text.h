// Text from files made safe to print and store: names in a model are bytes an attacker chose.
// Pure functions; thread-safe.
#ifndef MBENCH_CORE_TEXT_H_
#define MBENCH_CORE_TEXT_H_

#include <string>
#include <string_view>

namespace mbench {

// `s` as valid UTF-8 without control characters: every byte that does not start or continue a
// well-formed UTF-8 sequence (overlong forms and surrogates included), and every C0 or C1 control
// character (ANSI escapes, line breaks, NUL), becomes U+FFFD. Valid text comes back unchanged.
std::string SafeText(std::string_view s);

// `v` with six significant digits ("%.6g"): 0.5, 1234.57, 1e+09.
std::string ShortNumber(double v);

// `s` without leading and trailing spaces, tabs and line breaks.
std::string Trim(std::string_view s);

// The last line of `s` that is not empty once trailing whitespace is dropped ("" when none):
// what a program said last, for a one-line error.
std::string LastLine(std::string_view s);

// Whether SafeText(s) == s.
bool IsSafeText(std::string_view s);

// `s` for a Markdown table cell: '|' and '\' escaped, '<' and '&' as HTML entities (Markdown
// renderers pass HTML through).
std::string MarkdownCell(std::string_view s);

}  // namespace mbench

#endif  // MBENCH_CORE_TEXT_H_
