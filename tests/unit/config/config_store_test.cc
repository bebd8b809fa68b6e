#include "config/config_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/json/parse.hpp"
#include "config/atomic_file.h"
#include "config/config_defaults.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

namespace fs = std::filesystem;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;
using ::maxpool::testing::TestDataPath;
using ::testing::Contains;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

mode_t ModeOf(const fs::path& path) {
  struct stat info;
  EXPECT_EQ(::stat(path.c_str(), &info), 0);
  return info.st_mode & 07777;
}

std::unique_ptr<ConfigStore> StoreFor(const fs::path& path) {
  auto store = ConfigStore::Create(path);
  EXPECT_THAT(store, IsOk());
  return std::move(store).value();
}

// Copies the reference file into `dir` as maxpool.json.
fs::path CopyReference(const TempDir& dir) {
  return dir.Write("maxpool.json", ReadFile(TestDataPath("config", "reference.json")));
}

// Spec §12.1, §14 item 55: 0600 on every write, even over an existing 0644 file; no temp left.
TEST(ConfigStore, SaveWritesMode0600AndLeavesNoTempFile) {
  TempDir dir;
  const fs::path path = CopyReference(dir);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto store = StoreFor(path);
  auto loaded = store->Load();
  ASSERT_THAT(loaded, IsOk());
  ASSERT_THAT(store->Save(*loaded, std::nullopt), IsOk());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_THAT(dir.Files(), ::testing::ElementsAre("maxpool.json"));
}

TEST(ConfigStore, SaveBumpsTheOnDiskGeneration) {
  TempDir dir;
  const fs::path path = CopyReference(dir);  // _generation 7
  auto store = StoreFor(path);
  auto loaded = store->Load();
  ASSERT_THAT(loaded, IsOk());
  ASSERT_THAT(store->Save(*loaded, std::nullopt), IsOk());
  auto again = store->Load();
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->generation, 8);
  ASSERT_THAT(store->Save(*loaded, 8), IsOk());  // a guard equal to the disk is fine
  EXPECT_EQ(store->Load()->generation, 9);
}

// Spec §12.1: JSON.stringify(config, null, 2) + "\n".
TEST(ConfigStore, SaveWritesTwoSpaceIndentedJsonWithTrailingNewline) {
  TempDir dir;
  const fs::path path = dir.Write("maxpool.json", R"({"upstream": "https://x"})");
  auto store = StoreFor(path);
  auto loaded = store->Load();
  ASSERT_THAT(loaded, IsOk());
  ASSERT_THAT(store->Save(*loaded, std::nullopt), IsOk());
  const std::string text = ReadFile(path);
  EXPECT_THAT(text, StartsWith("{\n  \"proxy\": {\n    \"port\": 3456,\n"));
  EXPECT_THAT(text, HasSubstr("\n  \"switchThreshold\": 0.9,\n"));
  EXPECT_THAT(text, EndsWith("\n  \"_generation\": 1\n}\n"));
}

// Unknown keys survive load -> save -> load, at the top level, nested, and in accounts[i].
TEST(ConfigStore, UnknownKeysSurviveARoundTrip) {
  TempDir dir;
  const fs::path path = CopyReference(dir);
  auto store = StoreFor(path);
  auto first = store->Load();
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(store->Save(*first, std::nullopt), IsOk());
  auto second = store->Load();
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->warnings, first->warnings);
  EXPECT_EQ(second->raw.at("updateSource"), first->raw.at("updateSource"));
  EXPECT_EQ(second->raw.at("scheduler").at("experimentalKnob"),
            boost::json::parse(R"({"level": 3})"));
  EXPECT_EQ(second->raw.at("accounts").at(0).at("lastSeenPlan"), "max");
  // Everything else is unchanged too.
  v1::Config expected = first->config;
  expected.set_generation(8);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(second->config, expected));
}

