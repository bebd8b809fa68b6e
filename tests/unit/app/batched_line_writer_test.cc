#include "app/batched_line_writer.h"

#include <mutex>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "support/eventually.h"

namespace maxpool::app {
namespace {

TEST(BatchedLineWriterTest, WritesEveryLineWholeAndInOrderByTheEnd) {
  std::ostringstream out;
  {
    BatchedLineWriter writer(out, std::chrono::milliseconds(5));
    for (int i = 0; i < 1000; ++i) writer.Append("line " + std::to_string(i));
  }
  std::istringstream lines(out.str());
  std::string line;
  int expected = 0;
  while (std::getline(lines, line)) EXPECT_EQ(line, "line " + std::to_string(expected++));
  EXPECT_EQ(expected, 1000);
}

TEST(BatchedLineWriterTest, LinesFromManyThreadsAreNeverInterleaved) {
  std::ostringstream out;
  {
    BatchedLineWriter writer(out, std::chrono::milliseconds(1));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < 500; ++i) writer.Append(std::string(40, static_cast<char>('a' + t)));
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  std::istringstream lines(out.str());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ASSERT_EQ(line.size(), 40u);
    EXPECT_EQ(line.find_first_not_of(line[0]), std::string::npos) << line;
    ++count;
  }
  EXPECT_EQ(count, 2000);
}

// A string sink that the test may read while the writer's thread writes to it.
class LockedStringBuf : public std::streambuf {
 public:
  std::string Contents() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> lock(mu_);
    text_.append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      std::lock_guard<std::mutex> lock(mu_);
      text_.push_back(static_cast<char>(c));
    }
    return c;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

TEST(BatchedLineWriterTest, ALineAppearsWithoutWaitingForTheEnd) {
  LockedStringBuf sink;
  std::ostream out(&sink);
  BatchedLineWriter writer(out, std::chrono::milliseconds(10));
  writer.Append("hello");
  EXPECT_TRUE(testing::Eventually([&] { return sink.Contents() == "hello\n"; }));
}

}  // namespace
}  // namespace maxpool::app
