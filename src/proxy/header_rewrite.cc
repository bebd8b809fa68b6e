#include "proxy/header_rewrite.h"

#include <algorithm>
#include <array>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "boost/beast/core/string.hpp"
#include "core/absl_view.h"

namespace maxpool::proxy {
namespace http = boost::beast::http;
namespace {

// Case-insensitive helpers that do not allocate: they run for every header of every request.
bool IEquals(std::string_view a, std::string_view b) {
  return boost::beast::iequals(boost::beast::string_view(a.data(), a.size()),
                               boost::beast::string_view(b.data(), b.size()));
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

bool ListedIn(std::string_view connection_value, std::string_view lower_name) {
  for (absl::string_view token : absl::StrSplit(core::AbslView(connection_value), ',')) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(token), core::AbslView(lower_name))) {
      return true;
    }
  }
  return false;
}

std::string MergeBeta(std::string_view existing) {
  for (absl::string_view token : absl::StrSplit(core::AbslView(existing), ',')) {
    if (absl::StripAsciiWhitespace(token) == core::AbslView(kOAuthBeta)) {
      return std::string(existing);
    }
  }
  if (absl::StripAsciiWhitespace(core::AbslView(existing)).empty()) return std::string(kOAuthBeta);
  std::string merged(existing);
  merged += ",";
  merged += kOAuthBeta;
  return merged;
}

}  // namespace

bool IsHopByHop(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kHopByHop = {
      "host",    "connection", "keep-alive",          "transfer-encoding", "te",
      "trailer", "upgrade",    "proxy-authorization", "proxy-authenticate"};
  return std::any_of(kHopByHop.begin(), kHopByHop.end(),
                     [&](std::string_view hop) { return IEquals(hop, name); });
}

void BuildUpstreamHeaders(const http::fields& client, const pool::Credential& credential,
                          bool strip_beta, std::string_view upstream_host, http::fields& out) {
  const std::string_view connection = client[http::field::connection];
  for (const auto& field : client) {
    const std::string_view name(field.name_string().data(), field.name_string().size());
    if (IsHopByHop(name) || (!connection.empty() && ListedIn(connection, name))) continue;
    if (IStartsWith(name, "x-maxpool-") || IStartsWith(name, "x-teamclaude-")) continue;
    // `expect`: the body is already buffered; forwarded, it would make the upstream send an
    // interim 100 Continue that would be taken for its answer.
    if (IEquals(name, "x-api-key") || IEquals(name, "authorization") ||
        IEquals(name, "content-length") || IEquals(name, "accept-encoding") ||
        IEquals(name, "expect")) {
      continue;
    }
    if (strip_beta && IEquals(name, "anthropic-beta")) continue;
    out.insert(field.name_string(), field.value());
  }
  out.set(http::field::host, upstream_host);
  switch (credential.kind) {
    case pool::CredentialKind::kOAuthBearer: {
      out.set(http::field::authorization, "Bearer " + credential.secret);
      // Several anthropic-beta lines are one comma-separated list (RFC 9110 §5.3): keep them all.
      std::string client_betas;
      const auto [first, last] = out.equal_range("anthropic-beta");
      for (auto line = first; line != last; ++line) {
        if (!client_betas.empty()) client_betas += ",";
        client_betas.append(line->value().data(), line->value().size());
      }
      out.set("anthropic-beta", MergeBeta(client_betas));
      break;
    }
    case pool::CredentialKind::kApiKey:
      out.set("x-api-key", credential.secret);
      break;
    case pool::CredentialKind::kBearer:
      out.set(http::field::authorization, "Bearer " + credential.secret);
      break;
  }
}

void CopyResponseHeaders(const http::fields& upstream, http::fields& out) {
  for (const auto& field : upstream) {
    const std::string_view name(field.name_string().data(), field.name_string().size());
    if (IsHopByHop(name) || IEquals(name, "content-encoding") || IEquals(name, "content-length")) {
      continue;
    }
    out.insert(field.name_string(), field.value());
  }
}

}  // namespace maxpool::proxy
