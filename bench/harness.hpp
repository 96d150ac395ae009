// What every workload program shares: the command line, timing (median of repetitions), peak
// memory, the count of operator new calls in steady state, the agreement check against the
// hand-coded result, and one JSON line per run on stdout.
//
// Include this header in exactly one file per program: it replaces the global operator new to
// count allocations.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <initializer_list>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/workloads.hpp"

namespace bench {
inline std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
  bench::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
// GCC 12, seeing the malloc of the operator new above inlined into some callers and not into
// others, takes these frees for mismatched (a false positive that comes and goes with inlining).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace bench {

struct Options {
  std::string workload;  // w1, w2, w3; w1h, w2h (second derivatives, autodiff_bench only)
  std::string impl;
  // Tiny sizes, for CI: checks agreement, times nothing meaningful; each repetition runs the
  // workload once (bench/instructions.sh counts the instructions of the repetitions so).
  bool quick = false;
  int reps = 0;                // --reps N; 0: 5, or 1 with --quick
  bool memory_target = false;  // --memory-target: fail if W3's peak RSS misses its target
  long size = 0;  // --size N: W1's steps, W2's batch or W3's links (0: the default or quick size)
  // Wall-clock time instead of the process's CPU time, which adds up every thread's: for the
  // implementations on several threads (W2's threads1, threads2), set by the program.
  bool wall_clock = false;
  W1 w1;
  W2 w2;
  W3 w3;
};

[[noreturn]] inline void usage(const char* program, const std::string& why) {
  std::fprintf(stderr,
               "%s: %s\nusage: %s --workload NAME --impl NAME [--quick] [--reps N] [--size N] "
               "[--memory-target]\n",
               program, why.c_str(), program);
  std::exit(2);
}

// `workloads`: the ones this program runs.
inline Options parse(int argc, char** argv,
                     std::initializer_list<std::string_view> workloads = {"w1", "w2", "w3"}) {
  Options o;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    auto value = [&]() -> std::string {
      if (k + 1 >= argc) usage(argv[0], a + " needs a value");
      return argv[++k];
    };
    if (a == "--workload")
      o.workload = value();
    else if (a == "--impl")
      o.impl = value();
    else if (a == "--quick")
      o.quick = true;
    else if (a == "--reps")
      o.reps = std::max(1, std::atoi(value().c_str()));
    else if (a == "--memory-target")
      o.memory_target = true;
    else if (a == "--size")
      o.size = std::max(1L, std::atol(value().c_str()));
    else
      usage(argv[0], "unknown argument " + a);
  }
  if (std::find(workloads.begin(), workloads.end(), o.workload) == workloads.end()) {
    std::string names;
    for (const std::string_view w : workloads)
      names += (names.empty() ? "" : ", ") + std::string(w);
    usage(argv[0], "--workload must be one of " + names);
  }
  if (o.quick) {
    o.w1.steps = 100;
    o.w2.batch = 2;
    o.w3.links = 10'000;
    if (o.reps == 0) o.reps = 1;
  }
  if (o.reps == 0) o.reps = 5;
  if (o.size > 0) {
    o.w1.steps = static_cast<int>(std::min(o.size, 1L << 30));
    o.w2.batch = static_cast<int>(std::min(o.size, 1L << 30));
    o.w3.links = o.size;
  }
  return o;
}

inline const char* workload_name(const std::string& w) {
  if (w == "w1h") return "W1h tutorial-hessian";
  if (w == "w2h") return "W2h mlp-hvp";
  return w == "w1" ? "W1 tutorial-train" : w == "w2" ? "W2 mlp" : "W3 chain";
}

// One run of a workload: its result, how many units it did, and the bytes per tape node and of
// the whole tape (tape.bytes_used(); <0: not applicable).
struct Outcome {
  double result = 0;
  double units = 1;
  double bytes_per_node = -1;
  double tape_bytes = -1;
};

// W3's memory target (issue 16): the process's peak RSS at most 1.25 times the tape's bytes plus
// a fixed 8 MiB (the program, the C++ runtime, a few small vectors). The tape's buffers grow by
// realloc, which for blocks this large moves pages (mremap) instead of copying them, so the
// peak is the tape itself; a buffer that copied on growth would hold its old and new blocks at
// once at each doubling.
inline bool within_memory_target(double peak_rss_mb, double tape_bytes) {
  return peak_rss_mb <= 1.25 * tape_bytes / (1024.0 * 1024.0) + 8.0;
}

// Peak resident set of this process (VmHWM), in MiB.
inline double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return -1;
}

