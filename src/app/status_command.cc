#include "app/status_command.h"

#include <initializer_list>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "app/cli.h"
#include "app/local_config.h"
#include "app/option_help.h"
#include "core/one_line.h"

namespace maxpool::app {
namespace {

std::string ListenerText(const v1::Listener& listener) {
  std::string kind;
  switch (listener.kind()) {
    case v1::LISTENER_KIND_DATA_PLANE:
      kind = "data plane";
      break;
    case v1::LISTENER_KIND_CONTROL_PLANE:
      kind = "control plane";
      break;
    case v1::LISTENER_KIND_ADMIN:
      kind = "admin";
      break;
    default:
      kind = "listener";
      break;
  }
  return absl::StrCat(kind, " ", listener.address(), listener.tls() ? " (TLS)" : "");
}

// "42% (resets in 2h13m)" for the first window of `kinds`; "-" when there is none.
std::string WindowCell(const v1::AccountSnapshot& account,
                       std::initializer_list<v1::QuotaWindowKind> kinds, absl::Time now) {
  for (v1::QuotaWindowKind kind : kinds) {
    for (const v1::QuotaWindow& window : account.quota()) {
      if (window.kind() != kind) continue;
      std::string cell = control_client::Percent(window.utilization());
      if (window.has_reset_time()) {
        absl::StrAppend(
            &cell, " (",
            control_client::ResetCountdown(control_client::ToTime(window.reset_time()), now), ")");
      }
      return cell;
    }
  }
  return "-";
}

std::string StateCell(const v1::AccountSnapshot& account, absl::Time now) {
  std::string cell = control_client::StateName(account.state());
  if (account.has_state_until()) {
    const absl::Time until = control_client::ToTime(account.state_until());
    if (until > now) absl::StrAppend(&cell, " for ", control_client::CompactDuration(until - now));
  }
  return cell;
}

}  // namespace

std::string StatusUsageText() {
  return absl::StrCat(
      R"(usage: maxpool status [-o FMT] [--server HOST:PORT] [--token T] [--tls] [--ca FILE]

Shows the running server: its version, uptime, config file, listeners, whether it is draining,
the requests in flight and held, the routing mode, and one line per account with its state, the
utilization of its 5-hour and 7-day windows (with the time to their reset) and its requests in
flight. Exits 1 when the server cannot be reached or refuses the call.
)",
      OptionsHelp("status"));
}

// What an operator must do about an account, one line each: log in again, or fix what keeps its
// rotated tokens from being saved.
std::vector<std::string> AccountNotes(const v1::PoolSnapshot& snapshot) {
  std::vector<std::string> notes;
  for (const v1::AccountSnapshot& account : snapshot.accounts()) {
    const std::string name = control_client::AccountId(account.account());
    if (account.state() == v1::ACCOUNT_STATE_NEEDS_LOGIN) {
      notes.push_back(absl::StrCat(
          name, ": needs a new login: maxpool login --name ", name,
          account.type() == v1::ACCOUNT_TYPE_OAUTH ? "" : " --api (or replace its key)"));
    }
    if (!account.credentials_unsaved().empty()) {
      notes.push_back(absl::StrCat(name,
                                   ": tokens not saved (in use, but a restart would lose them; "
                                   "retrying): ",
                                   core::OneLine(account.credentials_unsaved())));
    }
  }
  return notes;
}

std::string FormatAccountTable(const v1::PoolSnapshot& snapshot, absl::Time now) {
  if (snapshot.accounts().empty()) return "";
  std::vector<std::vector<std::string>> rows = {{"NAME", "STATE", "5H", "7D", "IN FLIGHT"}};
  for (const v1::AccountSnapshot& account : snapshot.accounts()) {
    rows.push_back(
        {control_client::AccountId(account.account()), StateCell(account, now),
         WindowCell(account,
                    {v1::QUOTA_WINDOW_KIND_FIVE_HOUR, v1::QUOTA_WINDOW_KIND_PROVIDER_SESSION}, now),
         WindowCell(account, {v1::QUOTA_WINDOW_KIND_SEVEN_DAY, v1::QUOTA_WINDOW_KIND_PROVIDER_WEEK},
                    now),
         absl::StrCat(account.in_flight())});
  }
  return control_client::FormatTable(rows);
}

std::string FormatStatus(const v1::GetStatusResponse& status, const v1::PoolSnapshot& snapshot,
                         absl::Time now) {
  std::vector<std::vector<std::string>> lines;
  lines.push_back({"version:", status.version().empty() ? "unknown" : status.version()});
  lines.push_back(
      {"uptime:", control_client::CompactDuration(control_client::ToDuration(status.uptime()))});
  if (!status.config_path().empty()) lines.push_back({"config:", status.config_path()});
  std::vector<std::string> listeners;
  for (const v1::Listener& listener : status.listeners()) {
    listeners.push_back(ListenerText(listener));
  }
  lines.push_back({"listeners:", listeners.empty() ? "none" : absl::StrJoin(listeners, ", ")});
  std::string draining = "no";
  if (status.draining()) {
    draining = "yes";
    if (status.has_drain_deadline()) {
      const absl::Time deadline = control_client::ToTime(status.drain_deadline());
      draining = deadline > now ? absl::StrCat("yes, deadline in ",
                                               control_client::CompactDuration(deadline - now))
                                : "yes, deadline passed";
    }
  }
  lines.push_back({"draining:", draining});
  lines.push_back({"in flight:", absl::StrCat(status.in_flight())});
  lines.push_back({"held:", absl::StrCat(status.held())});
  lines.push_back(
      {"routing:",
       snapshot.preferred_account().empty()
           ? "automatic"
           : absl::StrCat("preferred ", control_client::AccountId(snapshot.preferred_account()))});
  lines.push_back({"accounts:", absl::StrCat(status.accounts())});
  std::string out = control_client::FormatTable(lines);
  const std::string table = FormatAccountTable(snapshot, now);
  if (!table.empty()) absl::StrAppend(&out, "\n", table);
  const std::vector<std::string> notes = AccountNotes(snapshot);
  if (!notes.empty()) absl::StrAppend(&out, "\n", absl::StrJoin(notes, "\n"), "\n");
  return out;
}

int RunStatus(const control_client::ControlOptions& options, OutputFormat format,
              const config::EnvLookup& env, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client =
      control_client::ConnectControl(options, env);
  if (!client.ok()) {
    err << "maxpool: " << client.status().message() << "\n";
    return kExitFailure;
  }
  v1::GetStatusResponse status;
  grpc::Status rpc = (*client)->lifecycle().GetStatus((*client)->NewContext().get(),
                                                      v1::GetStatusRequest(), &status);
  if (rpc.ok() && format != OutputFormat::kText) {
    absl::StatusOr<std::string> document = FormatMessage(status, format);
    if (!document.ok()) {
      err << "maxpool: " << document.status().message() << "\n";
      return kExitFailure;
    }
    out << *document;
    return kExitOk;
  }
  v1::PoolSnapshot snapshot;
  if (rpc.ok()) {
    rpc = (*client)->telemetry().GetPoolSnapshot((*client)->NewContext().get(),
                                                 v1::GetPoolSnapshotRequest(), &snapshot);
  }
  if (!rpc.ok()) {
    err << "maxpool: " << (*client)->ErrorLine(rpc) << "\n";
    return kExitFailure;
  }
  const absl::Time now =
      snapshot.has_time() ? control_client::ToTime(snapshot.time()) : absl::Now();
  out << FormatStatus(status, snapshot, now);
  return kExitOk;
}

}  // namespace maxpool::app
