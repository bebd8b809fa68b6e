#include "app/output_format.h"

#include <charconv>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/json/parse.hpp"
#include "core/absl_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"

namespace maxpool::app {
namespace {

namespace json = boost::json;
namespace pb = google::protobuf;

// --- The JSON of a message ----------------------------------------------------------------------

// Gives the double field `field` of `message`, whose JSON is `value`, the message's own values.
// Protobuf prints a double with 17 digits when 15 do not round-trip, and Boost 1.81 reads about
// one in ten such numbers a unit in the last place off (its precise mode came in 1.83). NaN and
// the infinities print as strings ("NaN") and stay so.
void UseExactDoubles(const pb::Message& message, const pb::FieldDescriptor& field,
                     json::value& value) {
  const pb::Reflection& reflection = *message.GetReflection();
  if (!field.is_repeated()) {
    if (value.is_number()) value = reflection.GetDouble(message, &field);
    return;
  }
  if (!value.is_array()) return;
  json::array& items = value.get_array();
  const size_t size = static_cast<size_t>(reflection.FieldSize(message, &field));
  for (size_t i = 0; i < items.size() && i < size; ++i) {
    if (items[i].is_number()) {
      items[i] = reflection.GetRepeatedDouble(message, &field, static_cast<int>(i));
    }
  }
}

// Puts the members of `value`, the JSON of `message`, in field order, and gives its double fields
// their exact values (UseExactDoubles), at every depth. The well-known types print as strings or
// special objects, and maps as objects keyed by the map's keys; they are left as printed.
void MatchMessage(const pb::Message& message, json::value& value) {
  const pb::Descriptor& descriptor = *message.GetDescriptor();
  if (!value.is_object() || descriptor.file()->package() == "google.protobuf") return;
  const pb::Reflection& reflection = *message.GetReflection();
  json::object& printed = value.get_object();
  json::object ordered;
  ordered.reserve(printed.size());
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const pb::FieldDescriptor& field = *descriptor.field(i);
    json::value* member = printed.if_contains(field.json_name());
    if (member == nullptr) continue;
    if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) {
      UseExactDoubles(message, field, *member);
    } else if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !field.is_map()) {
      if (!field.is_repeated()) {
        MatchMessage(reflection.GetMessage(message, &field), *member);
      } else if (member->is_array()) {
        json::array& items = member->get_array();
        const size_t size = static_cast<size_t>(reflection.FieldSize(message, &field));
        for (size_t j = 0; j < items.size() && j < size; ++j) {
          MatchMessage(reflection.GetRepeatedMessage(message, &field, static_cast<int>(j)),
                       items[j]);
        }
      }
    }
    ordered.emplace(field.json_name(), std::move(*member));
  }
  // Keys that name no field (none are expected) follow the fields.
  for (json::key_value_pair& member : printed) {
    if (!ordered.contains(member.key())) ordered.emplace(member.key(), std::move(member.value()));
  }
  value = std::move(ordered);
}

// --- Writing ------------------------------------------------------------------------------------

// A number as written by protobuf: integers as integers, doubles in their shortest round-trip form
// (std::to_chars: 0.8, 1e+20, 1.5e-07), never Boost's serializer's 8E-1. Not finite: "null".
std::string NumberText(const json::value& value) {
  if (value.is_int64()) return absl::StrCat(value.get_int64());
  if (value.is_uint64()) return absl::StrCat(value.get_uint64());
  const double number = value.get_double();
  if (!std::isfinite(number)) return "null";
  char buffer[32];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof buffer, number);
  return std::string(buffer, result.ptr);
}

void AppendQuoted(std::string_view text, std::string& out) {
  out += '"';
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const unsigned char next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {
      // C1 controls (U+0080..U+009F): YAML may not carry them unescaped.
      absl::StrAppendFormat(&out, "\\u%04x", next);
      ++i;
    } else if (text.substr(i, 3) == "\xE2\x80\xA8" || text.substr(i, 3) == "\xE2\x80\xA9" ||
               text.substr(i, 3) == "\xEF\xBB\xBF") {
      // Line and paragraph separators (line breaks to YAML 1.1) and the byte order mark.
      out += text[i + 2] == '\xA8' ? "\\u2028" : text[i + 2] == '\xA9' ? "\\u2029" : "\\ufeff";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void AppendJson(const json::value& value, int indent, std::string& out) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      out += NumberText(value);
      return;
    case json::kind::string:
      AppendQuoted(value.get_string(), out);
      return;
    case json::kind::array: {
      const json::array& items = value.get_array();
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < items.size(); ++i) {
        out.append(indent + 2, ' ');
        AppendJson(items[i], indent + 2, out);
        out += i + 1 < items.size() ? ",\n" : "\n";
      }
      out.append(indent, ' ');
      out += ']';
      return;
    }
    case json::kind::object: {
      const json::object& members = value.get_object();
      if (members.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      size_t i = 0;
      for (const json::key_value_pair& member : members) {
        out.append(indent + 2, ' ');
        AppendQuoted(member.key(), out);
        out += ": ";
        AppendJson(member.value(), indent + 2, out);
        out += ++i < members.size() ? ",\n" : "\n";
      }
      out.append(indent, ' ');
      out += '}';
      return;
    }
  }
}

