// Rendering through Graphviz's dot with a time limit: a dot that never finishes is stopped, and
// no file is left behind. A stand-in `dot` on PATH sleeps in its place.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "autodiff/graph/graph.hpp"

namespace fs = std::filesystem;

// Item 9: `--dot big.svg` on a graph dot lays out for minutes looked like a hang.
TEST(Render, ADotThatDoesNotFinishIsStopped) {
  const fs::path dir = fs::path(testing::TempDir()) / "render_test_slow";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "dot") << "#!/bin/sh\nexec sleep 60\n";
  fs::permissions(dir / "dot", fs::perms::owner_all);
  const std::string path = std::getenv("PATH");
  ::setenv("PATH", (dir.string() + ":" + path).c_str(), 1);
  const auto start = std::chrono::steady_clock::now();
  std::string message;
  const bool written =
      ad::graph::write_dot_file((dir / "g.svg").string(), "digraph G {}\n", &message, 1);
  const auto took = std::chrono::steady_clock::now() - start;
  ::setenv("PATH", path.c_str(), 1);
  EXPECT_FALSE(written);
  EXPECT_EQ(message,
            "dot -Tsvg was still laying out the graph after 1 seconds and was stopped; write the "
            "graph to a .dot file and run dot on it yourself");
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_FALSE(fs::exists(dir / "g.svg"));
  fs::remove_all(dir);
}
