#include "server/state_keeper.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace maxpool::server {

StateKeeper::StateKeeper(pool::Pool& pool, pool::StateStore& store, Uuids uuids, Log log,
                         absl::Duration interval)
    : pool_(pool),
      store_(store),
      uuids_(std::move(uuids)),
      log_(std::move(log)),
      interval_(interval) {}

StateKeeper::~StateKeeper() { Stop(); }

void StateKeeper::Restore() {
  sessions_read_at_ = absl::Now();  // the load below reads them all
  std::string warning;
  absl::StatusOr<std::optional<pool::PoolMemory>> loaded = store_.Load(&warning);
  if (!warning.empty()) log_(absl::StrCat("warning: ", warning));
  if (!loaded.ok()) {
    log_(absl::StrCat("warning: the learned quota of the last run could not be read (",
                      loaded.status().message(), "); starting without it"));
    return;
  }
  if (!loaded->has_value()) return;
  const absl::flat_hash_map<std::string, std::string> by_name =
      uuids_ ? uuids_() : absl::flat_hash_map<std::string, std::string>();
  absl::flat_hash_map<std::string, std::string> name_of_uuid;
  for (const auto& [name, uuid] : by_name) name_of_uuid[uuid] = name;
  const pool::RestoreReport report = pool_.Restore(**loaded, name_of_uuid);
  std::string line = absl::StrCat(
      "restored what the last run learned (saved ",
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", (*loaded)->saved_at, absl::UTCTimeZone()),
      "): ", report.accounts, " account(s), ", report.sessions, " session(s)");
  if (report.unmatched > 0) {
    absl::StrAppend(&line, "; ", report.unmatched, " account(s) no longer configured");
  }
  if (report.breaker) {
    absl::StrAppend(&line, "; the upstream was throttling, and the shared breaker is open again");
  }
  if (report.dead_dropped > 0) {
    absl::StrAppend(&line, "; ", report.dead_dropped,
                    " account(s) have new credentials since and start afresh");
  }
  log_(line);
}

void StateKeeper::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

absl::Status StateKeeper::SaveNow(bool force) {
  std::lock_guard<std::mutex> one_at_a_time(save_mu_);
  pool::PoolMemory memory = pool_.Memory();
  if (uuids_) {
    const absl::flat_hash_map<std::string, std::string> uuids = uuids_();
    for (pool::AccountMemory& account : memory.accounts) {
      if (auto it = uuids.find(account.name); it != uuids.end()) account.uuid = it->second;
    }
  }
  const absl::Time saved_at = memory.saved_at;
  memory.saved_at = absl::UnixEpoch();
  std::string content = pool::Encode(memory);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!force && content == last_saved_) return absl::OkStatus();
  }
  memory.saved_at = saved_at;
  const absl::Status status = store_.Save(memory);
  std::lock_guard<std::mutex> lock(mu_);
  if (status.ok()) {
    last_saved_ = std::move(content);
    ++saves_;
    if (failing_) log_("the learned quota is saved again");
    failing_ = false;
  } else if (!failing_) {
    failing_ = true;
    log_(absl::StrCat("warning: the learned quota could not be saved (", status.message(),
                      "); a restart would relearn it. Retried every ",
                      absl::FormatDuration(interval_)));
  }
  return status;
}

void StateKeeper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    const absl::Status status = SaveNow();
    (void)status;  // logged by SaveNow(); retried next time
    if (store_.shared()) TakeFleetMemory();
    lock.lock();
  }
}

void StateKeeper::TakeFleetMemory() {
  // Sessions are read from a little before the last read, so that replicas whose clocks differ
  // by less than the margin miss none.
  constexpr absl::Duration kClockMargin = absl::Seconds(30);
  const absl::Time started = absl::Now();
  absl::StatusOr<pool::PoolMemory> fleet = store_.LoadFleet(sessions_read_at_ - kClockMargin);
  if (!fleet.ok()) return;  // Redis out of reach: the save says so, and the next loop retries
  sessions_read_at_ = started;
  absl::flat_hash_map<std::string, std::string> name_of_uuid;
  if (uuids_) {
    for (const auto& [name, uuid] : uuids_()) name_of_uuid[uuid] = name;
  }
  const pool::FleetMergeReport report = pool_.MergeFleetMemory(*fleet, name_of_uuid);
  if (report.dead > 0) {
    log_(absl::StrCat("cluster: ", report.dead,
                      " account(s) found dead by another replica are benched here too"));
  }
  if (report.breaker) {
    log_(absl::StrCat("cluster: another replica found the upstream throttling (",
                      fleet->breaker->reason, "); the shared breaker is open here too"));
  }
}

void StateKeeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  const absl::Status status = SaveNow();
  (void)status;  // logged by SaveNow()
}

int StateKeeper::saves() const {
  std::lock_guard<std::mutex> lock(mu_);
  return saves_;
}

}  // namespace maxpool::server
