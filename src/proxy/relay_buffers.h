#pragma once

// Fixed-size relay buffers, recycled per worker thread so that a request does not pay for a
// large allocation (a 16 KiB malloc and free per attempt was the largest user-space cost of a
// small request under load). At most `max_cached` buffers are kept; more are freed.
//
// Thread safety: none. Each proxy worker owns one, used only on its own io_context.

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace maxpool::proxy {

class RelayBuffers {
 public:
  // A buffer on loan; it goes back to its pool when the handle is destroyed.
  class Handle {
   public:
    Handle(RelayBuffers* owner, std::unique_ptr<char[]> storage)
        : owner_(owner), storage_(std::move(storage)) {}
    Handle(Handle&&) = default;
    Handle& operator=(Handle&&) = delete;
    ~Handle() {
      if (storage_) owner_->Give(std::move(storage_));
    }
    std::span<char> span() const { return {storage_.get(), owner_->buffer_bytes_}; }

   private:
    RelayBuffers* owner_;
    std::unique_ptr<char[]> storage_;
  };

  RelayBuffers(size_t buffer_bytes, size_t max_cached)
      : buffer_bytes_(buffer_bytes), max_cached_(max_cached) {}

  // Uninitialised memory of buffer_bytes() bytes.
  Handle Take() {
    if (free_.empty()) return Handle(this, std::unique_ptr<char[]>(new char[buffer_bytes_]));
    Handle handle(this, std::move(free_.back()));
    free_.pop_back();
    return handle;
  }

  size_t buffer_bytes() const { return buffer_bytes_; }
  size_t cached() const { return free_.size(); }

 private:
  void Give(std::unique_ptr<char[]> storage) {
    if (free_.size() < max_cached_) free_.push_back(std::move(storage));
  }

  size_t buffer_bytes_;
  size_t max_cached_;
  std::vector<std::unique_ptr<char[]>> free_;
};

}  // namespace maxpool::proxy
