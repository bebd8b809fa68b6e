#include "app/accounts_command.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string_view>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "app/cli.h"
#include "app/local_config.h"
#include "app/option_help.h"
#include "config/config_sources.h"
#include "control/account_view.h"
#include "core/account.h"
#include "core/one_line.h"
#include "core/settings.h"
#include "credentials/redact.h"

namespace maxpool::app {
namespace {

std::string Number(double value) { return absl::StrFormat("%g", value); }

std::string CredentialKindName(v1::CredentialKind kind) {
  switch (kind) {
    case v1::CREDENTIAL_KIND_OAUTH_TOKENS:
      return "oauth tokens";
    case v1::CREDENTIAL_KIND_API_KEY:
      return "api key";
    case v1::CREDENTIAL_KIND_PROVIDER_KEY:
      return "provider key";
    default:
      return "credential";
  }
}

std::string ProviderName(v1::Provider provider) {
  switch (provider) {
    case v1::PROVIDER_ANTHROPIC:
      return "anthropic";
    case v1::PROVIDER_ZAI:
      return "zai";
    case v1::PROVIDER_KIMI:
      return "kimi";
    default:
      return "unknown";
  }
}

std::string WindowName(v1::QuotaWindowKind kind) {
  switch (kind) {
    case v1::QUOTA_WINDOW_KIND_FIVE_HOUR:
      return "5h";
    case v1::QUOTA_WINDOW_KIND_SEVEN_DAY:
      return "7d";
    case v1::QUOTA_WINDOW_KIND_TOKENS:
      return "tokens/min";
    case v1::QUOTA_WINDOW_KIND_REQUESTS:
      return "requests/min";
    case v1::QUOTA_WINDOW_KIND_PROVIDER_SESSION:
      return "session";
    case v1::QUOTA_WINDOW_KIND_PROVIDER_WEEK:
      return "week";
    default:
      return "window";
  }
}

std::string TierName(v1::WeeklyTier tier) {
  switch (tier) {
    case v1::WEEKLY_TIER_NORMAL:
      return "normal";
    case v1::WEEKLY_TIER_SOFT:
      return "soft";
    case v1::WEEKLY_TIER_RESERVE:
      return "reserve";
    case v1::WEEKLY_TIER_CRITICAL:
      return "critical";
    case v1::WEEKLY_TIER_EXHAUSTED:
      return "exhausted";
    default:
      return "";
  }
}

// "900ms" below a second, else "1.2s", else the compact form.
std::string ShortDuration(absl::Duration duration) {
  if (duration < absl::Seconds(1)) {
    return absl::StrCat(absl::ToInt64Milliseconds(duration), "ms");
  }
  if (duration < absl::Minutes(1)) {
    return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(duration));
  }
  return control_client::CompactDuration(duration);
}

std::string CredentialText(const v1::CredentialInfo& credential, absl::Time now) {
  std::vector<std::string> parts = {CredentialKindName(credential.kind())};
  if (!credential.fingerprint().empty()) parts[0] += " " + credential.fingerprint();
  if (credential.has_expire_time()) {
    const absl::Time expiry = control_client::ToTime(credential.expire_time());
    parts.push_back(
        expiry > now
            ? absl::StrCat("expires in ", control_client::CompactDuration(expiry - now))
            : absl::StrCat("expired ", control_client::CompactDuration(now - expiry), " ago"));
  }
  if (credential.refresh_dead()) {
    parts.push_back("refresh token refused: log in again");
  } else if (credential.refreshable()) {
    parts.push_back("refreshable");
  }
  return absl::StrJoin(parts, ", ");
}

std::string QuotaText(const v1::AccountSnapshot& snapshot, absl::Time now) {
  std::vector<std::string> parts;
  for (const v1::QuotaWindow& window : snapshot.quota()) {
    std::string part =
        absl::StrCat(WindowName(window.kind()), " ", control_client::Percent(window.utilization()));
    if (window.has_limit()) absl::StrAppend(&part, " of ", window.limit());
    if (window.has_reset_time()) {
      absl::StrAppend(
          &part, " (",
          control_client::ResetCountdown(control_client::ToTime(window.reset_time()), now), ")");
    }
    parts.push_back(std::move(part));
  }
  std::string text = parts.empty() ? "none reported yet" : absl::StrJoin(parts, "; ");
  if (const std::string tier = TierName(snapshot.weekly_tier()); !tier.empty()) {
    absl::StrAppend(&text, "; weekly tier ", tier);
  }
  return text;
}

std::string LoadText(const std::string& label, const v1::LoadWindow& load) {
  std::string text =
      absl::StrCat(label, " ", load.requests(), load.requests() == 1 ? " request" : " requests");
  std::vector<std::string> details;
  if (load.failed() > 0) details.push_back(absl::StrCat(load.failed(), " failed"));
  if (load.has_average_duration()) {
    details.push_back(
        absl::StrCat("avg ", ShortDuration(control_client::ToDuration(load.average_duration()))));
  }
  if (!details.empty()) absl::StrAppend(&text, " (", absl::StrJoin(details, ", "), ")");
  return text;
}

std::string LastErrorText(const v1::AccountSnapshot& snapshot, absl::Time now) {
  std::string text = snapshot.last_error();
  if (snapshot.has_last_error_time()) {
    const absl::Time at = control_client::ToTime(snapshot.last_error_time());
    absl::StrAppend(&text,
                    at < now ? absl::StrCat(", ", control_client::CompactDuration(now - at), " ago")
                             : std::string(", just now"));
  }
  if (snapshot.last_status() != 0) absl::StrAppend(&text, " (HTTP ", snapshot.last_status(), ")");
  return text;
}

std::string Details(const v1::Account& account, const v1::AccountSnapshot* snapshot,
                    absl::Time now) {
  std::vector<std::vector<std::string>> lines;
  if (!account.display_name().empty()) lines.push_back({"display name:", account.display_name()});
  if (account.type() == v1::ACCOUNT_TYPE_PROVIDER) {
    lines.push_back({"provider:", ProviderName(account.provider())});
  }
  lines.push_back({"email:", account.email().empty() ? "-" : account.email()});
  lines.push_back({"organization:", account.organization().empty() ? "-" : account.organization()});
  if (!account.upstream().empty()) lines.push_back({"upstream:", account.upstream()});
  lines.push_back({"credential:", CredentialText(account.credential(), now)});
  if (snapshot == nullptr) {
    lines.push_back({"quota:", "-"});
    lines.push_back({"load:", "-"});
  } else {
    lines.push_back({"quota:", QuotaText(*snapshot, now)});
    lines.push_back({"load:", absl::StrCat(LoadText("15m", snapshot->load_15m()), "; ",
                                           LoadText("1h", snapshot->load_1h()))});
    if (!snapshot->last_error().empty()) {
      lines.push_back({"last error:", LastErrorText(*snapshot, now)});
    }
  }
  std::string out = absl::StrCat(control_client::AccountId(account.name()), "\n");
  for (std::vector<std::string>& line : lines) line.insert(line.begin(), "");
  absl::StrAppend(&out, control_client::FormatTable(lines));
  return out;
}

}  // namespace

