#include "tui/tui_model.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "control_client/control_client.h"
#include "tui/tui_event_text.h"

namespace maxpool::tui {

void TuiModel::ApplySnapshot(v1::PoolSnapshot snapshot) {
  accounts_.assign(snapshot.accounts().begin(), snapshot.accounts().end());
  snapshot_ = std::move(snapshot);
}

void TuiModel::ApplyEvent(const v1::WatchEventsResponse& message) {
  if (message.has_gap()) {
    AddLog(absl::Now(), absl::StrCat("(", message.gap().dropped(), " events missed)"),
           LogTone::kWarn);
    return;
  }
  if (!message.has_event()) return;
  std::optional<EventText> line = DescribeEvent(message.event());
  if (!line) return;
  const absl::Time at =
      message.event().has_time() ? control_client::ToTime(message.event().time()) : absl::Now();
  AddLog(at, std::move(line->text), line->tone);
}

void TuiModel::SetConnected(absl::Time now) {
  if (connection_.state == LinkState::kConnected) return;
  if (ever_connected_) {
    connection_.reconnected_at = now;
    AddLog(now, absl::StrCat("reconnected to ", server_), LogTone::kGood);
  } else {
    AddLog(now, absl::StrCat("connected to ", server_), LogTone::kGood);
  }
  ever_connected_ = true;
  connection_.state = LinkState::kConnected;
  connection_.error.clear();
}

void TuiModel::SetDisconnected(std::string error, absl::Time retry_at, absl::Time now) {
  // One log line per loss (or per new reason), not one per retry.
  if (connection_.state != LinkState::kReconnecting || connection_.error != error) {
    AddLog(now, absl::StrCat("connection lost: ", error), LogTone::kBad);
  }
  connection_.state = LinkState::kReconnecting;
  connection_.error = std::move(error);
  connection_.retry_at = retry_at;
}

void TuiModel::AddLog(absl::Time at, std::string text, LogTone tone) {
  log_.push_back(LogLine{at, std::move(text), tone});
  while (log_.size() > log_capacity_) log_.pop_front();
}

const v1::PoolSnapshot& TuiModel::snapshot() const {
  return snapshot_ ? *snapshot_ : v1::PoolSnapshot::default_instance();
}

const v1::AccountSnapshot* TuiModel::FindAccount(const std::string& name) const {
  const std::string full = control_client::AccountResourceName(name);
  for (const v1::AccountSnapshot& account : accounts_) {
    if (account.account() == full) return &account;
  }
  return nullptr;
}

const std::string& TuiModel::preferred_account() const { return snapshot().preferred_account(); }

}  // namespace maxpool::tui
