#include "app/output_format.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "core/absl_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"

namespace maxpool::app {
namespace {

namespace pb = google::protobuf;
using Kind = JsonNode::Kind;

// --- Parsing ------------------------------------------------------------------------------------

// Deep enough for any response; bounds the recursion on hostile input.
constexpr int kMaxDepth = 256;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<JsonNode> Document() {
    JsonNode node;
    if (absl::Status status = Value(node, 0); !status.ok()) return status;
    SkipSpace();
    if (pos_ != text_.size()) return Error("the end of the document");
    return node;
  }

 private:
  absl::Status Error(std::string_view expected) const {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON: expected ", core::AbslView(expected), " at byte ", pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  absl::Status Value(JsonNode& node, int depth) {
    if (depth > kMaxDepth) return Error("less nesting");
    SkipSpace();
    if (pos_ >= text_.size()) return Error("a value");
    const char c = text_[pos_];
    if (c == '{') return Object(node, depth);
    if (c == '[') return Array(node, depth);
    if (c == '"') {
      node.kind = Kind::kString;
      return String(node.scalar);
    }
    if (Consume("true") || Consume("false")) {
      node.kind = Kind::kBool;
      node.scalar = c == 't' ? "true" : "false";
      return absl::OkStatus();
    }
    if (Consume("null")) {
      node.kind = Kind::kNull;
      return absl::OkStatus();
    }
    return Number(node);
  }

  absl::Status Object(JsonNode& node, int depth) {
    node.kind = Kind::kObject;
    ++pos_;  // {
    SkipSpace();
    if (Consume("}")) return absl::OkStatus();
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return Error("a key");
      std::string key;
      if (absl::Status status = String(key); !status.ok()) return status;
      SkipSpace();
      if (!Consume(":")) return Error("':'");
      JsonNode value;
      if (absl::Status status = Value(value, depth + 1); !status.ok()) return status;
      node.members.emplace_back(std::move(key), std::move(value));
      SkipSpace();
      if (Consume("}")) return absl::OkStatus();
      if (!Consume(",")) return Error("',' or '}'");
    }
  }

  absl::Status Array(JsonNode& node, int depth) {
    node.kind = Kind::kArray;
    ++pos_;  // [
    SkipSpace();
    if (Consume("]")) return absl::OkStatus();
    while (true) {
      JsonNode item;
      if (absl::Status status = Value(item, depth + 1); !status.ok()) return status;
      node.items.push_back(std::move(item));
      SkipSpace();
      if (Consume("]")) return absl::OkStatus();
      if (!Consume(",")) return Error("',' or ']'");
    }
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  absl::Status Number(JsonNode& node) {
    const size_t start = pos_;
    const auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < text_.size() && absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      }
      return pos_ - from;
    };
    Consume("-");
    if (Consume("0")) {
      // No leading zeros.
    } else if (digits() == 0) {
      pos_ = start;
      return Error("a value");
    }
    if (Consume(".") && digits() == 0) return Error("a digit");
    if (Consume("e") || Consume("E")) {
      if (!Consume("+")) Consume("-");
      if (digits() == 0) return Error("a digit");
    }
    node.kind = Kind::kNumber;
    node.scalar = std::string(text_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  absl::Status Hex4(uint32_t& out) {
    if (pos_ + 4 > text_.size()) return Error("4 hex digits");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9') {
        out |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        --pos_;
        return Error("a hex digit");
      }
    }
    return absl::OkStatus();
  }

  static void AppendUtf8(uint32_t code, std::string& out) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  absl::Status String(std::string& out) {
    ++pos_;  // "
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return absl::OkStatus();
      if (static_cast<unsigned char>(c) < 0x20) {
        --pos_;
        return Error("an escaped control character");
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      const char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t code = 0;
          if (absl::Status status = Hex4(code); !status.ok()) return status;
          if (code >= 0xD800 && code < 0xDC00) {
            uint32_t low = 0;
            if (!Consume("\\u")) return Error("a low surrogate");
            if (absl::Status status = Hex4(low); !status.ok()) return status;
            if (low < 0xDC00 || low > 0xDFFF) return Error("a low surrogate");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            return Error("a high surrogate first");
          }
          AppendUtf8(code, out);
          break;
        }
        default:
          --pos_;
          return Error("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
      }
    }
    return Error("the closing '\"'");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// --- Proto field order --------------------------------------------------------------------------

