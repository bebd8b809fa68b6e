#include "server/readiness.h"

#include <vector>

#include "gtest/gtest.h"

namespace maxpool::server {
namespace {

core::Account Account(bool enabled, bool refresh_dead, core::AccountStatus status) {
  core::Account account;
  account.settings.name = "a";
  account.settings.enabled = enabled;
  account.state.refresh_dead = refresh_dead;
  account.state.status = status;
  return account;
}

TEST(ReadinessTest, NoAccountIsNotReadyAndSaysHowToAddOne) {
  const std::optional<std::string> reason = NotReadyReason({});
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason, "no account is configured; add one with `maxpool login` or the control plane");
}

TEST(ReadinessTest, OnlyDisabledOrLoggedOutAccountsAreNotReady) {
  EXPECT_EQ(NotReadyReason({Account(false, false, core::AccountStatus::kActive)}),
            "every account is disabled");
  EXPECT_EQ(NotReadyReason({Account(true, true, core::AccountStatus::kError),
                            Account(false, false, core::AccountStatus::kActive)}),
            "every enabled account needs a new login (`maxpool login`)");
}

// Quota is not configuration: a pool at its limits comes back by itself, and a sidecar that
// turned unready would take its whole pod out of service.
TEST(ReadinessTest, AccountsAtTheirLimitStillCountAsReady) {
  EXPECT_EQ(NotReadyReason({Account(true, false, core::AccountStatus::kExhausted),
                            Account(true, false, core::AccountStatus::kThrottled)}),
            std::nullopt);
  EXPECT_EQ(NotReadyReason({Account(false, false, core::AccountStatus::kActive),
                            Account(true, false, core::AccountStatus::kError)}),
            std::nullopt);
}

}  // namespace
}  // namespace maxpool::server
