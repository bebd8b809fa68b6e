#include "control/telemetry_service.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "control/grpc_status.h"
#include "control/resource_name.h"
#include "control/telemetry_view.h"
#include "control/time_proto.h"

namespace maxpool::control {
namespace {

// How often a blocked stream looks at whether its client is still there.
constexpr absl::Duration kCancelPoll = absl::Milliseconds(200);

}  // namespace

v1::PoolSnapshot TelemetryService::Snapshot() const {
  v1::PoolSnapshot out;
  const absl::Time now = env_.pool->clock().Now();
  const core::SchedulerSettings settings = env_.pool->SchedulerSettings();
  SetTimestamp(now, out.mutable_time());
  for (const core::Account& account : env_.pool->Snapshot()) {
    *out.add_accounts() = SnapshotOf(account, settings, now);
  }
  const ServerStatusView status = env_.hooks->Status();
  out.set_in_flight(status.in_flight);
  out.set_held(status.held);
  out.set_draining(status.draining);
  const core::RoutingPolicy policy = env_.pool->RoutingPolicy();
  if (policy.preferred) out.set_preferred_account(AccountName(policy.preferred_account));
  const pool::BreakerView breaker = env_.pool->Breaker();
  out.set_breaker_open(breaker.open);
  if (breaker.open && breaker.until) SetTimestamp(*breaker.until, out.mutable_breaker_until());
  out.set_breaker_probing(breaker.open && breaker.probing);
  return out;
}

grpc::Status TelemetryService::GetPoolSnapshot(grpc::ServerContext* context,
                                               const v1::GetPoolSnapshotRequest* /*request*/,
                                               v1::PoolSnapshot* response) {
  if (grpc::Status auth = env_.auth->Check(*context, Access::kRead); !auth.ok()) return auth;
  *response = Snapshot();
  return grpc::Status::OK;
}

grpc::Status TelemetryService::WatchPool(grpc::ServerContext* context,
                                         const v1::WatchPoolRequest* request,
                                         grpc::ServerWriter<v1::PoolSnapshot>* writer) {
  if (grpc::Status auth = env_.auth->Check(*context, Access::kRead); !auth.ok()) return auth;
  absl::Duration interval = absl::Seconds(1);
  if (request->has_interval()) {
    interval = FromDuration(request->interval());
    if (interval < absl::Milliseconds(100) || interval > absl::Hours(1)) {
      return InvalidArgument("interval", absl::StrCat("must be between 100ms and 1h, got ",
                                                      absl::FormatDuration(interval)));
    }
  }
  while (!context->IsCancelled()) {
    if (!writer->Write(Snapshot())) break;
    const absl::Time next = absl::Now() + interval;
    for (absl::Time now = absl::Now(); now < next && !context->IsCancelled(); now = absl::Now()) {
      absl::SleepFor(std::min(kCancelPoll, next - now));
    }
  }
  return grpc::Status::OK;
}

grpc::Status TelemetryService::WatchEvents(grpc::ServerContext* context,
                                           const v1::WatchEventsRequest* request,
                                           grpc::ServerWriter<v1::WatchEventsResponse>* writer) {
  if (grpc::Status auth = env_.auth->Check(*context, Access::kRead); !auth.ok()) return auth;
  std::vector<FieldViolation> violations;
  pool::SubscribeOptions options;
  options.capacity = 1024;
  if (request->queue_size() != 0) {
    if (request->queue_size() < 16 || request->queue_size() > 65536) {
      violations.push_back({"queue_size", absl::StrCat("must be between 16 and 65536, got ",
                                                       request->queue_size())});
    }
    options.capacity = static_cast<size_t>(request->queue_size());
  }
  for (int i = 0; i < request->kinds_size(); ++i) {
    pool::EventKind kind;
    if (!FromProto(request->kinds(i), &kind)) {
      violations.push_back({absl::StrCat("kinds[", i, "]"),
                            "not an event kind; leave kinds "
                            "empty for every kind"});
    } else {
      options.kinds.push_back(kind);
    }
  }
  for (int i = 0; i < request->accounts_size(); ++i) {
    absl::StatusOr<std::string> id = ParseAccountName(request->accounts(i));
    if (!id.ok()) {
      violations.push_back({absl::StrCat("accounts[", i, "]"), std::string(id.status().message())});
    } else {
      options.accounts.push_back(*id);
    }
  }
  if (!violations.empty()) return InvalidArgument(violations);

  std::shared_ptr<pool::Subscription> subscription =
      env_.pool->events().Subscribe(std::move(options));
  // Headers go out at once, so a client knows it is subscribed before the first event.
  writer->SendInitialMetadata();
  v1::WatchEventsResponse message;
  while (!context->IsCancelled()) {
    std::optional<pool::Delivery> delivery = subscription->WaitNext(kCancelPoll);
    if (!delivery) {
      if (subscription->closed()) break;
      continue;
    }
    message.Clear();
    if (const auto* gap = std::get_if<pool::EventGap>(&*delivery)) {
      message.mutable_gap()->set_dropped(static_cast<int64_t>(gap->dropped));
    } else {
      *message.mutable_event() = EventOf(std::get<pool::PoolEvent>(*delivery));
    }
    if (!writer->Write(message)) break;
  }
  subscription->Close();
  return grpc::Status::OK;
}

}  // namespace maxpool::control
