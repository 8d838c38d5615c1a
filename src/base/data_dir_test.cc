#include "satfence/base/data_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace satfence {
namespace {

namespace fs = std::filesystem;

// A folder under the test's temporary directory, with a data directory's marker or without.
fs::path Folder(const std::string& name, bool with_data) {
  const fs::path dir = fs::path(::testing::TempDir()) / "data_dir_test" / name;
  fs::remove_all(dir);
  fs::create_directories(dir / "examples");
  if (with_data) std::ofstream(dir / DataDir::kExamplePolicy) << "# policy\n";
  return dir;
}

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("SATFENCE_DATA_DIR"); }
  void TearDown() override { unsetenv("SATFENCE_DATA_DIR"); }
};

TEST_F(DataDirTest, FlagNamesTheDirectory) {
  const fs::path dir = Folder("flag", true);
  absl::StatusOr<DataDir> found = FindDataDir((dir / "examples" / "..").string());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->root, dir.string());  // absolute, normalised
  EXPECT_EQ(found->Path(DataDir::kWeb), dir.string() + "/web");
}

TEST_F(DataDirTest, FlagWithoutDataIsAnErrorNamingIt) {
  const fs::path dir = Folder("empty", false);
  setenv("SATFENCE_DATA_DIR", Folder("env_too", true).c_str(), 1);
  absl::StatusOr<DataDir> found = FindDataDir(dir.string());
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(found.status().message().find("--data-dir " + dir.string()), std::string::npos)
      << found.status();
  EXPECT_NE(found.status().message().find("examples/policy.toml"), std::string::npos);
}

TEST_F(DataDirTest, EnvironmentWhenNoFlag) {
  const fs::path env = Folder("env", true);
  setenv("SATFENCE_DATA_DIR", env.c_str(), 1);
  absl::StatusOr<DataDir> found = FindDataDir("");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->root, env.string());
  // The flag wins over the environment.
  const fs::path flag = Folder("flag_wins", true);
  found = FindDataDir(flag.string());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->root, flag.string());

  setenv("SATFENCE_DATA_DIR", Folder("env_empty", false).c_str(), 1);
  found = FindDataDir("");
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("SATFENCE_DATA_DIR"), std::string::npos);
}

TEST_F(DataDirTest, BesideTheExecutableOrNowhere) {
  // The test binary lives in the build tree's src/base, where no share/satfence is: the
  // lookup says where it looked.
  absl::StatusOr<DataDir> found = FindDataDir("");
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("share/satfence"), std::string::npos)
      << found.status();
}

}  // namespace
}  // namespace satfence
