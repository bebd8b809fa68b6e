#include "fake/wire_errors.h"

#include <cstdint>
#include <random>

#include "fake/message_builder.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

constexpr std::string_view kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

std::string RandomId(std::string_view prefix, size_t length) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(prefix);
  id.reserve(prefix.size() + length);
  uint64_t bits = 0;
  for (size_t i = 0; i < length; ++i) {
    if (i % 8 == 0) bits = rng();
    id += kBase58[(bits & 0xff) % kBase58.size()];
    bits >>= 8;
  }
  return id;
}

}  // namespace

std::string NewRequestId() { return RandomId("req_011C", 20); }
std::string NewMessageId() { return RandomId("msg_01", 22); }

std::string ErrorJson(std::string_view type, std::string_view message,
                      std::string_view request_id) {
  return Cat(R"({"type":"error","error":{"type":)", JsonString(type), R"(,"message":)",
             JsonString(message), R"(},"request_id":)", JsonString(request_id), "}");
}

std::string_view ErrorTypeForStatus(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 409:
      return "conflict_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 529:
      return "Overloaded";
    default:
      return "Unknown";
  }
}

}  // namespace maxpool::fake
