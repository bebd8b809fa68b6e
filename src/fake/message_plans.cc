// ApiHandler's answers to /v1/messages and /v1/messages/count_tokens: the account's behaviour
// turned into a Plan (behaviour.h, anthropic-wire.md §1.4, §2, §3, §4).

#include <algorithm>
#include <optional>

#include "core/absl_view.h"
#include "core/model_family.h"
#include "fake/api_handler.h"
#include "fake/message_builder.h"
#include "fake/str_cat.h"
#include "fake/wire_errors.h"

namespace maxpool::fake {
namespace {

using std::chrono::milliseconds;

// The unified claim Anthropic reports for a per-model weekly cap (§4.2).
std::string_view ModelClaim(std::string_view model) {
  switch (core::ModelFamilyOf(model)) {
    case core::ModelFamily::kOpus:
      return "seven_day_opus";
    case core::ModelFamily::kSonnet:
      return "seven_day_sonnet";
    default:
      return "seven_day_overage_included";
  }
}

int64_t SecondsUntil(absl::Time t, absl::Time now) {
  return std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(t - now, absl::Seconds(1))));
}

}  // namespace

Plan ApiHandler::HandleMessages(const HttpRequest& request, std::string_view credential,
                                std::string_view path, std::string request_id,
                                std::string& behaviour_name) const {
  const MessageEndpoint endpoint =
      path == "/v1/messages" ? MessageEndpoint::kMessages : MessageEndpoint::kCountTokens;
  std::optional<FakeState::Admission> admission = state_.Admit(credential);
  if (!admission) return ErrorPlanFor(401, "invalid x-api-key", request_id);  // just removed
  InFlight in_flight(&state_, std::string(credential));
  Behaviour b = admission->behaviour;
  const bool oauth = admission->type == AccountType::kOAuth;
  const absl::Time now = state_.Now();
  // An exhausted account answers quota 429s instead of content (§4.2 quota exhaustion).
  if (ServesContent(b.kind) && admission->exhausted != ExhaustedWindow::kNone &&
      endpoint == MessageEndpoint::kMessages) {
    b = Behaviour::Of(BehaviourKind::kQuota429);
  }
  behaviour_name = std::string(BehaviourKindName(b.kind));

  auto done = [&](Plan plan) {
    if (b.should_retry) {
      plan.headers.emplace_back("x-should-retry", *b.should_retry ? "true" : "false");
    }
    plan.in_flight = std::move(in_flight);
    return plan;
  };
  auto error = [&](int status, std::string_view default_message, bool quota_headers,
                   std::string_view type = {}) {
    Plan plan = ErrorPlanFor(status, b.message ? std::string_view(*b.message) : default_message,
                             request_id, type);
    if (quota_headers) AppendQuotaHeaders(admission->quota, {}, plan.headers);
    if (b.retry_after) plan.headers.emplace_back("retry-after", Cat(*b.retry_after));
    return done(std::move(plan));
  };
  constexpr std::string_view kAccountLimit =
      "This request would exceed your account's rate limit. Please try again later.";

  switch (b.kind) {
    case BehaviourKind::kResetBeforeHeaders: {
      Plan plan;
      plan.action = PlanAction::kReset;
      return done(std::move(plan));
    }
    case BehaviourKind::kStallBeforeHeaders: {
      Plan plan;
      plan.action = PlanAction::kHangBeforeHeaders;
      return done(std::move(plan));
    }
    case BehaviourKind::kFixed: {
      Plan plan = NewPlan(200, request_id);
      if (endpoint == MessageEndpoint::kCountTokens) {
        plan.body = CountTokensJson(8);
      } else {
        plan.action = PlanAction::kFixed;
        plan.fixed_stream = LooksStreaming(request.body());
        plan.fixed_body = plan.fixed_stream ? fixed_sse_ : fixed_json_;
        in_flight.SetTokens(8, 9, plan.fixed_stream);
      }
      return done(std::move(plan));
    }
    case BehaviourKind::kQuota429: {
      Plan plan = ErrorPlanFor(429, "", request_id);
      int64_t retry_after = 0;
      std::string message;
      if (oauth) {
        const bool seven_day = admission->exhausted == ExhaustedWindow::kSevenDay;
        UnifiedOverride o;
        (seven_day ? o.force_7d_exhausted : o.force_5h_exhausted) = true;
        AppendQuotaHeaders(admission->quota, o, plan.headers);
        retry_after =
            SecondsUntil(seven_day ? admission->quota.reset_7d : admission->quota.reset_5h, now);
        message = std::string(kAccountLimit);
      } else {
        QuotaSnapshot q = admission->quota;
        if (admission->exhausted == ExhaustedWindow::kApiRequests) {
          q.requests_remaining = 0;
        } else {
          q.tokens_remaining = 0;
          q.input_tokens_remaining = 0;
        }
        AppendQuotaHeaders(q, {}, plan.headers);
        retry_after = SecondsUntil(q.api_reset, now);
        message = Cat("This request would exceed the rate limit for your organization of ",
                      q.tokens_limit,
                      " tokens per minute. For details, refer to: "
                      "https://docs.claude.com/en/api/rate-limits.");
      }
      plan.headers.emplace_back("retry-after", Cat(b.retry_after.value_or(retry_after)));
      plan.body = ErrorJson("rate_limit_error", b.message ? *b.message : message, request_id);
      return done(std::move(plan));
    }
    case BehaviourKind::kThrottle429:
      return error(429, "Rate limited", !oauth);
    case BehaviourKind::kUpstreamThrottle429:
      return error(429, "Server is temporarily limiting requests (not your usage limit)", !oauth);
    case BehaviourKind::kHeaderless429: {
      b.retry_after.reset();
      return error(429, "Rate limited", false);
    }
    case BehaviourKind::kModel429: {
      const int64_t retry_after = b.retry_after.value_or(7200);
      b.retry_after = retry_after;
      Plan plan =
          ErrorPlanFor(429, b.message ? std::string_view(*b.message) : kAccountLimit, request_id);
      if (oauth) {
        absl::StatusOr<MessageRequest> parsed = ParseMessageRequest(request.body(), endpoint);
        UnifiedOverride o;
        o.cap_below_threshold = true;
        o.overall_rejected = true;
        o.representative_claim = ModelClaim(parsed.ok() ? std::string_view(parsed->model) : "");
        o.unified_reset = now + absl::Seconds(retry_after);
        AppendQuotaHeaders(admission->quota, o, plan.headers);
      } else {
        AppendQuotaHeaders(admission->quota, {}, plan.headers);
      }
      plan.headers.emplace_back("retry-after", Cat(retry_after));
      return done(std::move(plan));
    }
    case BehaviourKind::kOverloaded529:
      return error(529, "Overloaded", true);
    case BehaviourKind::kServerError: {
      const int status = b.status.value_or(500);
      const std::string_view message = status == 502   ? "Bad gateway"
                                       : status == 503 ? "Service unavailable"
                                       : status == 504 ? "Request timed out"
                                                       : "Internal server error";
      return error(status, message, true);
    }
    case BehaviourKind::kUnauthorized401:
      return error(
          401, oauth ? "OAuth token has expired. Please obtain a new token." : "invalid x-api-key",
          false);
    case BehaviourKind::kBanned403:
      return error(403, "This organization has been disabled.", false);
    default:
      break;
  }

  // Content: ok, delay_headers, slow_stream, stall, drop_mid_stream, stream_error.
  absl::StatusOr<MessageRequest> parsed = ParseMessageRequest(request.body(), endpoint);
  if (!parsed.ok()) {
    b.message.reset();
    b.retry_after.reset();
    return error(400, core::StdView(parsed.status().message()), true);
  }
  const bool stream = parsed->stream && endpoint == MessageEndpoint::kMessages;
  if (b.kind == BehaviourKind::kStreamError && !stream) {
    // No stream to break: the same error as a status (§2.4: an error event "would normally
    // correspond to" the HTTP status).
    const std::string type = b.error_type.value_or("overloaded_error");
    const int status = type == "overloaded_error"   ? 529
                       : type == "rate_limit_error" ? 429
                       : type == "timeout_error"    ? 504
                                                    : 500;
    return error(status, type == "overloaded_error" ? "Overloaded" : "Internal server error", true,
                 type);
  }

  Plan plan = NewPlan(200, request_id);
  if (endpoint == MessageEndpoint::kCountTokens) {
    AppendQuotaHeaders(admission->quota, {}, plan.headers);
    plan.body = CountTokensJson(parsed->input_tokens);
  } else {
    const Answer answer = MakeAnswer(*parsed, b.text_bytes.value_or(options_.default_text_bytes));
    const QuotaSnapshot after =
        state_.Spend(credential, parsed->input_tokens, answer.output_tokens);
    AppendQuotaHeaders(after, {}, plan.headers);
    in_flight.SetTokens(parsed->input_tokens, answer.output_tokens, stream);
    const std::string message_id = NewMessageId();
    if (!stream) {
      plan.body = MessageJson(*parsed, answer, message_id);
    } else {
      StreamShape shape;
      shape.text_events = b.events.value_or(options_.default_events);
      const std::string error_type = b.error_type.value_or("overloaded_error");
      const std::string error_message = b.message.value_or(
          error_type == "overloaded_error" ? "Overloaded" : "Internal server error");
      if (b.kind == BehaviourKind::kStreamError) {
        shape.error_after = b.after_events.value_or(3);
        shape.error_type = error_type;
        shape.error_message = error_message;
        shape.request_id = request_id;
      }
      plan.action = PlanAction::kStream;
      plan.counts_as_complete = b.kind != BehaviourKind::kStreamError;
      plan.content_type = "text/event-stream; charset=utf-8";
      plan.headers.emplace_back("cache-control", "no-cache");
      plan.sse = BuildMessageStream(*parsed, answer, message_id, shape);
    }
  }
  switch (b.kind) {
    case BehaviourKind::kOk:
      plan.event_delay = b.delay_ms ? milliseconds(*b.delay_ms) : options_.event_delay;
      break;
    case BehaviourKind::kDelayHeaders:
      plan.header_delay = b.delay_ms ? milliseconds(*b.delay_ms) : options_.delay_headers_delay;
      plan.event_delay = options_.event_delay;
      break;
    case BehaviourKind::kSlowStream:
      plan.event_delay = b.delay_ms ? milliseconds(*b.delay_ms) : options_.slow_stream_delay;
      plan.pings_in_gaps = true;
      plan.ping_interval = milliseconds(b.ping_ms.value_or(0));
      break;
    case BehaviourKind::kStall:
      plan.ending = PlanEnding::kStall;
      plan.cut_after = static_cast<size_t>(b.after_events.value_or(0));
      plan.close = true;
      break;
    case BehaviourKind::kDropMidStream:
      plan.ending = PlanEnding::kDrop;
      plan.cut_after = static_cast<size_t>(b.after_events.value_or(3));
      plan.close = true;
      break;
    default:
      plan.event_delay = options_.event_delay;
      break;
  }
  return done(std::move(plan));
}

}  // namespace maxpool::fake