// Code-only defaults are back-filled in memory but not pinned into the file.
TEST(ConfigStore, SaveDoesNotWriteUnsetCodeOnlyDefaults) {
  TempDir dir;
  const fs::path path = CopyReference(dir);
  auto store = StoreFor(path);
  auto loaded = store->Load();
  ASSERT_THAT(loaded, IsOk());
  loaded->config.mutable_scheduler()->set_concurrency_weight(4);  // changed: written
  ASSERT_THAT(store->Save(*loaded, std::nullopt), IsOk());
  const auto written = boost::json::parse(ReadFile(path)).as_object();
  const auto& scheduler = written.at("scheduler").as_object();
  EXPECT_FALSE(scheduler.contains("recoveryRampMs"));
  EXPECT_TRUE(scheduler.contains("weeklyAwareScoring"));  // the file had it
  EXPECT_EQ(scheduler.at("concurrencyWeight").to_number<double>(), 4.0);
  EXPECT_FALSE(written.contains("control"));
  EXPECT_FALSE(written.contains("sync"));
  EXPECT_TRUE(written.at("queue").as_object().contains("autoMaxWaitMs"));  // explicit null kept
  EXPECT_TRUE(written.at("queue").at("autoMaxWaitMs").is_null());
}

// Spec §12.1: a newer on-disk generation refuses the write (STALE_GENERATION).
TEST(ConfigStore, StaleGuardIsRefusedAndTheFileIsUnchanged) {
  TempDir dir;
  const fs::path path = CopyReference(dir);  // _generation 7
  const std::string before = ReadFile(path);
  auto store = StoreFor(path);
  auto loaded = store->Load();
  ASSERT_THAT(loaded, IsOk());
  EXPECT_THAT(store->Save(*loaded, 6),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("STALE_GENERATION")));
  EXPECT_THAT(store->Update([](v1::Config&) { return absl::OkStatus(); }, 6),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("STALE_GENERATION")));
  EXPECT_EQ(ReadFile(path), before);
}

// Spec §14 item 54: an invalid file on disk is never overwritten.
TEST(ConfigStore, SaveRefusesToOverwriteAnInvalidFile) {
  TempDir dir;
  const std::string bad = R"({"proxy": {"port": "not a number"}, "accounts": [)"
                          R"({"accessToken": "sk-keep-me"}]})";
  const fs::path path = dir.Write("maxpool.json", bad);
  auto store = StoreFor(path);
  LoadedConfig fresh;
  fresh.config = DefaultConfig();
  EXPECT_THAT(store->Save(fresh, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("proxy.port")));
  EXPECT_EQ(ReadFile(path), bad);
  EXPECT_THAT(dir.Files(), ::testing::ElementsAre("maxpool.json"));
}

TEST(ConfigStore, UpdateCreatesAMissingFileFromTheFirstRunConfig) {
  TempDir dir;
  const fs::path path = dir.path() / "sub" / "dir" / "maxpool.json";
  auto store = StoreFor(path);
  auto written = store->Update(
      [](v1::Config& config) {
        config.set_upstream("https://example.test");
        return absl::OkStatus();
      },
      std::nullopt);
  ASSERT_THAT(written, IsOk());
  EXPECT_EQ(written->generation, 1);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(path.parent_path()), 0700u);
  auto loaded = store->Load();
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->config.upstream(), "https://example.test");
  EXPECT_THAT(loaded->config.proxy().api_key(), MatchesRegex("mp-[A-Za-z0-9_-]{32}"));
  EXPECT_EQ(loaded->generation, 1);
  // The reference's first-run keys are in the file, nulls included (spec §0.3).
  const auto file = boost::json::parse(ReadFile(path)).as_object();
  EXPECT_TRUE(file.at("routing").at("preferredAccount").is_null());
  EXPECT_TRUE(file.at("scheduler").as_object().contains("providers"));
}

TEST(ConfigStore, UpdateWritesNothingWhenTheChangeFails) {
  TempDir dir;
  const fs::path path = CopyReference(dir);
  const std::string before = ReadFile(path);
  auto store = StoreFor(path);
  EXPECT_THAT(store->Update([](v1::Config&) { return absl::AbortedError("no"); }, std::nullopt),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ReadFile(path), before);
}

