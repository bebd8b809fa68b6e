#pragma once

// The completion handler of a coroutine that nobody awaits (boost::asio::co_spawn), in place of
// asio::detached, which drops the exception a coroutine ends with. ReportFailure describes that
// exception, naming the coroutine, and hands the line to a report function that logs and counts
// it; a coroutine that ends normally reports nothing. Usable from any thread.
//
//   asio::co_spawn(ioc, Session(...), net::ReportFailure("admin session", report));

#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace maxpool::net {

// Gets one line, e.g. "admin session ended with an exception: bad_alloc". Must not throw.
using FailureReport = std::function<void(const std::string&)>;

// "<what> ended with an exception: <what()>", or "<what> ended with an unknown exception".
std::string DescribeException(std::string_view what, std::exception_ptr e);

// Writes "maxpool: error: <line>" to stderr: the report of last resort, when no log is wired.
void ReportToStderr(const std::string& line);

class ReportFailure {
 public:
  // A null `report` writes to stderr (ReportToStderr).
  explicit ReportFailure(std::string what, FailureReport report = nullptr)
      : what_(std::move(what)), report_(std::move(report)) {}

  void operator()(std::exception_ptr e) const {
    if (e) Report(e);
  }
  // For coroutines that return a value: the value is dropped, the exception reported.
  template <class T>
  void operator()(std::exception_ptr e, T&&) const {
    if (e) Report(e);
  }

 private:
  void Report(std::exception_ptr e) const;

  std::string what_;
  FailureReport report_;
};

}  // namespace maxpool::net
