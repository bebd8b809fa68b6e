#include "logging/request_log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace maxpool::logging {

std::string FormatRequestLine(const proxy::RequestLogLine& line) {
  std::string target = line.target;
  if (const size_t q = target.find('?'); q != std::string::npos) target.resize(q);
  std::string out = absl::StrFormat("%s %s \u2192 %s (%u, %.1fs)", line.method, target,
                                    line.account, line.status, line.seconds);
  if (line.attempts > 1) absl::StrAppend(&out, " after ", line.attempts, " attempts");
  if (line.held) absl::StrAppend(&out, " [held]");
  if (line.truncated) absl::StrAppend(&out, " [upstream stream broke]");
  if (line.client_gone) absl::StrAppend(&out, " [client left]");
  return out;
}

}  // namespace maxpool::logging
