#include "config/json_text.h"

#include "boost/json/parse.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::config {
namespace {

using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ParseJsonText, ReportsLineAndColumnOfASyntaxError) {
  // The stray comma is on line 3, column 8.
  EXPECT_THAT(ParseJsonText("{\n  \"a\": 1,\n  \"b\": ,\n}"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("3:8: ")));
}

TEST(ParseJsonText, ColumnsCountCharactersNotBytes) {
  EXPECT_THAT(ParseJsonText("{\"é\": x}"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("1:7: ")));
}

TEST(ParseJsonText, TruncatedInputIsAnErrorAtTheEnd) {
  EXPECT_THAT(ParseJsonText("{\"a\": 1"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("1:8: ")));
  EXPECT_THAT(ParseJsonText(""), StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("1:1: ")));
}

TEST(ParseJsonText, TrailingCommaAndCommentsAreRejectedLikeJsonParse) {
  EXPECT_THAT(ParseJsonText("{\"a\": 1,}"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseJsonText("{\"a\": 1} // c"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseJsonText, TextAfterTheValueIsRejected) {
  EXPECT_THAT(ParseJsonText("{} {}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("after the JSON value")));
}

TEST(ParseJsonText, TrailingWhitespaceIsFine) {
  EXPECT_THAT(ParseJsonText("{\"a\": 1}\n\n"), IsOk());
}

TEST(ParseJsonText, RepeatedKeyKeepsTheLastValue) {
  auto value = ParseJsonText(R"({"a": 1, "a": 2})");
  ASSERT_THAT(value, IsOk());
  EXPECT_EQ(value->at("a").as_int64(), 2);
}

// Spec §12.1: JSON.stringify(config, null, 2) + "\n".
TEST(FormatJsonText, TwoSpaceIndentWithTrailingNewline) {
  const auto value = boost::json::parse(R"({"a": {"b": [1, 2], "c": {}, "d": []}, "e": "x"})");
  EXPECT_EQ(FormatJsonText(value),
            "{\n"
            "  \"a\": {\n"
            "    \"b\": [\n"
            "      1,\n"
            "      2\n"
            "    ],\n"
            "    \"c\": {},\n"
            "    \"d\": []\n"
            "  },\n"
            "  \"e\": \"x\"\n"
            "}\n");
}

TEST(FormatJsonText, NumbersPrintLikeJavaScript) {
  const auto value = boost::json::parse(
      R"([0.9, 0.999, 10.0, 100000.0, 1e21, 0.0000001, -3, 18446744073709551615, 1.5])");
  EXPECT_EQ(FormatJsonText(value),
            "[\n  0.9,\n  0.999,\n  10,\n  100000,\n  1e+21,\n  1e-07,\n  -3,\n"
            "  18446744073709551615,\n  1.5\n]\n");
}

TEST(FormatJsonText, StringsAreEscaped) {
  EXPECT_EQ(FormatJsonText(boost::json::value("a\"b\n")), "\"a\\\"b\\n\"\n");
}

TEST(FormatJsonText, OutputParsesBackToTheSameValue) {
  const auto value = boost::json::parse(R"({"x": [1, {"y": null, "z": true}], "w": 0.1})");
  auto again = ParseJsonText(FormatJsonText(value));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, value);
}

}  // namespace
}  // namespace maxpool::config
