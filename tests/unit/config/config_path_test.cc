#include "config/config_path.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "support/env_lookup.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

using ::maxpool::testing::EnvFrom;

namespace fs = std::filesystem;
using ::maxpool::testing::TempDir;

void Touch(const fs::path& path) { std::ofstream(path) << "{}\n"; }

// Spec §0.2: MAXPOOL_CONFIG first.
TEST(ResolveConfigPath, MaxpoolConfigWinsOverEverything) {
  EXPECT_EQ(ResolveConfigPath(EnvFrom({{"MAXPOOL_CONFIG", "/a/m.json"},
                                       {"TEAMCLAUDE_CONFIG", "/b/t.json"},
                                       {"XDG_CONFIG_HOME", "/x"},
                                       {"HOME", "/h"}})),
            fs::path("/a/m.json"));
}

TEST(ResolveConfigPath, LegacyTeamclaudeConfigUsedWhenMaxpoolConfigUnset) {
  EXPECT_EQ(ResolveConfigPath(EnvFrom({{"TEAMCLAUDE_CONFIG", "/b/t.json"}, {"HOME", "/h"}})),
            fs::path("/b/t.json"));
}

TEST(ResolveConfigPath, EmptyVariableCountsAsUnset) {
  EXPECT_EQ(
      ResolveConfigPath(EnvFrom({{"MAXPOOL_CONFIG", ""}, {"TEAMCLAUDE_CONFIG", "/b/t.json"}})),
      fs::path("/b/t.json"));
}

TEST(ResolveConfigPath, XdgConfigHomeBeatsHome) {
  const TempDir xdg_dir;
  const fs::path& xdg = xdg_dir.path();
  EXPECT_EQ(ResolveConfigPath(EnvFrom({{"XDG_CONFIG_HOME", xdg.string()}, {"HOME", "/h"}})),
            xdg / "maxpool.json");
}

TEST(ResolveConfigPath, HomeDotConfigWithoutXdg) {
  EXPECT_EQ(ResolveConfigPath(EnvFrom({{"HOME", "/nonexistent-home"}})),
            fs::path("/nonexistent-home/.config/maxpool.json"));
}

// Spec §0.2: an existing teamclaude.json is used in place when maxpool.json does not exist.
TEST(ResolveConfigPath, LegacyFileUsedWhenOnlyItExists) {
  const TempDir temp_dir;
  const fs::path& dir = temp_dir.path();
  Touch(dir / "teamclaude.json");
  EXPECT_EQ(ResolveConfigPath(EnvFrom({{"XDG_CONFIG_HOME", dir.string()}})),
            dir / "teamclaude.json");
}

TEST(ResolveConfigPath, CurrentFilePreferredOverLegacyFile) {
  const TempDir temp_dir;
  const fs::path& dir = temp_dir.path();
  Touch(dir / "teamclaude.json");
  Touch(dir / "maxpool.json");
  EXPECT_EQ(ResolveConfigPath(EnvFrom({{"XDG_CONFIG_HOME", dir.string()}})), dir / "maxpool.json");
}

TEST(ResolveConfigPath, LegacyFileUnderHomeDotConfig) {
  const TempDir home_dir;
  const fs::path& home = home_dir.path();
  fs::create_directories(home / ".config");
  Touch(home / ".config" / "teamclaude.json");
  EXPECT_EQ(ResolveConfigPath(EnvFrom({{"HOME", home.string()}})),
            home / ".config" / "teamclaude.json");
}

// Spec §0.2: sibling files.
TEST(DerivedPaths, JsonSuffixIsReplaced) {
  EXPECT_EQ(StatePathFor("/c/maxpool.json"), fs::path("/c/maxpool.state.json"));
  EXPECT_EQ(EventLogPathFor("/c/maxpool.json"), fs::path("/c/maxpool.log"));
}

TEST(DerivedPaths, OtherNamesGetASuffix) {
  EXPECT_EQ(StatePathFor("/c/config"), fs::path("/c/config.state"));
  EXPECT_EQ(EventLogPathFor("/c/config.yaml"), fs::path("/c/config.yaml.log"));
  EXPECT_EQ(StatePathFor("/c/x.json.bak"), fs::path("/c/x.json.bak.state"));
}

}  // namespace
}  // namespace maxpool::config
