#pragma once

// Scenario files for `maxpool-fake-upstream --scenario FILE` and FakeUpstream::ApplyScenario:
//   {"accounts": [ {account spec, with optional "script":[…] and "default":{…}}, … ]}
// (the account spec is documented in fake_account.h). Pure parsing; thread-safe.

#include <filesystem>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fake/fake_account.h"

namespace maxpool::fake {

// Parses scenario JSON text; relative resets are taken from `now`. Error: InvalidArgument naming
// the account index and field.
[[nodiscard]] absl::StatusOr<std::vector<FakeAccountSpec>> ParseScenario(std::string_view json,
                                                                         absl::Time now);

// Reads and parses a scenario file. Error: NotFound / InvalidArgument naming the path.
[[nodiscard]] absl::StatusOr<std::vector<FakeAccountSpec>> LoadScenarioFile(
    const std::filesystem::path& path, absl::Time now);

}  // namespace maxpool::fake
