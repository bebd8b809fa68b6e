#pragma once

// The telemetry of `maxpool top`: two background threads, one running TelemetryService.WatchPool
// and one WatchEvents against the control plane, posting what they receive to a FeedQueue. When a
// stream fails or ends (server restart, drain, network) the thread reconnects after a backoff
// (0.5 s doubling to 5 s, back to 0.5 s after a success). The snapshot thread also reports the
// connection (LinkUp on its first snapshot, LinkDown with the reason and the next attempt's time),
// so the screen can say "reconnecting in 2s: cannot reach …" and then "reconnected". Stop() (or
// the destructor) cancels the streams and joins the threads; it can take up to
// `connect_timeout` when a connection attempt to a silent address is in progress (a refused
// connection fails at once).

#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "control_client/control_client.h"
#include "tui/tui_queue.h"

namespace maxpool::tui {

struct FeedOptions {
  absl::Duration interval = absl::Seconds(1);  // of WatchPool
  absl::Duration min_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(5);
  absl::Duration connect_timeout = absl::Seconds(3);
};

class Feed {
 public:
  Feed(control_client::ControlTarget target, FeedOptions options, FeedQueue& queue);
  ~Feed();
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  void Start();
  void Stop();

 private:
  void RunPool();
  void RunEvents();
  // Waits `delay` or until Stop(); false when stopping.
  bool Sleep(absl::Duration delay);
  // Registers the context of the running stream so that Stop() can cancel it; false when
  // stopping already.
  bool SetActive(grpc::ClientContext* context, int slot);

  const control_client::ControlTarget target_;
  const FeedOptions options_;
  FeedQueue& queue_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* active_[2] ABSL_GUARDED_BY(mu_) = {nullptr, nullptr};
  std::thread pool_thread_;
  std::thread events_thread_;
};

}  // namespace maxpool::tui
