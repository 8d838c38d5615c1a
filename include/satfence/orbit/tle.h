// Two-line and three-line element sets (NORAD/Space-Track format), including the Alpha-5
// extension of the catalogue number (A0000 = 100,000 ... Z9999 = 339,999; the letters I
// and O are not used).
//
//   ReadResult<ElementSet> r = ParseTle(text, "catalog.tle");
//   for (const RecordError& e : r.errors) std::cerr << e.ToString() << "\n";
//
// Line-level rules, after CelesTrak's "Format of two-line element sets": lines 1 and 2 are
// 69 columns (anything after column 69 is ignored, as SGP4-VER.TLE puts its time spans
// there); column 69 is a modulo-10 checksum (digits count their value, '-' counts 1);
// an optional title line (3LE) precedes line 1, with or without a leading "0 ".
// Line endings may be LF or CRLF; lines starting with '#' and blank lines are skipped.
// The epoch's day fraction (8 digits, 0.864 ms) is kept exactly to the microsecond.
#ifndef SATFENCE_ORBIT_TLE_H_
#define SATFENCE_ORBIT_TLE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "satfence/base/record_error.h"
#include "satfence/orbit/element_set.h"

namespace satfence::orbit {

enum class ChecksumPolicy {
  kVerify,  // a wrong checksum rejects the element set (the default)
  kIgnore,  // for historical test files whose made-up cases carry wrong checksums
};

struct TleOptions {
  ChecksumPolicy checksum = ChecksumPolicy::kVerify;
};

// Parses every element set in `text`; `source` names the input in error messages.
ReadResult<ElementSet> ParseTle(std::string_view text, std::string_view source,
                                TleOptions options = {});

// Reads and parses a file. A file that cannot be read gives one error naming it.
ReadResult<ElementSet> ReadTleFile(const std::string& path, TleOptions options = {});

// "25544" -> 25544, "A0000" -> 100000, "Z9999" -> 339999; leading blanks allowed.
absl::StatusOr<std::uint32_t> DecodeAlpha5(std::string_view field);
// 25544 -> "25544", 100000 -> "A0000"; numbers above 339,999 have no TLE form.
absl::StatusOr<std::string> EncodeAlpha5(std::uint32_t catalog_number);

// Modulo-10 checksum of the first 68 columns of a TLE line.
int TleChecksum(std::string_view line);

// Formats an element set as the two 69-column lines (Alpha-5 where needed), each with its
// checksum. Fails for catalogue numbers above 339,999 and for values the fixed columns
// cannot hold (such objects exist only as OMM).
absl::StatusOr<std::pair<std::string, std::string>> FormatTle(const ElementSet& e);

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_TLE_H_
