#include "control/control_auth.h"

#include <string_view>

#include "credentials/same_secret.h"

namespace maxpool::control {

ControlAuth::ControlAuth(std::string token, std::string read_only_token)
    : token_(std::move(token)), read_only_token_(std::move(read_only_token)) {}

grpc::Status ControlAuth::Check(const grpc::ServerContextBase& context, Access access) const {
  if (!required()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "this call needs the control token: send the metadata "
                        "`authorization: Bearer <token>` (control.token in the server's config; "
                        "`maxpool` commands take --token)");
  }
  const std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.size() <= kBearer.size() || value.substr(0, kBearer.size()) != kBearer) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the authorization metadata must be `Bearer <token>`");
  }
  const std::string_view presented = value.substr(kBearer.size());
  if (credentials::SameSecret(presented, token_)) return grpc::Status::OK;
  if (credentials::SameSecret(presented, read_only_token_)) {
    if (access == Access::kRead) return grpc::Status::OK;
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "the read-only control token cannot change anything; use control.token");
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "the control token is not valid for this server");
}

}  // namespace maxpool::control
