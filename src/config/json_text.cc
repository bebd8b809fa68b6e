#include "config/json_text.h"

#include <charconv>
#include <cmath>
#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/json/serialize.hpp"
#include "boost/json/stream_parser.hpp"

namespace maxpool::config {
namespace {

// 1-based line and column (in characters, not bytes) of byte `offset` in `text`.
std::string Position(std::string_view text, size_t offset) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      ++line;
      column = 1;
    } else if ((byte & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      ++column;
    }
  }
  return absl::StrCat(line, ":", column);
}

void AppendNumber(double number, std::string& out) {
  if (!std::isfinite(number)) {  // JSON.stringify writes null for NaN and infinities
    out += "null";
    return;
  }
  char buffer[64];
  const double magnitude = std::fabs(number);
  // JavaScript prints plain digits for 1e-6 <= |x| < 1e21 and exponents outside that range.
  const bool plain = number == 0 || (magnitude >= 1e-6 && magnitude < 1e21);
  const auto result =
      plain ? std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::fixed)
            : std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::scientific);
  out.append(buffer, result.ptr);
}

void AppendIndent(int depth, std::string& out) { out.append(static_cast<size_t>(depth) * 2, ' '); }

void AppendValue(const boost::json::value& value, int depth, std::string& out) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out += "null";
      return;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64:
      absl::StrAppend(&out, value.get_int64());
      return;
    case boost::json::kind::uint64:
      absl::StrAppend(&out, value.get_uint64());
      return;
    case boost::json::kind::double_:
      AppendNumber(value.get_double(), out);
      return;
    case boost::json::kind::string:
      out += boost::json::serialize(value.get_string());
      return;
    case boost::json::kind::array: {
      const boost::json::array& array = value.get_array();
      if (array.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < array.size(); ++i) {
        AppendIndent(depth + 1, out);
        AppendValue(array[i], depth + 1, out);
        out += i + 1 < array.size() ? ",\n" : "\n";
      }
      AppendIndent(depth, out);
      out += "]";
      return;
    }
    case boost::json::kind::object: {
      const boost::json::object& object = value.get_object();
      if (object.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      size_t i = 0;
      for (const auto& entry : object) {
        AppendIndent(depth + 1, out);
        out += boost::json::serialize(entry.key());
        out += ": ";
        AppendValue(entry.value(), depth + 1, out);
        out += ++i < object.size() ? ",\n" : "\n";
      }
      AppendIndent(depth, out);
      out += "}";
      return;
    }
  }
}

}  // namespace

absl::StatusOr<boost::json::value> ParseJsonText(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = 128;
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  const size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(Position(text, consumed), ": ", ec.message()));
  }
  if (consumed < text.size()) {  // a complete value followed by more than whitespace
    return absl::InvalidArgumentError(
        absl::StrCat(Position(text, consumed), ": unexpected text after the JSON value"));
  }
  parser.finish(ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        Position(text, text.size()), ": unexpected end of input (", ec.message(), ")"));
  }
  return parser.release();
}

std::string FormatJsonText(const boost::json::value& value) {
  std::string out;
  AppendValue(value, 0, out);
  out += "\n";
  return out;
}

}  // namespace maxpool::config
