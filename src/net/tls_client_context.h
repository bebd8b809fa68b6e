#pragma once

// The TLS client context of every outbound connection: upstream requests, OAuth token, profile
// and usage calls, `maxpool api` and `maxpool probe`. TLS 1.2 or later, peers verified against
// the system CA store and, when given, the CA certificates of one more PEM file. A context is
// made once and shared; it is thread-safe once made.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "boost/asio/ssl/context.hpp"

namespace maxpool::net {

// Errors: FailedPrecondition when the system store cannot be loaded; InvalidArgument, naming the
// file, when `extra_ca_file` (if not empty) cannot be read or parsed.
[[nodiscard]] absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeTlsClientContext(
    const std::string& extra_ca_file);

}  // namespace maxpool::net
