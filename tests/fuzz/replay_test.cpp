// Replays every committed fuzzing input through the fuzzers' harness with the normal build (and
// so under the ASan+UBSan and valgrind runs of the suite too): the seed corpus and, above all,
// every input that once crashed a fuzzer (tests/fuzz/regressions/). Each must end in a clean,
// documented error or in success.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/harness.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs(const std::string& kind) {
  std::vector<fs::path> files;
  for (const char* folder : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(AUTODIFF_SOURCE_DIR) / "tests/fuzz" / folder / kind;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file() && entry.path().filename() != ".gitkeep")
        files.push_back(entry.path());
  }
  return files;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FuzzReplay, ExpressionInputsEndInSuccessOrADocumentedError) {
  const auto files = inputs("expression");
  ASSERT_GE(files.size(), 10u) << "the expression seed corpus is missing";
  for (const fs::path& file : files) EXPECT_NO_THROW(fuzz::expression(read(file))) << file;
}

TEST(FuzzReplay, NetworkInputsEndInSuccessOrADocumentedError) {
  const auto files = inputs("network");
  ASSERT_GE(files.size(), 10u) << "the network seed corpus is missing";
  for (const fs::path& file : files) EXPECT_NO_THROW(fuzz::network(read(file))) << file;
}

}  // namespace
