// proxy::FinishedEvent: the one mapping from a finished request's log line to the pool event the
// metrics and telemetry read, the last attempt's failure class included.

#include "proxy/proxy_server.h"

#include "absl/time/time.h"
#include "core/failure_class.h"
#include "gtest/gtest.h"
#include "pool/pool_event.h"

namespace maxpool::proxy {
namespace {

RequestLogLine Line() {
  RequestLogLine line;
  line.method = "POST";
  line.target = "/v1/messages";
  line.account = "a";
  line.status = 200;
  line.seconds = 1.5;
  line.attempts = 2;
  line.held = true;
  line.input_tokens = 10;
  line.output_tokens = 20;
  line.upstream_ttfb_seconds = 0.25;
  line.before_upstream_seconds = 0.001;
  return line;
}

TEST(FinishedEvent, CarriesEveryFieldOfTheLine) {
  const pool::RequestFinished event = FinishedEvent(Line());
  EXPECT_EQ(event.account, "a");
  EXPECT_EQ(event.method, "POST");
  EXPECT_EQ(event.target, "/v1/messages");
  EXPECT_EQ(event.status, 200);
  EXPECT_EQ(event.duration, absl::Milliseconds(1500));
  EXPECT_EQ(event.attempts, 2);
  EXPECT_TRUE(event.held);
  EXPECT_FALSE(event.truncated);
  EXPECT_FALSE(event.client_gone);
  EXPECT_EQ(event.failure, "none");
  EXPECT_EQ(event.input_tokens, 10);
  EXPECT_EQ(event.output_tokens, 20);
  EXPECT_EQ(event.upstream_ttfb, absl::Milliseconds(250));
  EXPECT_EQ(event.before_upstream, absl::Milliseconds(1));
}

TEST(FinishedEvent, SetsTheLastAttemptsFailure) {
  RequestLogLine line = Line();
  line.status = 529;
  line.failure = core::FailureClass::kOverloaded;
  EXPECT_EQ(FinishedEvent(line).failure, "overloaded");
  line.failure = core::FailureClass::kNetwork;
  EXPECT_EQ(FinishedEvent(line).failure, "network");
}

TEST(FinishedEvent, AnAbortedResponseIsTruncated) {
  RequestLogLine line = Line();
  line.aborted = true;
  EXPECT_TRUE(FinishedEvent(line).truncated);
}

TEST(FinishedEvent, UnknownTimingsStayNegative) {
  RequestLogLine line = Line();
  line.upstream_ttfb_seconds = -1;
  line.before_upstream_seconds = -1;
  const pool::RequestFinished event = FinishedEvent(line);
  EXPECT_LT(event.upstream_ttfb, absl::ZeroDuration());
  EXPECT_LT(event.before_upstream, absl::ZeroDuration());
}

}  // namespace
}  // namespace maxpool::proxy
