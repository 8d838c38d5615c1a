// CSV records (RFC 4180) one line at a time: fields separated by commas, a field in double
// quotes may hold commas and doubled quotes (""). Records do not span lines here (satfence's
// CSV formats hold no line breaks in fields), so a reader can number its errors by line.
//
//   std::vector<std::string> fields;
//   std::string error;
//   if (!ParseCsvRecord(R"(KIT-1,"Shop, Ltd",UKR)", fields, error)) ...;  // 3 fields
//   std::string cell = CsvField("Shop, Ltd");                              // "\"Shop, Ltd\""
#ifndef SATFENCE_BASE_CSV_H_
#define SATFENCE_BASE_CSV_H_

#include <string>
#include <string_view>
#include <vector>

namespace satfence {

// Splits one line into fields. False, with `error` saying where, for an unterminated quote or
// text after a closing quote.
bool ParseCsvRecord(std::string_view line, std::vector<std::string>& fields, std::string& error);

// `text` as a CSV field: quoted (quotes doubled) when it holds a comma, quote or line break,
// or starts or ends with a space.
std::string CsvField(std::string_view text);

}  // namespace satfence

#endif  // SATFENCE_BASE_CSV_H_
