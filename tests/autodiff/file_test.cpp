// ad::read_file and ad::write_file: the size cap, the system's reasons, and a file replaced
// only when complete, with nothing else in its folder touched.
#include "autodiff/file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "autodiff/error.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh empty folder for one test.
fs::path folder(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / ("file_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

}  // namespace

// /dev/zero never ends: the cap ends the read after limit + 1 bytes.
TEST(File, ReadStopsAtTheCap) {
  EXPECT_FALSE(ad::read_file("/dev/zero", 1000).has_value());
  const fs::path dir = folder("cap");
  std::ofstream(dir / "ten") << "0123456789";
  EXPECT_EQ(ad::read_file(dir / "ten", 10), "0123456789");  // exactly at the cap: read
  EXPECT_FALSE(ad::read_file(dir / "ten", 9).has_value());
}

TEST(File, ReadErrorsGiveTheSystemsReason) {
  const fs::path dir = folder("reasons");
  try {
    ad::read_file((dir / "missing").string(), 100);
    FAIL() << "no error";
  } catch (const ad::IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "missing").string() + ": cannot open the file: " + std::strerror(ENOENT));
    EXPECT_EQ(e.reason, std::strerror(ENOENT));
  }
  try {
    ad::read_file(dir.string(), 100);
    FAIL() << "no error";
  } catch (const ad::IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              dir.string() + ": cannot read the file: " + std::strerror(EISDIR));
  }
}

TEST(File, WriteReplacesTheFileAndLeavesNothingElse) {
  const fs::path dir = folder("write");
  std::ofstream(dir / "out.txt") << "old";
  ::chmod((dir / "out.txt").c_str(), 0640);
  ad::write_file((dir / "out.txt").string(), "new text");
  EXPECT_EQ(contents(dir / "out.txt"), "new text");
  EXPECT_EQ(listing(dir), std::set<std::string>{"out.txt"});  // no temporary file left
  struct stat status {};
  ASSERT_EQ(::stat((dir / "out.txt").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0640u);  // the replaced file's permissions
}

// A write that cannot finish leaves what was there (here: a directory in the way), and no
// temporary file.
TEST(File, AFailedWriteLeavesTheFolderAsItWas) {
  const fs::path dir = folder("failed");
  fs::create_directory(dir / "d.svg");
  std::ofstream(dir / "keep.txt") << "keep";
  try {
    ad::write_file((dir / "d.svg").string(), "text");
    FAIL() << "no error";
  } catch (const ad::IoError& e) {
    EXPECT_EQ(e.reason, std::strerror(EISDIR));
  }
  EXPECT_EQ(listing(dir), (std::set<std::string>{"d.svg", "keep.txt"}));
  EXPECT_THROW(ad::write_file((dir / "no" / "x.dot").string(), "text"), ad::IoError);
  EXPECT_EQ(contents(dir / "keep.txt"), "keep");
}

TEST(File, WriteThroughALinkReplacesWhatItPointsTo) {
  const fs::path dir = folder("link");
  std::ofstream(dir / "real.dot") << "old";
  fs::create_symlink("real.dot", dir / "link.dot");
  ad::write_file((dir / "link.dot").string(), "new");
  EXPECT_TRUE(fs::is_symlink(dir / "link.dot"));
  EXPECT_EQ(contents(dir / "real.dot"), "new");
}

// Renaming could replace a read-only file; the shell's `>` would refuse, and so does write_file.
TEST(File, AReadOnlyFileIsNotReplaced) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write any file";
  const fs::path dir = folder("read_only");
  std::ofstream(dir / "ro.dot") << "old";
  ::chmod((dir / "ro.dot").c_str(), 0444);
  EXPECT_THROW(ad::write_file((dir / "ro.dot").string(), "new"), ad::IoError);
  EXPECT_EQ(contents(dir / "ro.dot"), "old");
}

// Review s7, item 3: `--dot /proc/version` said "No such file or directory" of a file that
// exists: the reason was the temporary file's, created beside it in a folder that takes none.
// The message says so. A read-only folder refuses one too, but not to root; /proc refuses root.
TEST(File, AFolderThatTakesNoNewFileIsNamedWithItsReason) {
  const bool root = ::geteuid() == 0;
  const fs::path dir = folder("no_new_files");
  std::ofstream(dir / "out.dot") << "old";
  ::chmod(dir.c_str(), 0555);
  const std::string target = root ? "/proc/version" : (dir / "out.dot").string();
  const std::string in = root ? "/proc" : dir.string();
  // The reason, from the system directly: a new file in that folder.
  const int fd = ::open((in + "/new-file").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  const int reason = errno;
  ASSERT_LT(fd, 0) << in << " took a new file";
  try {
    ad::write_file(target, "new");
    ADD_FAILURE() << "no error";
  } catch (const ad::IoError& e) {
    EXPECT_EQ(std::string(e.what()), target + ": cannot create a temporary file in " + in +
                                         " to write it: " + std::strerror(reason));
  }
  ::chmod(dir.c_str(), 0755);
  EXPECT_EQ(contents(dir / "out.dot"), "old");
  // A folder not there is the file's reason, as the shell's `>` says it.
  try {
    ad::write_file((dir / "no" / "x.dot").string(), "new");
    ADD_FAILURE() << "no error";
  } catch (const ad::IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "no" / "x.dot").string() +
                  ": cannot open the file for writing: " + std::strerror(ENOENT));
  }
}

TEST(File, SameFileSeesThroughSpellingsAndLinks) {
  const fs::path dir = folder("same");
  std::ofstream(dir / "a.json") << "{}";
  std::ofstream(dir / "b.json") << "{}";
  fs::create_hard_link(dir / "a.json", dir / "hard.json");
  EXPECT_TRUE(ad::same_file((dir / "a.json").string(), (dir / "." / "a.json").string()));
  EXPECT_TRUE(ad::same_file((dir / "a.json").string(), (dir / "hard.json").string()));
  EXPECT_FALSE(ad::same_file((dir / "a.json").string(), (dir / "b.json").string()));
  EXPECT_FALSE(ad::same_file((dir / "a.json").string(), (dir / "missing").string()));
}

// The beginning of a file is shown to `on_start` before the rest is read: /dev/zero, which never
// ends, is refused by its first byte.
TEST(File, OnStartSeesTheFirstBytesThatAreNotWhiteSpace) {
  const fs::path dir = folder("start");
  std::ofstream(dir / "spaced") << "  \n\t{\"a\": 1}";
  std::string seen;
  EXPECT_EQ(ad::read_file(dir / "spaced", 100, [&](std::string_view s) { seen = s; }),
            "  \n\t{\"a\": 1}");
  EXPECT_EQ(seen, "  \n\t{\"a\": 1}");
  bool called = false;
  std::ofstream(dir / "blank") << " \n ";
  EXPECT_EQ(ad::read_file(dir / "blank", 100, [&](std::string_view) { called = true; }), " \n ");
  EXPECT_FALSE(called);
  EXPECT_THROW(ad::read_file("/dev/zero", std::size_t{1} << 20,
                             [](std::string_view s) {
                               if (s[0] != '{') throw std::runtime_error("not an object");
                             }),
               std::runtime_error);
}
