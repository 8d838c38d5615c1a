#include "satfence/orbit/elements_file.h"


#include "absl/strings/str_cat.h"
#include "satfence/base/file.h"
#include "satfence/base/text.h"
#include "satfence/orbit/omm.h"
#include "satfence/orbit/tle.h"

namespace satfence::orbit {

const char* ElementsFormatName(ElementsFormat f) {
  switch (f) {
    case ElementsFormat::kTle:
      return "TLE";
    case ElementsFormat::kOmmJson:
      return "OMM JSON";
    case ElementsFormat::kOmmXml:
      return "OMM XML";
    case ElementsFormat::kOmmKvn:
      return "OMM KVN";
    case ElementsFormat::kOmmCsv:
      return "OMM CSV";
  }
  return "unknown";
}

ElementsFormat DetectElementsFormat(std::string_view text) {
  const std::string_view head = Trim(text.substr(0, 4096));
  if (head.empty()) return ElementsFormat::kTle;
  if (head.front() == '[' || head.front() == '{') return ElementsFormat::kOmmJson;
  if (head.front() == '<') return ElementsFormat::kOmmXml;
  if (head.find("CCSDS_OMM_VERS") != std::string_view::npos) return ElementsFormat::kOmmKvn;
  const std::string_view first_line = head.substr(0, head.find('\n'));
  if (first_line.find(',') != std::string_view::npos &&
      (first_line.find("NORAD_CAT_ID") != std::string_view::npos ||
       first_line.find("OBJECT_NAME") != std::string_view::npos)) {
    return ElementsFormat::kOmmCsv;
  }
  return ElementsFormat::kTle;
}

ReadResult<ElementSet> ParseElements(std::string_view text, std::string_view source) {
  switch (DetectElementsFormat(text)) {
    case ElementsFormat::kTle:
      return ParseTle(text, source);
    case ElementsFormat::kOmmJson:
      return ParseOmmJson(text, source);
    case ElementsFormat::kOmmXml:
      return ParseOmmXml(text, source);
    case ElementsFormat::kOmmKvn:
      return ParseOmmKvn(text, source);
    case ElementsFormat::kOmmCsv:
      return ParseOmmCsv(text, source);
  }
  return {};
}

ReadResult<ElementSet> ReadElementsFile(const std::string& path) {
  const absl::StatusOr<std::string> text = ReadFileLimited(path, kMaxElementsInputBytes);
  if (!text.ok()) {
    ReadResult<ElementSet> r;
    r.errors.push_back({path, 0, 0, "", "", std::string(text.status().message())});
    return r;
  }
  return ParseElements(*text, path);
}

}  // namespace satfence::orbit
