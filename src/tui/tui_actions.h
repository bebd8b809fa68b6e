#pragma once

// The ActionSink of `maxpool top` that acts through the maxpool.v1 control plane: each call
// connects (so it works across server restarts), makes one RPC with the control token and returns
// a one-line result or the control client's one-line error.

#include "control_client/control_client.h"
#include "tui/tui_controller.h"

namespace maxpool::tui {

class ControlActionSink final : public ActionSink {
 public:
  explicit ControlActionSink(control_client::ControlTarget target) : target_(std::move(target)) {}

  absl::StatusOr<std::string> AddApiKey(const std::string& id, const std::string& key) override;
  absl::StatusOr<std::string> ImportClaudeCode(const std::string& id) override;
  absl::StatusOr<LoginStart> StartOAuthLogin(const std::string& id) override;
  absl::StatusOr<std::string> CompleteOAuthLogin(const std::string& login_id,
                                                 const std::string& code) override;
  absl::StatusOr<std::string> SetEnabled(const std::string& id, bool enabled) override;
  absl::StatusOr<std::string> SetUsageCap(const std::string& id,
                                          std::optional<double> cap) override;
  absl::StatusOr<std::string> DeleteAccount(const std::string& id) override;
  absl::StatusOr<std::string> SetAutomatic() override;
  absl::StatusOr<std::string> SetPreferred(const std::string& id) override;
  absl::StatusOr<std::string> ReloadConfig() override;
  absl::StatusOr<std::string> Drain() override;

 private:
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> Connect() const;

  const control_client::ControlTarget target_;
};

}  // namespace maxpool::tui
