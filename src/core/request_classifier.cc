#include "core/request_classifier.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "boost/json/basic_parser_impl.hpp"
#include "core/absl_view.h"
#include "core/model_family.h"
#include "core/saturating.h"

namespace maxpool::core {
namespace {

namespace json = boost::json;

std::string_view Trim(std::string_view s) {
  return StdView(absl::StripAsciiWhitespace(AbslView(s)));
}

constexpr size_t kWeightBytes = 64000;
constexpr int64_t kBigMaxTokens = 16000;
constexpr double kToleranceFloorMs = 300000;
constexpr double kToleranceShare = 0.8;
constexpr size_t kMaxDepth = 256;
constexpr size_t kMaxKey = 32;        // longer keys are none of ours
constexpr size_t kMaxCapture = 1024;  // model ids and `type` values are far shorter

// What the body scan found.
struct BodyFacts {
  std::string model;
  bool stream = false;
  bool big_max_tokens = false;
  bool thinking_or_effort = false;
  bool signed_thinking = false;  // thinking blocks, signature deltas, signature+thinking objects
  bool has_image = false;
  ThreadIntent thread = ThreadIntent::kNone;  // the root's thread.type
};

// A SAX handler for boost::json::basic_parser that records BodyFacts in one pass. Only keys,
// `type` values and a few top-level scalars are copied (capped); block texts and base64 image
// data stream past.
class BodyScanner {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  BodyFacts TakeFacts() { return std::move(facts_); }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return Open(/*is_object=*/true); }
  bool on_object_end(std::size_t, json::error_code&) { return Close(); }
  bool on_array_begin(json::error_code&) { return Open(/*is_object=*/false); }
  bool on_array_end(std::size_t, json::error_code&) { return Close(); }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    Append(key_, s, kMaxKey);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    Append(key_, s, kMaxKey);
    OnKey();
    key_.clear();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (Captures()) Append(text_, s, kMaxCapture);
    return true;
  }
  bool on_string(json::string_view s, std::size_t n, json::error_code&) {
    if (Captures()) Append(text_, s, kMaxCapture);
    OnString(n > 0);
    text_.clear();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t i, json::string_view, json::error_code&) {
    return OnNumber(static_cast<double>(i));
  }
  bool on_uint64(uint64_t u, json::string_view, json::error_code&) {
    return OnNumber(static_cast<double>(u));
  }
  bool on_double(double d, json::string_view, json::error_code&) { return OnNumber(d); }
  bool on_bool(bool b, json::error_code&) {
    OnTopLevelScalar(b, /*number=*/std::nullopt);
    return true;
  }
  bool on_null(json::error_code&) {
    OnTopLevelScalar(false, std::nullopt);
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  enum class Key { kOther, kType, kModel, kStream, kMaxTokens, kThinking, kEffort, kThread };
  struct Frame {
    bool is_object = false;
    Key key = Key::kOther;  // the key whose value comes next (objects only)
    bool has_signature = false;
    bool has_thinking = false;
    bool thread = false;  // the root's `thread` object
  };

  static void Append(std::string& out, json::string_view s, size_t cap) {
    if (out.size() <= cap) out.append(s.data(), std::min(s.size(), cap + 1 - out.size()));
  }

  // The key the current value belongs to, or kOther inside arrays and at the root.
  Key ValueKey() const {
    return (!frames_.empty() && frames_.back().is_object) ? frames_.back().key : Key::kOther;
  }
  // True while the current value is a member of the root object.
  bool AtTopLevel() const { return root_is_object_ && frames_.size() == 1; }

  bool Captures() const {
    const Key key = ValueKey();
    return key == Key::kType || (AtTopLevel() && (key == Key::kModel || key == Key::kMaxTokens));
  }

  bool Open(bool is_object) {
    if (frames_.empty() && is_object) root_is_object_ = true;
    // An object or array is truthy (and not a number above 16000).
    const bool thread = is_object && AtTopLevel() && ValueKey() == Key::kThread;
    if (AtTopLevel()) OnTopLevelScalar(true, std::nullopt);
    Frame frame;
    frame.is_object = is_object;
    frame.thread = thread;
    frames_.push_back(frame);
    return true;
  }
  bool Close() {
    frames_.pop_back();
    return true;
  }

  void OnKey() {
    Frame& frame = frames_.back();
    frame.key = Key::kOther;
    if (key_ == "type") {
      frame.key = Key::kType;
    } else if (key_ == "signature") {
      frame.has_signature = true;
    } else if (key_ == "thinking") {
      frame.key = Key::kThinking;
      frame.has_thinking = true;
    } else if (key_ == "model") {
      frame.key = Key::kModel;
    } else if (key_ == "stream") {
      frame.key = Key::kStream;
    } else if (key_ == "max_tokens") {
      frame.key = Key::kMaxTokens;
    } else if (key_ == "effort") {
      frame.key = Key::kEffort;
    } else if (key_ == "thread") {
      frame.key = Key::kThread;
    }
    if (frame.has_signature && frame.has_thinking) facts_.signed_thinking = true;
  }

  void OnString(bool non_empty) {
    const Key key = ValueKey();
    if (key == Key::kType) {
      if (text_ == "image") facts_.has_image = true;
      if (text_ == "thinking" || text_ == "redacted_thinking" || text_ == "signature_delta") {
        facts_.signed_thinking = true;
      }
      // thread.type of the root object (§12.4).
      if (root_is_object_ && frames_.size() == 2 && frames_.back().thread) {
        facts_.thread = text_ == "continue" ? ThreadIntent::kContinue
                        : text_ == "create" ? ThreadIntent::kCreate
                                            : ThreadIntent::kNone;
      }
    }
    if (!AtTopLevel()) return;
    if (key == Key::kModel) {
      facts_.model = text_;
      return;
    }
    // JavaScript compares a string with a number numerically: "20000" > 16000.
    std::optional<double> number;
    double v = 0;
    if (key == Key::kMaxTokens && absl::SimpleAtod(absl::StripAsciiWhitespace(text_), &v)) {
      number = v;
    }
    OnTopLevelScalar(non_empty, number);
  }

  bool OnNumber(double v) {
    OnTopLevelScalar(v != 0 && !std::isnan(v), v);
    return true;
  }

  // A top-level member's value: `truthy` for stream/thinking/effort, `number` for max_tokens.
  void OnTopLevelScalar(bool truthy, std::optional<double> number) {
    if (!AtTopLevel()) return;
    switch (ValueKey()) {
      case Key::kStream:
        facts_.stream = truthy;
        break;
      case Key::kMaxTokens:
        facts_.big_max_tokens = number.has_value() && *number > kBigMaxTokens;
        break;
      case Key::kThinking:
        thinking_ = truthy;
        break;
      case Key::kEffort:
        effort_ = truthy;
        break;
      case Key::kModel:
        facts_.model.clear();  // not a string (strings are handled by OnString)
        break;
      case Key::kType:
      case Key::kThread:
      case Key::kOther:
        break;
    }
    facts_.thinking_or_effort = thinking_ || effort_;
  }

  BodyFacts facts_;
  std::vector<Frame> frames_;
  bool root_is_object_ = false;
  bool thinking_ = false;
  bool effort_ = false;
  std::string key_;
  std::string text_;
};

// Scans a JSON body; nullopt unless it is exactly one valid JSON value.
std::optional<BodyFacts> ScanBody(std::string_view body) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  options.allow_invalid_utf8 = true;  // like a JavaScript string decode: never a reason to fail
  json::basic_parser<BodyScanner> parser(options);
  json::error_code ec;
  const size_t used = parser.write_some(/*more=*/false, body.data(), body.size(), ec);
  if (ec || !parser.done() || used != body.size()) return std::nullopt;
  return parser.handler().TakeFacts();
}

