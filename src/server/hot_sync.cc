#include "server/hot_sync.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "config/account_names.h"
#include "config/config_validation.h"
#include "config/core_settings.h"
#include "credentials/redact.h"
#include "server/pool_from_config.h"

namespace maxpool::server {
namespace {

// The config with every unnamed account called as the pool calls it (config::AccountSettingsOf:
// "account-<1-based index>"), so that the diff matches them by that name.
v1::Config WithDefaultNames(const v1::Config& config) {
  v1::Config out = config;
  for (int i = 0; i < out.accounts_size(); ++i) {
    v1::AccountConfig* account = out.mutable_accounts(i);
    if (!account->has_name()) account->set_name(config::UnnamedAccountName(i));
  }
  return out;
}

// `shell` (a config without accounts) with just `entry`.
v1::Config WithOnly(const v1::Config& shell, const v1::AccountConfig& entry) {
  v1::Config one = shell;
  *one.add_accounts() = entry;
  return one;
}

std::string CapText(const std::optional<double>& cap) {
  return cap ? absl::StrCat(*cap) : std::string("none");
}

bool SameCredential(const pool::Credential& a, const pool::Credential& b) {
  return a.kind == b.kind && a.secret == b.secret && a.upstream == b.upstream &&
         a.refresh_token == b.refresh_token && a.expires_at_ms == b.expires_at_ms;
}

// The loader already warns about accounts without a credential; Apply() reports them itself (it
// also runs without a loader), so that warning is not repeated.
bool IsSkippedAccountWarning(const std::string& warning) {
  return warning.rfind("accounts[", 0) == 0 && warning.find(": skipped: no ") != std::string::npos;
}

std::string Label(const v1::Config& config, int index) {
  return absl::StrCat("accounts[", index, "] (", config.accounts(index).name(), ")");
}

}  // namespace

HotSync::Record HotSync::RecordOf(const v1::AccountConfig& entry) {
  Record record;
  record.uuid = entry.account_uuid();
  record.type = entry.type();
  record.upstream = entry.upstream();
  record.api_key = entry.api_key();
  record.auth_token = entry.auth_token();
  return record;
}

HotSync::HotSync(HotSyncOptions options, pool::Pool& pool, OAuthWiring* oauth,
                 const v1::Config& running, Log log)
    : options_(std::move(options)),
      pool_(pool),
      oauth_(oauth),
      log_(std::move(log)),
      watcher_(config::ConfigWatcher::Options{.path = options_.path,
                                              .poll_interval = options_.poll_interval,
                                              .debounce = std::chrono::milliseconds(50),
                                              .use_inotify = options_.use_inotify,
                                              .use_polling = options_.use_polling,
                                              .extra_paths = options_.extra_paths,
                                              .load = options_.load,
                                              .clock = &pool.clock(),
                                              .log = log_},
               [this](absl::StatusOr<config::LoadedConfig> loaded) {
                 OnFileChange(std::move(loaded));
               }) {
  const v1::Config named = WithDefaultNames(running);
  std::set<std::string> in_pool;
  for (const core::Account& account : pool_.Snapshot()) in_pool.insert(account.settings.name);
  absl::MutexLock lock(&mu_);
  for (const std::string& warning : options_.startup_warnings) {
    reported_.insert(absl::StrCat("config: ", warning));
  }
  for (const v1::AccountConfig& entry : named.accounts()) {
    if (!config::HasCredential(entry) || in_pool.count(entry.name()) == 0) continue;
    records_[entry.name()] = RecordOf(entry);
  }
  retry_thread_ = std::thread(&HotSync::RetryLoop, this);
}

HotSync::~HotSync() { Stop(); }

absl::Status HotSync::Start() {
  if (absl::Status status = watcher_.Start(); !status.ok()) return status;
  watching_ = true;
  watcher_.ReloadNow();
  return absl::OkStatus();
}

void HotSync::Stop() {
  if (watching_) {
    watcher_.Stop();
    watching_ = false;
  }
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (retry_thread_.joinable()) retry_thread_.join();
}

void HotSync::ReloadNow() { watcher_.ReloadNow(); }

void HotSync::Apply(const v1::Config& config) {
  absl::MutexLock lock(&mu_);
  ApplyLocked(config, {});
}

std::vector<std::string> HotSync::PendingRemovals() const {
  absl::MutexLock lock(&mu_);
  return {pending_removals_.begin(), pending_removals_.end()};
}

void HotSync::OnFileChange(absl::StatusOr<config::LoadedConfig> loaded) {
  if (!loaded.ok()) {
    Emit(absl::StrCat("config: reload failed: ", loaded.status().message(),
                      "; the running accounts are unchanged"));
    return;
  }
  absl::MutexLock lock(&mu_);
  ApplyLocked(loaded->config, loaded->warnings);
}

void HotSync::ApplyLocked(const v1::Config& raw, const std::vector<std::string>& loader_warnings) {
  if (&raw != &last_config_) {
    last_config_ = raw;
    last_warnings_ = loader_warnings;
    have_last_ = true;
  }
  const v1::Config disk = WithDefaultNames(raw);
  v1::Config shell = disk;
  shell.clear_accounts();

  std::vector<std::string> notes;  // warnings, logged when they first appear
  for (const std::string& warning : loader_warnings) {
    if (!IsSkippedAccountWarning(warning)) notes.push_back(absl::StrCat("config: ", warning));
  }

  std::vector<core::Account> snapshot;
  const std::vector<config::RunningAccount> running = RunningAccounts(snapshot);
  const config::AccountSyncPlan plan = config::PlanAccountSync(running, disk);

  for (const config::DuplicateDiskAccount& d : plan.duplicates) {
    notes.push_back(absl::StrCat("config: ", Label(disk, d.dropped_index),
                                 " is the same account as ", Label(disk, d.kept_index), " (same ",
                                 d.same_uuid ? "accountUuid" : "name",
                                 "); the later entry is used, this one is ignored"));
  }
  for (int index : plan.skipped_without_credential) {
    notes.push_back(
        absl::StrCat("config: ", Label(disk, index),
                     " has no credential for its type: not added, and a running account of that "
                     "name keeps the credential it has"));
  }

  // Removals first: no new request routes to a deleted account from now on.
  std::vector<bool> removed(running.size(), false);
  for (size_t r : plan.removed) {
    removed[r] = true;
    StartRemoval(running[r].name);
  }
  for (size_t r = 0; r < running.size(); ++r) {
    if (!removed[r] && pending_removals_.erase(running[r].name) > 0) {
      Emit(absl::StrCat("account ", running[r].name,
                        ": back in the config file; it stays in the pool"));
    }
  }

  // Changes to the accounts that stay. The plan lists those whose enabled flag, priority, cap,
  // upstream, name, UUID or credentials changed; the others are still checked for the fields it
  // does not compare (profiles, provider, authHeader, the global upstream).
  std::vector<const config::AccountUpdate*> update_of(running.size(), nullptr);
  for (const config::AccountUpdate& update : plan.updated) {
    update_of[update.running_index] = &update;
  }
  std::vector<bool> dropped(static_cast<size_t>(disk.accounts_size()), false);
  for (const config::DuplicateDiskAccount& d : plan.duplicates) {
    dropped[static_cast<size_t>(d.dropped_index)] = true;
  }
  std::vector<bool> added(static_cast<size_t>(disk.accounts_size()), false);
  for (int index : plan.added) added[static_cast<size_t>(index)] = true;
  for (size_t r = 0; r < running.size(); ++r) {
    if (removed[r]) continue;
    if (const config::AccountUpdate* update = update_of[r]; update != nullptr) {
      Reconcile(snapshot[r], update, disk.accounts(update->disk_index), shell, notes);
      continue;
    }
    // Unchanged for the diff: find its entry as the diff matched it (UUID, then name).
    int match = -1;
    for (int pass = 0; pass < 2 && match < 0; ++pass) {
      const std::string& key = pass == 0 ? running[r].uuid : running[r].name;
      if (key.empty()) continue;
      for (int i = 0; i < disk.accounts_size(); ++i) {
        const v1::AccountConfig& entry = disk.accounts(i);
        if (dropped[static_cast<size_t>(i)] || added[static_cast<size_t>(i)] ||
            entry.type() != running[r].type) {
          continue;
        }
        if ((pass == 0 ? entry.account_uuid() : entry.name()) == key) {
          match = i;
          break;
        }
      }
    }
    if (match >= 0) Reconcile(snapshot[r], nullptr, disk.accounts(match), shell, notes);
  }

  for (int index : plan.added) Add(disk.accounts(index), shell, notes);
  // After the accounts: a preferred account may just have been added or renamed.
  if (std::optional<std::string> routing = ApplyRoutingOf(disk, pool_)) {
    notes.push_back(*std::move(routing));
  }

  std::set<std::string> now_reported;
  for (std::string& note : notes) {
    if (reported_.count(note) == 0 && now_reported.count(note) == 0) Emit(note);
    now_reported.insert(std::move(note));
  }
  reported_ = std::move(now_reported);
}

std::vector<config::RunningAccount> HotSync::RunningAccounts(std::vector<core::Account>& snapshot) {
  std::vector<core::Account> all = pool_.Snapshot();
  std::map<std::string, pool::Credential> credentials;
  for (auto& [name, credential] : pool_.Credentials()) credentials[name] = std::move(credential);

  std::vector<config::RunningAccount> running;
  snapshot.clear();
  for (core::Account& account : all) {
    const std::string& name = account.settings.name;
    auto record = records_.find(name);
    if (record == records_.end()) continue;  // not from accounts[]: not ours to manage
    const Record& rec = record->second;
    const auto found = credentials.find(name);
    const pool::Credential credential =
        found == credentials.end() ? pool::Credential{} : found->second;
    const std::string& secret = credential.secret;

    config::RunningAccount r;
    r.name = name;
    r.uuid = rec.uuid;
    r.type = rec.type;
    r.enabled = account.settings.enabled;
    r.priority = account.settings.priority;
    r.cap = account.settings.cap_utilization;
    r.upstream = rec.upstream;
    if (rec.type == "oauth") {
      // The pool's tokens: the running ones, rotated by the refresher.
      r.access_token = secret;
      r.refresh_token = credential.refresh_token;
      r.expires_at_ms = credential.expires_at_ms;
    } else if (rec.type == "apikey") {
      r.api_key = secret;
    } else if (!rec.auth_token.empty()) {  // provider: the pool sends authToken, else apiKey
      r.auth_token = secret;
      r.api_key = rec.api_key;
    } else {
      r.api_key = secret;
    }
    running.push_back(std::move(r));
    snapshot.push_back(std::move(account));
  }
  return running;
}

void HotSync::Reconcile(const core::Account& before, const config::AccountUpdate* update,
                        const v1::AccountConfig& entry, const v1::Config& shell,
                        std::vector<std::string>& notes) {
  std::string name = before.settings.name;
  auto record_it = records_.find(name);
  if (record_it == records_.end()) return;

  if (update != nullptr && update->name) {
    const std::string new_name = *update->name;
    const absl::Status status = pool_.UpdateAccountSettings(
        name, [&](core::AccountSettings& settings) { settings.name = new_name; });
    if (!status.ok()) {
      notes.push_back(
          absl::StrCat("account ", name, ": not renamed to ", new_name, ": ", status.message()));
    } else {
      Emit(absl::StrCat("account ", name, ": renamed to ", new_name, " (same accountUuid)"));
      Record record = std::move(record_it->second);
      records_.erase(record_it);
      // The tokens stay with the account in the pool; its config identity follows the name.
      if (record.type == "oauth" && oauth_ != nullptr) oauth_->Rename(name, new_name);
      name = new_name;
      record_it = records_.emplace(name, std::move(record)).first;
    }
  }
  Record& record = record_it->second;
  if (update != nullptr && update->uuid) {
    record.uuid = *update->uuid;
    if (record.type == "oauth") Remember(entry, shell);
  }

  // An entry without its credential keeps the running one (the plan never adopts it), but its
  // other fields still apply: map it with a placeholder secret, never used.
  v1::AccountConfig mapped = entry;
  if (!config::HasCredential(mapped)) {
    if (mapped.type() == "oauth") mapped.set_access_token("unused");
    if (mapped.type() == "apikey" || mapped.type() == "provider") mapped.set_api_key("unused");
  }
  std::vector<PoolAccount> desired = PoolAccountsOf(WithOnly(shell, mapped));
  if (desired.empty()) return;  // an unknown type: nothing to map
  const core::AccountSettings& want = desired.front().settings;

  if (want.enabled != before.settings.enabled) {
    const absl::Status status = pool_.SetEnabled(name, want.enabled);
    if (status.ok()) {
      Emit(absl::StrCat("account ", name, want.enabled ? ": enabled" : ": disabled",
                        " (config file)"));
    }
  }
  std::vector<std::string> changes;
  if (want.priority != before.settings.priority) {
    changes.push_back(absl::StrCat("priority ", before.settings.priority, " -> ", want.priority));
  }
  if (want.cap_utilization != before.settings.cap_utilization) {
    changes.push_back(absl::StrCat("usage cap ", CapText(before.settings.cap_utilization), " -> ",
                                   CapText(want.cap_utilization)));
  }
  if (want.profiles != before.settings.profiles) {
    changes.push_back(absl::StrCat("profiles [", absl::StrJoin(before.settings.profiles, ","),
                                   "] -> [", absl::StrJoin(want.profiles, ","), "]"));
  }
  if (want.provider != before.settings.provider) changes.push_back("provider changed");
  if (!changes.empty()) {
    const absl::Status status =
        pool_.UpdateAccountSettings(name, [&](core::AccountSettings& settings) {
          settings.priority = want.priority;
          settings.cap_utilization = want.cap_utilization;
          settings.profiles = want.profiles;
          settings.provider = want.provider;
        });
    if (status.ok()) {
      Emit(absl::StrCat("account ", name, ": ", absl::StrJoin(changes, ", "), " (config file)"));
    }
  }

  // Credentials, header kind and upstream.
  std::optional<pool::Credential> current;
  for (auto& [owner, credential] : pool_.Credentials()) {
    if (owner == name) current = std::move(credential);
  }
  if (!current) return;
  const pool::Credential& target = desired.front().credential;
  pool::Credential next = *current;
  next.kind = target.kind;
  next.upstream = target.upstream;
  const bool adopt = update != nullptr && update->credentials.has_value();
  if (adopt) {
    const config::AdoptedCredentials& adopted = *update->credentials;
    record.api_key = adopted.api_key;
    record.auth_token = adopted.auth_token;
    // An OAuth entry brings its whole token set; one without a refresh token is sent as it is
    // and never refreshed. Should a rotation have landed since the diff, the pool keeps the
    // rotated pair (Pool::UpdateCredential never takes an older one).
    next.secret = target.secret;
    next.refresh_token = target.refresh_token;
    next.expires_at_ms = target.expires_at_ms;
  }
  if (update != nullptr) record.upstream = entry.upstream();

  if (!SameCredential(next, *current)) {
    const absl::Status status = pool_.UpdateCredential(name, next);
    if (status.ok()) {
      std::vector<std::string> what;
      if (next.secret != current->secret) {
        what.push_back(absl::StrCat("credential ", credentials::Fingerprint(current->secret),
                                    " -> ", credentials::Fingerprint(next.secret)));
      }
      if (next.upstream != current->upstream) {
        what.push_back(absl::StrCat("upstream ", current->upstream, " -> ", next.upstream));
      }
      if (next.kind != current->kind) what.push_back("auth header changed");
      if (what.empty()) {
        // Only the refresh token or expiry changed on disk.
        Emit(absl::StrCat("account ", name, ": OAuth tokens updated from the config file"));
      } else {
        Emit(absl::StrCat("account ", name, ": ", absl::StrJoin(what, ", "), " (config file)"));
      }
    }
  }
  if (update != nullptr && update->stale_disk_tokens_ignored) {
    notes.push_back(absl::StrCat(
        "account ", name, ": the config file holds older OAuth tokens (expiring ",
        absl::FormatTime(absl::FromUnixMillis(config::NormalizeExpiryMs(entry.expires_at())),
                         absl::UTCTimeZone()),
        ") than the running ones; the running ones are kept and written back to the file"));
    // Left there, the spent pair would be the one a restart loads.
    if (oauth_ != nullptr) oauth_->RestoreLivePair(name);
  }
}

void HotSync::Add(const v1::AccountConfig& entry, const v1::Config& shell,
                  std::vector<std::string>& notes) {
  const std::string& name = entry.name();
  for (const core::Account& account : pool_.Snapshot()) {
    if (account.settings.name != name) continue;
    if (pending_removals_.count(name) > 0) {
      notes.push_back(absl::StrCat("account ", name,
                                   ": waiting for the deleted account of that name to finish its "
                                   "requests before the new one is added"));
    } else {
      notes.push_back(absl::StrCat("account ", name,
                                   ": not added, the name is already used by a running account"));
    }
    return;
  }
  std::vector<PoolAccount> accounts = PoolAccountsOf(WithOnly(shell, entry));
  if (accounts.empty()) return;
  PoolAccount& account = accounts.front();
  // The credential carries the OAuth tokens: its first request may already be refreshed.
  if (entry.type() == "oauth") Remember(entry, shell);
  const std::string fingerprint = credentials::Fingerprint(account.credential.secret);
  const bool enabled = account.settings.enabled;
  pool_.AddAccount(std::move(account.settings), std::move(account.credential),
                   /*added_while_running=*/true);
  records_[name] = RecordOf(entry);
  Emit(absl::StrCat("account ", name, " (", entry.type(), ", credential ", fingerprint,
                    "): picked up from the config file", enabled ? "; warming up" : " (disabled)"));
}

void HotSync::StartRemoval(const std::string& name) {
  if (pending_removals_.count(name) > 0) {
    TryRemove(name);
    return;
  }
  // Disabled first: no new request routes there, in-flight ones finish undisturbed.
  if (absl::IsNotFound(pool_.SetEnabled(name, false))) {
    records_.erase(name);
    return;
  }
  pending_removals_.insert(name);
  if (TryRemove(name)) {
    Emit(absl::StrCat("account ", name, ": deleted from the config file; removed from the pool"));
    return;
  }
  int in_flight = 0;
  for (const core::Account& account : pool_.Snapshot()) {
    if (account.settings.name == name) in_flight = account.state.in_flight;
  }
  Emit(absl::StrCat("account ", name, ": deleted from the config file; disabled, it leaves the ",
                    "pool once its ", in_flight, " request(s) in flight finish"));
}

bool HotSync::TryRemove(const std::string& name) {
  const absl::Status status = pool_.RemoveAccount(name);
  if (!status.ok() && !absl::IsNotFound(status)) return false;  // still busy
  pending_removals_.erase(name);
  auto record = records_.find(name);
  if (record != records_.end()) {
    if (record->second.type == "oauth" && oauth_ != nullptr) oauth_->Forget(name);
    records_.erase(record);
  }
  return true;
}

void HotSync::RetryLoop() {
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    if (pending_removals_.empty()) {
      mu_.Await(absl::Condition(this, &HotSync::RetryWanted));
      continue;
    }
    mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::FromChrono(options_.removal_retry));
    if (stop_) break;
    bool any = false;
    const std::vector<std::string> pending(pending_removals_.begin(), pending_removals_.end());
    for (const std::string& name : pending) {
      if (TryRemove(name)) {
        any = true;
        Emit(absl::StrCat("account ", name, ": idle; removed from the pool"));
      }
    }
    // An addition of the same name may have been waiting for it.
    if (any && have_last_) ApplyLocked(last_config_, last_warnings_);
  }
}

bool HotSync::RetryWanted() const { return stop_ || !pending_removals_.empty(); }

void HotSync::Remember(const v1::AccountConfig& entry, const v1::Config& shell) {
  if (oauth_ != nullptr) oauth_->RememberAccounts(WithOnly(shell, entry));
}

void HotSync::Emit(const std::string& line) const {
  if (log_) log_(credentials::Redact(line));
}

}  // namespace maxpool::server
