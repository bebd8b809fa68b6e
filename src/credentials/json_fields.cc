#include "credentials/json_fields.h"

#include "absl/strings/str_cat.h"
#include "core/absl_view.h"

namespace maxpool::credentials::internal {
namespace {

const boost::json::value* Find(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value =
      object.if_contains(boost::json::string_view(key.data(), key.size()));
  return value == nullptr || value->is_null() ? nullptr : value;
}

absl::Status WrongKind(std::string_view field, const boost::json::value& value,
                       std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(core::AbslView(field), " is ",
                                                 core::AbslView(KindName(value)), ", expected ",
                                                 core::AbslView(expected)));
}

}  // namespace

std::string_view KindName(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "an unknown value";
}

absl::StatusOr<std::optional<std::string>> OptionalString(const boost::json::object& object,
                                                          std::string_view key,
                                                          std::string_view field) {
  const boost::json::value* value = Find(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) return WrongKind(field, *value, "a string");
  return std::string(value->get_string());
}

absl::StatusOr<std::optional<double>> OptionalNumber(const boost::json::object& object,
                                                     std::string_view key, std::string_view field) {
  const boost::json::value* value = Find(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return static_cast<double>(value->get_int64());
  if (value->is_uint64()) return static_cast<double>(value->get_uint64());
  if (value->is_double()) return value->get_double();
  return WrongKind(field, *value, "a number");
}

absl::StatusOr<std::optional<bool>> OptionalBool(const boost::json::object& object,
                                                 std::string_view key, std::string_view field) {
  const boost::json::value* value = Find(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_bool()) return WrongKind(field, *value, "a boolean");
  return value->get_bool();
}

absl::StatusOr<const boost::json::object*> OptionalObject(const boost::json::object& object,
                                                          std::string_view key,
                                                          std::string_view field) {
  const boost::json::value* value = Find(object, key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) return WrongKind(field, *value, "an object");
  return &value->get_object();
}

absl::Status WithContext(const absl::Status& status, std::string_view prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(core::AbslView(prefix), status.message()));
}

}  // namespace maxpool::credentials::internal