TEST(ConfigStore, UpdateRefusesAChangeThatBreaksARule) {
  TempDir dir;
  const fs::path path = CopyReference(dir);
  const std::string before = ReadFile(path);
  auto store = StoreFor(path);
  EXPECT_THAT(store->Update(
                  [](v1::Config& config) {
                    config.mutable_proxy()->set_port(0);
                    return absl::OkStatus();
                  },
                  std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("proxy.port")));
  EXPECT_EQ(ReadFile(path), before);
}

TEST(ConfigStore, UpdateSeesTheOnDiskGenerationAndKeepsUnknownKeys) {
  TempDir dir;
  const fs::path path = CopyReference(dir);
  auto store = StoreFor(path);
  int64_t seen = -1;
  auto written = store->Update(
      [&](v1::Config& config) {
        seen = config.generation();
        config.mutable_accounts(0)->set_access_token("sk-ant-oat01-ROTATED");
        return absl::OkStatus();
      },
      7);
  ASSERT_THAT(written, IsOk());
  EXPECT_EQ(seen, 7);
  auto loaded = store->Load();
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->generation, 8);
  EXPECT_EQ(loaded->config.accounts(0).access_token(), "sk-ant-oat01-ROTATED");
  EXPECT_EQ(loaded->raw.at("accounts").at(0).at("lastSeenPlan"), "max");
}

// Spec §14 item 7 (teamclaude #96): concurrent read-modify-writes all persist.
TEST(ConfigStore, ConcurrentUpdatesFromEightThreadsAllPersist) {
  TempDir dir;
  const fs::path path = CopyReference(dir);
  auto store = StoreFor(path);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&store, i] {
      auto result = store->Update(
          [i](v1::Config& config) {
            v1::AccountConfig* account = config.add_accounts();
            account->set_name(absl::StrCat("thread-", i));
            account->set_type("apikey");
            account->set_api_key(absl::StrCat("key-", i));
            return absl::OkStatus();
          },
          std::nullopt);
      EXPECT_THAT(result, IsOk());
    });
  }
  for (std::thread& thread : threads) thread.join();
  auto loaded = store->Load();
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->config.accounts_size(), 3 + 8);
  EXPECT_EQ(loaded->generation, 7 + 8);
  for (int i = 0; i < 8; ++i) {
    bool found = false;
    for (const v1::AccountConfig& account : loaded->config.accounts()) {
      found = found || account.name() == absl::StrCat("thread-", i);
    }
    EXPECT_TRUE(found) << i;
  }
  EXPECT_THAT(dir.Files(), ::testing::ElementsAre("maxpool.json"));
}

TEST(ConfigStore, CreateRefusesAPathWithoutAFileName) {
  EXPECT_THAT(ConfigStore::Create("/tmp/dir/"), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A failing write removes its temp file and leaves the target as it was (spec §12.1).
TEST(WriteFileAtomically, FailedRenameLeavesNoTempFileAndTargetUntouched) {
  TempDir dir;
  const fs::path target = dir.path() / "target";
  fs::create_directories(target / "child");  // rename over a non-empty directory fails
  EXPECT_THAT(WriteFileAtomically(target, "{}\n"), Not(IsOk()));
  EXPECT_THAT(dir.Files(), ::testing::ElementsAre("target"));
  EXPECT_TRUE(fs::is_directory(target / "child"));
}

TEST(WriteFileAtomically, ReplacesContentsWholly) {
  TempDir dir;
  const fs::path path = dir.Write("f", "a much longer original content");
  ASSERT_THAT(WriteFileAtomically(path, "short"), IsOk());
  EXPECT_EQ(ReadFile(path), "short");
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST(ReadFileToString, MissingFileIsNotFound) {
  EXPECT_THAT(ReadFileToString("/nonexistent/x.json"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/x.json")));
}

}  // namespace
}  // namespace maxpool::config
