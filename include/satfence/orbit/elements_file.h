// Reads an element-set file in any format satfence knows, choosing by content:
// TLE/3LE text, or CCSDS OMM as CelesTrak serves it (JSON, XML, KVN, CSV; see omm.h).
//
//   ReadResult<ElementSet> cat = ReadElementsFile("starlink.json");
//
// Records keep file order; every rejected record has its own RecordError.
#ifndef SATFENCE_ORBIT_ELEMENTS_FILE_H_
#define SATFENCE_ORBIT_ELEMENTS_FILE_H_

#include <string>
#include <string_view>

#include "satfence/base/record_error.h"
#include "satfence/orbit/element_set.h"

namespace satfence::orbit {

enum class ElementsFormat { kTle, kOmmJson, kOmmXml, kOmmKvn, kOmmCsv };

const char* ElementsFormatName(ElementsFormat f);

// Guesses the format from the first non-blank characters of `text`.
ElementsFormat DetectElementsFormat(std::string_view text);

ReadResult<ElementSet> ParseElements(std::string_view text, std::string_view source);
ReadResult<ElementSet> ReadElementsFile(const std::string& path);

}  // namespace satfence::orbit

#endif  // SATFENCE_ORBIT_ELEMENTS_FILE_H_
