// Reading a whole input file, with its size limit checked before anything is read.
//
//   absl::StatusOr<std::string> text = ReadFileLimited(path, size_t{1} << 30);
//   if (!text.ok()) report(path, text.status().message());  // "cannot open the file", ...
#ifndef SATFENCE_BASE_FILE_H_
#define SATFENCE_BASE_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace satfence {

// The file's bytes; NotFound if it cannot be opened, ResourceExhausted if it is larger
// than `max_bytes` (nothing is read then). Messages do not repeat the path.
absl::StatusOr<std::string> ReadFileLimited(const std::string& path, size_t max_bytes);

}  // namespace satfence

#endif  // SATFENCE_BASE_FILE_H_
