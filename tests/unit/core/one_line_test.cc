// OneLine: line breaks escaped by default (a quoted file name or value stays exact), or made
// spaces (a server's prose message).

#include "core/one_line.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace maxpool::core {
namespace {

TEST(OneLineTest, EscapesLineBreaksByDefault) {
  EXPECT_EQ(OneLine("a\r\nb\nc"), "a\\r\\nb\\nc");
  EXPECT_EQ(OneLine("plain"), "plain");
  EXPECT_EQ(OneLine(""), "");
}

TEST(OneLineTest, SpacesForProse) {
  EXPECT_EQ(OneLine("deadline: bad\nsecond line", LineBreaks::kSpaces),
            "deadline: bad second line");
  EXPECT_EQ(OneLine("a\r\nb", LineBreaks::kSpaces), "a  b");
}

TEST(OneLineTest, StatusMessageEscaped) {
  EXPECT_EQ(OneLine(absl::InvalidArgumentError("/tmp/x\ny: bad")), "/tmp/x\\ny: bad");
}

}  // namespace
}  // namespace maxpool::core
