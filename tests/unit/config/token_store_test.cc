#include "config/token_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/atomic_file.h"
#include "config/config_path.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/file_size_limit.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

namespace fs = std::filesystem;
using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;

StoredTokenPair Pair(const std::string& refresh, int64_t expires_at_ms,
                     const std::string& uuid = "") {
  StoredTokenPair pair;
  pair.account_uuid = uuid;
  pair.access_token = "sk-ant-oat01-" + refresh;
  pair.refresh_token = refresh;
  pair.expires_at_ms = expires_at_ms;
  pair.rotated_at_ms = 1;
  return pair;
}

TEST(TokenStore, APutIsOnDiskWithMode0600AndSurvivesAReopen) {
  TempDir dir;
  const fs::path path = dir.path() / "maxpool.tokens.json";
  {
    auto store = TokenStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Put("a", Pair("sk-ant-ort01-new", 2000, "uuid-a")).ok());
  }
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto again = TokenStore::Open(path);
  ASSERT_TRUE(again.ok());
  const std::optional<StoredTokenPair> found = (*again)->Find("a", "");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->refresh_token, "sk-ant-ort01-new");
  EXPECT_EQ(found->expires_at_ms, 2000);
  // By UUID, whatever the account is called now.
  EXPECT_TRUE((*again)->Find("renamed", "uuid-a").has_value());
  // Another account that took the name is not it.
  EXPECT_FALSE((*again)->Find("a", "uuid-other").has_value());
}

TEST(TokenStore, AStateDirectoryThatIsAFileIsRefusedWithItsPath) {
  TempDir dir;
  const fs::path blocker = dir.Write("state", "not a directory");
  auto store = TokenStore::Open(blocker / "maxpool.tokens.json");
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(blocker.string()));
}

TEST(TokenStore, AFailedWriteLeavesTheFileAsItWasAndTheNextWriteCarriesThePair) {
  TempDir dir;
  const fs::path path = dir.path() / "maxpool.tokens.json";
  auto store = TokenStore::Open(path);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("a", Pair("sk-ant-ort01-first", 1000)).ok());
  {
    // A full disk, as root sees one too: writes past 16 bytes fail (EFBIG).
    testing::FileSizeLimit limit(16);
    EXPECT_FALSE((*store)->Put("a", Pair("sk-ant-ort01-second", 2000)).ok());
  }
  EXPECT_THAT(*ReadFileToString(path), HasSubstr("sk-ant-ort01-first"));
  EXPECT_THAT(*ReadFileToString(path), ::testing::Not(HasSubstr("sk-ant-ort01-second")));
  // Another account's write, once the disk takes writes again, carries a's newest pair too.
  ASSERT_TRUE((*store)->Put("b", Pair("sk-ant-ort01-b", 3000)).ok());
  auto reopened = TokenStore::Open(path);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->Find("a", "")->refresh_token, "sk-ant-ort01-second");
}

TEST(TokenStore, AJournalLineWrittenBeforeACrashWinsAtTheNextOpen) {
  TempDir dir;
  const fs::path path = dir.path() / "maxpool.tokens.json";
  {
    auto store = TokenStore::Open(path);
    ASSERT_TRUE((*store)->Put("a", Pair("sk-ant-ort01-first", 1000)).ok());
  }
  // A process killed after its journal line and before the file's replace: the line, and a
  // second one cut short by the kill.
  {
    std::ofstream journal(path.string() + ".journal", std::ios::app);
    journal
        << R"({"account":"a","pair":{"accessToken":"x","refreshToken":"sk-ant-ort01-journaled",)"
        << R"("expiresAt":2000,"rotatedAt":5}})"
        << "\n"
        << R"({"account":"a","pair":{"accessTo)";
  }
  auto store = TokenStore::Open(path);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Find("a", "")->refresh_token, "sk-ant-ort01-journaled");
}

TEST(TokenStore, AnUnreadableFileIsMovedAsideNotLost) {
  TempDir dir;
  const fs::path path = dir.Write("maxpool.tokens.json", "{broken");
  std::vector<std::string> warnings;
  auto store = TokenStore::Open(path, &warnings);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->size(), 0u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("moved aside"));
  int aside = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    aside += entry.path().filename().string().find(".unreadable-") != std::string::npos;
  }
  EXPECT_EQ(aside, 1);
}

v1::Config OneOAuthAccount(const std::string& refresh, int64_t expires_at) {
  v1::Config config;
  v1::AccountConfig* a = config.add_accounts();
  a->set_name("a");
  a->set_type("oauth");
  a->set_access_token("sk-ant-oat01-old");
  a->set_refresh_token(refresh);
  a->set_expires_at(expires_at);
  return config;
}

TEST(ApplyStoredTokens, ANewerStoredPairWinsOverTheConfigsAndAnOlderOneDoesNot) {
  TempDir dir;
  auto store = TokenStore::Open(dir.path() / "t.json");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("a", Pair("sk-ant-ort01-rotated", 2000000000000)).ok());

  v1::Config stale = OneOAuthAccount("sk-ant-ort01-spent", 1000000000000);
  EXPECT_THAT(ApplyStoredTokens(**store, stale), ::testing::ElementsAre("a"));
  EXPECT_EQ(stale.accounts(0).refresh_token(), "sk-ant-ort01-rotated");
  EXPECT_EQ(stale.accounts(0).expires_at(), 2000000000000);

  // A new login written to the config after the rotation is newer: it stays.
  v1::Config relogged = OneOAuthAccount("sk-ant-ort01-login", 2100000000000);
  EXPECT_TRUE(ApplyStoredTokens(**store, relogged).empty());
  EXPECT_EQ(relogged.accounts(0).refresh_token(), "sk-ant-ort01-login");
}

TEST(StateDir, TheEnvironmentWinsElseTheConfigFilesDirectory) {
  auto none = [](std::string_view) { return std::optional<std::string>(); };
  auto set = [](std::string_view name) {
    return name == "MAXPOOL_STATE_DIR" ? std::optional<std::string>("/var/lib/maxpool")
                                       : std::nullopt;
  };
  EXPECT_EQ(StateDirFor("/etc/maxpool/maxpool.json", none), fs::path("/etc/maxpool"));
  EXPECT_EQ(StateDirFor("/etc/maxpool/maxpool.json", set), fs::path("/var/lib/maxpool"));
  EXPECT_EQ(TokenStorePathFor("/var/lib/maxpool", "/etc/maxpool/maxpool.json"),
            fs::path("/var/lib/maxpool/maxpool.tokens.json"));
}

TEST(AtomicFile, ASymlinkedFileIsWrittenWhereItPointsAndTheLinkStays) {
  TempDir dir;
  const fs::path target = dir.Write("real.json", "{}");
  const fs::path link = dir.path() / "maxpool.json";
  fs::create_symlink(target, link);
  ASSERT_TRUE(WriteFileAtomically(link, "{\"x\":1}").ok());
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(*ReadFileToString(target), "{\"x\":1}");
}

}  // namespace
}  // namespace maxpool::config
