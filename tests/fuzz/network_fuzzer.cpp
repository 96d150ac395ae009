// libFuzzer target: the network-file reader and, for a valid file, one training step.
#include <cstddef>
#include <cstdint>

#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::network({reinterpret_cast<const char*>(data), size});
  return 0;
}
