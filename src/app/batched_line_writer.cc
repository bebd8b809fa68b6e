#include "app/batched_line_writer.h"

namespace maxpool::app {

BatchedLineWriter::BatchedLineWriter(std::ostream& out, std::chrono::milliseconds interval)
    : out_(out), interval_(interval), thread_([this] { Run(); }) {}

BatchedLineWriter::~BatchedLineWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_one();
  thread_.join();
}

void BatchedLineWriter::Append(std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.append(line);
  pending_.push_back('\n');
}

void BatchedLineWriter::Run() {
  std::string batch;
  bool last = false;
  while (!last) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      stop_cv_.wait_for(lock, interval_, [this] { return stopping_; });
      last = stopping_;
      batch.swap(pending_);  // pending_ takes the old batch's capacity: no regrowth per round
    }
    if (!batch.empty()) {
      out_.write(batch.data(), static_cast<std::streamsize>(batch.size()));
      out_.flush();
      batch.clear();
    }
  }
}

}  // namespace maxpool::app
