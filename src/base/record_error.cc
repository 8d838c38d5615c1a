#include "satfence/base/record_error.h"

#include "absl/strings/str_cat.h"

namespace satfence {

std::string RecordError::ToString() const {
  std::string out = source.empty() ? std::string("<input>") : source;
  if (line > 0) absl::StrAppend(&out, ":", line);
  absl::StrAppend(&out, ":");
  if (record > 0) absl::StrAppend(&out, " record ", record);
  if (!record_id.empty()) absl::StrAppend(&out, " '", record_id, "'");
  if (record > 0 || !record_id.empty()) absl::StrAppend(&out, ":");
  if (!field.empty()) absl::StrAppend(&out, " ", field, ":");
  absl::StrAppend(&out, " ", message);
  return out;
}

}  // namespace satfence
