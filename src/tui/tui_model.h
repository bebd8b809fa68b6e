#pragma once

// What `maxpool top` shows, as data: the last pool snapshot (accounts, holds, drain, breaker,
// the preferred account), the connection to the control plane, and a bounded activity log (one
// line per finished request, failover, state change, refresh, hold and drain report, plus the
// TUI's own notes). Pure: fed by the UI thread from the telemetry queue (tui_feed.h) and read by
// the renderer; not thread-safe.

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "maxpool/v1/telemetry.pb.h"

namespace maxpool::tui {

// How a log line is coloured.
enum class LogTone { kInfo, kGood, kWarn, kBad };

struct LogLine {
  absl::Time at;
  std::string text;
  LogTone tone = LogTone::kInfo;
};

// The connection to the control plane, as the feed reports it.
enum class LinkState {
  kConnecting,    // never connected yet, first attempt in progress
  kConnected,     // the snapshot stream is up
  kReconnecting,  // lost (or never reached): next attempt at `retry_at`
};

struct Connection {
  LinkState state = LinkState::kConnecting;
  std::string error;                                 // why the last attempt failed (kReconnecting)
  absl::Time retry_at;                               // when the next attempt starts (kReconnecting)
  absl::Time reconnected_at = absl::InfinitePast();  // last return after a loss
};

class TuiModel {
 public:
  // Lines kept in the activity log; older ones are dropped.
  static constexpr size_t kDefaultLogCapacity = 500;
  // How long the header says "reconnected" after a return.
  static constexpr absl::Duration kReconnectedNotice = absl::Seconds(10);

  // `server`: the address shown in the title; `zone`: the time zone of the log's clock times.
  explicit TuiModel(std::string server, absl::TimeZone zone = absl::LocalTimeZone(),
                    size_t log_capacity = kDefaultLogCapacity)
      : server_(std::move(server)), zone_(zone), log_capacity_(log_capacity) {}

  // A new snapshot replaces the last one.
  void ApplySnapshot(v1::PoolSnapshot snapshot);
  // An event (or gap marker) of WatchEvents: appended to the log when it says something.
  void ApplyEvent(const v1::WatchEventsResponse& message);
  // The feed reached the server (`now`): "reconnected" is noted when it had been lost.
  void SetConnected(absl::Time now);
  // The feed lost (or could not reach) the server; it tries again at `retry_at`.
  void SetDisconnected(std::string error, absl::Time retry_at, absl::Time now);
  void AddLog(absl::Time at, std::string text, LogTone tone = LogTone::kInfo);

  const std::string& server() const { return server_; }
  absl::TimeZone zone() const { return zone_; }
  bool has_snapshot() const { return snapshot_.has_value(); }
  // The last snapshot (an empty one before the first).
  const v1::PoolSnapshot& snapshot() const;
  const std::vector<v1::AccountSnapshot>& accounts() const { return accounts_; }
  // The account's snapshot by resource name or id, or null.
  const v1::AccountSnapshot* FindAccount(const std::string& name) const;
  // The preferred account's resource name; empty in automatic mode.
  const std::string& preferred_account() const;
  const Connection& connection() const { return connection_; }
  const std::deque<LogLine>& log() const { return log_; }

 private:
  std::string server_;
  absl::TimeZone zone_;
  size_t log_capacity_;
  std::optional<v1::PoolSnapshot> snapshot_;
  std::vector<v1::AccountSnapshot> accounts_;
  Connection connection_;
  bool ever_connected_ = false;
  std::deque<LogLine> log_;
};

}  // namespace maxpool::tui
