#pragma once

// The one parser of outbound URLs (Boost.URL): the data plane's upstream base URLs and the OAuth
// client's calls. An absolute http:// or https:// URL with a usable host; plain http only to a
// loopback host ("localhost", 127.0.0.0/8, ::1), never a silent downgrade; no user info.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "boost/asio/ip/address.hpp"

namespace maxpool::net {

struct HttpUrl {
  bool tls = true;
  std::string scheme;     // "https" or "http", lower case
  std::string host;       // without IPv6 brackets: resolve, SNI, certificate check
  std::string host_text;  // as written in the URL (IPv6 in brackets): the Host header
  std::optional<boost::asio::ip::address> address;  // set when the host is an IP literal
  std::string port;  // decimal; the scheme's default when the URL gives none
  uint16_t port_number = 0;
  std::string path;                  // encoded, as given (may be empty)
  std::optional<std::string> query;  // encoded, without the '?'

  bool default_port() const { return port == (tls ? "443" : "80"); }
  // The Host header value: host_text, with the port only when it is not the scheme's default
  // (RFC 9110 §7.2).
  std::string authority() const { return default_port() ? host_text : host_text + ":" + port; }
  bool loopback() const;
};

// "<label> "<url>" <problem>" (InvalidArgument), the URL shown up to its query or fragment (they
// may carry secrets): "is not a valid URL", "must start with https:// or http://", "has no usable
// host", "has no host", "has an invalid port", "uses plain http to a host that is not loopback;
// use https://". A URL with user info: "<label or URL> of <scheme>://<host[:port]> must not carry
// user info" (the URL itself is not shown: it holds a password). `label` may be empty.
absl::StatusOr<HttpUrl> ParseHttpUrl(std::string_view url, std::string_view label = "");

}  // namespace maxpool::net
