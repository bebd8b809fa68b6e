#include "config/json_proto_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "google/protobuf/descriptor.h"

namespace maxpool::config {
namespace {

namespace json = boost::json;
namespace pb = google::protobuf;
using pb::FieldDescriptor;

absl::string_view KindName(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// Descriptor::FindFieldByJsonName is not in protobuf 3.21; messages here are small.
const FieldDescriptor* FieldByJsonName(const pb::Descriptor& descriptor, std::string_view key) {
  for (int i = 0; i < descriptor.field_count(); ++i) {
    if (descriptor.field(i)->json_name() == key) return descriptor.field(i);
  }
  return nullptr;
}

absl::Status Error(const std::string& path, absl::string_view reason) {
  if (path.empty()) return absl::InvalidArgumentError(reason);
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", reason));
}

absl::Status TypeError(const std::string& path, absl::string_view expected,
                       const json::value& got) {
  return Error(path, absl::StrCat("expected ", expected, ", got ", KindName(got)));
}

std::string IndexPath(const std::string& path, size_t index) {
  return absl::StrCat(path, "[", index, "]");
}

bool IsIdentifier(std::string_view key);

// One scalar read from JSON, before it is stored into a singular or a repeated field.
using Scalar =
    std::variant<int64_t, uint64_t, double, bool, std::string, const pb::EnumValueDescriptor*>;

// Reads an integral JSON number within [min, max] (max as uint64 so uint64 fields fit).
absl::Status ReadInteger(const json::value& value, int64_t min, uint64_t max,
                         const std::string& path, Scalar& out) {
  const std::string range = absl::StrCat("must be between ", min, " and ", max);
  if (value.is_int64()) {
    const int64_t v = value.get_int64();
    if (v < min || (v > 0 && static_cast<uint64_t>(v) > max)) return Error(path, range);
    out = v;
    return absl::OkStatus();
  }
  if (value.is_uint64()) {
    const uint64_t v = value.get_uint64();
    if (v > max) return Error(path, range);
    out = v;
    return absl::OkStatus();
  }
  if (value.is_double()) {
    const double v = value.get_double();
    if (!std::isfinite(v) || std::trunc(v) != v) return Error(path, "must be an integer");
    // 2^63 and 2^64 are exact doubles; compare against them rather than against the (rounded)
    // integer limits.
    if (v < static_cast<double>(min) || v >= 18446744073709551616.0 ||
        (v >= 0 && static_cast<uint64_t>(v) > max)) {
      return Error(path, range);
    }
    if (v < 0) {
      out = static_cast<int64_t>(v);
    } else {
      out = static_cast<uint64_t>(v);
    }
    return absl::OkStatus();
  }
  return TypeError(path, "a number", value);
}

absl::Status ReadScalar(const json::value& value, const FieldDescriptor* field,
                        const std::string& path, Scalar& out) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return ReadInteger(value, std::numeric_limits<int32_t>::min(),
                         std::numeric_limits<int32_t>::max(), path, out);
    case FieldDescriptor::CPPTYPE_INT64:
      return ReadInteger(value, std::numeric_limits<int64_t>::min(),
                         std::numeric_limits<int64_t>::max(), path, out);
    case FieldDescriptor::CPPTYPE_UINT32:
      return ReadInteger(value, 0, std::numeric_limits<uint32_t>::max(), path, out);
    case FieldDescriptor::CPPTYPE_UINT64:
      return ReadInteger(value, 0, std::numeric_limits<uint64_t>::max(), path, out);
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      if (!value.is_number()) return TypeError(path, "a number", value);
      const double v = value.to_number<double>();
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT &&
          std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) {
        return Error(path, "is out of range");
      }
      out = v;
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!value.is_bool()) return TypeError(path, "true or false", value);
      out = value.get_bool();
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_STRING:
      if (!value.is_string()) return TypeError(path, "a string", value);
      out = std::string(value.get_string());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (!value.is_string()) return TypeError(path, "a string", value);
      const pb::EnumDescriptor* type = field->enum_type();
      const pb::EnumValueDescriptor* found = type->FindValueByName(std::string(value.get_string()));
      if (found == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < type->value_count(); ++i) {
          names.push_back(absl::StrCat("\"", type->value(i)->name(), "\""));
        }
        // Quoted only when it looks like an enum name: a credential pasted into the wrong field
        // must never reach a message.
        const std::string_view text = value.get_string();
        const std::string shown = text.size() <= 24 && IsIdentifier(text)
                                      ? json::serialize(value.get_string())
                                      : std::string("(value not shown)");
        return Error(path, absl::StrCat("unknown value ", shown, ", expected one of ",
                                        absl::StrJoin(names, ", ")));
      }
      out = found;
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return Error(path, "unsupported field type");
}

