// The state file: atomic replacement, and an unreadable file set aside, never a failed start.

#include "pool/state_file.h"

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace maxpool::pool {
namespace {

using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;

PoolMemory OneAccount(double utilization) {
  PoolMemory memory;
  memory.saved_at = absl::FromUnixSeconds(1764000000);
  AccountMemory a;
  a.name = "A";
  a.quota.unified_7d = utilization;
  a.quota.unified_7d_reset = memory.saved_at + absl::Hours(10);
  memory.accounts.push_back(a);
  return memory;
}

TEST(StateFile, NoFileIsNoMemoryAndSavesReadBack) {
  TempDir dir;
  StateFile file(dir.path() / "state" / "maxpool.state.json");
  std::string warning;
  absl::StatusOr<std::optional<PoolMemory>> none = file.Load(&warning);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(warning, "");
  ASSERT_TRUE(file.Save(OneAccount(0.5)).ok());
  ASSERT_TRUE(file.Save(OneAccount(0.75)).ok());
  absl::StatusOr<std::optional<PoolMemory>> back = file.Load(&warning);
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((*back)->accounts.at(0).quota.unified_7d, 0.75);
  EXPECT_EQ(std::filesystem::status(file.path()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST(StateFile, AnUnreadableFileIsSetAsideAndTheStartGoesOn) {
  TempDir dir;
  const std::filesystem::path path = dir.path() / "maxpool.state.json";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("{\"version\": 1, \"accounts\": [{\"na", f);  // cut by a crash of another writer
    std::fclose(f);
  }
  StateFile file(path);
  std::string warning;
  absl::StatusOr<std::optional<PoolMemory>> loaded = file.Load(&warning);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(loaded->has_value());
  EXPECT_NE(warning.find("moved aside"), std::string::npos) << warning;
  EXPECT_FALSE(std::filesystem::exists(path));
  int aside = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().filename().string().starts_with("maxpool.state.json.unreadable-")) {
      ++aside;
      EXPECT_EQ(ReadFile(entry.path()), "{\"version\": 1, \"accounts\": [{\"na");
    }
  }
  EXPECT_EQ(aside, 1);
}

}  // namespace
}  // namespace maxpool::pool
