#pragma once

// Command lines that parse, for the tests that walk the command table: the shortest line of a
// command, and a value each kind of option value takes.

#include <string>
#include <string_view>
#include <vector>

#include "app/command_table.h"

namespace maxpool::app {

// The shortest command line of `command` (with `subcommand`) that parses.
inline std::vector<std::string> BaseArgs(const CommandSpec& command,
                                         std::string_view subcommand = "") {
  const std::string name(command.name);
  if (name == "config") return {"config", subcommand.empty() ? "check" : std::string(subcommand)};
  if (name == "remove") return {"remove", "alpha"};
  if (name == "rename") return {"rename", "alpha", "omega"};
  if (name == "api") return {"api", "/v1/models"};
  if (name == "completion") return {"completion", "bash"};
  return {name};
}

// A value the parser takes for an option whose value is `kind`.
inline std::string SampleValue(std::string_view kind) {
  if (kind == "N") return "1";
  if (kind == "D") return "30s";
  if (kind == "HOST:PORT") return "127.0.0.1:1";
  if (kind == "FMT") return "json";
  if (kind == "M") return "GET";
  if (kind == "JSON") return "{}";
  if (kind == "NAME|N") return "1";
  return "x";
}

}  // namespace maxpool::app