std::string AccountsUsageText() {
  return absl::StrCat(
      R"(usage: maxpool accounts [-v | -o FMT] [--server HOST:PORT] [--token T] [--tls] [--ca FILE]

Lists the running server's accounts in pool order: name, type, state, whether routing may use
it, priority (lower is preferred), usage cap (the 5-hour utilization above which it is spared)
and the fingerprint of its credential (never the secret). When no server answers at the address
of the config file (and no --server is given), lists the config file's accounts instead, without
their state, and says so on stderr; it still exits 0.
)",
      OptionsHelp("accounts"));
}

std::string FormatAccounts(const std::vector<v1::Account>& accounts,
                           const v1::PoolSnapshot* snapshot, absl::Time now) {
  if (accounts.empty()) return "no accounts\n";
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "TYPE", "STATE", "ENABLED", "PRIORITY", "CAP", "CREDENTIAL"}};
  for (const v1::Account& account : accounts) {
    rows.push_back(
        {control_client::AccountId(account.name()), control_client::TypeName(account.type()),
         // Accounts read from the config file, without a server, have no state.
         account.state() == v1::ACCOUNT_STATE_UNSPECIFIED
             ? "-"
             : control_client::StateName(account.state()),
         account.enabled() ? "yes" : "no", Number(account.priority()),
         account.has_usage_cap() ? control_client::Percent(account.usage_cap()) : "-",
         account.credential().fingerprint().empty() ? "-" : account.credential().fingerprint()});
  }
  std::string out = control_client::FormatTable(rows);
  if (snapshot == nullptr) return out;
  std::map<std::string, const v1::AccountSnapshot*> by_name;
  for (const v1::AccountSnapshot& entry : snapshot->accounts()) by_name[entry.account()] = &entry;
  for (const v1::Account& account : accounts) {
    const auto it = by_name.find(account.name());
    absl::StrAppend(&out, "\n", Details(account, it == by_name.end() ? nullptr : it->second, now));
  }
  return out;
}

