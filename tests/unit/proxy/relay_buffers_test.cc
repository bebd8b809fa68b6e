#include "proxy/relay_buffers.h"

#include "gtest/gtest.h"

namespace maxpool::proxy {
namespace {

TEST(RelayBuffersTest, AReturnedBufferIsLentAgainInsteadOfAllocatingANewOne) {
  RelayBuffers buffers(16384, 4);
  char* first = nullptr;
  {
    RelayBuffers::Handle handle = buffers.Take();
    first = handle.span().data();
    EXPECT_EQ(handle.span().size(), 16384u);
    EXPECT_EQ(buffers.cached(), 0u);
  }
  EXPECT_EQ(buffers.cached(), 1u);
  RelayBuffers::Handle again = buffers.Take();
  EXPECT_EQ(again.span().data(), first);
  EXPECT_EQ(buffers.cached(), 0u);
}

TEST(RelayBuffersTest, BuffersOnLoanAtOnceAreDistinct) {
  RelayBuffers buffers(64, 4);
  RelayBuffers::Handle a = buffers.Take();
  RelayBuffers::Handle b = buffers.Take();
  EXPECT_NE(a.span().data(), b.span().data());
}

TEST(RelayBuffersTest, KeepsNoMoreThanItsCacheLimit) {
  RelayBuffers buffers(64, 2);
  {
    RelayBuffers::Handle a = buffers.Take();
    RelayBuffers::Handle b = buffers.Take();
    RelayBuffers::Handle c = buffers.Take();
  }
  EXPECT_EQ(buffers.cached(), 2u);
}

TEST(RelayBuffersTest, AMovedHandleReturnsItsBufferOnce) {
  RelayBuffers buffers(64, 4);
  {
    RelayBuffers::Handle a = buffers.Take();
    RelayBuffers::Handle b(std::move(a));
  }
  EXPECT_EQ(buffers.cached(), 1u);
}

}  // namespace
}  // namespace maxpool::proxy
