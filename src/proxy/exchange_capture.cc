#include "proxy/exchange_capture.h"

#include <algorithm>

namespace maxpool::proxy {
namespace {

void CopyHeaders(const boost::beast::http::fields& from, HeaderList& to) {
  to.clear();
  for (const auto& field : from) {
    to.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
}

size_t HeaderBytes(const HeaderList& headers) {
  size_t n = 0;
  for (const auto& [name, value] : headers) n += name.size() + value.size() + 64;
  return n;
}

}  // namespace

size_t ExchangeRecord::ApproxBytes() const {
  return sizeof(ExchangeRecord) + account.size() + method.size() + url.size() +
         HeaderBytes(request_headers) + request_body.size() + note.size() +
         HeaderBytes(response_headers) + response_body.size() + error.size() + client_body.size();
}

ExchangeCapture::ExchangeCapture(ExchangeSink& sink, std::string_view method)
    : sink_(sink), record_(std::make_unique<ExchangeRecord>()) {
  record_->id = sink.NextId();
  record_->started = std::chrono::system_clock::now();
  record_->method = std::string(method);
}

void ExchangeCapture::BeginHop(std::string_view account, std::string url) {
  ExchangeRecord& r = *record_;
  hop_started_ = true;
  r.account = std::string(account);
  r.url = std::move(url);
  r.request_headers.clear();
  r.upstream_request = true;
  r.status = 0;
  r.note.clear();
  r.response_headers.clear();
  r.body_kind = ExchangeRecord::BodyKind::kNone;
  r.response_body.clear();
  r.response_body_bytes = 0;
  r.error.clear();
}

void ExchangeCapture::SetRequest(std::string url, const boost::beast::http::fields& headers) {
  ExchangeRecord& r = *record_;
  r.url = std::move(url);
  CopyHeaders(headers, r.request_headers);
  r.status = 0;
  r.response_headers.clear();
  r.body_kind = ExchangeRecord::BodyKind::kNone;
  r.response_body.clear();
  r.response_body_bytes = 0;
  r.error.clear();
}

void ExchangeCapture::AddError(std::string_view error) {
  std::string& e = record_->error;
  if (!e.empty()) e += "; ";
  e += error;
}

void ExchangeCapture::SetResponse(unsigned status, const boost::beast::http::fields& headers) {
  record_->status = status;
  CopyHeaders(headers, record_->response_headers);
}

void ExchangeCapture::AppendBody(std::string_view piece, ExchangeRecord::BodyKind kind) {
  ExchangeRecord& r = *record_;
  r.body_kind = kind;
  r.response_body_bytes += piece.size();
  const size_t cap = sink_.max_body_bytes();
  if (r.response_body.size() < cap) {
    r.response_body.append(piece.substr(0, std::min(piece.size(), cap - r.response_body.size())));
  }
}

void ExchangeCapture::SetClientResponse(unsigned status, std::string_view body) {
  record_->client_status = status;
  record_->client_body = std::string(body);
}

void ExchangeCapture::Submit(std::string account, int hops, std::string_view target,
                             const boost::beast::http::fields& client_headers,
                             std::string_view request_body) {
  if (!record_) return;
  ExchangeRecord& r = *record_;
  r.retry = std::max(0, hops - 1);
  if (!hop_started_) {
    r.account = std::move(account);
    r.url = std::string(target);
    CopyHeaders(client_headers, r.request_headers);
    r.upstream_request = false;
  }
  r.request_body = std::string(request_body);
  sink_.Submit(std::move(record_));
}

}  // namespace maxpool::proxy
