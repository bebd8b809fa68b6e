#pragma once

// `maxpool completion bash|zsh|fish`: prints a shell completion script generated from the
// command table (command_table.h): the commands, their subcommands and options, the words an
// option takes (-o text|json|yaml, --method GET|...), file and directory names where a path
// belongs, and account names where one belongs, which the script reads from `maxpool accounts`
// when asked (a running server's, else the config file's). Stateless.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace maxpool::app {

// The help of `maxpool completion` (ends with a newline).
std::string CompletionUsageText();

// The completion script for `shell` ("bash", "zsh" or "fish"); nullopt for any other word.
std::optional<std::string> CompletionScript(std::string_view shell);

// Prints the script of `shell` to `out`: kExitOk; an unknown shell: one line on `err`, kExitUsage.
int RunCompletion(std::string_view shell, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
