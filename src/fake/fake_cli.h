#pragma once

// Command line of `maxpool-fake-upstream`:
//   --host HOST (default 127.0.0.1)  --port PORT (default 0: ephemeral)  --threads N
//   --scenario FILE  --tls-cert FILE --tls-key FILE  --fixed  --accept-any-credential
//   --no-record
// Each value option also accepts --opt=value. Pure; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fake/fake_options.h"

namespace maxpool::fake {

struct FakeCli {
  FakeOptions options;
  std::optional<std::string> scenario_file;
  bool help = false;
};

// Parses the arguments after argv[0]. Error: InvalidArgument naming the bad option or value.
[[nodiscard]] absl::StatusOr<FakeCli> ParseFakeCli(const std::vector<std::string>& args);

std::string FakeCliUsage();

}  // namespace maxpool::fake