// The hand-coded result, checked itself against the published figure (W1, full size) or the
// continuous limit (W3).
inline double reference(const Options& o) {
  if (o.workload == "w1") {
    const double e = w1_hand(o.w1);
    if (o.w1.steps == 10000 && std::fabs(e - W1::published) > 1e-12 * W1::published) {
      std::fprintf(stderr, "FAIL: hand-coded W1 gives %.17g, the published figure is %.17g\n", e,
                   W1::published);
      std::exit(1);
    }
    return e;
  }
  if (o.workload == "w2") return W2Hand().run(o.w2);
  const double d = W3Hand().run(o.w3), limit = W3Hand::limit(o.w3);
  if (std::fabs(d - limit) > 1e-5 * std::fabs(limit)) {
    std::fprintf(stderr, "FAIL: hand-coded W3 gives %.17g, its continuous limit is %.17g\n", d,
                 limit);
    std::exit(1);
  }
  return d;
}

// CPU time of this process, in ns. CPU time rather than wall time: the machine's two cores are
// shared, and wall time counts the time this process waited for a core.
inline double cpu_ns(bool wall_clock = false) {
  timespec t{};
  clock_gettime(wall_clock ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// Time `reps` repetitions after one warm-up run (which grows the tapes), check the result, print
// the JSON line. A repetition runs the workload as many times as fit in about 0.2 s (W1 takes
// 0.5 ms hand-coded: a single run would time the CPU's warming up, not the code).
// `require_no_allocation`: fail if a timed run called operator new. `reference()` gives the
// expected result and the tolerance, {expected, tolerance}; it is called after the timing and
// the peak-memory reading.
template <class Run, class Reference>
int measure(const Options& o, Run&& run, bool require_no_allocation, Reference&& reference) {
  double start = cpu_ns(o.wall_clock);
  Outcome outcome = run();  // warm-up: tapes and workspaces reach their size
  const double once = cpu_ns(o.wall_clock) - start;
  const int runs = o.quick ? 1 : std::max(1, static_cast<int>(0.2e9 / std::max(once, 1.0)));
  std::vector<double> ns;
  ns.reserve(static_cast<std::size_t>(o.reps));  // so the only allocations counted are the run's
  const long before = allocations.load();
  for (int r = 0; r < o.reps; ++r) {
    start = cpu_ns(o.wall_clock);
    for (int k = 0; k < runs; ++k) outcome = run();
    ns.push_back((cpu_ns(o.wall_clock) - start) / (outcome.units * runs));
  }
  const double allocs_per_unit =
      static_cast<double>(allocations.load() - before) / (outcome.units * o.reps * runs);
  const double rss = peak_rss_mb();
  std::sort(ns.begin(), ns.end());
  const double median = ns[ns.size() / 2];

  const auto [expected, tolerance] = reference();
  if (!(std::fabs(outcome.result - expected) <= tolerance)) {
    std::fprintf(stderr, "FAIL: %s on %s gives %.17g, hand-coded gives %.17g\n", o.impl.c_str(),
                 workload_name(o.workload), outcome.result, expected);
    return 1;
  }
  // Ours on W3: its peak RSS against its tape (not under valgrind, whose own memory counts). The
  // hand-coded reference runs after the reading.
  if (o.memory_target && o.workload == "w3" && outcome.tape_bytes >= 0 &&
      !within_memory_target(rss, outcome.tape_bytes)) {
    std::fprintf(stderr, "FAIL: %s on %s: peak RSS %.1f MiB for a tape of %.1f MiB\n",
                 o.impl.c_str(), workload_name(o.workload), rss,
                 outcome.tape_bytes / (1024.0 * 1024.0));
    return 1;
  }
  if (require_no_allocation && allocs_per_unit > 0) {
    std::fprintf(stderr, "FAIL: %s on %s called operator new %.3g times per unit in steady state\n",
                 o.impl.c_str(), workload_name(o.workload), allocs_per_unit);
    return 1;
  }
  std::printf(
      "{\"impl\": \"%s\", \"workload\": \"%s\", \"ns_per_unit\": %.6g, \"bytes_per_node\": %.4g, "
      "\"peak_rss_mb\": %.1f, \"tape_mb\": %.4g, \"result\": %.17g, \"allocs_per_unit\": %.3g, "
      "\"reps\": %d, "
      "\"ns_all\": [",
      o.impl.c_str(), workload_name(o.workload), median, outcome.bytes_per_node, rss,
      outcome.tape_bytes >= 0 ? outcome.tape_bytes / (1024.0 * 1024.0) : -1.0, outcome.result,
      allocs_per_unit, o.reps);
  for (std::size_t k = 0; k < ns.size(); ++k) std::printf("%s%.6g", k ? ", " : "", ns[k]);
  std::printf("]}\n");
  return 0;
}

// A gradient workload (w1, w2, w3), checked against the hand-coded gradient.
template <class Run>
int measure(const Options& o, Run&& run, bool require_no_allocation) {
  return measure(o, run, require_no_allocation, [&] {
    const double expected = reference(o);
    return std::pair{expected, (o.workload == "w3" ? 1e-8 : 1e-9) * std::fabs(expected)};
  });
}

}  // namespace bench
