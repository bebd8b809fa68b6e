#include "proxy/sse_tracker.h"

#include <algorithm>

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
  for (size_t i = 0; i < bytes.size();) {
    // Find the end of the current event: a blank line ("\n\n", possibly split across chunks).
    size_t end = std::string_view::npos;
    size_t j = i;
    if (last_was_newline_ && bytes[i] == '\n') {
      end = i;
    } else {
      for (; j + 1 < bytes.size(); ++j) {
        if (bytes[j] == '\n' && bytes[j + 1] == '\n') {
          end = j + 1;
          break;
        }
      }
    }
    if (end == std::string_view::npos) {
      const std::string_view rest = bytes.substr(i);
      if (!overflow_ && pending_.size() + rest.size() <= kMaxEventBytes) {
        pending_.append(rest);
      } else {
        overflow_ = true;
        pending_.clear();
      }
      last_was_newline_ = bytes.back() == '\n';
      return;
    }
    const std::string_view piece = bytes.substr(i, end + 1 - i);
    if (!overflow_) {
      if (pending_.empty()) {
        OnEvent(piece);
      } else {
        pending_.append(piece);
        OnEvent(pending_);
      }
    }
    pending_.clear();
    overflow_ = false;
    last_was_newline_ = false;
    i = end + 1;
  }
}

void SseTracker::OnEvent(std::string_view event) {
  std::string_view name;
  const std::string_view data = DataOf(event, &name);
  if (name == "message_stop") {
    saw_message_stop_ = true;
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