void StoreScalar(pb::Message& message, const FieldDescriptor* field, Scalar scalar) {
  const pb::Reflection* r = message.GetReflection();
  const bool repeated = field->is_repeated();
  auto as_int64 = [&] {
    return std::holds_alternative<int64_t>(scalar)
               ? std::get<int64_t>(scalar)
               : static_cast<int64_t>(std::get<uint64_t>(scalar));
  };
  auto as_uint64 = [&] {
    return std::holds_alternative<uint64_t>(scalar)
               ? std::get<uint64_t>(scalar)
               : static_cast<uint64_t>(std::get<int64_t>(scalar));
  };
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const auto v = static_cast<int32_t>(as_int64());
      repeated ? r->AddInt32(&message, field, v) : r->SetInt32(&message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t v = as_int64();
      repeated ? r->AddInt64(&message, field, v) : r->SetInt64(&message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const auto v = static_cast<uint32_t>(as_uint64());
      repeated ? r->AddUInt32(&message, field, v) : r->SetUInt32(&message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const uint64_t v = as_uint64();
      repeated ? r->AddUInt64(&message, field, v) : r->SetUInt64(&message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double v = std::get<double>(scalar);
      repeated ? r->AddDouble(&message, field, v) : r->SetDouble(&message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const auto v = static_cast<float>(std::get<double>(scalar));
      repeated ? r->AddFloat(&message, field, v) : r->SetFloat(&message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool v = std::get<bool>(scalar);
      repeated ? r->AddBool(&message, field, v) : r->SetBool(&message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v = std::move(std::get<std::string>(scalar));
      repeated ? r->AddString(&message, field, std::move(v))
               : r->SetString(&message, field, std::move(v));
      return;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* v = std::get<const pb::EnumValueDescriptor*>(scalar);
      repeated ? r->AddEnum(&message, field, v) : r->SetEnum(&message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return;
  }
}

class Decoder {
 public:
  explicit Decoder(std::vector<std::string>* unknown_keys) : unknown_keys_(unknown_keys) {}

  absl::Status DecodeMessage(const json::value& value, pb::Message& message,
                             const std::string& path) {
    if (!value.is_object()) return TypeError(path, "an object", value);
    const json::object& object = value.get_object();
    const pb::Descriptor* descriptor = message.GetDescriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      const json::value* member = object.if_contains(field->json_name());
      if (member == nullptr || member->is_null()) continue;  // null = absent
      absl::Status status =
          DecodeField(*member, message, field, AppendKeyPath(path, field->json_name()));
      if (!status.ok()) return status;
    }
    if (unknown_keys_ != nullptr) {
      for (const auto& entry : object) {
        if (FieldByJsonName(*descriptor, entry.key()) == nullptr) {
          unknown_keys_->push_back(AppendKeyPath(path, entry.key()));
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status DecodeField(const json::value& value, pb::Message& message,
                           const FieldDescriptor* field, const std::string& path) {
    const pb::Reflection* r = message.GetReflection();
    if (field->is_map()) {
      if (!value.is_object()) return TypeError(path, "an object", value);
      const FieldDescriptor* key_field = field->message_type()->map_key();
      const FieldDescriptor* value_field = field->message_type()->map_value();
      for (const auto& entry : value.get_object()) {
        const std::string entry_path = AppendKeyPath(path, entry.key());
        pb::Message* map_entry = r->AddMessage(&message, field);
        absl::Status status = DecodeMapKey(entry.key(), *map_entry, key_field, entry_path);
        if (!status.ok()) return status;
        if (entry.value().is_null()) return TypeError(entry_path, "a value", entry.value());
        status = DecodeElement(entry.value(), *map_entry, value_field, entry_path);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    if (field->is_repeated()) {
      if (!value.is_array()) return TypeError(path, "an array", value);
      const json::array& array = value.get_array();
      for (size_t i = 0; i < array.size(); ++i) {
        const std::string element_path = IndexPath(path, i);
        if (array[i].is_null()) return TypeError(element_path, "a value", array[i]);
        absl::Status status = DecodeElement(array[i], message, field, element_path);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    return DecodeElement(value, message, field, path);
  }

  // Stores one value into a singular field, or appends it to a repeated one.
  absl::Status DecodeElement(const json::value& value, pb::Message& message,
                             const FieldDescriptor* field, const std::string& path) {
    const pb::Reflection* r = message.GetReflection();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      pb::Message* child = field->is_repeated() ? r->AddMessage(&message, field)
                                                : r->MutableMessage(&message, field);
      return DecodeMessage(value, *child, path);
    }
    Scalar scalar;
    absl::Status status = ReadScalar(value, field, path, scalar);
    if (!status.ok()) return status;
    StoreScalar(message, field, std::move(scalar));
    return absl::OkStatus();
  }

  // Map keys arrive as JSON object keys (strings); integer keys are parsed.
  absl::Status DecodeMapKey(std::string_view key, pb::Message& entry,
                            const FieldDescriptor* key_field, const std::string& path) {
    if (key_field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      StoreScalar(entry, key_field, std::string(key));
      return absl::OkStatus();
    }
    if (key_field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
      if (key != "true" && key != "false") return Error(path, "map key must be true or false");
      StoreScalar(entry, key_field, key == "true");
      return absl::OkStatus();
    }
    boost::system::error_code ec;
    json::value number = json::parse(key, ec);
    if (ec || !number.is_number()) return Error(path, "map key must be an integer");
    Scalar scalar;
    absl::Status status = ReadScalar(number, key_field, path, scalar);
    if (!status.ok()) return status;
    StoreScalar(entry, key_field, std::move(scalar));
    return absl::OkStatus();
  }

  std::vector<std::string>* unknown_keys_;
};

// ---- encoding ----

json::value EncodeScalar(const pb::Message& message, const FieldDescriptor* field, int index) {
  const pb::Reflection* r = message.GetReflection();
  const bool repeated = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field);
    case FieldDescriptor::CPPTYPE_INT64:
      return repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field);
    case FieldDescriptor::CPPTYPE_UINT32:
      return repeated ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field);
    case FieldDescriptor::CPPTYPE_UINT64:
      return repeated ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return repeated ? r->GetRepeatedDouble(message, field, index) : r->GetDouble(message, field);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return static_cast<double>(repeated ? r->GetRepeatedFloat(message, field, index)
                                          : r->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field);
    case FieldDescriptor::CPPTYPE_STRING:
      return json::string(repeated ? r->GetRepeatedString(message, field, index)
                                   : r->GetString(message, field));
    case FieldDescriptor::CPPTYPE_ENUM:
      return json::string(
          (repeated ? r->GetRepeatedEnum(message, field, index) : r->GetEnum(message, field))
              ->name());
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return nullptr;
}

const json::object* ObjectOrNull(const json::value* value) {
  return value != nullptr && value->is_object() ? &value->get_object() : nullptr;
}

// The element of `original` (an array, or null) that the repeated element `element` at `index`
// was read from: by its "name" string when it has one, else by index.
const json::object* MatchElement(const json::value* original, size_t index,
                                 const pb::Message& element) {
  if (original == nullptr || !original->is_array()) return nullptr;
  const json::array& array = original->get_array();
  const FieldDescriptor* name_field = element.GetDescriptor()->FindFieldByName("name");
  const json::object* at_index = index < array.size() ? ObjectOrNull(&array[index]) : nullptr;
  if (name_field != nullptr && !name_field->is_repeated() &&
      name_field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
      element.GetReflection()->HasField(element, name_field)) {
    const std::string name = element.GetReflection()->GetString(element, name_field);
    auto has_name = [&](const json::object* object) {
      const json::value* value = object == nullptr ? nullptr : object->if_contains("name");
      return value != nullptr && value->is_string() && value->get_string() == name;
    };
    if (has_name(at_index)) return at_index;
    for (const json::value& candidate : array) {
      if (has_name(ObjectOrNull(&candidate))) return &candidate.get_object();
    }
    // A renamed or new element: fall back to the index only if that one has no name either.
    return at_index != nullptr && !at_index->contains("name") ? at_index : nullptr;
  }
  return at_index;
}

std::string MapKeyText(const pb::Message& entry, const FieldDescriptor* key_field) {
  json::value key = EncodeScalar(entry, key_field, -1);
  if (key.is_string()) return std::string(key.get_string());
  if (key.is_bool()) return key.get_bool() ? "true" : "false";
  return json::serialize(key);
}

json::object EncodeMessage(const pb::Message& message, const json::object* original);

json::value EncodeField(const pb::Message& message, const FieldDescriptor* field,
                        const json::value* original) {
  const pb::Reflection* r = message.GetReflection();
  if (field->is_map()) {
    const FieldDescriptor* key_field = field->message_type()->map_key();
    const FieldDescriptor* value_field = field->message_type()->map_value();
    std::vector<std::pair<std::string, const pb::Message*>> entries;
    for (int i = 0; i < r->FieldSize(message, field); ++i) {
      const pb::Message& entry = r->GetRepeatedMessage(message, field, i);
      entries.emplace_back(MapKeyText(entry, key_field), &entry);
    }
    // Keys the original had keep their order; new keys follow, sorted.
    const json::object* original_map = ObjectOrNull(original);
    auto rank = [original_map](const std::string& key) -> size_t {
      if (original_map == nullptr) return 0;
      size_t index = 0;
      for (const auto& entry : *original_map) {
        if (entry.key() == key) return index;
        ++index;
      }
      return index;
    };
    std::sort(entries.begin(), entries.end(), [&](const auto& a, const auto& b) {
      const size_t rank_a = rank(a.first);
      const size_t rank_b = rank(b.first);
      return rank_a != rank_b ? rank_a < rank_b : a.first < b.first;
    });
    json::object out;
    for (const auto& [key, entry] : entries) {
      if (value_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const json::value* original_value =
            original_map == nullptr ? nullptr : original_map->if_contains(key);
        out[key] = EncodeMessage(entry->GetReflection()->GetMessage(*entry, value_field),
                                 ObjectOrNull(original_value));
      } else {
        out[key] = EncodeScalar(*entry, value_field, -1);
      }
    }
    return out;
  }
  if (field->is_repeated()) {
    json::array out;
    for (int i = 0; i < r->FieldSize(message, field); ++i) {
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const pb::Message& element = r->GetRepeatedMessage(message, field, i);
        out.emplace_back(
            EncodeMessage(element, MatchElement(original, static_cast<size_t>(i), element)));
      } else {
        out.emplace_back(EncodeScalar(message, field, i));
      }
    }
    return out;
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return EncodeMessage(r->GetMessage(message, field), ObjectOrNull(original));
  }
  return EncodeScalar(message, field, -1);
}

bool IsPresent(const pb::Message& message, const FieldDescriptor* field) {
  const pb::Reflection* r = message.GetReflection();
  if (field->is_repeated()) return r->FieldSize(message, field) > 0;
  return r->HasField(message, field);
}

json::object EncodeMessage(const pb::Message& message, const json::object* original) {
  const pb::Descriptor* descriptor = message.GetDescriptor();
  json::object out;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const json::value* original_value =
        original == nullptr ? nullptr : original->if_contains(field->json_name());
    if (IsPresent(message, field)) {
      out[field->json_name()] = EncodeField(message, field, original_value);
    } else if (original_value != nullptr &&
               (original_value->is_null() ||
                (field->is_repeated() &&
                 (original_value->is_array() || original_value->is_object())))) {
      // Keep an explicit null, or an explicit empty list or map, as the file had it.
      if (original_value->is_null()) {
        out[field->json_name()] = nullptr;
      } else if (original_value->is_array()) {
        out[field->json_name()] = json::array();
      } else {
        out[field->json_name()] = json::object();
      }
    }
  }
  if (original != nullptr) {
    for (const auto& entry : *original) {
      if (FieldByJsonName(*descriptor, entry.key()) == nullptr) {
        out[entry.key()] = entry.value();
      }
    }
  }
  return out;
}

bool IsIdentifier(std::string_view key) {
  if (key.empty() || absl::ascii_isdigit(static_cast<unsigned char>(key[0]))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$';
  });
}

}  // namespace

std::string AppendKeyPath(const std::string& path, std::string_view key) {
  if (!IsIdentifier(key)) return absl::StrCat(path, "[", json::serialize(json::string(key)), "]");
  if (path.empty()) return std::string(key);
  return absl::StrCat(path, ".", std::string(key));
}

absl::Status DecodeJson(const json::value& json, pb::Message& message,
                        std::vector<std::string>* unknown_keys) {
  message.Clear();
  Decoder decoder(unknown_keys);
  return decoder.DecodeMessage(json, message, "");
}

json::object EncodeJson(const pb::Message& message, const json::object* original) {
  return EncodeMessage(message, original);
}

}  // namespace maxpool::config
