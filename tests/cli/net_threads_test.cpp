// autodiff net --threads N and the file's "threads": the same report to the last digit on any
// number of threads, and the values refused with the flag's or the file's place.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "cli/run_cli.hpp"

namespace {

using cli_test::run;

// A batch of 12 samples (two blocks of Trainer::kBlock = 8), and `extra` keys.
std::string write_batch(const std::string& name, const std::string& extra = "") {
  const std::string path = testing::TempDir() + name;
  std::string samples;
  for (int s = 0; s < 12; ++s)
    samples += std::string(s ? "," : "") + "{\"inputs\": [" + std::to_string(0.1 * s) + ", " +
               std::to_string(1 - 0.07 * s) + "], \"targets\": [" + std::to_string(0.08 * s) + "]}";
  std::ofstream(path) << "{\"sizes\": [2, 3, 1], \"seed\": 5, \"samples\": [" << samples << "]"
                      << extra << "}";
  return path;
}

TEST(NetThreads, TheSameReportOnAnyNumberOfThreads) {
  const std::string file = write_batch("net_threads_same.json");
  const cli_test::Run one = run("net " + file + " --json --steps 50 --threads 1");
  ASSERT_EQ(one.status, 0) << one.err;
  for (const char* threads : {"2", "3", "7", "64"}) {
    const cli_test::Run r = run("net " + file + " --json --steps 50 --threads " + threads);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, one.out) << threads << " threads";
  }
  // The file's key, and no key at all (the number of cores): the same again.
  const std::string keyed = write_batch("net_threads_keyed.json", ", \"threads\": 5");
  EXPECT_EQ(run("net " + keyed + " --json --steps 50").out, one.out);
  EXPECT_EQ(run("net " + file + " --json --steps 50").out, one.out);
  std::remove(file.c_str());
  std::remove(keyed.c_str());
}

TEST(NetThreads, TheFlagTakesAWholeNumberFrom1To1024) {
  const std::string file = write_batch("net_threads_flag.json");
  for (const char* value : {"0", "-1", "2.5", "1025", "many"}) {
    const cli_test::Run r = run("net " + file + " --threads " + value);
    EXPECT_EQ(r.status, 2) << value;
    EXPECT_EQ(r.err, std::string("autodiff: --threads: must be a whole number from 1 to 1024 in "
                                 "decimal digits, not '") +
                         value + "'\nRun with --help for more information.\n");
    EXPECT_EQ(r.out, "");
  }
  std::remove(file.c_str());
}

TEST(NetThreads, TheFileKeyIsRefusedWithItsPlace) {
  for (const char* value : {"0", "-3", "1.5", "2000", "true"}) {
    const std::string file =
        write_batch("net_threads_key.json", std::string(", \"threads\": ") + value);
    const cli_test::Run r = run("net " + file);
    EXPECT_EQ(r.status, 2) << value;
    EXPECT_EQ(r.err, "autodiff: " + file +
                         ": /threads: expected a whole number of threads from 1 to 1024, found " +
                         value + "\n");
    std::remove(file.c_str());
  }
}

}  // namespace