bool IsWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool IsCountTokensPath(std::string_view target) {
  constexpr std::string_view kPath = "/v1/messages/count_tokens";
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  for (size_t at = path.find(kPath); at != std::string_view::npos; at = path.find(kPath, at + 1)) {
    const size_t end = at + kPath.size();
    if (end == path.size() || !IsWordChar(path[end])) return true;
  }
  return false;
}

std::optional<absl::Duration> ClientTolerance(const HeaderSource& headers) {
  const std::string_view value = ControlHeader(headers, "x-maxpool-client-stream-idle-ms");
  double ms = 0;
  if (value.empty() || !absl::SimpleAtod(AbslView(value), &ms) || !std::isfinite(ms) ||
      ms <= kToleranceFloorMs) {
    return std::nullopt;
  }
  // A week bounds it: longer than any hold, and never a value a timer cannot hold.
  return ClampedMilliseconds(std::floor(kToleranceShare * ms), absl::Hours(24 * 7));
}

}  // namespace

std::string_view ControlHeader(const HeaderSource& headers, std::string_view lower_name) {
  if (std::optional<std::string_view> value = headers.Find(lower_name)) {
    const std::string_view trimmed = Trim(*value);
    if (!trimmed.empty()) return trimmed;
  }
  constexpr std::string_view kPrefix = "x-maxpool-";
  constexpr std::string_view kLegacy = "x-teamclaude-";
  std::array<char, 96> legacy;
  const std::string_view suffix = lower_name.substr(std::min(kPrefix.size(), lower_name.size()));
  if (!lower_name.starts_with(kPrefix) || kLegacy.size() + suffix.size() > legacy.size()) {
    return "";
  }
  std::memcpy(legacy.data(), kLegacy.data(), kLegacy.size());
  std::memcpy(legacy.data() + kLegacy.size(), suffix.data(), suffix.size());
  if (std::optional<std::string_view> value =
          headers.Find(std::string_view(legacy.data(), kLegacy.size() + suffix.size()))) {
    return Trim(*value);
  }
  return "";
}

RequestInfo ClassifyRequest(std::string_view /*method*/, std::string_view target,
                            std::string_view body, const HeaderSource& headers) {
  RequestInfo info;
  info.body_bytes = body.size();
  info.weight =
      static_cast<int>(std::max<size_t>(1, (body.size() + kWeightBytes - 1) / kWeightBytes));
  info.is_count_tokens = IsCountTokensPath(target);

  if (std::optional<BodyFacts> facts = ScanBody(body)) {
    info.body_scanned = true;
    info.model = std::move(facts->model);
    info.family = ModelFamilyOf(info.model);
    info.streaming = facts->stream;
    info.has_image = facts->has_image;
    info.thread = facts->thread;
    info.requires_thinking_integrity = facts->thinking_or_effort || facts->signed_thinking;
    if (facts->big_max_tokens) ++info.weight;
    if (facts->thinking_or_effort) ++info.weight;
  }

  // §6.2 profile: explicit, else the client's default, else "claude"; lower-cased.
  std::string_view profile = ControlHeader(headers, "x-maxpool-profile");
  if (profile.empty()) profile = ControlHeader(headers, "x-maxpool-default-profile");
  if (!profile.empty()) info.profile = absl::AsciiStrToLower(AbslView(profile));

  std::string_view session = ControlHeader(headers, "x-maxpool-session");
  if (session.empty()) {
    session = Trim(headers.Find("x-claude-code-session-id").value_or(""));
  }
  info.session_key = std::string(session);
  info.client_tolerance = ClientTolerance(headers);
  return info;
}

}  // namespace maxpool::core
