#pragma once

// One TelemetryService.WatchPool stream (gRPC callback API): the SnapshotTicker delivers a pool
// snapshot at the requested interval and the stream writes it, with no thread of its own. One
// write is in flight at a time; a snapshot that arrives meanwhile waits, replacing any older one
// waiting, so a client that reads slowly holds at most two snapshots (the one being written and
// the latest) and gets the newest when it catches up.
//
// The stream ends when the client cancels or goes away, or when the server shuts down (gRPC
// cancels it). It deletes itself (OnDone) after leaving the ticker and freeing its WatchLimit
// slot.
//
// Thread safety: reactions and Deliver() synchronise on one mutex.

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "control/snapshot_ticker.h"
#include "control/watch_limit.h"
#include "grpcpp/support/server_callback.h"
#include "maxpool/v1/telemetry.pb.h"

namespace maxpool::control {

class PoolWatch final : public grpc::ServerWriteReactor<v1::PoolSnapshot>, public SnapshotSink {
 public:
  // Joins `ticker` (the first snapshot is written at once). `ticker` must outlive the stream.
  PoolWatch(SnapshotTicker& ticker, absl::Duration interval, WatchLimit::Slot slot);

  // SnapshotSink
  void Deliver(std::shared_ptr<const v1::PoolSnapshot> snapshot) override;

  // grpc::ServerWriteReactor
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void WriteLocked(std::shared_ptr<const v1::PoolSnapshot> snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  SnapshotTicker& ticker_;
  absl::Mutex mu_;
  std::shared_ptr<const v1::PoolSnapshot> writing_ ABSL_GUARDED_BY(mu_);  // the write in flight
  std::shared_ptr<const v1::PoolSnapshot> waiting_ ABSL_GUARDED_BY(mu_);  // the latest after it
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  WatchLimit::Slot slot_;
};

}  // namespace maxpool::control
