#include "control/input_limits.h"

#include <string>

#include "gtest/gtest.h"

namespace maxpool::control {
namespace {

TEST(InputLimits, QuotableKeepsPrintableAsciiAndCutsLongText) {
  EXPECT_EQ(Quotable("display_name"), "display_name");
  EXPECT_EQ(Quotable("a\nb\x01\x7f"
                     "c\xc3\xa9"),
            "a?b??c??");
  EXPECT_EQ(Quotable(std::string(100, 'x')), std::string(kMaxQuotedBytes, 'x') + "...");
  EXPECT_EQ(Quotable("abcdef", 3), "abc...");
  EXPECT_EQ(Quotable("abc", 3), "abc");
}

TEST(InputLimits, ControlCharactersAndTheLengthMessage) {
  EXPECT_FALSE(HasControlCharacter("sk-ant-api03-abc é"));
  EXPECT_TRUE(HasControlCharacter("abc\tdef"));
  EXPECT_TRUE(HasControlCharacter(std::string("abc\0def", 7)));
  EXPECT_TRUE(HasControlCharacter("abc\x7f"));
  EXPECT_EQ(LongerThan(kMaxCredentialBytes), "longer than 16384 bytes");
}

}  // namespace
}  // namespace maxpool::control
