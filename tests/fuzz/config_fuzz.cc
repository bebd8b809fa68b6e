// Fuzz target: a config file as the server loads it: the JSON codec into the config message,
// then validation (config::ParseConfig). It must answer every input with a config or a one-line
// error, and a config it accepts must load again from its own encoding.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "config/config_loader.h"
#include "config/config_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<maxpool::config::LoadedConfig> loaded =
      maxpool::config::ParseConfig(text, "fuzz.json");
  if (!loaded.ok()) {
    if (loaded.status().message().find('\n') != std::string_view::npos) __builtin_trap();
    return 0;
  }
  const std::string again = maxpool::config::SerializeConfig(loaded->config, loaded->raw);
  absl::StatusOr<maxpool::config::LoadedConfig> reloaded =
      maxpool::config::ParseConfig(again, "fuzz.json");
  if (!reloaded.ok()) __builtin_trap();
  return 0;
}