// Whether `text` reads back as this very string when written plain: it starts with a letter, has
// nothing YAML gives a meaning to, and is none of YAML 1.1's booleans and nulls (yes, off, ~, ...).
bool PlainSafe(std::string_view text) {
  if (text.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(text[0]))) return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '/' &&
        c != '@' && c != '-') {
      return false;
    }
  }
  const std::string lower = absl::AsciiStrToLower(core::AbslView(text));
  for (std::string_view word : {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}) {
    if (lower == word) return false;
  }
  return true;
}

void AppendYamlString(std::string_view text, std::string& out) {
  if (PlainSafe(text)) {
    out += text;
  } else {
    AppendQuoted(text, out);
  }
}

// A JSON number as YAML 1.1 also resolves it: an exponent needs a '.' in the mantissa and a sign.
std::string YamlNumber(const std::string& number) {
  const size_t e = number.find_first_of("eE");
  if (e == std::string::npos) return number;
  const std::string_view mantissa = std::string_view(number).substr(0, e);
  const std::string_view exponent = std::string_view(number).substr(e + 1);
  const bool has_point = mantissa.find('.') != std::string_view::npos;
  const bool has_sign = !exponent.empty() && (exponent[0] == '+' || exponent[0] == '-');
  return absl::StrCat(absl::string_view(mantissa.data(), mantissa.size()), has_point ? "" : ".0",
                      "e", has_sign ? "" : "+",
                      absl::string_view(exponent.data(), exponent.size()));
}

bool IsBlock(const json::value& value) {
  return (value.is_array() && !value.get_array().empty()) ||
         (value.is_object() && !value.get_object().empty());
}

// A scalar or an empty container, on the current line.
void AppendYamlInline(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::null:
    case json::kind::bool_:
      AppendJson(value, 0, out);
      return;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      out += YamlNumber(NumberText(value));
      return;
    case json::kind::string:
      AppendYamlString(value.get_string(), out);
      return;
    case json::kind::array:
      out += "[]";
      return;
    case json::kind::object:
      out += "{}";
      return;
  }
}

// A non-empty mapping or sequence, every line indented by `indent` and ending with a newline.
void AppendYamlBlock(const json::value& value, int indent, std::string& out) {
  if (value.is_object()) {
    for (const json::key_value_pair& member : value.get_object()) {
      out.append(indent, ' ');
      AppendYamlString(member.key(), out);
      out += ':';
      if (IsBlock(member.value())) {
        out += '\n';
        AppendYamlBlock(member.value(), indent + 2, out);
      } else {
        out += ' ';
        AppendYamlInline(member.value(), out);
        out += '\n';
      }
    }
    return;
  }
  for (const json::value& item : value.get_array()) {
    if (!IsBlock(item)) {
      out.append(indent, ' ');
      out += "- ";
      AppendYamlInline(item, out);
      out += '\n';
      continue;
    }
    // The item's block, two columns deeper, with "- " in place of its first line's indentation.
    std::string block;
    AppendYamlBlock(item, indent + 2, block);
    out.append(indent, ' ');
    out += "- ";
    out.append(block, static_cast<size_t>(indent) + 2, std::string::npos);
  }
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view option, std::string_view value) {
  if (value == "text") return OutputFormat::kText;
  if (value == "json") return OutputFormat::kJson;
  if (value == "yaml") return OutputFormat::kYaml;
  return absl::InvalidArgumentError(absl::StrCat(
      core::AbslView(option), " needs text, json or yaml; got \"", core::AbslView(value), "\""));
}

absl::StatusOr<json::value> MessageToJsonValue(const google::protobuf::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  if (const auto status = pb::util::MessageToJsonString(message, &text, options); !status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print ", message.GetTypeName(), " as JSON: ", status.ToString()));
  }
  json::parse_options parse_options;
  parse_options.max_depth = 128;  // Boost's default, 32, is less than protobuf's 100
  json::error_code error;
  json::value value = json::parse(text, error, {}, parse_options);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot read the JSON of ", message.GetTypeName(), ": ", error.message()));
  }
  MatchMessage(message, value);
  return value;
}

std::string WriteJson(const json::value& value) {
  std::string out;
  AppendJson(value, 0, out);
  out += '\n';
  return out;
}

std::string WriteYaml(const json::value& value) {
  std::string out;
  if (IsBlock(value)) {
    AppendYamlBlock(value, 0, out);
  } else {
    AppendYamlInline(value, out);
    out += '\n';
  }
  return out;
}

std::string WriteDocument(const json::value& value, OutputFormat format) {
  return format == OutputFormat::kYaml ? WriteYaml(value) : WriteJson(value);
}

absl::StatusOr<std::string> FormatMessage(const google::protobuf::Message& message,
                                          OutputFormat format) {
  absl::StatusOr<json::value> value = MessageToJsonValue(message);
  if (!value.ok()) return value.status();
  return WriteDocument(*value, format);
}

}  // namespace maxpool::app
