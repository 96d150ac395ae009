// Whole files read with a size cap and written through a temporary file renamed into place.
#include "autodiff/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>

#include "autodiff/error.hpp"
#include "autodiff/text.hpp"

namespace ad {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int error) {
  const std::string reason = std::strerror(error);
  throw IoError(printable(path) + ": " + what + ": " + reason, {.file = path, .reason = reason});
}

// Closes a descriptor, and removes the temporary file it was opened on unless kept.
struct Descriptor {
  int fd = -1;
  std::string temporary{};
  ~Descriptor() {
    if (fd > 2) ::close(fd);
    if (!temporary.empty()) ::unlink(temporary.c_str());
  }
};

void write_all(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    const ::ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, "cannot write the file", errno);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The permissions a new file gets from open(): 0666 less the umask. umask() can only be read
// by setting it, so it is set back at once.
::mode_t new_file_mode() {
  const ::mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

// Where a link that points to nothing leads, its links followed as text (relative ones from
// their own folder): the file to create, as the shell's > creates it. `path` itself when it is
// not a link.
std::string dangling_target(const std::string& path) {
  std::string target = path;
  for (int hops = 0; hops < 40; ++hops) {  // 40: Linux's own limit on links in a path
    struct ::stat status {};
    if (::lstat(target.c_str(), &status) != 0 || !S_ISLNK(status.st_mode)) return target;
    std::string link(static_cast<std::size_t>(status.st_size) + 1, '\0');
    const ::ssize_t n = ::readlink(target.c_str(), link.data(), link.size());
    if (n < 0) fail(path, "cannot follow the link", errno);
    link.resize(static_cast<std::size_t>(n));
    const auto slash = target.rfind('/');
    target = link.starts_with('/') || slash == std::string::npos
                 ? link
                 : target.substr(0, slash + 1) + link;
  }
  fail(path, "cannot follow the link", ELOOP);
}

// A device or a pipe is written to directly (it cannot be renamed over). A pipe is opened
// without waiting: with no process reading it, open() would wait for ever.
void write_in_place(const std::string& path, const std::string& target, bool pipe,
                    std::string_view text) {
  Descriptor out{::open(target.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | (pipe ? O_NONBLOCK : 0))};
  if (out.fd < 0 && pipe && errno == ENXIO)
    throw IoError(path + ": cannot write to the pipe: no process is reading it",
                  {.file = path, .reason = "no process is reading it"});
  if (out.fd < 0) fail(path, "cannot open the file for writing", errno);
  if (pipe) ::fcntl(out.fd, F_SETFL, ::fcntl(out.fd, F_GETFL) & ~O_NONBLOCK);
  write_all(out.fd, text, path);
  if (::close(std::exchange(out.fd, -1)) != 0) fail(path, "cannot write the file", errno);
}

}  // namespace

std::optional<std::string> read_file(const std::string& path, std::size_t limit,
                                     const std::function<void(std::string_view)>& on_start) {
  Descriptor in;
  in.fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in.fd < 0) fail(path, "cannot open the file", errno);
  struct ::stat status {};
  if (::fstat(in.fd, &status) == 0 && S_ISDIR(status.st_mode))
    fail(path, "cannot read the file", EISDIR);
  // One buffer, reserved once: grown by doubling, a refused /dev/zero peaked at twice the limit.
  // A stream's reservation is address space; only the pages read into are memory.
  const bool sized = S_ISREG(status.st_mode) && status.st_size > 0;
  std::string text;
  text.reserve(std::min(limit, sized ? static_cast<std::size_t>(status.st_size) : limit) + 1);
  char buffer[65536];
  bool started = on_start == nullptr;
  while (text.size() <= limit) {
    const ::ssize_t n = ::read(in.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, "cannot read the file", errno);
    if (n == 0) return text;
    const std::size_t before = text.size();
    text.append(buffer, std::min(static_cast<std::size_t>(n), limit + 1 - text.size()));
    if (!started && text.find_first_not_of(" \t\r\n", before) != std::string::npos) {
      started = true;
      on_start(text);
    }
  }
  return std::nullopt;
}

void write_file(const std::string& path, std::string_view text) {
  // Through a link: the file it points to is replaced, not the link.
  std::string target = path;
  struct ::stat status {};
  if (char* real = ::realpath(path.c_str(), nullptr)) {
    target = real;
    std::free(real);
  } else if (::stat(path.c_str(), &status) != 0) {  // (/dev/stdout on a pipe has no real path)
    if (errno == ELOOP) fail(path, "cannot open the file for writing", ELOOP);
    if (errno == ENOENT) target = dangling_target(path);
  }
  const bool exists = ::stat(target.c_str(), &status) == 0;
  if (exists && S_ISDIR(status.st_mode)) fail(path, "cannot write the file", EISDIR);
  if (exists && !S_ISREG(status.st_mode))
    return write_in_place(path, target, S_ISFIFO(status.st_mode), text);
  // A file the user may not write is not replaced behind their back, as `>` would not.
  if (exists && ::access(target.c_str(), W_OK) != 0)
    fail(path, "cannot open the file for writing", errno);
  // A short name of its own, so that a target name near the system's limit still fits.
  const auto slash = target.rfind('/');
  const std::string folder = slash == std::string::npos ? "./" : target.substr(0, slash + 1);
  Descriptor out{-1, folder + ".autodiff-XXXXXX"};
  out.fd = ::mkstemp(out.temporary.data());
  if (out.fd < 0) {
    const int error = errno;
    out.temporary.clear();
    // A folder that is there but takes no new file (/proc): its reason is not the file's, which
    // may well exist (/proc/version). A folder not there is the file's reason, as for `>`.
    const std::string shown = folder.size() > 1 ? folder.substr(0, folder.size() - 1) : folder;
    struct ::stat place {};
    if (::stat(shown.c_str(), &place) == 0 && S_ISDIR(place.st_mode))
      fail(path, "cannot create a temporary file in " + printable(shown) + " to write it", error);
    fail(path, "cannot open the file for writing", error);
  }
  // The mode a plain open() would have given, or the replaced file's.
  if (::fchmod(out.fd, exists ? status.st_mode & 07777 : new_file_mode()) != 0)
    fail(path, "cannot write the file", errno);
  write_all(out.fd, text, path);
  if (::fsync(out.fd) != 0 || ::close(std::exchange(out.fd, -1)) != 0)
    fail(path, "cannot write the file", errno);
  if (::rename(out.temporary.c_str(), target.c_str()) != 0)
    fail(path, "cannot replace the file", errno);
  out.temporary.clear();  // it is the file now
}

bool same_file(const std::string& a, const std::string& b) {
  struct ::stat x {
  }, y{};
  const bool a_exists = ::stat(a.c_str(), &x) == 0, b_exists = ::stat(b.c_str(), &y) == 0;
  if (a_exists || b_exists)
    return a_exists && b_exists && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
  // Neither there yet: the files writing them would create, by their folders' real paths
  // ("./x.html", "$PWD/x.html" and a link to nothing named x.html are one file).
  // A link that cannot be followed (a loop) is compared by its own name: writing it fails later,
  // with the option's name in the message.
  const auto created = [](const std::string& path) {
    std::string target;
    try {
      target = dangling_target(path);
    } catch (const IoError&) {
      return std::filesystem::path(path);
    }
    std::error_code error;
    const auto full =
        std::filesystem::weakly_canonical(std::filesystem::absolute(target, error), error);
    return error ? std::filesystem::path(path) : full;
  };
  return created(a) == created(b);
}

}  // namespace ad