// Puts the members of `node`, the JSON of a message of type `descriptor`, in field order, at every
// depth. The well-known types print as strings or special objects; they are left alone.
void OrderLikeMessage(const pb::Descriptor& descriptor, JsonNode& node) {
  if (node.kind != Kind::kObject) return;
  if (descriptor.file()->package() == "google.protobuf") return;
  std::map<std::string, int, std::less<>> index;
  for (int i = 0; i < descriptor.field_count(); ++i) index[descriptor.field(i)->json_name()] = i;
  const auto rank = [&](const std::string& key) {
    const auto it = index.find(key);
    return it == index.end() ? descriptor.field_count() : it->second;
  };
  std::stable_sort(node.members.begin(), node.members.end(),
                   [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
  for (auto& [key, value] : node.members) {
    const auto it = index.find(key);
    if (it == index.end()) continue;
    const pb::FieldDescriptor* field = descriptor.field(it->second);
    if (field->type() != pb::FieldDescriptor::TYPE_MESSAGE || field->is_map()) continue;
    if (field->is_repeated()) {
      for (JsonNode& item : value.items) OrderLikeMessage(*field->message_type(), item);
    } else {
      OrderLikeMessage(*field->message_type(), value);
    }
  }
}

// --- Writing ------------------------------------------------------------------------------------

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

void AppendJson(const JsonNode& node, int indent, std::string& out) {
  switch (node.kind) {
    case Kind::kNull:
      out += "null";
      return;
    case Kind::kBool:
    case Kind::kNumber:
      out += node.scalar;
      return;
    case Kind::kString:
      AppendQuoted(node.scalar, out);
      return;
    case Kind::kArray:
      if (node.items.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < node.items.size(); ++i) {
        out.append(indent + 2, ' ');
        AppendJson(node.items[i], indent + 2, out);
        out += i + 1 < node.items.size() ? ",\n" : "\n";
      }
      out.append(indent, ' ');
      out += ']';
      return;
    case Kind::kObject:
      if (node.members.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      for (size_t i = 0; i < node.members.size(); ++i) {
        out.append(indent + 2, ' ');
        AppendQuoted(node.members[i].first, out);
        out += ": ";
        AppendJson(node.members[i].second, indent + 2, out);
        out += i + 1 < node.members.size() ? ",\n" : "\n";
      }
      out.append(indent, ' ');
      out += '}';
      return;
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
  std::string mantissa = number.substr(0, e);
  std::string exponent = number.substr(e + 1);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  if (exponent.empty() || (exponent[0] != '+' && exponent[0] != '-')) exponent.insert(0, "+");
  return absl::StrCat(mantissa, "e", exponent);
}

bool IsBlock(const JsonNode& node) {
  return (node.kind == Kind::kArray && !node.items.empty()) ||
         (node.kind == Kind::kObject && !node.members.empty());
}

// A scalar or an empty container, on the current line.
void AppendYamlInline(const JsonNode& node, std::string& out) {
  switch (node.kind) {
    case Kind::kNull:
      out += "null";
      return;
    case Kind::kBool:
      out += node.scalar;
      return;
    case Kind::kNumber:
      out += YamlNumber(node.scalar);
      return;
    case Kind::kString:
      AppendYamlString(node.scalar, out);
      return;
    case Kind::kArray:
      out += "[]";
      return;
    case Kind::kObject:
      out += "{}";
      return;
  }
}

// A non-empty mapping or sequence, every line indented by `indent` and ending with a newline.
void AppendYamlBlock(const JsonNode& node, int indent, std::string& out) {
  if (node.kind == Kind::kObject) {
    for (const auto& [key, value] : node.members) {
      out.append(indent, ' ');
      AppendYamlString(key, out);
      out += ':';
      if (IsBlock(value)) {
        out += '\n';
        AppendYamlBlock(value, indent + 2, out);
      } else {
        out += ' ';
        AppendYamlInline(value, out);
        out += '\n';
      }
    }
    return;
  }
  for (const JsonNode& item : node.items) {
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

// Breaks `text` into lines of at most `width` columns, each after `indent` spaces.
std::string Wrap(std::string_view text, size_t indent, size_t width) {
  std::string out, line;
  for (absl::string_view word : absl::StrSplit(core::AbslView(text), ' ', absl::SkipEmpty())) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
  return out;
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view option, std::string_view value) {
  if (value == "text") return OutputFormat::kText;
  if (value == "json") return OutputFormat::kJson;
  if (value == "yaml") return OutputFormat::kYaml;
  return absl::InvalidArgumentError(absl::StrCat(
      core::AbslView(option), " needs text, json or yaml; got \"", core::AbslView(value), "\""));
}

JsonNode JsonNode::Bool(bool value) {
  JsonNode node;
  node.kind = Kind::kBool;
  node.scalar = value ? "true" : "false";
  return node;
}

JsonNode JsonNode::Number(long long value) {
  JsonNode node;
  node.kind = Kind::kNumber;
  node.scalar = absl::StrCat(value);
  return node;
}

JsonNode JsonNode::String(std::string value) {
  JsonNode node;
  node.kind = Kind::kString;
  node.scalar = std::move(value);
  return node;
}

JsonNode JsonNode::Array(std::vector<JsonNode> items) {
  JsonNode node;
  node.kind = Kind::kArray;
  node.items = std::move(items);
  return node;
}

JsonNode JsonNode::Object(std::vector<std::pair<std::string, JsonNode>> members) {
  JsonNode node;
  node.kind = Kind::kObject;
  node.members = std::move(members);
  return node;
}

const JsonNode* JsonNode::Find(std::string_view key) const {
  for (const auto& [name, value] : members) {
    if (name == key) return &value;
  }
  return nullptr;
}

void JsonNode::Erase(std::string_view key) {
  members.erase(std::remove_if(members.begin(), members.end(),
                               [&](const auto& member) { return member.first == key; }),
                members.end());
}

absl::StatusOr<JsonNode> ParseJson(std::string_view text) { return Parser(text).Document(); }

absl::StatusOr<JsonNode> MessageToJsonNode(const google::protobuf::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  if (const auto status = pb::util::MessageToJsonString(message, &text, options); !status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print ", message.GetTypeName(), " as JSON: ", status.ToString()));
  }
  absl::StatusOr<JsonNode> node = ParseJson(text);
  if (!node.ok()) return node.status();
  OrderLikeMessage(*message.GetDescriptor(), *node);
  return node;
}

std::string WriteJson(const JsonNode& node) {
  std::string out;
  AppendJson(node, 0, out);
  out += '\n';
  return out;
}

std::string WriteYaml(const JsonNode& node) {
  std::string out;
  if (IsBlock(node)) {
    AppendYamlBlock(node, 0, out);
  } else {
    AppendYamlInline(node, out);
    out += '\n';
  }
  return out;
}

std::string WriteDocument(const JsonNode& node, OutputFormat format) {
  return format == OutputFormat::kYaml ? WriteYaml(node) : WriteJson(node);
}

absl::StatusOr<std::string> FormatMessage(const google::protobuf::Message& message,
                                          OutputFormat format) {
  absl::StatusOr<JsonNode> node = MessageToJsonNode(message);
  if (!node.ok()) return node.status();
  return WriteDocument(*node, format);
}

std::string OutputOptionHelp(std::string_view shape) {
  return absl::StrCat(
      "  -o, --output FMT    text (the default), json or yaml; json and yaml print one document:\n",
      Wrap(shape, 22, 98));
}

}  // namespace maxpool::app
