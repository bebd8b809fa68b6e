#include "proxy/sse_tracker.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace maxpool::proxy {
namespace {

const std::string kStream =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
    "{\"input_tokens\":12,\"output_tokens\":1}}}\n\n"
    "event: ping\ndata: {\"type\":\"ping\"}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\"}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":7}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

std::string Crlf(const std::string& lf) { return absl::StrReplaceAll(lf, {{"\n", "\r\n"}}); }

// Every split of the stream into two feeds gives the same reading as one feed.
TEST(SseTracker, EverySplitPointReadsTheSameWithLfAndCrlfLines) {
  for (const std::string& stream : {kStream, Crlf(kStream)}) {
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      SseTracker tracker;
      tracker.Feed(std::string_view(stream).substr(0, cut));
      tracker.Feed(std::string_view(stream).substr(cut));
      EXPECT_TRUE(tracker.Complete()) << "cut at " << cut;
      EXPECT_TRUE(tracker.AtEventBoundary()) << "cut at " << cut;
      EXPECT_EQ(tracker.usage().input_tokens, 12) << "cut at " << cut;
      EXPECT_EQ(tracker.usage().output_tokens, 7) << "cut at " << cut;
    }
  }
}

TEST(SseTracker, ByteByByteFeedsFindTheEnd) {
  SseTracker tracker;
  for (char c : Crlf(kStream)) tracker.Feed(std::string_view(&c, 1));
  EXPECT_TRUE(tracker.saw_message_stop());
}

TEST(SseTracker, AStreamCutAnywhereBeforeMessageStopIsNotComplete) {
  const size_t stop = kStream.find("event: message_stop");
  for (size_t cut = 0; cut < stop + 20; ++cut) {
    SseTracker tracker;
    tracker.Feed(std::string_view(kStream).substr(0, cut));
    EXPECT_FALSE(tracker.Complete()) << "cut at " << cut;
  }
}

TEST(SseTracker, TheUpstreamsOwnErrorEventEndsTheStream) {
  SseTracker tracker;
  tracker.Feed(
      "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n");
  EXPECT_TRUE(tracker.Complete());
  EXPECT_FALSE(tracker.saw_message_stop());
}

TEST(SseTracker, APartialEventIsNotAtABoundary) {
  SseTracker tracker;
  tracker.Feed("event: content_block_delta\ndata: {\"ty");
  EXPECT_FALSE(tracker.AtEventBoundary());
  tracker.Feed("pe\":\"x\"}\n\n");
  EXPECT_TRUE(tracker.AtEventBoundary());
}

TEST(SseTracker, AnOversizedEventIsSkippedButItsEndIsStillFound) {
  SseTracker tracker;
  tracker.Feed("event: content_block_delta\ndata: ");
  tracker.Feed(std::string(SseTracker::kMaxEventBytes + 10, 'x'));
  EXPECT_FALSE(tracker.AtEventBoundary());
  tracker.Feed("\n\nevent: message_stop\ndata: {}\n\n");
  EXPECT_TRUE(tracker.AtEventBoundary());
  EXPECT_TRUE(tracker.Complete());
}

}  // namespace
}  // namespace maxpool::proxy
