#include "app/man_page.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/command_table.h"
#include "app/version.h"

namespace maxpool::app {
namespace {

// One line of text for roff: backslashes and minus signs escaped (so that options copy as
// ASCII hyphens), and a leading '.' or '\'' kept from reading as a request.
std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

size_t Indent(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

// A line of prose: at the margin, with no column gap of three spaces or more in it.
bool IsProse(std::string_view line) {
  return Indent(line) == 0 && line.find("   ") == std::string_view::npos;
}

struct Item {
  std::string term;
  std::vector<std::string> description;
  size_t indent = 0;
  size_t column = 0;  // where the description starts; 0 while there is none
};

// Parses `lines` as a list of "TERM  description" entries with indented continuation lines.
// False when some line fits no entry, or some entry has no description.
bool ParseList(const std::vector<std::string_view>& lines, std::vector<Item>& items) {
  for (std::string_view line : lines) {
    const size_t indent = Indent(line);
    const std::string_view rest = line.substr(indent);
    if (!items.empty()) {
      Item& last = items.back();
      const bool continues = last.column > 0 ? indent >= last.column : indent > last.indent;
      if (continues) {
        if (last.column == 0) last.column = indent;
        last.description.emplace_back(rest);
        continue;
      }
    }
    // At the margin a term needs a gap of three spaces, so that prose with a double space
    // ("as  x") is no list; indented, two.
    const size_t gap = rest.find(indent == 0 ? "   " : "  ");
    Item item;
    item.indent = indent;
    if (gap != std::string_view::npos) {
      item.term = std::string(rest.substr(0, gap));
      const size_t start = rest.find_first_not_of(' ', gap);
      item.column = indent + start;
      item.description.emplace_back(rest.substr(start));
    } else if (indent > 0) {
      item.term = std::string(rest);
    } else {
      return false;
    }
    items.push_back(std::move(item));
  }
  if (items.empty()) return false;
  for (const Item& item : items) {
    if (item.description.empty()) return false;
  }
  return true;
}

std::string NoFill(const std::vector<std::string_view>& lines, size_t strip) {
  std::string out = ".nf\n";
  for (std::string_view line : lines) {
    absl::StrAppend(&out, Escape(line.substr(std::min(strip, Indent(line)))), "\n");
  }
  absl::StrAppend(&out, ".fi\n");
  return out;
}

// A run of lines that are not prose: a list, or else a no-fill block.
std::string Run(const std::vector<std::string_view>& lines) {
  std::vector<Item> items;
  if (!ParseList(lines, items)) return absl::StrCat(".PP\n", NoFill(lines, 0));
  std::string out;
  for (const Item& item : items) {
    absl::StrAppend(&out, ".TP\n\\fB", Escape(item.term), "\\fR\n");
    for (const std::string& line : item.description) absl::StrAppend(&out, Escape(line), "\n");
  }
  return out;
}

std::string Block(const std::vector<std::string_view>& lines) {
  if (lines[0].substr(0, 7) == "usage: ") {
    std::vector<std::string_view> synopsis = lines;
    synopsis[0] = synopsis[0].substr(7);
    return NoFill(synopsis, 7);
  }
  // Runs of prose lines and of other lines, in order.
  std::string out;
  size_t i = 0;
  while (i < lines.size()) {
    const bool prose = IsProse(lines[i]);
    std::vector<std::string_view> run;
    while (i < lines.size() && IsProse(lines[i]) == prose) run.push_back(lines[i++]);
    if (prose) {
      absl::StrAppend(&out, ".PP\n");
      for (std::string_view line : run) absl::StrAppend(&out, Escape(line), "\n");
    } else {
      absl::StrAppend(&out, Run(run));
    }
  }
  return out;
}

std::string Bold(std::string_view text) { return absl::StrCat("\\fB", Escape(text), "\\fR"); }

std::string OptionTag(const OptionSpec& option) {
  std::string tag = Bold(option.name);
  if (!option.short_name.empty()) tag = absl::StrCat(Bold(option.short_name), ", ", tag);
  if (!option.value.empty()) absl::StrAppend(&tag, " \\fI", Escape(option.value), "\\fR");
  return tag;
}

}  // namespace

std::string HelpToRoff(std::string_view help) {
  std::string out;
  std::vector<std::string_view> block;
  while (!help.empty()) {
    const size_t newline = help.find('\n');
    std::string_view line = help.substr(0, newline);
    help.remove_prefix(newline == std::string_view::npos ? help.size() : newline + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) {
      if (!block.empty()) absl::StrAppend(&out, Block(block));
      block.clear();
    } else {
      block.push_back(line);
    }
  }
  if (!block.empty()) absl::StrAppend(&out, Block(block));
  return out;
}

std::string ManPage() {
  std::string out = absl::StrCat(
      ".\\\" The manual page of maxpool, generated by `maxpool help --man` from the help of its\n"
      ".\\\" commands; edit the help texts in src/app, not this file.\n"
      ".TH MAXPOOL 1 \"\" \"maxpool ",
      Escape(GetBuildInfo().version), "\" \"User Commands\"\n",
      R"(.\" Options and paths must not be hyphenated or stretched.
.nh
.ad l
.SH NAME
maxpool \- pool Claude accounts behind one Anthropic\-compatible endpoint
.SH SYNOPSIS
.B maxpool
[\fIcommand\fR] [\fIoptions\fR]
.br
.B maxpool help
[\fIcommand\fR]
.SH DESCRIPTION
maxpool is a proxy that pools several Claude accounts (subscription logins and API keys) behind
one local Anthropic\-compatible endpoint. Claude Code and other Anthropic clients point
ANTHROPIC_BASE_URL at it; it forwards each request with the credentials of the account best
placed to serve it, fails over, holds requests while every account is out, refreshes OAuth
tokens and drains gracefully. A gRPC control plane (maxpool.v1) lets programs and the commands
below manage a running server.
.PP
Without a command, \fBmaxpool\fR runs \fBmaxpool server\fR.
Every command takes \fB\-\-config\fR \fIPATH\fR and \fB\-\-help\fR.
.SH COMMANDS
)");
  for (const CommandSpec& command : Commands()) {
    absl::StrAppend(&out, ".SS \"maxpool ", Escape(command.name), "\"\n",
                    HelpToRoff(command.help()));
  }
  absl::StrAppend(&out, ".SH OPTIONS\n");
  for (const OptionSpec& option : GlobalOptions()) {
    absl::StrAppend(&out, ".TP\n", OptionTag(option), "\n", Escape(option.summary), "\n");
  }
  absl::StrAppend(&out, R"(.PP
The options of each command are in its section above.
.SH "EXIT STATUS"
.TP
.B 0
done
.TP
.B 1
the command failed (a file that cannot be loaded or saved, an unknown account, a server that
cannot be reached, a non\-2xx answer to \fBapi\fR, ...)
.TP
.B 2
a bad command line (unknown command or option, a missing or malformed argument), or
\fBconfig check\fR found the config file invalid
.PP
\fBmaxpool run\fR exits with Claude Code's exit code. Every error is one line on standard error
that starts with "maxpool: ".
.SH ENVIRONMENT
.TP
.B MAXPOOL_CONFIG
the config file (then TEAMCLAUDE_CONFIG, then $XDG_CONFIG_HOME/maxpool.json or
~/.config/maxpool.json)
.TP
.B MAXPOOL_CONTROL_TOKEN
the control plane's token for the commands that talk to a running server, when neither
\fB\-\-token\fR nor control.token gives one
.TP
.B MAXPOOL_CLAUDE_BIN
the program \fBmaxpool run\fR starts instead of claude
.PP
The server's own variables (MAXPOOL_PROXY_PORT, MAXPOOL_STATE_DIR, ...) are in configuration.md.
.SH FILES
.TP
.I ~/.config/maxpool.json
the config file: the accounts and every setting (written with mode 0600)
.SH "SEE ALSO"
.BR claude (1),
.BR grpcurl (1);
the documentation in /usr/share/doc/maxpool: README.md, docs/cli.md, docs/configuration.md,
docs/control\-plane.md.
)");
  return out;
}

}  // namespace maxpool::app
