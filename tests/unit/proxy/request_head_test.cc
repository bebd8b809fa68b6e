#include "proxy/request_head.h"

#include <optional>
#include <string>

#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::proxy {
namespace {

namespace http = boost::beast::http;
using ::testing::HasSubstr;
using ::testing::Optional;

// The head as Beast parses it; nullopt when Beast itself refuses it (also a 400 in the proxy).
std::optional<std::optional<std::string>> ProblemOf(const std::string& head) {
  http::request_parser<http::string_body> parser;
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(head), ec);
  if (ec && ec != http::error::need_more) return std::nullopt;
  if (!parser.is_header_done()) return std::nullopt;
  return RequestHeadProblem(parser.get());
}

struct HeadCase {
  std::string name;
  std::string head;
  std::string says;  // part of the problem; empty: the head is fine
};

class RequestHead : public ::testing::TestWithParam<HeadCase> {};

TEST_P(RequestHead, IsServedOnlyWhenItsFramingIsUnambiguous) {
  const HeadCase& c = GetParam();
  const auto problem = ProblemOf(c.head);
  if (c.says.empty()) {
    ASSERT_TRUE(problem.has_value()) << "Beast refused a valid head";
    EXPECT_EQ(*problem, std::nullopt);
    return;
  }
  if (!problem.has_value()) return;  // refused by the parser: a 400 as well
  EXPECT_THAT(*problem, Optional(HasSubstr(c.says)));
}

INSTANTIATE_TEST_SUITE_P(
    Table, RequestHead,
    ::testing::Values(
        HeadCase{"post", "POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n", ""},
        HeadCase{"chunked", "POST /v1/messages HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n", ""},
        HeadCase{"chunked_any_case",
                 "POST /v1/messages HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n", ""},
        HeadCase{"get_with_query", "GET /v1/models?limit=5 HTTP/1.1\r\n\r\n", ""},
        HeadCase{"http10", "POST /v1/messages HTTP/1.0\r\ncontent-length: 2\r\n\r\n", ""},
        HeadCase{"chunked_then_gzip",
                 "POST /v1/messages HTTP/1.1\r\ntransfer-encoding: chunked, gzip\r\n\r\n",
                 "Transfer-Encoding"},
        HeadCase{"xchunked", "POST /v1/messages HTTP/1.1\r\ntransfer-encoding: xchunked\r\n\r\n",
                 "Transfer-Encoding"},
        HeadCase{"gzip_only", "POST /v1/messages HTTP/1.1\r\ntransfer-encoding: gzip\r\n\r\n",
                 "Transfer-Encoding"},
        HeadCase{"identity", "POST /v1/messages HTTP/1.1\r\ntransfer-encoding: identity\r\n\r\n",
                 "Transfer-Encoding"},
        HeadCase{"two_te_lines",
                 "POST /v1/messages HTTP/1.1\r\ntransfer-encoding: chunked\r\n"
                 "transfer-encoding: chunked\r\n\r\n",
                 "Transfer-Encoding"},
        HeadCase{
            "te_and_length",
            "POST /v1/messages HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n",
            "both"},
        HeadCase{"te_in_http10", "POST /v1/messages HTTP/1.0\r\ntransfer-encoding: chunked\r\n\r\n",
                 "HTTP/1.0"},
        HeadCase{"two_lengths",
                 "POST /v1/messages HTTP/1.1\r\ncontent-length: 5\r\ncontent-length: 5\r\n\r\n",
                 "Content-Length"},
        HeadCase{"absolute_form", "POST http://evil.example/v1/messages HTTP/1.1\r\n\r\n", "path"},
        HeadCase{"asterisk", "OPTIONS * HTTP/1.1\r\n\r\n", "path"},
        HeadCase{"authority_form", "CONNECT evil.example:443 HTTP/1.1\r\n\r\n", "CONNECT"},
        HeadCase{"at_host", "POST @evil.example/v1/messages HTTP/1.1\r\n\r\n", "path"},
        HeadCase{"double_slash", "POST //evil.example/v1/messages HTTP/1.1\r\n\r\n", "path"},
        HeadCase{"trace", "TRACE /v1/messages HTTP/1.1\r\n\r\n", "TRACE"},
        HeadCase{"unknown_method", "BREW /v1/messages HTTP/1.1\r\n\r\n", "BREW"}),
    [](const ::testing::TestParamInfo<HeadCase>& p) { return p.param.name; });

TEST(RequestHead, AProblemNeverEchoesALongOrUnprintableValue) {
  const std::string value(500, 'x');
  const auto problem =
      ProblemOf("POST /v1/messages HTTP/1.1\r\ntransfer-encoding: " + value + "\r\n\r\n");
  ASSERT_TRUE(problem.has_value());
  ASSERT_TRUE(problem->has_value());
  EXPECT_LT((*problem)->size(), 200u);
}

}  // namespace
}  // namespace maxpool::proxy
