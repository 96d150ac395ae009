// Network files: the JSON description of a network (long form, short form and its published
// figures), read with nlohmann-json and checked whole, compiled once, before anything runs.
// See docs/networks.md for the format.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "autodiff/error.hpp"
#include "autodiff/text.hpp"
#include "nn/network.hpp"

namespace ad::nn {

// A bad network file: the file, the place in it (a JSON pointer such as /weights/3/from,
// line:column for a syntax error, empty for the whole document or file) and the reason. A
// file that cannot be opened or read is an ad::IoError instead. The message is one line: the
// path, a key or a name from the file with a newline in it shows it as "\n" (ad::printable).
struct FileError : ad::Error {
  FileError(const std::string& file, const std::string& place, const std::string& reason)
      : ad::Error(ad::printable(file) + ": " + (place.empty() ? "" : ad::printable(place) + ": ") +
                  ad::printable(reason)) {
    this->file = file;
    this->place = place;
    this->reason = reason;
  }
};

// A network as its file gives it, with its Topology: everything that runs the network takes
// both, so it is compiled here, once.
struct NetworkFile {
  std::string path;
  Network network;
  Topology topology;
};

// Throws ad::IoError if the file cannot be opened (`file` the path, `reason` the system's),
// FileError if its content is not a valid network, or larger than kMaxFileBytes. "-" reads
// standard input.
NetworkFile load_network_file(const std::string& path);
// The largest network file read (256 MiB): room for a long form of over a million weights, and
// a bound on memory (the parsed tree takes several times the text) whatever the file is.
inline constexpr std::size_t kMaxFileBytes = std::size_t{256} << 20;
// The deepest nesting of arrays and objects accepted (a network file needs 4).
inline constexpr std::size_t kMaxNesting = 64;
// The same from text; `file` names it in errors.
NetworkFile parse_network_file(std::string_view text, const std::string& file);

// ---- Published figures ----

// The quantity a published figure is (see nn::Figure), parsed.
struct Quantity {
  enum Kind { Value, Derivative, Updated, After } kind;
  std::string of, wrt;  // a node; for a Derivative, d `of` / d `wrt`
  int steps = 0;        // gradient steps taken before: 1 for Updated, N for After
};
std::optional<Quantity> parse_quantity(const std::string& quantity);
// The most steps "A after N" may name: training to them takes minutes for a small network.
inline constexpr long kMostStepsAfter = 10'000'000;

// Throws nn::Error at `place` if the quantity is not one of the forms of nn::Figure or names no
// node of the network.
void check_quantity(const Network& network, const std::string& quantity, const std::string& place);

}  // namespace ad::nn
