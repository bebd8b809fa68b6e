#pragma once

// A full disk that root cannot bypass, for tests of failed writes: while a FileSizeLimit lives,
// the process's RLIMIT_FSIZE is `bytes`, so writing past that size fails with EFBIG (SIGXFSZ is
// ignored meanwhile; its default would end the process). Process-wide: other threads' writes fail
// too. Header-only.

#include <signal.h>
#include <sys/resource.h>

#include <cstdint>

namespace maxpool::testing {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(uint64_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = static_cast<rlim_t>(bytes);
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  sighandler_t previous_handler_ = SIG_DFL;
};

}  // namespace maxpool::testing