std::vector<v1::Account> AccountsFromConfig(const v1::Config& config) {
  std::vector<v1::Account> accounts;
  core::SchedulerSettings settings;  // unused: no account here is live
  const absl::Time now = absl::Now();
  for (const v1::AccountConfig& entry : config.accounts()) {
    control::AccountParts parts;
    parts.entry = &entry;
    v1::Account account = control::MakeAccountView(entry.name(), parts, settings, now);
    // The profiles the pool gives an entry that names none (config/core_settings.cc).
    if (account.profiles().empty()) {
      const std::vector<std::string> profiles = account.type() == v1::ACCOUNT_TYPE_PROVIDER
                                                    ? std::vector<std::string>{"all"}
                                                    : core::AccountSettings().profiles;
      for (const std::string& profile : profiles) account.add_profiles(profile);
    }
    accounts.push_back(std::move(account));
  }
  for (const v1::ProviderAccount& provider : config.providers()) {
    v1::Account account;
    account.set_name(control_client::AccountResourceName(provider.name()));
    account.set_type(v1::ACCOUNT_TYPE_PROVIDER);
    account.set_provider(provider.provider() == "zai"    ? v1::PROVIDER_ZAI
                         : provider.provider() == "kimi" ? v1::PROVIDER_KIMI
                                                         : v1::PROVIDER_UNSPECIFIED);
    account.set_enabled(!provider.has_enabled() || provider.enabled());
    account.set_priority(provider.has_priority() ? provider.priority() : 10);
    account.add_profiles("all");
    account.set_upstream(provider.upstream());
    v1::CredentialInfo* credential = account.mutable_credential();
    credential->set_kind(v1::CREDENTIAL_KIND_PROVIDER_KEY);
    if (!provider.api_key().empty()) {
      credential->set_fingerprint(credentials::Fingerprint(provider.api_key()));
    }
    accounts.push_back(std::move(account));
  }
  return accounts;
}

void EraseLiveFields(boost::json::object& account) {
  for (std::string_view key : {"state", "stateReason", "stateUntil", "inFlight"}) {
    account.stable_erase(key);  // erase() would move the last member into the gap
  }
  if (boost::json::value* credential = account.if_contains("credential");
      credential != nullptr && credential->is_object()) {
    credential->get_object().stable_erase("refreshDead");
  }
}

