#pragma once

// Strict request framing (RFC 9112 §3.2, §6; RFC 9110 §9): the rules a client's request head
// must meet before the proxy reads its body or sends anything upstream. A request that breaks
// one is answered 400 and its connection closed, because the proxy can no longer tell where the
// next request starts: this is what keeps a second request from being smuggled inside a body.
//
//   - the method is one the Messages API family uses: GET, HEAD, POST, PUT, PATCH, DELETE or
//     OPTIONS (CONNECT, TRACE and unknown methods are refused);
//   - the target is in origin-form: a path starting with a single "/" (no absolute-form,
//     authority-form, "*", or anything that would read as another host when appended to the
//     upstream's URL);
//   - Transfer-Encoding, when present, is exactly "chunked" on one header line, sent by an
//     HTTP/1.1 client, and without Content-Length;
//   - Content-Length appears at most once.
//
// Pure; safe on any thread.

#include <optional>
#include <string>

#include "boost/beast/http/message.hpp"

namespace maxpool::proxy {

// Nullopt when `head` may be served; otherwise what is wrong with it, in a sentence for the
// client's 400 (it quotes at most a short, sanitised piece of the offending value).
std::optional<std::string> RequestHeadProblem(const boost::beast::http::request_header<>& head);

}  // namespace maxpool::proxy
