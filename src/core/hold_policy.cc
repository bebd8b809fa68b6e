#include "core/hold_policy.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/absl_view.h"
#include "core/saturating.h"

namespace maxpool::core {
namespace {

constexpr absl::Duration kDefaultStreamTolerance = absl::Seconds(240);
constexpr absl::Duration kDefaultCountTokensWait = absl::Seconds(8);
constexpr absl::Duration kDefaultNetworkWait = absl::Seconds(120);
constexpr absl::Duration kNonStreamNetworkSoak = absl::Seconds(45);

}  // namespace

absl::Duration HoldWindow(const RequestInfo& request, HoldCause cause, RetryCause plan_cause,
                          const QueueSettings& queue) {
  const absl::Duration max_wait = queue.max_wait;
  const absl::Duration auto_max_wait = queue.auto_max_wait.value_or(max_wait);
  const absl::Duration capacity_max_wait = queue.capacity_max_wait.value_or(auto_max_wait);
  const absl::Duration non_stream_max_wait = queue.non_stream_max_wait.value_or(absl::Minutes(5));
  const absl::Duration stream_hold_max = queue.stream_hold_max.value_or(absl::Hours(7 * 24));
  const absl::Duration tolerance = request.client_tolerance.value_or(
      queue.stream_client_tolerance.value_or(std::max(absl::Seconds(60), kDefaultStreamTolerance)));
  const absl::Duration count_tokens_wait =
      queue.count_tokens_max_wait.value_or(kDefaultCountTokensWait);
  const absl::Duration network_wait = queue.network_max_wait.value_or(kDefaultNetworkWait);

  absl::Duration w;
  if (!request.streaming) {
    w = cause == HoldCause::kCapacity ? std::min(non_stream_max_wait, capacity_max_wait)
                                      : non_stream_max_wait;
  } else if (cause == HoldCause::kCapacity) {
    w = max_wait;
  } else {
    w = stream_hold_max;
  }
  if (plan_cause == RetryCause::kConcurrencyCap) w = std::min(w, capacity_max_wait);
  if (request.streaming) w = std::min(w, tolerance);
  if (request.is_count_tokens) w = std::min(w, count_tokens_wait);
  if (cause == HoldCause::kNetwork) {
    w = std::min(w, std::max(network_wait, request.streaming ? tolerance : absl::ZeroDuration()));
  }
  return w;
}

absl::Duration NetworkSoakBudget(const RequestInfo& request, const QueueSettings& queue) {
  if (!request.streaming) return kNonStreamNetworkSoak;
  return std::max(absl::Seconds(60), queue.network_max_wait.value_or(kDefaultNetworkWait));
}

HoldDecision DecideHold(const RequestInfo& request, HoldCause cause, const RetryPlan& plan,
                        const QueueSettings& queue, const HoldContext& context) {
  HoldDecision d;
  auto refuse = [&](HoldRefusal why) {
    d.hold = false;
    d.refusal = why;
    return d;
  };
  if (!queue.enabled) return refuse(HoldRefusal::kQueueDisabled);
  if (queue.max_queued_body_bytes &&
      static_cast<int64_t>(request.body_bytes) > *queue.max_queued_body_bytes) {
    return refuse(HoldRefusal::kBodyTooLarge);
  }
  if (context.response_started) return refuse(HoldRefusal::kResponseStarted);
  if (cause == HoldCause::kProxy) return refuse(HoldRefusal::kProxyError);
  if (cause == HoldCause::kNetwork && context.network_soak_deadline &&
      context.now >= *context.network_soak_deadline) {
    return refuse(HoldRefusal::kNetworkSoakExpired);
  }
  if (plan.cause == RetryCause::kWeeklyResetUnknown)
    return refuse(HoldRefusal::kWeeklyResetUnknown);
  d.window = HoldWindow(request, cause, plan.cause, queue);
  if (d.window <= absl::ZeroDuration()) return refuse(HoldRefusal::kNotWithinWindow);
  if (!plan.retry_after || *plan.retry_after > d.window) {
    return refuse(HoldRefusal::kNotWithinWindow);
  }
  const absl::Time started = context.queue_started_at.value_or(context.now);
  d.deadline = started + d.window;
  if (d.deadline <= context.now) return refuse(HoldRefusal::kNotWithinWindow);
  d.hold = true;
  return d;
}

int RetryAfterSeconds(const RetryPlan& plan) {
  if (!plan.retry_after) return 60;
  const double seconds = std::ceil(absl::ToDoubleSeconds(*plan.retry_after));
  return static_cast<int>(SaturatingInt64(seconds, 1, 86400 * 365, 60));
}

std::string FormatWait(absl::Duration wait) {
  // A year bounds it (an infinite wait reads "365d"), so the rounding below never overflows.
  const double s = std::clamp(absl::ToDoubleSeconds(wait), 0.0, 86400.0 * 365);
  if (s >= 86400) return absl::StrCat(std::lround(s / 86400), "d");
  if (s >= 3600) return absl::StrCat(std::lround(s / 3600), "h");
  if (s >= 60) return absl::StrCat(std::lround(s / 60), "m");
  return absl::StrCat(std::lround(s), "s");
}

std::string HonestMessage(const UnavailabilityCensus& census, const RetryPlan& plan,
                          bool recovering, absl::Time now) {
  std::vector<std::string> parts;
  for (const AccountOutage& o : census.outages) {
    std::string part = absl::StrCat(o.name, ": ", AbslView(RetryCauseName(o.cause)));
    if (o.until && *o.until > now) absl::StrAppend(&part, " until ~", FormatWait(*o.until - now));
    parts.push_back(std::move(part));
  }
  const std::string detail =
      parts.empty() ? std::string() : absl::StrCat(" (", absl::StrJoin(parts, "; "), ")");
  const int n = census.eligible + census.errored;
  const std::string accounts = absl::StrCat("all ", n, " Claude account", n == 1 ? "" : "s");
  const std::string wait = plan.retry_after ? FormatWait(*plan.retry_after) : std::string();

  // Only provider accounts could take it, and their peak hours bar them (§12.3, §8 item 3).
  if (plan.cause == RetryCause::kPeakWindow) {
    std::string msg =
        "maxpool: the provider accounts that could take this request are not used during their "
        "peak hours (scheduler.providers.<provider>.peakCap is 0)";
    if (plan.retry_after) absl::StrAppend(&msg, "; the peak ends in ~", wait);
    absl::StrAppend(&msg, ". Raise peakCap to use them during the peak, or add an account.");
    return msg;
  }
  if (!recovering) {
    std::string msg = absl::StrCat("maxpool: no account can take this request: ", accounts,
                                   " are at their limit", detail, ".");
    if (plan.retry_after) {
      absl::StrAppend(&msg, " The soonest reset is in ~", wait,
                      ", beyond how long this request can be held.");
    } else {
      absl::StrAppend(&msg, " No reset time is known.");
    }
    absl::StrAppend(&msg, " Add an account or wait for a reset.");
    return msg;
  }
  if (census.dominant == UnavailabilityCensus::Dominant::kTransient) {
    std::string msg = census.network > 0
                          ? absl::StrCat("maxpool: the accounts are in a brief reconnect cooldown")
                          : absl::StrCat("maxpool: the accounts are momentarily busy");
    absl::StrAppend(&msg, detail, "; this is not a quota problem.");
    if (census.disabled > 0) absl::StrAppend(&msg, " ", census.disabled, " account(s) disabled.");
    if (plan.retry_after) absl::StrAppend(&msg, " Retry in ~", wait, ".");
    return msg;
  }
  const bool momentary = plan.retry_after && *plan.retry_after < absl::Seconds(120);
  std::string msg = absl::StrCat("maxpool: ", accounts, " are ", momentary ? "momentarily " : "",
                                 "at their limit", detail, ".");
  if (plan.retry_after) absl::StrAppend(&msg, " Retry in ~", wait, ".");
  return msg;
}

}  // namespace maxpool::core
