#pragma once

// The demo's generated traffic: `concurrency` clients sending /v1/messages to the proxy on
// 127.0.0.1:`port`, every other one streamed and every third bound to a session. With a request
// count it sends that many as fast as answers come; with 0 it sends until Stop(), each client
// pausing between 0.2 and 1.5 s so that a person can follow the activity.
//
// Thread safety: Stop() and Wait() may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace maxpool::app {

class DemoTraffic {
 public:
  DemoTraffic(uint16_t port, int concurrency, int requests);
  ~DemoTraffic();  // Stop() and Wait()
  DemoTraffic(const DemoTraffic&) = delete;
  DemoTraffic& operator=(const DemoTraffic&) = delete;

  // Blocks until every client is done (the count is reached, or Stop()).
  void Wait();
  // Asks the clients to stop after their current request.
  void Stop();

 private:
  void Client(int index);
  bool Pause(int index);  // false when stopped meanwhile

  const uint16_t port_;
  const int requests_;
  std::atomic<int> next_{0};
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_
  std::vector<std::thread> clients_;
};

}  // namespace maxpool::app
