#pragma once

// The activity-log line of a telemetry event, as `maxpool top` prints it:
//   POST /v1/messages → alice (200, 3.2s)
//   failover: alice rate_limited (429) → retry
//   alice: active → throttled (rate_limited)
//   alice: token refreshed | alice: refresh failed: <error>
//   request held (2 waiting) | hold ended: admitted after 1.2s
//   draining: 3 in flight, 1 held | drain done
// Pure.

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "maxpool/v1/telemetry.pb.h"
#include "tui/tui_model.h"

namespace maxpool::tui {

struct EventText {
  std::string text;
  LogTone tone = LogTone::kInfo;
};

// The line for `event`; nullopt for an event with no payload.
std::optional<EventText> DescribeEvent(const v1::Event& event);

// "3.2s" under a minute (one decimal), "850ms" under a second, else CompactDuration's form.
std::string ShortSeconds(absl::Duration duration);

}  // namespace maxpool::tui
