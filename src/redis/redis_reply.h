#pragma once

// One RESP reply, as plain data, and the streaming decoder that makes them (hiredis's reader).
// Not thread-safe: a RespDecoder belongs to one connection.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace maxpool::redis {

struct RedisReply {
  enum class Kind { kNil, kStatus, kError, kInteger, kString, kArray };
  Kind kind = Kind::kNil;
  std::string text;  // kStatus, kError, kString
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_error() const { return kind == Kind::kError; }
  bool is_nil() const { return kind == Kind::kNil; }
};

// The field -> value pairs of an HGETALL reply, in reply order (an odd last element is dropped).
std::vector<std::pair<std::string, std::string>> HashPairs(const RedisReply& reply);

// The RESP request for one command (hiredis's encoder): *N\r\n$len\r\narg\r\n…
std::string EncodeCommand(const std::vector<std::string>& argv);

// Feeds bytes as they arrive and takes out whole replies.
class RespDecoder {
 public:
  // Elements one reply may declare in all its arrays. An array is allocated whole when its
  // header arrives, so a corrupt or hostile peer could otherwise make a few bytes cost gigabytes.
  static constexpr int64_t kMaxReplyElements = int64_t{1} << 20;

  RespDecoder();
  ~RespDecoder();
  RespDecoder(const RespDecoder&) = delete;
  RespDecoder& operator=(const RespDecoder&) = delete;

  void Feed(std::string_view bytes);
  // The next whole reply, nullopt while more bytes are needed. Error: a protocol error, or a
  // reply past kMaxReplyElements (the connection cannot be used any more).
  absl::StatusOr<std::optional<RedisReply>> Next();

 private:
  struct Reader;
  std::unique_ptr<Reader> reader_;
};

}  // namespace maxpool::redis
