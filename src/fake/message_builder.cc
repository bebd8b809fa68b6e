#include "fake/message_builder.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "absl/status/status.h"
#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "boost/json/string.hpp"
#include "boost/json/value.hpp"
#include "boost/url/parse.hpp"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

// Sums string bytes and hashes them, over a JSON subtree (message text, system, tools).
void Walk(const boost::json::value& v, int64_t& bytes, uint64_t& hash) {
  switch (v.kind()) {
    case boost::json::kind::string: {
      const boost::json::string& s = v.get_string();
      bytes += static_cast<int64_t>(s.size());
      for (const char c : s) {
        hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
      }
      break;
    }
    case boost::json::kind::array:
      for (const auto& e : v.get_array()) Walk(e, bytes, hash);
      break;
    case boost::json::kind::object:
      for (const auto& [k, e] : v.get_object()) Walk(e, bytes, hash);
      break;
    default:
      break;
  }
}

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct ModelInfo {
  std::string_view id;
  std::string_view display_name;
  std::string_view created_at;
};

// Newest first (§1.6).
constexpr std::array<ModelInfo, 6> kModels = {{
    {"claude-fable-5", "Claude Fable 5", "2026-06-10T00:00:00Z"},
    {"claude-opus-4-8", "Claude Opus 4.8", "2026-02-05T00:00:00Z"},
    {"claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z"},
    {"claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"},
    {"claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z"},
    {"claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-14T00:00:00Z"},
}};

void AppendModel(std::string& out, const ModelInfo& m) {
  Append(&out, R"({"type":"model","id":")", m.id, R"(","display_name":")", m.display_name,
         R"(","created_at":")", m.created_at, R"("})");
}

}  // namespace

absl::StatusOr<MessageRequest> ParseMessageRequest(std::string_view body,
                                                   MessageEndpoint endpoint) {
  boost::system::error_code ec;
  const boost::json::value json = boost::json::parse(boost::json::string_view(body), ec);
  if (ec) {
    return absl::InvalidArgumentError(Cat("Request body is not valid JSON: ", ec.message()));
  }
  if (!json.is_object()) {
    return absl::InvalidArgumentError("Input should be a valid dictionary");
  }
  const boost::json::object& obj = json.get_object();
  MessageRequest request;
  const boost::json::value* model = obj.if_contains("model");
  if (model == nullptr) return absl::InvalidArgumentError("model: Field required");
  if (!model->is_string())
    return absl::InvalidArgumentError("model: Input should be a valid string");
  request.model = std::string(model->get_string().data(), model->get_string().size());
  if (endpoint == MessageEndpoint::kMessages) {
    const boost::json::value* max_tokens = obj.if_contains("max_tokens");
    if (max_tokens == nullptr) return absl::InvalidArgumentError("max_tokens: Field required");
    if (max_tokens->is_int64() && max_tokens->get_int64() >= 1) {
      request.max_tokens = max_tokens->get_int64();
    } else if (max_tokens->is_uint64()) {
      request.max_tokens =
          static_cast<int64_t>(std::min<uint64_t>(max_tokens->get_uint64(), uint64_t{1} << 40));
    } else {
      return absl::InvalidArgumentError("max_tokens: Input should be a valid positive integer");
    }
    if (const boost::json::value* stream = obj.if_contains("stream")) {
      if (!stream->is_bool())
        return absl::InvalidArgumentError("stream: Input should be a valid boolean");
      request.stream = stream->get_bool();
    }
  }
  const boost::json::value* messages = obj.if_contains("messages");
  if (messages == nullptr) return absl::InvalidArgumentError("messages: Field required");
  if (!messages->is_array()) {
    return absl::InvalidArgumentError("messages: Input should be a valid list");
  }
  int64_t bytes = 0;
  uint64_t hash = kFnvOffset;
  Walk(*messages, bytes, hash);
  for (const char* key : {"system", "tools"}) {
    if (const boost::json::value* v = obj.if_contains(key)) Walk(*v, bytes, hash);
  }
  request.input_tokens = std::max<int64_t>(1, (bytes + 3) / 4);
  request.seed = hash;
  return request;
}

bool LooksStreaming(std::string_view body) {
  size_t pos = 0;
  while ((pos = body.find("\"stream\"", pos)) != std::string_view::npos) {
    pos += 8;
    size_t i = pos;
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    if (i >= body.size() || body[i] != ':') continue;
    ++i;
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    return body.substr(i, 4) == "true";
  }
  return false;
}

