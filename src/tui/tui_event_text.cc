#include "tui/tui_event_text.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "control_client/control_client.h"

namespace maxpool::tui {
namespace {

std::string Who(const std::string& account) {
  return account.empty() ? std::string("(no account)") : control_client::AccountId(account);
}

EventText Request(const v1::RequestFinished& e) {
  std::string text =
      absl::StrCat(e.method(), " ", e.path(), " → ", Who(e.account()), " (", e.status(), ", ",
                   ShortSeconds(control_client::ToDuration(e.duration())));
  if (e.attempts() > 1) absl::StrAppend(&text, ", ", e.attempts(), " attempts");
  if (e.held()) absl::StrAppend(&text, ", held");
  if (e.truncated()) absl::StrAppend(&text, ", truncated");
  if (e.client_gone()) absl::StrAppend(&text, ", client gone");
  absl::StrAppend(&text, ")");
  LogTone tone = LogTone::kInfo;
  if (e.status() >= 500 || e.truncated()) {
    tone = LogTone::kBad;
  } else if (e.status() >= 400) {
    tone = LogTone::kWarn;
  }
  return {std::move(text), tone};
}

EventText Failover(const v1::Failover& e) {
  std::string text = absl::StrCat("failover: ", Who(e.account()), " ", e.failure_class());
  if (e.status() != 0) absl::StrAppend(&text, " (", e.status(), ")");
  if (!e.next().empty()) absl::StrAppend(&text, " → ", e.next());
  return {std::move(text), LogTone::kWarn};
}

EventText StateChange(const v1::AccountStateChanged& e) {
  const std::string who = Who(e.account());
  std::string text;
  LogTone tone = LogTone::kInfo;
  if (e.previous() == v1::ACCOUNT_STATE_UNSPECIFIED) {
    text = absl::StrCat(who, ": added (", control_client::StateName(e.current()), ")");
  } else if (e.current() == v1::ACCOUNT_STATE_UNSPECIFIED) {
    text = absl::StrCat(who, ": removed");
  } else {
    text = absl::StrCat(who, ": ", control_client::StateName(e.previous()), " → ",
                        control_client::StateName(e.current()));
    tone = e.current() == v1::ACCOUNT_STATE_ACTIVE ? LogTone::kGood : LogTone::kWarn;
  }
  if (!e.reason().empty()) absl::StrAppend(&text, " (", e.reason(), ")");
  return {std::move(text), tone};
}

}  // namespace

std::string ShortSeconds(absl::Duration duration) {
  if (duration < absl::ZeroDuration()) duration = absl::ZeroDuration();
  if (duration < absl::Seconds(1)) {
    return absl::StrCat(absl::ToInt64Milliseconds(duration), "ms");
  }
  if (duration < absl::Seconds(59.95)) {
    return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(duration));
  }
  return control_client::CompactDuration(duration);
}

std::optional<EventText> DescribeEvent(const v1::Event& event) {
  switch (event.payload_case()) {
    case v1::Event::kRequestFinished:
      return Request(event.request_finished());
    case v1::Event::kFailover:
      return Failover(event.failover());
    case v1::Event::kAccountStateChanged:
      return StateChange(event.account_state_changed());
    case v1::Event::kRefreshFinished: {
      const v1::RefreshFinished& e = event.refresh_finished();
      if (e.ok()) return EventText{absl::StrCat(Who(e.account()), ": token refreshed")};
      return EventText{absl::StrCat(Who(e.account()), ": refresh failed",
                                    e.error().empty() ? "" : ": ", e.error()),
                       LogTone::kBad};
    }
    case v1::Event::kHoldStarted:
      return EventText{
          absl::StrCat("request held (", event.hold_started().queue_depth(), " waiting)"),
          LogTone::kWarn};
    case v1::Event::kHoldEnded: {
      const v1::HoldEnded& e = event.hold_ended();
      return EventText{absl::StrCat("hold ended: ", e.outcome(), " after ",
                                    ShortSeconds(control_client::ToDuration(e.waited()))),
                       e.outcome() == "admitted" ? LogTone::kInfo : LogTone::kWarn};
    }
    case v1::Event::kDrainProgress: {
      const v1::DrainProgress& e = event.drain_progress();
      if (e.done()) return EventText{"drain done", LogTone::kWarn};
      return EventText{absl::StrCat("draining: ", e.in_flight(), " in flight, ", e.held(), " held"),
                       LogTone::kWarn};
    }
    case v1::Event::PAYLOAD_NOT_SET:
      break;
  }
  return std::nullopt;
}

}  // namespace maxpool::tui
