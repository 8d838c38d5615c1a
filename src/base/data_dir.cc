#include "satfence/base/data_dir.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"

namespace satfence {
namespace {

namespace fs = std::filesystem;

// Absolute-or-as-given, normalised, without a trailing separator ("a/b/.." is "a").
std::string Clean(const fs::path& dir) {
  fs::path p = dir.lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p.string();
}

bool HoldsData(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / DataDir::kExamplePolicy, ec);
}

absl::StatusOr<DataDir> Named(const std::string& dir, std::string_view what) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(dir, ec);
  if (ec || !HoldsData(absolute)) {
    return absl::NotFoundError(std::string(what) + " " + dir +
                               ": not a satfence data directory (no " +
                               std::string(DataDir::kExamplePolicy) + " in it)");
  }
  return DataDir{Clean(absolute)};
}

}  // namespace

std::string DataDir::Path(std::string_view relative) const {
  return root + "/" + std::string(relative);
}

absl::StatusOr<DataDir> FindDataDir(const std::string& flag) {
  if (!flag.empty()) return Named(flag, "--data-dir");
  if (const char* env = std::getenv("SATFENCE_DATA_DIR"); env != nullptr && *env != '\0') {
    return Named(env, "SATFENCE_DATA_DIR");
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return absl::NotFoundError(
        "no data directory: the executable's folder is unknown; give --data-dir or "
        "SATFENCE_DATA_DIR");
  }
  const fs::path bin = exe.parent_path();
  const std::vector<fs::path> candidates = {bin / "share" / "satfence",
                                            bin.parent_path() / "share" / "satfence"};
  for (const fs::path& dir : candidates) {
    if (HoldsData(dir)) return DataDir{Clean(dir)};
  }
  return absl::NotFoundError(absl::StrCat("no data directory: looked in ", candidates[0].string(),
                                          " and ", candidates[1].string(),
                                          "; give --data-dir or SATFENCE_DATA_DIR"));
}

}  // namespace satfence
