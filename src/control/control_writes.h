#pragma once

// The one path of every change the control plane makes, from any service (docs/architecture.md
// "Control plane"): the change is written to the config file first (one read-modify-write through
// the ConfigStore: atomic, serialised with the CLI's writes), then applied to the live pool, both
// before the call answers, so the answer reflects the change and a restart keeps it. A change the
// file refuses (invalid, unwritable) changes nothing.
//
// One mutex is held from the write until the pool has the change, so that concurrent changes of
// every service reach the pool in the order they were written (an older config is never applied
// after a newer one). Slow work (profile reads, token exchanges) belongs before Write(), outside
// it.
//
// Thread safety: every method may be called from any thread. The store and hooks must outlive
// this.

#include <functional>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "config/config_store.h"
#include "control/server_hooks.h"
#include "grpcpp/support/status.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::control {

class ControlWrites {
 public:
  struct Change {
    // Edits the file's content. A non-OK status refuses the change: nothing is written and the
    // status is the answer.
    std::function<grpc::Status(v1::Config&)> edit;
    // The answer when the file cannot be read or written (the ConfigStore's error).
    std::function<grpc::Status(const absl::Status&)> store_error;
    // Applies the written config to the live pool. Empty: its accounts, through
    // ServerHooks::ApplyConfig (hot-sync). A non-OK status is the answer (the file keeps the
    // change).
    std::function<grpc::Status(const v1::Config& written)> apply;
  };

  ControlWrites(config::ConfigStore& store, ServerHooks& hooks) : store_(store), hooks_(hooks) {}

  ControlWrites(const ControlWrites&) = delete;
  ControlWrites& operator=(const ControlWrites&) = delete;

  // Writes `change`, then applies it to the pool.
  grpc::Status Write(const Change& change);

  // A change that a lower layer writes to the file itself (credentials::SaveLoggedInAccount
  // through the same ConfigStore): runs `persist`, then applies the file as it is then to the
  // pool's accounts, in the same order as Write(). A non-OK status of `persist` is the answer.
  grpc::Status WritePersisted(const std::function<grpc::Status()>& persist);

 private:
  config::ConfigStore& store_;
  ServerHooks& hooks_;
  // Held from a config write until the live pool has it.
  absl::Mutex mu_;
};

}  // namespace maxpool::control
