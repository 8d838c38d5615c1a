// CCSDS Orbit Mean-elements Messages (CCSDS 502.0-B-3) carrying SGP4 mean elements, in the
// four encodings CelesTrak serves: JSON (an array of flat objects), XML (the NDM/XML
// schema), KVN (KEY = value lines) and CSV (a header row of OMM keywords).
//
//   ReadResult<ElementSet> r = ParseOmmJson(text, "gp.json");
//
// Keywords read: OBJECT_NAME, OBJECT_ID, EPOCH, MEAN_MOTION, ECCENTRICITY, INCLINATION,
// RA_OF_ASC_NODE, ARG_OF_PERICENTER, MEAN_ANOMALY, EPHEMERIS_TYPE, CLASSIFICATION_TYPE,
// NORAD_CAT_ID (up to 9 digits), ELEMENT_SET_NO, REV_AT_EPOCH, BSTAR, MEAN_MOTION_DOT,
// MEAN_MOTION_DDOT; MEAN_ELEMENT_THEORY, REF_FRAME and TIME_SYSTEM are checked when present
// (SGP4, TEME, UTC). NORAD_CAT_ID, EPOCH and the six mean elements are required; the
// drag terms default to 0. Other keywords are ignored. EPOCH is an ISO 8601 / RFC 3339
// date-time, UTC when no zone is written, kept to the microsecond.
//
// Limits, checked before parsing: 1 GiB per input, JSON nesting deeper than 16.
// Each rejected record gets a RecordError naming the source, the line where the format
// has lines (XML, KVN, CSV) or the record index (JSON), and the keyword.
#ifndef SATFENCE_ORBIT_OMM_H_
#define SATFENCE_ORBIT_OMM_H_

#include <string_view>

#include "satfence/base/record_error.h"
#include "satfence/orbit/element_set.h"

namespace satfence::orbit {

inline constexpr size_t kMaxElementsInputBytes = size_t{1} << 30;

ReadResult<ElementSet> ParseOmmJson(std::string_view text, std::string_view source);
ReadResult<ElementSet> ParseOmmXml(std::string_view text, std::string_view source);
ReadResult<ElementSet> ParseOmmKvn(std::string_view text, std::string_view source);
ReadResult<ElementSet> ParseOmmCsv(std::string_view text, std::string_view source);

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_OMM_H_
