#include "pool/thread_gate.h"

#include <gtest/gtest.h>

#include <string>

namespace maxpool::pool {
namespace {

using core::ThreadIntent;

// §15 scenario 60 (the gate's part): S's threaded turns were served by A; continued on B it is
// refused twice, then forwarded, and B owns the thread from then on.
TEST(ThreadGateTest, Scenario60_AnotherAccountIsRefusedTwiceThenForwarded) {
  ThreadGate gate;
  EXPECT_FALSE(gate.Refuse("S", "A", false, ThreadIntent::kCreate));
  EXPECT_FALSE(gate.Refuse("S", "A", false, ThreadIntent::kContinue));
  EXPECT_TRUE(gate.Refuse("S", "B", false, ThreadIntent::kContinue));
  EXPECT_TRUE(gate.Refuse("S", "B", false, ThreadIntent::kContinue));
  EXPECT_FALSE(gate.Refuse("S", "B", false, ThreadIntent::kContinue));
  EXPECT_FALSE(gate.Refuse("S", "B", false, ThreadIntent::kContinue));  // B's now
  EXPECT_TRUE(gate.Refuse("S", "A", false, ThreadIntent::kContinue));
}

TEST(ThreadGateTest, UnthreadedTurnsPassAndAnUnknownSessionIsRefused) {
  ThreadGate gate;
  EXPECT_FALSE(gate.Refuse("S", "A", false, ThreadIntent::kNone));
  EXPECT_EQ(gate.sessions(), 0u);
  // A continue for a session the gate never saw served: refused twice, then forwarded.
  EXPECT_TRUE(gate.Refuse("T", "A", false, ThreadIntent::kContinue));
  EXPECT_TRUE(gate.Refuse("T", "A", false, ThreadIntent::kContinue));
  EXPECT_FALSE(gate.Refuse("T", "A", false, ThreadIntent::kContinue));
}

TEST(ThreadGateTest, AProviderIsAlwaysRefusedAContinue) {
  ThreadGate gate;
  EXPECT_FALSE(gate.Refuse("S", "glm", true, ThreadIntent::kCreate));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(gate.Refuse("S", "glm", true, ThreadIntent::kContinue));
}

TEST(ThreadGateTest, WithoutASessionKeyItAlternatesPerAccount) {
  ThreadGate gate;
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(gate.Refuse("", "A", false, ThreadIntent::kContinue));
    EXPECT_TRUE(gate.Refuse("", "A", false, ThreadIntent::kContinue));
    EXPECT_FALSE(gate.Refuse("", "A", false, ThreadIntent::kContinue));
  }
  // Another account keeps its own count.
  EXPECT_TRUE(gate.Refuse("", "B", false, ThreadIntent::kContinue));
}

TEST(ThreadGateTest, KeepsTheMostRecentlyUsedSessions) {
  ThreadGate gate(3);
  EXPECT_FALSE(gate.Refuse("s1", "A", false, ThreadIntent::kCreate));
  EXPECT_FALSE(gate.Refuse("s2", "A", false, ThreadIntent::kCreate));
  EXPECT_FALSE(gate.Refuse("s3", "A", false, ThreadIntent::kCreate));
  EXPECT_FALSE(gate.Refuse("s1", "A", false, ThreadIntent::kContinue));  // s1 used again
  EXPECT_FALSE(gate.Refuse("s4", "A", false, ThreadIntent::kCreate));    // evicts s2
  EXPECT_EQ(gate.sessions(), 3u);
  EXPECT_FALSE(gate.Refuse("s1", "A", false, ThreadIntent::kContinue));
  EXPECT_TRUE(gate.Refuse("s2", "A", false, ThreadIntent::kContinue));  // forgotten: no owner
}

}  // namespace
}  // namespace maxpool::pool
