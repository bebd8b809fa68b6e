#pragma once

// File-system helpers shared by the tests: a temp directory removed when it goes out of scope,
// whole-file reads, and paths into tests/data (found through MAXPOOL_TEST_DATA, which CMake sets
// for every test; the fallback "tests/data" works when run from the source root).

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace maxpool::testing {

// A fresh directory under the system temp dir, removed with its contents in the destructor.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "maxpool-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to the file `name` (relative to the directory) and returns its path.
  std::filesystem::path Write(std::string_view name, std::string_view text) const {
    const std::filesystem::path file = path_ / std::filesystem::path(name);
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  const std::filesystem::path& path() const { return path_; }
  // Names of the files in the directory.
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

 private:
  std::filesystem::path path_;
};

// The whole contents of `path`; empty if it cannot be read.
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// tests/data/<subdir>/<name>.
inline std::filesystem::path TestDataPath(std::string_view subdir, std::string_view name) {
  const char* root = std::getenv("MAXPOOL_TEST_DATA");
  return std::filesystem::path(root == nullptr ? "tests/data" : root) /
         std::filesystem::path(subdir) / std::filesystem::path(name);
}

}  // namespace maxpool::testing
