#include "redis/redis_reply.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "hiredis/hiredis.h"

namespace maxpool::redis {
namespace {

RedisReply Convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.kind = RedisReply::Kind::kString;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.kind = RedisReply::Kind::kStatus;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = RedisReply::Kind::kError;
      out.text.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.kind = RedisReply::Kind::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = RedisReply::Kind::kArray;
      out.elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(Convert(*r.element[i]));
      break;
    default:
      out.kind = RedisReply::Kind::kNil;
      break;
  }
  return out;
}

}  // namespace

struct RespDecoder::Reader {
  Reader() {
    functions = *reader->fn;
    create_array = functions.createArray;
    functions.createArray = &CreateArray;
    reader->fn = &functions;
    reader->privdata = this;
  }
  ~Reader() { redisReaderFree(reader); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // hiredis allocates each array whole when its header arrives, before any element does: the
  // elements a reply declares are counted, and an array past the budget is refused (hiredis then
  // fails the reply) instead of allocated.
  static void* CreateArray(const redisReadTask* task, int elements) {
    auto* self = static_cast<Reader*>(task->privdata);
    self->declared += elements;
    if (elements < 0 || self->declared > kMaxReplyElements) {
      self->over_budget = true;
      return nullptr;
    }
    return self->create_array(task, elements);
  }

  redisReader* reader = redisReaderCreate();
  redisReplyObjectFunctions functions;
  void* (*create_array)(const redisReadTask*, int) = nullptr;
  int64_t declared = 0;  // elements declared by the reply being read
  bool over_budget = false;
};

std::vector<std::pair<std::string, std::string>> HashPairs(const RedisReply& reply) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(reply.elements.size() / 2);
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    out.emplace_back(reply.elements[i].text, reply.elements[i + 1].text);
  }
  return out;
}

std::string EncodeCommand(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  args.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* command = nullptr;
  const int length =
      redisFormatCommandArgv(&command, static_cast<int>(args.size()), args.data(), lengths.data());
  if (length < 0 || command == nullptr) return {};
  std::string out(command, static_cast<size_t>(length));
  redisFreeCommand(command);
  return out;
}

RespDecoder::RespDecoder() : reader_(std::make_unique<Reader>()) {}
RespDecoder::~RespDecoder() = default;

void RespDecoder::Feed(std::string_view bytes) {
  redisReaderFeed(reader_->reader, bytes.data(), bytes.size());
}

absl::StatusOr<std::optional<RedisReply>> RespDecoder::Next() {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_->reader, &raw) != REDIS_OK) {
    if (reader_->over_budget) {
      return absl::DataLossError(absl::StrCat("not a Redis reply: it declares more than ",
                                              kMaxReplyElements, " elements"));
    }
    return absl::DataLossError(absl::StrCat("not a Redis reply: ", reader_->reader->errstr));
  }
  if (raw == nullptr) return std::optional<RedisReply>();
  reader_->declared = 0;  // the next reply has its own budget
  RedisReply reply = Convert(*static_cast<const redisReply*>(raw));
  freeReplyObject(raw);
  return std::optional<RedisReply>(std::move(reply));
}

}  // namespace maxpool::redis
