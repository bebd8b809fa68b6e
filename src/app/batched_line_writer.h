#pragma once

// Lines from many threads to one stream, written in batches by a background thread so that the
// request path never waits on terminal or disk I/O (one write per request was a visible share of
// the proxy's latency tail). Lines appear within `interval`, whole and in the order appended; the
// destructor writes what is left.
//
// Thread safety: Append() may be called from any thread. The lock covers only the in-memory
// buffer, never the write.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>

namespace maxpool::app {

class BatchedLineWriter {
 public:
  BatchedLineWriter(std::ostream& out, std::chrono::milliseconds interval);
  ~BatchedLineWriter();
  BatchedLineWriter(const BatchedLineWriter&) = delete;
  BatchedLineWriter& operator=(const BatchedLineWriter&) = delete;

  // Queues `line` and a newline.
  void Append(std::string_view line);

 private:
  void Run();

  std::ostream& out_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_
  std::string pending_;    // guarded by mu_
  std::thread thread_;     // last: started once the rest is initialised
};

}  // namespace maxpool::app
