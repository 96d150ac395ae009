// libFuzzer target: the expression parser, evaluator, recorder and finite differences.
#include <cstddef>
#include <cstdint>

#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::expression({reinterpret_cast<const char*>(data), size});
  return 0;
}