namespace {

// Where the accounts come from: the config file's have none of what only a server knows.
enum class Source { kServer, kConfigFile };

// Prints `accounts` as `format`.
int PrintAccounts(std::vector<v1::Account> accounts, int total_size,
                  const v1::PoolSnapshot* snapshot, absl::Time now, OutputFormat format,
                  Source source, std::ostream& out, std::ostream& err) {
  if (format == OutputFormat::kText) {
    out << FormatAccounts(accounts, snapshot, now);
    return kExitOk;
  }
  v1::ListAccountsResponse response;
  for (v1::Account& account : accounts) *response.add_accounts() = std::move(account);
  response.set_total_size(total_size);
  absl::StatusOr<boost::json::value> document = MessageToJsonValue(response);
  if (!document.ok()) {
    err << "maxpool: " << document.status().message() << "\n";
    return kExitFailure;
  }
  if (source == Source::kConfigFile) {
    for (boost::json::value& account : document->at("accounts").as_array()) {
      EraseLiveFields(account.as_object());
    }
  }
  out << WriteDocument(*document, format);
  return kExitOk;
}

// The accounts of the config file (every layer, as the server reads them), when no server
// answers at `target`.
int ListOffline(const AccountsArgs& args, const control_client::ControlTarget& target,
                const config::EnvLookup& env, std::ostream& out, std::ostream& err) {
  const std::filesystem::path& path = args.control.config_path;
  absl::StatusOr<config::ConfigSources> sources = config::ResolveConfigSources(path, env);
  absl::StatusOr<config::LoadedConfig> loaded =
      sources.ok() ? config::LoadLayered(*sources)
                   : absl::StatusOr<config::LoadedConfig>(sources.status());
  if (!loaded.ok()) {
    err << "maxpool: " << control_client::ControlClient::UnreachableLine(target)
        << ", and the config file cannot be read either: " << core::OneLine(loaded.status())
        << "\n";
    return kExitFailure;
  }
  std::error_code ec;
  const bool file_exists = std::filesystem::exists(path, ec);
  err << "maxpool: live state unavailable: "
      << control_client::ControlClient::UnreachableLine(target) << "; "
      << (file_exists ? "these are the accounts of " : "there is no config file at ")
      << core::OneLine(path.string()) << "\n";
  std::vector<v1::Account> accounts = AccountsFromConfig(loaded->config);
  const v1::PoolSnapshot no_live_state;
  const int total = static_cast<int>(accounts.size());
  return PrintAccounts(std::move(accounts), total, args.verbose ? &no_live_state : nullptr,
                       absl::Now(), args.format, Source::kConfigFile, out, err);
}

}  // namespace

int RunAccounts(const AccountsArgs& args, const config::EnvLookup& env, std::ostream& out,
                std::ostream& err) {
  absl::StatusOr<control_client::ControlTarget> target =
      control_client::ResolveControlTarget(args.control, env);
  if (!target.ok()) {
    err << "maxpool: " << target.status().message() << "\n";
    return kExitFailure;
  }
  // Only the server of this config file stands for it: with --server, an unreachable server is
  // an error, not a reason to show another machine's accounts.
  const bool offline_ok = !args.control.server.has_value();
  absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client =
      control_client::ControlClient::Connect(*target);
  if (!client.ok()) {
    if (offline_ok && absl::IsUnavailable(client.status())) {
      return ListOffline(args, *target, env, out, err);
    }
    err << "maxpool: " << client.status().message() << "\n";
    return kExitFailure;
  }
  std::vector<v1::Account> accounts;
  int total_size = 0;
  v1::ListAccountsRequest request;
  request.set_page_size(1000);
  // A server that kept answering with a next page would otherwise keep us here for ever.
  constexpr int kMaxPages = 1000;
  for (int page = 0; page < kMaxPages; ++page) {
    v1::ListAccountsResponse response;
    const grpc::Status rpc =
        (*client)->accounts().ListAccounts((*client)->NewContext().get(), request, &response);
    if (!rpc.ok()) {
      if (offline_ok && page == 0 && rpc.error_code() == grpc::StatusCode::UNAVAILABLE) {
        return ListOffline(args, *target, env, out, err);
      }
      err << "maxpool: " << (*client)->ErrorLine(rpc) << "\n";
      return kExitFailure;
    }
    for (v1::Account& account : *response.mutable_accounts()) {
      accounts.push_back(std::move(account));
    }
    total_size = response.total_size();
    if (response.next_page_token().empty() || response.next_page_token() == request.page_token()) {
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  v1::PoolSnapshot snapshot;
  absl::Time now = absl::Now();
  if (args.verbose && args.format == OutputFormat::kText) {
    const grpc::Status rpc = (*client)->telemetry().GetPoolSnapshot(
        (*client)->NewContext().get(), v1::GetPoolSnapshotRequest(), &snapshot);
    if (!rpc.ok()) {
      err << "maxpool: " << (*client)->ErrorLine(rpc) << "\n";
      return kExitFailure;
    }
    if (snapshot.has_time()) now = control_client::ToTime(snapshot.time());
  }
  return PrintAccounts(std::move(accounts), total_size, args.verbose ? &snapshot : nullptr, now,
                       args.format, Source::kServer, out, err);
}

}  // namespace maxpool::app
