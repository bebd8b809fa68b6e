#include "net/http_url.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/url/parse.hpp"

namespace maxpool::net {
namespace {

absl::string_view View(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

// The URL up to its query, for an error message about the URL itself.
std::string WithoutQuery(std::string_view url) {
  return std::string(url.substr(0, std::min(url.find('?'), url.find('#'))));
}

}  // namespace

bool HttpUrl::loopback() const {
  if (address) return address->is_loopback();
  return absl::EqualsIgnoreCase(host, "localhost");
}

absl::StatusOr<HttpUrl> ParseHttpUrl(std::string_view url_text, std::string_view label) {
  const std::string shown =
      absl::StrCat(View(label), label.empty() ? "" : " ", "\"", WithoutQuery(url_text), "\"");
  const auto invalid = [&shown](std::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(shown, " ", View(problem)));
  };
  auto url = boost::urls::parse_uri(boost::core::string_view(url_text.data(), url_text.size()));
  if (!url) return invalid("is not a valid URL");
  HttpUrl parsed;
  parsed.scheme = absl::AsciiStrToLower(std::string(url->scheme()));
  if (parsed.scheme == "https") {
    parsed.tls = true;
  } else if (parsed.scheme == "http") {
    parsed.tls = false;
  } else {
    return invalid("must start with https:// or http://");
  }
  if (url->has_userinfo()) {
    return absl::InvalidArgumentError(
        absl::StrCat(label.empty() ? "URL" : View(label), " of ", parsed.scheme, "://",
                     std::string(url->encoded_host_and_port()), " must not carry user info"));
  }
  switch (url->host_type()) {
    case boost::urls::host_type::ipv4:
      parsed.address = boost::asio::ip::make_address_v4(url->host_ipv4_address().to_bytes());
      break;
    case boost::urls::host_type::ipv6:
      parsed.address = boost::asio::ip::make_address_v6(url->host_ipv6_address().to_bytes());
      break;
    case boost::urls::host_type::name:
      parsed.host = std::string(url->host_name());
      break;
    default:
      return invalid("has no usable host");
  }
  if (parsed.address) parsed.host = parsed.address->to_string();
  if (parsed.host.empty()) return invalid("has no host");
  parsed.host_text = std::string(url->encoded_host());  // keeps IPv6 brackets
  if (url->has_port() && !url->port().empty()) {
    // Digits only (the URL grammar), at most 65535; not port_number(), which wraps around.
    uint32_t number = 0;
    for (const char digit : std::string_view(url->port())) {
      number = number * 10 + static_cast<uint32_t>(digit - '0');
      if (number > 65535) return invalid("has an invalid port");
    }
    if (number == 0) return invalid("has an invalid port");
    parsed.port_number = static_cast<uint16_t>(number);
    parsed.port = std::to_string(parsed.port_number);
  } else {
    parsed.port_number = parsed.tls ? 443 : 80;
    parsed.port = std::to_string(parsed.port_number);
  }
  parsed.path = std::string(url->encoded_path());
  if (url->has_query()) parsed.query = std::string(url->encoded_query());
  if (!parsed.tls && !parsed.loopback()) {
    return invalid("uses plain http to a host that is not loopback; use https://");
  }
  return parsed;
}

}  // namespace maxpool::net
