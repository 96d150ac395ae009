// Whole files for the library and the program: read with a size cap ("-" is standard input),
// written in full or not at all, and whether two paths are one file.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ad {

// All of `path`, or of standard input when path is "-". nullopt when it holds more than `limit`
// bytes: at most limit + 1 are read, so /dev/zero or a runaway pipe ends. Throws IoError (the
// system's reason, strerror, in its message and in `reason`) when it cannot be opened or read,
// a directory included. `on_start`, if given, is called once with the bytes read so far as soon
// as they hold one that is not white space, before the rest is read: it may throw to refuse a
// file by its beginning (a network file that is not JSON) without reading it whole.
std::optional<std::string> read_file(
    const std::string& path, std::size_t limit,
    const std::function<void(std::string_view)>& on_start = nullptr);

// Writes `text` to `path` through a new temporary file in the same folder (mkstemp), renamed
// into place only when complete: a failed write leaves whatever was there untouched, and no
// other file is written. A file the user may not write is refused, as `>` would refuse it. A
// path through a symbolic link replaces the file it points to, and a link to nothing creates
// the file it names, as `>` does (the link stays a link). A path that is not a regular file (a
// pipe, a terminal, /dev/null) is written to directly, as `>` writes to it; a named pipe that
// no process reads is refused at once rather than waited on. Throws IoError, its message
// "PATH: cannot ...: REASON" ("PATH: cannot create a temporary file in FOLDER to write it:
// REASON" when the folder takes no new file, as /proc does).
void write_file(const std::string& path, std::string_view text);

// True when both paths are the same file (device and inode), whatever the links or spellings
// ("./a.json", a hard link) that lead to it; when neither exists yet, when writing both would
// create the same file ("x.html", "./x.html", "$PWD/x.html", a link to nothing named x.html).
bool same_file(const std::string& a, const std::string& b);

}  // namespace ad
