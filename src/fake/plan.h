#pragma once

// What the connection does with one request: the response to write and how to pace or break it.
// Produced by ApiHandler / the control API (pure decisions), carried out by the connection
// coroutine (I/O only). Move-only.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake/fake_state.h"
#include "fake/sse_writer.h"

namespace maxpool::fake {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

enum class PlanAction {
  kRespond,            // status, headers and a content-length body
  kStream,             // 200 chunked text/event-stream, written event by event
  kFixed,              // the precomputed fast-path answer (FixedAnswer)
  kReset,              // reset the TCP connection (RST), no bytes
  kHangBeforeHeaders,  // write nothing until the client goes away
};

enum class PlanEnding {
  kComplete,  // write everything
  kStall,     // kStream: write `cut_after` events then go silent; kRespond: headers only
  kDrop,      // kStream: write `cut_after` events and half of the next, then close;
              // kRespond: headers and half the body, then close
};

struct Plan {
  PlanAction action = PlanAction::kRespond;
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers;           // besides content-type, content-length and transfer-encoding
  std::string body;             // kRespond
  SseBody sse;                  // kStream
  std::string_view fixed_body;  // kFixed: the body bytes (already chunked when fixed_stream)
  bool fixed_stream = false;    // kFixed: the SSE variant
  std::chrono::milliseconds header_delay{0};
  std::chrono::milliseconds event_delay{0};    // before each event after the first
  bool pings_in_gaps = false;                  // slow_stream: ping events inside the gaps
  std::chrono::milliseconds ping_interval{0};  // 0: one ping mid-gap
  PlanEnding ending = PlanEnding::kComplete;
  size_t cut_after = 0;
  bool close = false;  // close the connection after this exchange
  // Whether writing everything completes the answer (false for stream_error: no message_stop).
  bool counts_as_complete = true;
  InFlight in_flight;  // accounting; the connection marks completion
};

// A plan with the given status and a `request-id: <request_id>` header.
Plan NewPlan(int status, const std::string& request_id);
// An error plan with the §3.1 body {"type":"error","error":{type,message},"request_id"}; `type`
// defaults to the status's (ErrorTypeForStatus).
Plan ErrorPlanFor(int status, std::string_view message, const std::string& request_id,
                  std::string_view type = {});

}  // namespace maxpool::fake
