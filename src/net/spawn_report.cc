#include "net/spawn_report.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace maxpool::net {

std::string DescribeException(std::string_view what, std::exception_ptr e) {
  const absl::string_view name(what.data(), what.size());
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return absl::StrCat(name, " ended with an exception: ", ex.what());
  } catch (...) {
    return absl::StrCat(name, " ended with an unknown exception");
  }
}

void ReportToStderr(const std::string& line) {
  std::fprintf(stderr, "maxpool: error: %s\n", line.c_str());
}

void ReportFailure::Report(std::exception_ptr e) const {
  const std::string line = DescribeException(what_, e);
  if (report_) {
    report_(line);
  } else {
    ReportToStderr(line);
  }
}

}  // namespace maxpool::net