std::string AnswerText(uint64_t seed, size_t bytes) {
  static constexpr std::array<std::string_view, 16> kWords = {
      "pool",  "routes", "each", "request", "to",     "an",   "account", "with",
      "quota", "left",   "and",  "streams", "tokens", "back", "fast",    "today"};
  std::string text;
  text.reserve(bytes + 16);
  text = "Hello";
  uint64_t state = seed;
  while (text.size() < bytes) {
    const uint64_t r = SplitMix(state);
    text += (r >> 60) == 0 ? ". " : " ";
    text += kWords[r & 15];
  }
  text.resize(bytes);
  return text;
}

Answer MakeAnswer(const MessageRequest& request, int64_t text_bytes) {
  Answer answer;
  int64_t bytes = std::max<int64_t>(0, text_bytes);
  if (request.max_tokens > 0 && (bytes + 3) / 4 > request.max_tokens) {
    bytes = request.max_tokens * 4;
    answer.stop_reason = "max_tokens";
  }
  answer.text = AnswerText(request.seed, static_cast<size_t>(bytes));
  answer.output_tokens = std::max<int64_t>(1, (bytes + 3) / 4);
  return answer;
}

std::string JsonString(std::string_view text) {
  return boost::json::serialize(boost::json::string_view(text));
}

std::string MessageJson(const MessageRequest& request, const Answer& answer,
                        std::string_view message_id) {
  return Cat(R"({"id":")", message_id, R"(","type":"message","role":"assistant","model":)",
             JsonString(request.model), R"(,"content":[{"type":"text","text":")", answer.text,
             R"("}],"stop_reason":")", answer.stop_reason,
             R"(","stop_sequence":null,"usage":{"input_tokens":)", request.input_tokens,
             R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,)",
             R"("cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},)",
             R"("output_tokens":)", answer.output_tokens, R"(,"service_tier":"standard"}})");
}

std::string CountTokensJson(int64_t input_tokens) {
  return Cat(R"({"input_tokens":)", input_tokens, "}");
}

absl::StatusOr<std::string> ModelsPageJson(std::string_view target) {
  size_t limit = 20;
  std::optional<std::string> after_id, before_id;
  auto url = boost::urls::parse_origin_form(boost::core::string_view(target.data(), target.size()));
  if (url.has_value()) {
    for (const auto& param : url->params()) {
      const std::string key(param.key);
      const std::string value(param.value);
      if (key == "limit") {
        int n = 0;
        for (const char c : value) {
          if (!std::isdigit(static_cast<unsigned char>(c)) || n > 100000) {
            n = -1;
            break;
          }
          n = n * 10 + (c - '0');
        }
        if (value.empty() || n < 1 || n > 1000) {
          return absl::InvalidArgumentError("limit: Input should be between 1 and 1000");
        }
        limit = static_cast<size_t>(n);
      } else if (key == "after_id") {
        after_id = value;
      } else if (key == "before_id") {
        before_id = value;
      }
    }
  }
  size_t begin = 0, end = kModels.size();
  auto index_of = [](std::string_view id) -> std::optional<size_t> {
    for (size_t i = 0; i < kModels.size(); ++i) {
      if (kModels[i].id == id) return i;
    }
    return std::nullopt;
  };
  bool has_more = false;
  if (after_id) {
    begin = index_of(*after_id).value_or(kModels.size() - 1) + 1;
    end = std::min(kModels.size(), begin + limit);
    has_more = end < kModels.size();
  } else if (before_id) {
    end = index_of(*before_id).value_or(0);
    begin = end > limit ? end - limit : 0;
    has_more = begin > 0;
  } else {
    end = std::min(kModels.size(), limit);
    has_more = end < kModels.size();
  }
  std::string out = R"({"data":[)";
  for (size_t i = begin; i < end; ++i) {
    if (i != begin) out += ',';
    AppendModel(out, kModels[i]);
  }
  Append(&out, R"(],"has_more":)", has_more ? "true" : "false", R"(,"first_id":)",
         begin < end ? JsonString(kModels[begin].id) : "null", R"(,"last_id":)",
         begin < end ? JsonString(kModels[end - 1].id) : "null", "}");
  return out;
}

absl::StatusOr<std::string> ModelJson(std::string_view id) {
  for (const ModelInfo& m : kModels) {
    if (m.id == id) {
      std::string out;
      AppendModel(out, m);
      return out;
    }
  }
  return absl::NotFoundError(Cat("model: ", id));
}

}  // namespace maxpool::fake
