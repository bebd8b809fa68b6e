#pragma once

// Scenario files for `maxpool-fake-upstream --scenario FILE` and FakeUpstream::ApplyScenario:
//   {"accounts": [ {account spec, with optional "script":[…] and "default":{…}}, … ],
//    "token_endpoint": {"script":[token fault…], "default":token fault}}   (optional)
// (the account spec is documented in fake_account.h and oauth_spec.h, token faults in
// oauth_faults.h). Pure parsing; thread-safe.

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fake/fake_account.h"
#include "fake/oauth_faults.h"

namespace maxpool::fake {

struct Scenario {
  std::vector<FakeAccountSpec> accounts;
  std::vector<TokenFault> token_script;
  std::optional<TokenFault> token_default;
};

// Parses scenario JSON text; relative resets are taken from `now`. Error: InvalidArgument naming
// the account index (or "token_endpoint") and field.
[[nodiscard]] absl::StatusOr<Scenario> ParseScenarioDocument(std::string_view json, absl::Time now);
// Reads and parses a scenario file. Error: NotFound / InvalidArgument naming the path.
[[nodiscard]] absl::StatusOr<Scenario> LoadScenarioDocument(const std::filesystem::path& path,
                                                            absl::Time now);

// The accounts only (a "token_endpoint" section is validated, then ignored).

// Parses scenario JSON text; relative resets are taken from `now`. Error: InvalidArgument naming
// the account index and field.
[[nodiscard]] absl::StatusOr<std::vector<FakeAccountSpec>> ParseScenario(std::string_view json,
                                                                         absl::Time now);

// Reads and parses a scenario file. Error: NotFound / InvalidArgument naming the path.
[[nodiscard]] absl::StatusOr<std::vector<FakeAccountSpec>> LoadScenarioFile(
    const std::filesystem::path& path, absl::Time now);

}  // namespace maxpool::fake
