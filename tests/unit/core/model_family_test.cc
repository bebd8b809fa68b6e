#include "core/model_family.h"

#include <gtest/gtest.h>

namespace maxpool::core {
namespace {

// §3.4: case-insensitive substring; fable|mythos first, then opus, sonnet, haiku.
TEST(ModelFamilyTest, MapsModelIdsBySubstring) {
  EXPECT_EQ(ModelFamilyOf("claude-fable-5"), ModelFamily::kFable);
  EXPECT_EQ(ModelFamilyOf("Claude-MYTHOS-1"), ModelFamily::kFable);
  EXPECT_EQ(ModelFamilyOf("claude-opus-4-1-20250805"), ModelFamily::kOpus);
  EXPECT_EQ(ModelFamilyOf("claude-sonnet-4-5"), ModelFamily::kSonnet);
  EXPECT_EQ(ModelFamilyOf("claude-3-5-HAIKU-latest"), ModelFamily::kHaiku);
}

TEST(ModelFamilyTest, UnknownAndEmptyAreNone) {
  EXPECT_EQ(ModelFamilyOf(""), ModelFamily::kNone);
  EXPECT_EQ(ModelFamilyOf("glm-4.6"), ModelFamily::kNone);
  EXPECT_EQ(ModelFamilyOf("kimi-for-coding"), ModelFamily::kNone);
}

// §3.4 order: fable/mythos is checked before opus, opus before sonnet, sonnet before haiku.
TEST(ModelFamilyTest, FirstFamilyInSpecOrderWins) {
  EXPECT_EQ(ModelFamilyOf("opus-mythos-preview"), ModelFamily::kFable);
  EXPECT_EQ(ModelFamilyOf("sonnet-opus-merge"), ModelFamily::kOpus);
  EXPECT_EQ(ModelFamilyOf("haiku-sonnet"), ModelFamily::kSonnet);
}

TEST(ModelFamilyTest, NamesAndIndexes) {
  EXPECT_EQ(ModelFamilyName(ModelFamily::kFable), "fable");
  EXPECT_EQ(ModelFamilyName(ModelFamily::kOpus), "opus");
  EXPECT_EQ(ModelFamilyName(ModelFamily::kSonnet), "sonnet");
  EXPECT_EQ(ModelFamilyName(ModelFamily::kHaiku), "haiku");
  EXPECT_EQ(ModelFamilyName(ModelFamily::kNone), "");
  for (size_t i = 0; i < kModelFamilies.size(); ++i) EXPECT_EQ(FamilyIndex(kModelFamilies[i]), i);
}

}  // namespace
}  // namespace maxpool::core
