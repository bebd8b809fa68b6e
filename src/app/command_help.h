#pragma once

// The help of every `maxpool` command: the texts of the commands whose own files do not carry
// one (server, demo, config, help), and the lookup from a topic to its text that `maxpool
// help TOPIC` and `maxpool TOPIC --help` use (through the command table, command_table.h).
// Stateless.

#include <optional>
#include <string>
#include <string_view>

namespace maxpool::app {

// Help texts (each ends with a newline).
std::string ServerUsageText();
std::string DemoUsageText();
std::string ConfigUsageText();
std::string HelpUsageText();

// The help of `topic` ("server", "env", "config", ...); nullopt for a word that is no command.
std::optional<std::string> HelpFor(std::string_view topic);

}  // namespace maxpool::app
