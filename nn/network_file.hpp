// The network file: a JSON description of a network (read with nlohmann-json), validated whole
// before anything runs. See /work/notes/nn-readme.md (README section) for the format.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "nn/network.hpp"

namespace ad::nn {

// A bad network file: the file, the place in it (a JSON pointer such as /weights/3/from, or
// line:column for a syntax error) and the problem.
struct FileError : std::runtime_error {
  FileError(std::string file, std::string place, std::string problem)
      : std::runtime_error(file + ": " + place + ": " + problem),
        file(std::move(file)),
        place(std::move(place)),
        problem(std::move(problem)) {}
  std::string file, place, problem;
};

struct NetworkFile {
  std::string path;
  Network network;
};

NetworkFile load_network_file(const std::string& path);
// The same from text; `file` names it in errors.
NetworkFile parse_network_file(std::string_view text, const std::string& file);

}  // namespace ad::nn
