#include "satfence/base/file.h"

#include <fstream>

#include "absl/strings/str_cat.h"

namespace satfence {

absl::StatusOr<std::string> ReadFileLimited(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError("cannot open the file");
  const std::streamoff size = in.tellg();
  if (size < 0 || static_cast<size_t>(size) > max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("file of ", size, " bytes exceeds the limit of ", max_bytes));
  }
  in.seekg(0);
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), size);
  return text;
}

}  // namespace satfence
