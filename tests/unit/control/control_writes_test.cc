// control::ControlWrites, the one path of the control plane's changes: the config file is written
// first, then the written config reaches the pool (by default through ServerHooks::ApplyConfig);
// a refused change or a file that cannot be written changes neither.

#include "control/control_writes.h"

#include <fstream>
#include <memory>
#include <vector>

#include "config/config_store.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace maxpool::control {
namespace {

class RecordingHooks final : public ServerHooks {
 public:
  ServerStatusView Status() override { return {}; }
  DrainStarted Drain(absl::Duration, absl::Duration) override { return {}; }
  absl::Duration DefaultDrainDeadline() override { return absl::Seconds(30); }
  absl::Status ReloadConfig() override { return absl::OkStatus(); }
  void ApplyConfig(const v1::Config& config) override { applied.push_back(config); }
  absl::StatusOr<credentials::TokenSet> RefreshNow(const std::string&) override {
    return absl::NotFoundError("no refresher");
  }

  std::vector<v1::Config> applied;
};

class ControlWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() / "maxpool.json";
    std::ofstream(path_) << "{}";
    auto store = config::ConfigStore::Create(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    writes_ = std::make_unique<ControlWrites>(*store_, hooks_);
  }

  double FileSwitchThreshold() {
    auto loaded = store_->Load();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? loaded->config.switch_threshold() : -1;
  }

  static ControlWrites::Change SetSwitchThreshold(double value) {
    ControlWrites::Change change;
    change.edit = [value](v1::Config& config) {
      config.set_switch_threshold(value);
      return grpc::Status::OK;
    };
    change.store_error = [](const absl::Status& status) {
      return grpc::Status(grpc::StatusCode::INTERNAL, std::string(status.message()));
    };
    return change;
  }

  testing::TempDir dir_;
  std::filesystem::path path_;
  std::unique_ptr<config::ConfigStore> store_;
  RecordingHooks hooks_;
  std::unique_ptr<ControlWrites> writes_;
};

TEST_F(ControlWritesTest, WritesTheFileThenAppliesTheWrittenConfig) {
  ASSERT_TRUE(writes_->Write(SetSwitchThreshold(0.5)).ok());
  EXPECT_DOUBLE_EQ(FileSwitchThreshold(), 0.5);
  ASSERT_EQ(hooks_.applied.size(), 1u);
  EXPECT_DOUBLE_EQ(hooks_.applied[0].switch_threshold(), 0.5);
}

TEST_F(ControlWritesTest, AChangeWithItsOwnApplyStepGetsTheWrittenConfig) {
  ControlWrites::Change change = SetSwitchThreshold(0.25);
  double seen = 0;
  change.apply = [&](const v1::Config& written) {
    seen = written.switch_threshold();
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "gone");
  };
  const grpc::Status status = writes_->Write(change);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << "the apply step's answer";
  EXPECT_DOUBLE_EQ(seen, 0.25);
  EXPECT_DOUBLE_EQ(FileSwitchThreshold(), 0.25) << "the file keeps the change";
  EXPECT_TRUE(hooks_.applied.empty());
}

TEST_F(ControlWritesTest, ARefusedChangeWritesAndAppliesNothing) {
  const double before = FileSwitchThreshold();
  ControlWrites::Change change = SetSwitchThreshold(0.5);
  change.edit = [](v1::Config& config) {
    config.set_switch_threshold(0.5);
    return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "taken");
  };
  const grpc::Status status = writes_->Write(change);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(status.error_message(), "taken");
  EXPECT_DOUBLE_EQ(FileSwitchThreshold(), before);
  EXPECT_NE(before, 0.5);
  EXPECT_TRUE(hooks_.applied.empty());
}

TEST_F(ControlWritesTest, AFileThatCannotBeLoadedAnswersWithTheStoreError) {
  std::ofstream(path_) << "{ not json";
  const grpc::Status status = writes_->Write(SetSwitchThreshold(0.5));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL) << status.error_message();
  EXPECT_TRUE(hooks_.applied.empty());
}

TEST_F(ControlWritesTest, APersistedChangeAppliesTheFileAsItIsThen) {
  const grpc::Status status = writes_->WritePersisted([&] {
    auto written = store_->Update(
        [](v1::Config& config) {
          config.set_switch_threshold(0.75);
          return absl::OkStatus();
        },
        std::nullopt);
    return written.ok() ? grpc::Status::OK : grpc::Status(grpc::StatusCode::INTERNAL, "");
  });
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(hooks_.applied.size(), 1u);
  EXPECT_DOUBLE_EQ(hooks_.applied[0].switch_threshold(), 0.75);
}

TEST_F(ControlWritesTest, AFailedPersistAppliesNothing) {
  const grpc::Status status = writes_->WritePersisted(
      [] { return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "taken"); });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_TRUE(hooks_.applied.empty());
}

}  // namespace
}  // namespace maxpool::control
