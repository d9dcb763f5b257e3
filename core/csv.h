// RFC 4180 CSV: the published tables mbench imports and calibrates on.
#ifndef MBENCH_CORE_CSV_H_
#define MBENCH_CORE_CSV_H_

#include <string>
#include <vector>

namespace mbench {

// Splits CSV text into rows of fields (quoted fields may hold commas, quotes and newlines).
// Returns false on an unterminated quote.
bool ParseCsv(const std::string& text, std::vector<std::vector<std::string>>* rows);

// `s` as one field: quoted (quotes doubled) when it holds a comma, quote or line break, so that
// ParseCsv gives it back unchanged; TFLite tensor names hold commas and colons. A field a
// spreadsheet would run as a formula (starting with = + @, a tab, or - not followed by a
// number) gets a leading apostrophe, as OWASP advises for CSV injection.
std::string CsvField(const std::string& s);

}  // namespace mbench

#endif  // MBENCH_CORE_CSV_H_
