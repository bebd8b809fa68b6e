#include "config/atomic_file.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace maxpool::config {
namespace {

absl::Status ErrnoError(int error, const std::filesystem::path& path, absl::string_view step) {
  return absl::ErrnoToStatus(error,
                             absl::StrCat(path.string(), ": ", step, ": ", std::strerror(error)));
}

// Closes a file descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Closes now and reports the result (close can report a delayed write error).
  int Close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

// Creates `dir` and its missing parents with mode 0700.
absl::Status MakeDirectories(const std::filesystem::path& dir) {
  if (dir.empty()) return absl::OkStatus();
  struct stat info;
  if (::stat(dir.c_str(), &info) == 0) return absl::OkStatus();
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    absl::Status parent = MakeDirectories(dir.parent_path());
    if (!parent.ok()) return parent;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoError(errno, dir, "mkdir");
  }
  return absl::OkStatus();
}

std::string RandomHex(int bytes_count) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, bytes_count) != 1) {
    // Uniqueness, not secrecy, is needed here (the pid and O_EXCL make a clash an error at
    // worst), so any other source will do.
    std::random_device device;
    for (int i = 0; i < bytes_count; ++i) bytes[i] = static_cast<unsigned char>(device());
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), static_cast<size_t>(bytes_count)));
}

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return absl::NotFoundError(absl::StrCat(path.string(), ": no such file"));
    return ErrnoError(error, path, "open");
  }
  FdCloser closer(fd);
  std::string contents;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, path, "read");
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

absl::Status WriteFileAtomically(const std::filesystem::path& link_or_path,
                                 std::string_view contents) {
  // A symlinked file (a config kept in a dotfiles repository) is written where it points: a
  // rename over the link itself would replace the link with a regular file.
  std::filesystem::path path = link_or_path;
  std::error_code link_ec;
  if (std::filesystem::is_symlink(link_or_path, link_ec)) {
    const std::filesystem::path target = std::filesystem::weakly_canonical(link_or_path, link_ec);
    if (!link_ec) path = target;
  }
  const std::filesystem::path dir = path.parent_path();
  absl::Status status = MakeDirectories(dir);
  if (!status.ok()) return status;

  const std::string temp = absl::StrCat(path.string(), ".", ::getpid(), ".", RandomHex(6), ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError(errno, temp, "create");
  FdCloser closer(fd);
  auto fail = [&](absl::string_view step) {
    const int error = errno;
    ::unlink(temp.c_str());
    return ErrnoError(error, path, step);
  };
  // The mode argument is filtered by the umask; set it again explicitly (spec §12.1).
  if (::fchmod(fd, 0600) != 0) return fail("fchmod");
  const char* data = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("fsync");
  if (closer.Close() != 0) return fail("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("rename");

  // Make the rename itself durable.
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    FdCloser dir_closer(dir_fd);
    if (::fsync(dir_fd) != 0) return ErrnoError(errno, dir, "fsync directory");
  }
  return absl::OkStatus();
}

}  // namespace maxpool::config
