#include "net/tls_client_context.h"

#include <openssl/ssl.h>

#include "absl/strings/str_cat.h"

namespace maxpool::net {

namespace asio = boost::asio;

absl::StatusOr<std::unique_ptr<asio::ssl::context>> MakeTlsClientContext(
    const std::string& extra_ca_file) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    return absl::InternalError("cannot require TLS 1.2 or later");
  }
  boost::system::error_code ec;
  context->set_default_verify_paths(ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load the system CA store: ", ec.message()));
  }
  if (!extra_ca_file.empty()) {
    context->load_verify_file(extra_ca_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot load CA file ", extra_ca_file, ": ", ec.message()));
    }
  }
  context->set_verify_mode(asio::ssl::verify_peer);
  return context;
}

}  // namespace maxpool::net
