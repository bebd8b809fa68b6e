#include "proxy/sse_tracker.h"

#include <algorithm>
#include <cstring>

#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"

namespace maxpool::proxy {
namespace {

std::string_view DataOf(std::string_view event, std::string_view* name) {
  std::string_view data;
  while (!event.empty()) {
    const size_t eol = event.find('\n');
    std::string_view line = event.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("event:")) {
      *name = line.substr(6);
      if (!name->empty() && name->front() == ' ') name->remove_prefix(1);
    } else if (line.starts_with("data:")) {
      data = line.substr(5);
      if (!data.empty() && data.front() == ' ') data.remove_prefix(1);
    }
    if (eol == std::string_view::npos) break;
    event.remove_prefix(eol + 1);
  }
  return data;
}

int64_t IntAt(const boost::json::value* v, std::string_view key) {
  if (v == nullptr || !v->is_object()) return 0;
  const boost::json::value* field = v->as_object().if_contains(key);
  if (field == nullptr) return 0;
  if (field->is_int64()) return field->as_int64();
  if (field->is_uint64()) return static_cast<int64_t>(field->as_uint64());
  return 0;
}

}  // namespace

void SseTracker::Feed(std::string_view bytes) {
  // Lines end with "\n" or "\r\n"; a blank line ends an event (anthropic-wire.md §2.2).
  size_t event_begin = 0;  // where the current event's bytes start within `bytes`
  size_t line_begin = 0;
  while (line_begin < bytes.size()) {
    const void* found = std::memchr(bytes.data() + line_begin, '\n', bytes.size() - line_begin);
    if (found == nullptr) {
      for (size_t i = line_begin; i < bytes.size() && !line_has_content_; ++i) {
        line_has_content_ = bytes[i] != '\r';
      }
      break;
    }
    const size_t eol = static_cast<size_t>(static_cast<const char*>(found) - bytes.data());
    bool blank = !line_has_content_;
    for (size_t i = line_begin; i < eol && blank; ++i) blank = bytes[i] == '\r';
    line_has_content_ = false;
    line_begin = eol + 1;
    if (blank) {
      EndEvent(bytes.substr(event_begin, line_begin - event_begin));
      event_begin = line_begin;
    }
  }
  const std::string_view rest = bytes.substr(event_begin);
  if (rest.empty()) return;
  if (!overflow_ && pending_.size() + rest.size() <= kMaxEventBytes) {
    pending_.append(rest);
  } else {
    overflow_ = true;
    pending_.clear();
  }
}

void SseTracker::EndEvent(std::string_view tail) {
  if (!overflow_) {
    if (pending_.empty()) {
      OnEvent(tail);
    } else {
      pending_.append(tail);
      OnEvent(pending_);
    }
  }
  pending_.clear();
  overflow_ = false;
}

void SseTracker::OnEvent(std::string_view event) {
  std::string_view name;
  const std::string_view data = DataOf(event, &name);
  if (name == "message_stop") {
    saw_message_stop_ = true;
    return;
  }
  if (name == "error") {
    saw_error_ = true;
    return;
  }
  if (name != "message_start" && name != "message_delta") return;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(data.data(), data.size()), ec);
  if (ec || !v.is_object()) return;
  const boost::json::object& o = v.as_object();
  const boost::json::value* usage = nullptr;
  if (name == "message_start") {
    if (const boost::json::value* m = o.if_contains("message"); m && m->is_object()) {
      usage = m->as_object().if_contains("usage");
    }
  } else {
    usage = o.if_contains("usage");
  }
  usage_.input_tokens = std::max(usage_.input_tokens, IntAt(usage, "input_tokens"));
  usage_.output_tokens = std::max(usage_.output_tokens, IntAt(usage, "output_tokens"));
}

TokenUsage UsageFromJson(std::string_view body) {
  TokenUsage usage;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec);
  if (ec || !v.is_object()) return usage;
  const boost::json::value* u = v.as_object().if_contains("usage");
  usage.input_tokens = IntAt(u, "input_tokens");
  usage.output_tokens = IntAt(u, "output_tokens");
  return usage;
}

}  // namespace maxpool::proxy
