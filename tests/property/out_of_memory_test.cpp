// A tape that outgrows memory: what the user sees. The tape's buffers grow by doubling; when
// growing one fails, std::bad_alloc reaches the caller of the operation that needed it. These
// tests show it is a clean exception, not a crash, and that the tape stays usable: the user can
// catch it, clear() the tape and record again.
//
// The limit is imposed with setrlimit(RLIMIT_AS) in a forked child, so the test process is not
// starved. Skipped under AddressSanitizer (its shadow memory needs terabytes of address space)
// and under valgrind (which manages the address space itself).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "autodiff/autodiff.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define AUTODIFF_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AUTODIFF_UNDER_ASAN 1
#endif
#endif

namespace {

// Child exit statuses.
enum Outcome { kCleanBadAlloc = 0, kNeverRanOut = 10, kOtherException = 11, kWrongAfterClear = 12 };

// Records additions on one tape until memory runs out; returns the outcome.
int record_until_out_of_memory(bool record_again_before_clear) {
  ad::Tape tape;
  try {
    ad::Var x(1.0, "x");
    ad::Var y = x;
    for (long i = 0; i < 2'000'000'000L; ++i) y = y + x;
    return kNeverRanOut;
  } catch (const std::bad_alloc&) {
  } catch (...) {
    return kOtherException;
  }
  if (record_again_before_clear) {
    // The user catches bad_alloc and keeps recording on the same tape (after freeing memory
    // elsewhere, say): each further operation must again throw cleanly or succeed.
    for (int i = 0; i < 3; ++i) {
      try {
        ad::Var z(2.0);
        (void)(z * z);
      } catch (const std::bad_alloc&) {
      } catch (...) {
        return kOtherException;
      }
    }
  }
  // clear() keeps the buffers already allocated: a small recording fits and differentiates.
  tape.clear();
  ad::Var a(3.0, "a");
  ad::Var f = a * a + a;
  tape.backward(f);
  return a.grad() == 7.0 ? kCleanBadAlloc : kWrongAfterClear;
}

// Valgrind loads its preload libraries into the program it runs (no need for its header, which
// would make the valgrind package a build dependency).
bool under_valgrind() {
  const char* preload = std::getenv("LD_PRELOAD");
  return preload != nullptr && std::strstr(preload, "vgpreload") != nullptr;
}

void expect_clean_out_of_memory(bool record_again_before_clear) {
#ifdef AUTODIFF_UNDER_ASAN
  GTEST_SKIP() << "RLIMIT_AS cannot be used under AddressSanitizer";
#endif
  if (under_valgrind()) GTEST_SKIP() << "RLIMIT_AS cannot be used under valgrind";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const rlimit limit{256L << 20, 256L << 20};  // 256 MiB of address space
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(20);
    _exit(record_until_out_of_memory(record_again_before_clear));
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_FALSE(WIFSIGNALED(status)) << "the child died of signal " << WTERMSIG(status);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kCleanBadAlloc)
      << "10: never ran out, 11: an exception other than std::bad_alloc, 12: wrong gradient "
         "after clear()";
}

TEST(OutOfMemory, RecordingThrowsBadAllocAndTheTapeIsReusableAfterClear) {
  expect_clean_out_of_memory(false);
}

TEST(OutOfMemory, RecordingAgainAfterBadAllocThrowsAgainOrSucceeds) {
  expect_clean_out_of_memory(true);
}

}  // namespace
