// Text from files made safe to print and store: names in a model are bytes an attacker chose.
// Pure functions; thread-safe.
#ifndef MBENCH_CORE_TEXT_H_
#define MBENCH_CORE_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

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

// `s` split at '\n', each line without a trailing '\r'; a final '\n' ends the last line
// rather than starting an empty one.
std::vector<std::string> SplitLines(std::string_view s);

// Whether SafeText(s) == s.
bool IsSafeText(std::string_view s);

// `s` for a Markdown table cell: '|' and '\' escaped, '<' and '&' as HTML entities (Markdown
// renderers pass HTML through).
std::string MarkdownCell(std::string_view s);

// How many columns `s` takes in a terminal: its UTF-8 code points (every byte that is not a
// continuation byte counts one; East Asian wide characters are not told apart).
size_t DisplayWidth(std::string_view s);

// `s` cut to at most `width` columns by replacing its middle with "..", so both the start and
// the end of a long name stay readable ("model_1/mod..re_lu_13/Relu6"). Never splits a UTF-8
// sequence. `s` itself when it fits; "" for width 0.
std::string ElideMiddle(std::string_view s, size_t width);

// `s` broken into lines of at most `width` columns at spaces (a word longer than `width` is
// elided in the middle). Every line after the first starts with `indent` (counted in the width).
// `width` 0: one line.
std::vector<std::string> WrapText(std::string_view s, size_t width, std::string_view indent = "");

}  // namespace mbench

#endif  // MBENCH_CORE_TEXT_H_
