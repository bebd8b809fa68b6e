#include "proxy/request_head.h"

#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace maxpool::proxy {
namespace http = boost::beast::http;

namespace {

constexpr size_t kQuotedMax = 40;

std::string_view View(boost::beast::string_view s) { return {s.data(), s.size()}; }

// A short, printable copy of a client's value for an error message.
std::string Quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value.substr(0, kQuotedMax)) {
    out += absl::ascii_isprint(static_cast<unsigned char>(c)) ? c : '?';
  }
  if (value.size() > kQuotedMax) out += "...";
  out += "\"";
  return out;
}

bool AllowedMethod(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::post:
    case http::verb::put:
    case http::verb::patch:
    case http::verb::delete_:
    case http::verb::options:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<std::string> RequestHeadProblem(const http::request_header<>& head) {
  if (!AllowedMethod(head.method())) {
    return absl::StrCat("Method ", Quoted(View(head.method_string())),
                        " is not supported; maxpool forwards GET, HEAD, POST, PUT, PATCH, "
                        "DELETE and OPTIONS.");
  }
  const std::string_view target = View(head.target());
  if (target.empty() || target.front() != '/' || target.starts_with("//")) {
    return absl::StrCat("Request target ", Quoted(target),
                        " is not a path; send the path alone, such as /v1/messages.");
  }
  int te_lines = 0;
  std::string_view te;
  auto [te_begin, te_end] = head.equal_range(http::field::transfer_encoding);
  for (auto it = te_begin; it != te_end; ++it) {
    ++te_lines;
    te = View(it->value());
  }
  int cl_lines = 0;
  auto [cl_begin, cl_end] = head.equal_range(http::field::content_length);
  for (auto it = cl_begin; it != cl_end; ++it) ++cl_lines;
  if (te_lines > 0) {
    const absl::string_view coding =
        absl::StripAsciiWhitespace(absl::string_view(te.data(), te.size()));
    if (te_lines > 1 || !absl::EqualsIgnoreCase(coding, "chunked")) {
      return absl::StrCat("Transfer-Encoding ", Quoted(te_lines > 1 ? "(several lines)" : te),
                          " is not supported; only \"chunked\" is.");
    }
    if (head.version() < 11) {
      return "Transfer-Encoding is not allowed in an HTTP/1.0 request.";
    }
    if (cl_lines > 0) {
      return "A request may not carry both Transfer-Encoding and Content-Length.";
    }
  }
  if (cl_lines > 1) return "Content-Length appears more than once.";
  return std::nullopt;
}

}  // namespace maxpool::proxy
