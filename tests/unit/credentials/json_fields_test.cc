#include "credentials/json_fields.h"

#include "boost/json/parse.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::credentials::internal {
namespace {

using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;

boost::json::object Object(std::string_view text) {
  return boost::json::parse(boost::json::string_view(text.data(), text.size())).as_object();
}

TEST(JsonFields, AbsentAndNullAreNothing) {
  const boost::json::object o = Object(R"({"n":null})");
  for (std::string_view key : {"n", "missing"}) {
    EXPECT_EQ(*OptionalString(o, key, "f"), std::nullopt);
    EXPECT_EQ(*OptionalNumber(o, key, "f"), std::nullopt);
    EXPECT_EQ(*OptionalBool(o, key, "f"), std::nullopt);
    EXPECT_EQ(*OptionalObject(o, key, "f"), nullptr);
  }
}

TEST(JsonFields, ValuesOfTheRightKind) {
  const boost::json::object o =
      Object(R"({"s":"x\u0041","i":-3,"u":18446744073709551615,"d":1.5,"b":false,"o":{"k":1}})");
  EXPECT_EQ(*OptionalString(o, "s", "f"), "xA");
  EXPECT_EQ(*OptionalNumber(o, "i", "f"), -3.0);
  EXPECT_EQ(*OptionalNumber(o, "u", "f"), 18446744073709551615.0);
  EXPECT_EQ(*OptionalNumber(o, "d", "f"), 1.5);
  EXPECT_EQ(*OptionalBool(o, "b", "f"), false);
  absl::StatusOr<const boost::json::object*> inner = OptionalObject(o, "o", "f");
  ASSERT_THAT(inner, IsOk());
  ASSERT_NE(*inner, nullptr);
  EXPECT_TRUE((*inner)->contains("k"));
}

TEST(JsonFields, WrongKindNamesTheFieldNotTheValue) {
  const boost::json::object o = Object(R"({"s":"secret-value","n":1,"a":[]})");
  EXPECT_THAT(OptionalNumber(o, "s", "x.s"),
              StatusIs(absl::StatusCode::kInvalidArgument, "x.s is a string, expected a number"));
  EXPECT_THAT(OptionalString(o, "n", "x.n"),
              StatusIs(absl::StatusCode::kInvalidArgument, "x.n is a number, expected a string"));
  EXPECT_THAT(OptionalBool(o, "a", "x.a"),
              StatusIs(absl::StatusCode::kInvalidArgument, "x.a is an array, expected a boolean"));
  EXPECT_THAT(OptionalObject(o, "s", "x.s"),
              StatusIs(absl::StatusCode::kInvalidArgument, "x.s is a string, expected an object"));
}

TEST(JsonFields, WithContextPrefixesAndKeepsTheCode) {
  EXPECT_THAT(WithContext(absl::NotFoundError("b"), "a: "),
              StatusIs(absl::StatusCode::kNotFound, "a: b"));
  EXPECT_THAT(WithContext(absl::OkStatus(), "a: "), IsOk());
}

}  // namespace
}  // namespace maxpool::credentials::internal
