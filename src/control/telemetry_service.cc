#include "control/telemetry_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/event_watch.h"
#include "control/grpc_status.h"
#include "control/pool_watch.h"
#include "control/refused_stream.h"
#include "control/resource_name.h"
#include "control/telemetry_view.h"
#include "control/time_proto.h"

namespace maxpool::control {

TelemetryService::TelemetryService(ControlEnv env, std::shared_ptr<ControlCalls> calls)
    : env_(std::move(env)),
      calls_(std::move(calls)),
      limit_(env_.max_watch_streams),
      ticker_([this] { return Snapshot(); }, env_.pool->clock()),
      waker_(env_.pool->events()) {}

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
  if (status.cluster) {
    v1::ClusterSnapshot& cluster = *out.mutable_cluster();
    cluster.set_replica(status.cluster->replica);
    cluster.set_connected(status.cluster->connected);
    for (const std::string& replica : status.cluster->replicas) cluster.add_replicas(replica);
    if (status.cluster->degraded_since) {
      SetTimestamp(*status.cluster->degraded_since, cluster.mutable_degraded_since());
    }
    cluster.set_error(status.cluster->error);
  }
  return out;
}

grpc::ServerUnaryReactor* TelemetryService::GetPoolSnapshot(
    grpc::CallbackServerContext* context, const v1::GetPoolSnapshotRequest* /*request*/,
    v1::PoolSnapshot* response) {
  return calls_->Unary(context, "maxpool.v1.TelemetryService.GetPoolSnapshot", [this, response] {
    *response = Snapshot();
    return grpc::Status::OK;
  });
}

grpc::ServerWriteReactor<v1::PoolSnapshot>* TelemetryService::WatchPool(
    grpc::CallbackServerContext* context, const v1::WatchPoolRequest* request) {
  using Refused = RefusedStream<v1::PoolSnapshot>;
  if (grpc::Status auth = calls_->Authorize(*context, "maxpool.v1.TelemetryService.WatchPool");
      !auth.ok()) {
    return new Refused(std::move(auth));
  }
  absl::Duration interval = absl::Seconds(1);
  if (request->has_interval()) {
    interval = FromDuration(request->interval());
    if (interval < absl::Milliseconds(100) || interval > absl::Hours(1)) {
      return new Refused(InvalidArgument(
          "interval",
          absl::StrCat("must be between 100ms and 1h, got ", absl::FormatDuration(interval))));
    }
  }
  std::optional<WatchLimit::Slot> slot = limit_.TryAcquire();
  if (!slot) return new Refused(limit_.Exhausted());
  return new PoolWatch(ticker_, interval, *std::move(slot));
}

grpc::ServerWriteReactor<v1::WatchEventsResponse>* TelemetryService::WatchEvents(
    grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) {
  using Refused = RefusedStream<v1::WatchEventsResponse>;
  if (grpc::Status auth = calls_->Authorize(*context, "maxpool.v1.TelemetryService.WatchEvents");
      !auth.ok()) {
    return new Refused(std::move(auth));
  }
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
  if (!violations.empty()) return new Refused(InvalidArgument(violations));
  std::optional<WatchLimit::Slot> slot = limit_.TryAcquire();
  if (!slot) return new Refused(limit_.Exhausted());
  return new EventWatch(env_.pool->events(), std::move(options), waker_, *std::move(slot));
}

}  // namespace maxpool::control
