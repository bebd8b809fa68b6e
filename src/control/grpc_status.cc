#include "control/grpc_status.h"

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace maxpool::control {
namespace {

// Room kept at the end of a message for the note on the violations left out.
constexpr size_t kOmittedNoteBytes = 48;

// `text` cut to at most `max_bytes` (at a UTF-8 character boundary) with "..." after, or whole.
std::string Cut(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(absl::string_view(text.data(), end), "...");
}

}  // namespace

grpc::Status InvalidArgument(const std::vector<FieldViolation>& violations) {
  google::rpc::BadRequest bad_request;
  std::string message;
  size_t listed = 0;
  for (const FieldViolation& v : violations) {
    const std::string field = Cut(v.field, kMaxFieldBytes);
    const std::string description = Cut(v.description, kMaxDescriptionBytes);
    const std::string part = absl::StrCat(listed == 0 ? "" : "; ", field, ": ", description);
    if (listed > 0 && message.size() + part.size() > kMaxStatusMessageBytes - kOmittedNoteBytes) {
      break;
    }
    message += part;
    google::rpc::BadRequest::FieldViolation* out = bad_request.add_field_violations();
    out->set_field(field);
    out->set_description(description);
    ++listed;
  }
  if (listed < violations.size()) {
    absl::StrAppend(&message, "; and ", violations.size() - listed, " more not shown");
  }
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  details.set_message(message);
  details.add_details()->PackFrom(bad_request);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message, details.SerializeAsString());
}

grpc::Status InvalidArgument(std::string field, std::string description) {
  return InvalidArgument({FieldViolation{std::move(field), std::move(description)}});
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl::StatusCode and grpc::StatusCode share the canonical code numbers.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace maxpool::control
