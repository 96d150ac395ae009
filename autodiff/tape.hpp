// The tape (a Wengert list) and the active scalar Var whose operations it records: the public
// class and its recording fast paths. The rest of its work is in record.cpp (buffers, growth,
// node ids, names), sweep.cpp (the reverse sweep), read.cpp (node views), check.cpp (the checked
// mode and the errors), and node_layout.hpp (how a node lies in the streams); hessian.cpp reads
// it node by node for the second-order sweeps.
//
// Layout: four streams, each one contiguous buffer that grows by doubling and is kept across
// clear(), so a training loop stops allocating after its first step.
//  * per node: its value and its adjoint side by side (16 bytes; the adjoint is zeroed as the
//    node is recorded, so backward() needs no pass to clear them), and its operation code;
//  * per operand: the index of the node it refers to (4 bytes);
//  * per datum: a double some operations keep: a unary function's local partial, taken when it
//    is recorded (so sigmoid computes e^−x once for both), or the divisor d of a reciprocal
//    partial 1/d (log: x), which the sweep divides by (see op.hpp); the c of a mixed operation
//    (x·c), the coefficients of a linear combination.
// The partials of the other operations follow from values the tape keeps anyway (∂(a·b)/∂a = b,
// ∂(Σ wᵢxᵢ)/∂wᵢ = xᵢ), so they are not stored: the reverse sweep computes them from the operand
// values, which sit next to the adjoints it updates. A binary operation costs
// 1 (op) + 16 (value, adjoint) + 2 × 4 (operands) = 25 bytes; a unary function 29.
// The left-hand index is implicit (nodes are numbered in recording order) and the operand count
// follows from the op code, so no per-node offsets are stored; that is why the reverse sweep
// walks the whole tape backwards, and why the graph adaptor builds its own index.
//
// One tape is active per thread (a thread_local pointer, as in Adept): constructing a Tape
// activates it, destroying it reactivates the one that was active before. The rule that follows:
// a Tape is destroyed on the thread that constructed it (its pointer is in that thread's
// thread_local until then); destroying it on another thread aborts the program with a message
// saying so, since going on would leave the constructing thread pointing at freed memory.
//
// Every Var carries an id: its node's number among all the nodes ever recorded in the process.
// Ids come in chunks of kChunk = 2^23; each recording (a new tape, or a tape after clear())
// takes a fresh chunk, and one more per 2^23 nodes, so node i in a recording's chunk k has the id
// base[k] + (i − k·2^23). A tape reserves its chunks from one global 64-bit counter in blocks of
// 1, 2, 4, ... up to 1024 chunks (one atomic add per block, none in most clear()s), so it leaves
// fewer unused than it uses: an id is never handed out twice before 2^64 / 2^23 / 2 = 2^40 tapes
// or clears; only then does the counter wrap around. Each
// operation turns an operand's id into its node index by one subtraction and one unsigned compare
// against the current chunk's base and node count (index()), which proves at once that the Var
// belongs to this recording and that its index is inside the tape: a Var used after clear() or
// with another tape throws instead of reading freed or foreign memory, and even an id reused
// after a wrap-around cannot reach outside the tape.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "autodiff/error.hpp"
#include "autodiff/node_layout.hpp"
#include "autodiff/op.hpp"

namespace ad {

class Tape;

namespace detail {
inline constinit thread_local Tape* active_tape = nullptr;
// "linear: 3 coefficients for 2 terms"
[[noreturn]] void throw_length_mismatch(const char* what, std::size_t a, std::size_t b);
}  // namespace detail

// An active scalar: a value and the id of the tape node that computed it (see Tape::index()).
class Var {
 public:
  // A Var that belongs to no tape; using it in an operation throws TapeMismatch.
  Var() = default;
  // A leaf on the active tape holding a constant (or an input you will not name).
  Var(double value);  // NOLINT(google-explicit-constructor): `Var y = 0.0` reads naturally
  // A named leaf on the active tape: an input or parameter. The name is used in reports and in
  // the graph.
  Var(double value, std::string_view name);

  double value() const { return value_; }
  // d(output)/d(this) from the last backward() of the active tape.
  double grad() const;
  // The node's id, unique among all tapes' nodes (see the top of this file); tape.index(v) is its
  // index on its tape.
  std::uint64_t id() const { return id_; }
  static constexpr std::uint64_t kNeverRecorded = ~std::uint64_t{0};

  // Build a Var from a node already recorded (for the tape's recorders). Not needed for
  // ordinary use.
  static Var from_node(double value, std::uint64_t id) {
    Var v;
    v.value_ = value;
    v.id_ = id;
    return v;
  }

 private:
  double value_ = 0.0;
  // kNeverRecorded, which no recording owns until the counter has wrapped around.
  std::uint64_t id_ = kNeverRecorded;
};
// 16 bytes: Vars are passed and kept by value everywhere, and widening them to 24 bytes (a 64-bit
// epoch beside a 32-bit index) cost about 40% on a benchmark; a 64-bit id does both jobs.
static_assert(sizeof(Var) == 16);

// How backward() treats gradients left by an earlier backward().
enum class Backward { Replace, Accumulate };

// One recorded node, for reading the tape (graph, explanation, reports).
struct NodeView {
  std::uint32_t index;
  Op op;
  double value;
  double adjoint;   // NaN before the first backward() and for nodes recorded after it
  double constant;  // c of a mixed operation (x + c, ...), NaN otherwise
  std::vector<std::uint32_t> operands;
  std::vector<double> partials;  // ∂node/∂operand, one per operand
  std::string_view name;         // empty unless the leaf was named
};

class Tape {
 public:
  struct Options {
    // Stop at the first node whose value or local partial is NaN or infinite, and throw
    // NonFinite naming the operation and its operand values (like PyTorch's anomaly mode).
    bool checked = false;
  };

  Tape() : Tape(Options{}) {}
  explicit Tape(Options options);
  ~Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  // The tape active in this thread; throws NoActiveTape when there is none.
  static Tape& active() {
    if (detail::active_tape == nullptr) [[unlikely]]
      throw_no_active_tape();
    return *detail::active_tape;
  }

  // Forget every node and invalidate every Var recorded so far; keep the memory for reuse.
  void clear() {
    size_ = operand_size_ = datum_size_ = 0;
    swept_ = dirty_ = zeroed_from_ = zeroed_to_ = 0;
    earlier_.clear();
    names_.clear();
    name_chars_.clear();
    chunks_.clear();
    if (reserved_next_ != reserved_end_) [[likely]] {  // the next chunk of this tape's block
      first_id_ = chunk_base_ = reserved_next_;
      reserved_next_ += kChunk;
      chunk_start_ = 0;
      update_limit();
    } else {
      start_recording();
    }
  }

  bool checked() const { return checked_; }
  void set_checked(bool on) {
    checked_ = on;
    update_limit();
  }

  // Reverse sweep: after it, gradient(x) is d(output)/d(x) for every node x. With
  // Backward::Replace (the default) the gradients of an earlier backward() are discarded, so
  // calling it twice gives the same result; Backward::Accumulate adds to them.
  void backward(const Var& output, Backward mode = Backward::Replace);

  // d(output)/d(x) from the last backward(). Throws TapeMismatch if x is not from this
  // recording, Error if no backward() covered x, and NonFinite, naming the operation where the
  // chain rule broke down, if the gradient is NaN or, on a checked tape, ±inf.
  //
  // Why ±inf is refused only on a checked tape: on an unchecked one an infinite gradient may be
  // the documented one-sided limit of a derivative that is infinite (d/dx sqrt(x) at 0 is +inf,
  // as PyTorch returns it), and it carries that information; a NaN never does. On a checked
  // tape every value and local partial is finite (it throws otherwise), so an infinite gradient
  // can only be a product of finite factors that overflowed in the sweep: a number outside the
  // doubles, not the derivative, which the checked mode promises never to hand back.
  double gradient(const Var& x) const { return gradient(index(x), x); }
  // The same for x whose node index i is known (ad::Function keeps its inputs' indices).
  double gradient(std::uint32_t i, const Var& x) const {
    if (i < swept_) [[likely]] {
      const double g = slot_.data[i].adjoint;
      if (std::isfinite(g) || (!checked_ && !std::isnan(g))) [[likely]]
        return g;
    }
    throw_no_gradient(x);
  }

  // Size and memory.
  std::size_t size() const { return size_; }  // nodes recorded
  std::size_t operand_count() const;          // operands recorded
  std::size_t bytes_used() const;             // recorded data, adjoints included
  std::size_t bytes_reserved() const;         // memory held, used or not

  // Reading the tape.
  NodeView node(std::uint32_t index) const;
  std::vector<NodeView> nodes() const;  // all nodes, in recording order
  std::string_view name(std::uint32_t index) const;
  // Give any node a name (net_h1, out_o1, E1) for reports, the graph and the explanation.
  void set_name(const Var& v, std::string_view name);
  // "w1", or "mul#7" for an unnamed node: how reports and errors refer to a node. The name is
  // shown printable() (text.hpp): a newline in it is "\n", so a message keeps its lines.
  std::string label(std::uint32_t index) const;

  // ---- Reading node by node, for a sweep outside the tape (the Hessian's, hessian.cpp) ----

  using Position = detail::Position;
  std::vector<Position> positions() const;  // where each node's operands and data start
  Op op(std::uint32_t index) const { return op_.data[index]; }
  double value(std::uint32_t index) const { return slot_.data[index].value; }
  // A node's operand slots, laid out as node_layout.hpp says (for a specialised loop over a sum).
  const std::uint32_t* operand_slots(const Position& at) const {
    return operand_.data + at.operand;
  }
  // Refills `at` with positions() (reusing its memory).
  void positions(std::vector<Position>& at) const;
  // Calls f(operand's node index, ∂node/∂operand) for each operand of a node, in order.
  template <class F>
  void for_each_operand(std::uint32_t i, const Position& at, F&& f) const {
    detail::for_each_operand(
        op_.data[i], slot_.data[i].value, operand_.data + at.operand, at.count,
        datum_.data + at.datum, [&](std::uint32_t j) { return slot_.data[j].value; }, f);
  }
  // Calls f(j, k, ∂²node/∂j∂k) for each ordered pair of its operands whose second partial is not
  // 0 (see detail::for_each_second).
  template <class F>
  void for_each_second(std::uint32_t i, const Position& at, F&& f) const {
    detail::for_each_second(
        op_.data[i], slot_.data[i].value, operand_.data + at.operand, at.count,
        datum_.data + at.datum, [&](std::uint32_t j) { return slot_.data[j].value; }, f);
  }
  // The checked mode's test of a second partial h = ∂²node/∂j∂k that a sweep uses: throws
  // NonFinite, naming the node, its operation and operands, if it is not finite.
  void check_second(std::uint32_t index, const Position& at, std::uint32_t j, std::uint32_t k,
                    double h) const;

  // ---- Replaying (for ad::Function, replay.cpp; not needed for ordinary use) ----

  // Gives leaf `index` a new value, for a replay.
  void set_leaf(std::uint32_t index, double value) { slot_.data[index].value = value; }
  // Where a forward pass over the tape stands: the next node's first operand slot and datum, and
  // the operand-slot counts of the sums still ahead. A sum's count slot follows its operands, so
  // only a backward walk can find it; every other node's slots follow from its operation. Keeping
  // one count per sum, not a Position per node, is what lets a long chain replay in the tape's
  // own memory.
  struct Ahead {
    std::size_t operand = 0, datum = 0;
    const std::uint32_t* sum_slots = nullptr;
  };
  // Where node `from` starts, with the slot counts of the sums among nodes [from, to) written to
  // `sums` in order (sum_slots is left for the caller to point at them).
  Ahead ahead(std::size_t from, std::size_t to, std::vector<std::uint32_t>& sums) const;
  // Recomputes nodes [from, to), in order, from their operands' values as recording computed
  // them: their values and unary functions' data (a sum's coefficients and an operation's constant
  // stay). `at` is where node `from` starts and is moved to `to`. On a checked tape each node is
  // checked as it was when recorded. The gradients are forgotten until the next backward(); the
  // nodes' adjoints are zeroed as they are recomputed, as recording zeroes them, so that
  // backward() need not clear them in a pass of its own.
  void reevaluate(std::size_t from, std::size_t to, Ahead& at);

  // ---- Recording (used by the operations in var.hpp; not needed for ordinary use) ----

  // v's node index on this tape; throws TapeMismatch unless v was recorded on this tape since its
  // last clear(). The fast test: v is in the current chunk (one subtraction, one compare; for a
  // tape of up to 2^23 nodes the only chunk); nodes of earlier chunks are looked up out of line.
  std::uint32_t index(const Var& v) const {
    const std::uint64_t k = v.id() - chunk_base_;
    if (k < size_ - chunk_start_) [[likely]]
      return static_cast<std::uint32_t>(chunk_start_ + k);
    return index_in_earlier_chunk(v);
  }
  void check(const Var& v) const { (void)index(v); }
  // A leaf; the unnamed case (every constant a user writes) stays inline.
  Var leaf(double value) { return record<0, 0>(Op::Leaf, value, {}, {}); }
  Var leaf(double value, std::string_view name);
  // A node with operand x and, for unary functions and mixed operations, one datum (the local
  // partial, or the constant c).
  Var unary(Op op, const Var& x, double y) { return record<1, 0>(op, y, {index(x)}, {}); }
  Var unary(Op op, const Var& x, double y, double datum) {
    return record<1, 1>(op, y, {index(x)}, {datum});
  }
  Var binary(Op op, const Var& a, const Var& b, double y) {
    return record<2, 0>(op, y, {index(a), index(b)}, {});
  }
  // Σ cᵢ·xᵢ (+ bias; all cᵢ = 1 if c is null), Σ wᵢ·xᵢ (+ bias): one node each (see
  // ad::linear, ad::sum, ad::weighted_sum).
  // The fast paths make one pass over the terms: the value, and whether each list of operands is
  // a progression of ids (Progressions, a compare per operand, as a dense layer's are), which then
  // lies in the current chunk if its ends do; other sums are tested an operand at a time
  // (write_fast_sum). Anything unusual (a mismatch, an operand of an earlier chunk, a full buffer,
  // the checked mode) goes to the *_slow versions, which check one operand at a time and say
  // which one is wrong. Nothing is committed (sizes advanced) until every operand has passed.
  Var linear(const double* c, std::span<const Var> x, const Var* bias) {
    const std::size_t n = x.size(), b = bias != nullptr;
    if (n >= kMaxTerms || size_ >= node_limit_ || operand_.capacity - operand_size_ < n + b + 1 ||
        datum_.capacity - datum_size_ < n) [[unlikely]]
      return linear_slow(c, x, bias);
    double* d = datum_.data + datum_size_;
    const std::array lists{x};
    Progressions<1> p(lists);
    const double value = sum_value(n, bias, [&](std::size_t k) {
      p.test(lists, k);
      d[k] = c != nullptr ? c[k] : 1.0;
      return c != nullptr ? c[k] * x[k].value() : x[k].value();
    });
    std::size_t slots;
    if (!write_fast_sum<1>(lists, bias, p, slots)) [[unlikely]]
      return linear_slow(c, x, bias);
    datum_size_ += n;
    return finish_sum(Op::Linear, value, slots);
  }
  Var weighted_sum(std::span<const Var> w, std::span<const Var> x, const Var* bias) {
    const std::size_t n = x.size(), b = bias != nullptr;
    if (n >= kMaxTerms || size_ >= node_limit_ || operand_.capacity - operand_size_ < 2 * n + b + 1)
        [[unlikely]]
      return weighted_sum_slow(w, x, bias);
    const std::array lists{w, x};
    Progressions<2> p(lists);
    const double value = sum_value(n, bias, [&](std::size_t k) {
      p.test(lists, k);
      return w[k].value() * x[k].value();
    });
    std::size_t slots;
    if (!write_fast_sum<2>(lists, bias, p, slots)) [[unlikely]]
      return weighted_sum_slow(w, x, bias);
    return finish_sum(Op::WeightedSum, value, slots);
  }

 private:
  static constexpr std::size_t kMaxTerms = std::size_t{1} << 30;  // of one sum (its count slot)
  // Node ids are handed out in chunks of this many (see the top of this file).
  static constexpr std::uint64_t kChunk = std::uint64_t{1} << 23;
  // The most chunks a tape reserves at once: one atomic add per 1024 clear()s at most.
  static constexpr std::uint64_t kMaxBlock = 1024;
  struct Slot {
    double value, adjoint;
  };
  // A buffer of trivially copyable T that grows by doubling (realloc, which for large buffers
  // moves pages instead of copying them) and keeps its memory across clear().
  template <class T>
  struct Buffer {
    T* data = nullptr;
    std::size_t capacity = 0;
    Buffer() = default;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer();
    void reserve(std::size_t n);  // throws std::bad_alloc and leaves the buffer as it was
  };
  struct Name {
    std::uint32_t node, offset, length;
  };
  // The one recording path: N operands, D data. The fast path is one compare and the stores:
  // node_limit_ is kept low enough that any node of up to two operands and one datum fits below
  // it (update_limit()), and is 0 in checked mode, so growing and checking go through
  // record_slow().
  template <std::uint32_t N, std::uint32_t D>
  Var record(Op op, double y, std::array<std::uint32_t, N> operands, std::array<double, D> data) {
    static_assert(N <= 2 && D <= 1);
    const std::size_t i = size_, o = operand_size_, d = datum_size_;
    if (i >= node_limit_) [[unlikely]]
      return record_slow(op, y, operands.data(), N, data.data(), D);
    slot_.data[i] = {y, 0.0};
    op_.data[i] = op;
    for (std::uint32_t k = 0; k < N; ++k) operand_.data[o + k] = operands[k];
    for (std::uint32_t k = 0; k < D; ++k) datum_.data[d + k] = data[k];
    size_ = i + 1;
    if constexpr (N > 0) operand_size_ = o + N;
    if constexpr (D > 0) datum_size_ = d + D;
    return Var::from_node(y, id(i));
  }
  Var record_slow(Op op, double y, const std::uint32_t* operands, std::uint32_t n,
                  const double* data, std::uint32_t d);
  // Makes room for one more node with n operands and d data.
  void reserve(std::size_t n, std::size_t d);
  void update_limit() {
    // Each node recorded by the fast path takes at most two operands and one datum.
    const std::size_t nodes = std::min(slot_.capacity, op_.capacity);
    const std::size_t operands = size_ + (operand_.capacity - operand_size_) / 2;
    const std::size_t data = size_ + (datum_.capacity - datum_size_);
    // The current chunk's end too: the next chunk is taken by the slow path.
    node_limit_ = checked_ ? 0 : std::min({nodes, operands, data, chunk_start_ + kChunk});
  }
  // The id of node i of the current chunk.
  std::uint64_t id(std::size_t i) const { return chunk_base_ + (i - chunk_start_); }
  // The current chunk, read once for a sum: whether v is in it (index()'s fast test, without a
  // branch).
  struct Chunk {
    std::uint64_t first, count, origin;  // origin: the id node 0 would have (id − origin = index)
    bool holds(const Var& v) const { return v.id() - first < count; }
    bool holds(std::uint64_t id) const { return id - first < count; }
  };
  Chunk current_chunk() const {
    return {chunk_base_, size_ - chunk_start_, chunk_base_ - chunk_start_};
  }
  // index()'s out-of-line part: v's index if it is in an earlier chunk of this recording, else
  // throws TapeMismatch.
  std::uint32_t index_in_earlier_chunk(const Var& v) const;
  // A sum's value: its terms summed left to right, term(k) the k-th, and the bias last.
  template <class Term>
  static double sum_value(std::size_t n, const Var* bias, Term&& term) {
    double value = 0.0;
    for (std::size_t k = 0; k < n; ++k) value += term(k);
    if (bias != nullptr) value += bias->value();
    return value;
  }
  // Whether each of a sum's L lists of operands (x; or w and x), of more than two, has the ids
  // first + k·step modulo 2^64, tested term by term (test()) in the pass that sums them.
  template <std::size_t L>
  struct Progressions {
    using Lists = std::array<std::span<const Var>, L>;
    std::array<std::uint64_t, L> first{}, step{}, next{};
    bool all;
    explicit Progressions(const Lists& lists) : all(lists[0].size() > 2) {
      for (std::size_t l = 0; l < L && all; ++l) {
        first[l] = next[l] = lists[l][0].id();
        step[l] = lists[l][1].id() - first[l];
      }
    }
    void test(const Lists& lists, std::size_t k) {
      for (std::size_t l = 0; l < L; ++l) {
        all &= lists[l][k].id() == next[l];
        next[l] += step[l];
      }
    }
    // Whether every operand is in the chunk: each list's ends are, and its step is under a chunk.
    // Then, n being under 2^30, the ids' distances from the chunk's first are first's plus k·step
    // without wrapping around (under 2^53 in size), so they run monotonically between two ends
    // that are under the chunk's count, and are too.
    bool in(const Chunk& chunk, std::size_t n) const {
      bool in = all;
      for (std::size_t l = 0; l < L; ++l)
        in &= chunk.holds(first[l]) & chunk.holds(first[l] + (n - 1) * step[l]) &
              (step[l] + kChunk < 2 * kChunk);
      return in;
    }
  };
  // Writes a sum's operand slots (node_layout.hpp) at the end of the operand stream if all its
  // operands are in the current chunk; returns whether they were (else the slow path takes it).
  // An index is then the id minus the chunk's origin, taken modulo 2^32 (its low bits').
  template <std::size_t L>
  bool write_fast_sum(const typename Progressions<L>::Lists& lists, const Var* bias,
                      const Progressions<L>& p, std::size_t& slots) {
    const Chunk chunk = current_chunk();
    if (bias != nullptr && !chunk.holds(*bias)) [[unlikely]]
      return false;
    const std::size_t n = lists[0].size();
    const auto origin = static_cast<std::uint32_t>(chunk.origin);
    if (p.in(chunk, n)) [[likely]] {
      std::array<std::uint32_t, L> first, step;
      for (std::size_t l = 0; l < L; ++l) {
        first[l] = static_cast<std::uint32_t>(p.first[l]) - origin;
        step[l] = static_cast<std::uint32_t>(p.step[l]);
      }
      const std::uint32_t b = bias != nullptr ? static_cast<std::uint32_t>(bias->id()) - origin : 0;
      slots = detail::write_strided_sum<L>(operand_.data + operand_size_, first, step, n,
                                           bias != nullptr ? &b : nullptr);
      return true;
    }
    return write_each_sum<L>(lists, bias, slots);
  }
  // write_fast_sum's test of each operand, for sums that are not progressions (short ones, a
  // neuron's inputs that are data): out of line, so that the operations around the sums inline.
  template <std::size_t L>
  [[gnu::noinline]] bool write_each_sum(const typename Progressions<L>::Lists& lists,
                                        const Var* bias, std::size_t& slots) {
    const Chunk chunk = current_chunk();
    const std::size_t n = lists[0].size();
    bool all = true;
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t l = 0; l < L; ++l) all &= chunk.holds(lists[l][k]);
    if (!all) [[unlikely]]
      return false;
    const auto low_bits = [](const Var& v) { return static_cast<std::uint32_t>(v.id()); };
    slots = detail::write_sum<L>(operand_.data + operand_size_, lists[0], lists[L - 1], n, bias,
                                 low_bits, static_cast<std::uint32_t>(chunk.origin));
    return true;
  }
  // From any chunk (the slow paths).
  template <std::size_t L>
  std::size_t write_sum(std::span<const Var> w, std::span<const Var> x, std::size_t n,
                        const Var* bias) {
    const auto index_of = [this](const Var& v) { return index(v); };
    return detail::write_sum<L>(operand_.data + operand_size_, w, x, n, bias, index_of, 0);
  }
  // The node of a sum whose operand slots are written (the fast paths are never in checked mode).
  Var finish_sum(Op op, double value, std::size_t slots) {
    operand_size_ += slots;
    const std::size_t i = size_;
    slot_.data[i] = {value, 0.0};
    op_.data[i] = op;
    size_ = i + 1;
    update_limit();
    return Var::from_node(value, id(i));
  }
  Var linear_slow(const double* c, std::span<const Var> x, const Var* bias);
  Var weighted_sum_slow(std::span<const Var> w, std::span<const Var> x, const Var* bias);
  [[noreturn]] void throw_no_gradient(const Var& x) const;
  // Where the sweep first made a gradient on x's paths non-finite, as a sentence, or "".
  std::string where_not_finite(std::uint32_t x) const;
  void check_node(std::uint32_t index, const Position& at) const;
  // What the checked mode found not finite: an input (op Leaf, perhaps not yet recorded) named
  // `input` whose value is `value`, or the operation at node `index`, its operands at `at`, of
  // which `what` ("gave the value inf", "has the local partial ...").
  struct CheckFailure {
    Op op;
    std::uint32_t index;
    Position at;
    std::string_view input;
    double value;
    std::string reason;  // "∂/∂x = inf": ErrorContext::reason
    std::string what;    // the message's account of it
  };
  // The checked mode's one throw.
  [[noreturn]] void throw_checked(const CheckFailure& found) const;
  // The slow paths': also the checked mode's test.
  Var finish_sum(Op op, double value, std::size_t slots, const Position& at);
  [[noreturn]] void throw_mismatch(const Var& v) const;
  [[noreturn]] static void throw_no_active_tape();
  [[noreturn]] static void abort_destroyed_elsewhere();
  // The next chunk of this tape's block of ids, after reserve_block() if it is used up.
  std::uint64_t take_chunk();
  // Reserves the tape's next block of chunks from the global counter (one atomic add), noted in
  // runs_: 1 chunk, then twice as many each time up to kMaxBlock.
  void reserve_block();
  // Takes a fresh chunk of ids for a new recording (construction, clear()).
  void start_recording();
  // Takes a fresh chunk of ids for the nodes from size_ on.
  void next_chunk();
  NodeView view(std::uint32_t index, const Position& at) const;
  struct Sweep;  // the reverse sweep's state and its step per operation (sweep.cpp)
  // reevaluate()'s loop; the unchecked one computes no Position (replay.cpp).
  template <bool kChecked>
  void reevaluate_nodes(std::size_t from, std::size_t to, Ahead& at);
  void sweep(std::size_t last);

  Buffer<Slot> slot_;              // value and adjoint of each node
  Buffer<Op> op_;                  // operation of each node
  Buffer<std::uint32_t> operand_;  // operand indices; a variadic node ends with its count
  Buffer<double> datum_;           // unary functions' partials or divisors, constants, coefficients
  std::size_t size_ = 0, operand_size_ = 0, datum_size_ = 0;
  std::size_t node_limit_ = 0;  // the fast path's bound on size_ (see record())
  std::size_t swept_ = 0;       // nodes that have a gradient: the size at the last backward()
  std::size_t dirty_ = 0;       // adjoints [0, dirty_) may be nonzero from an earlier backward()
  // but for [zeroed_from_, zeroed_to_), which a reevaluate() since that backward() zeroed.
  std::size_t zeroed_from_ = 0, zeroed_to_ = 0;
  std::vector<double> earlier_;  // the gradients being accumulated onto (Backward::Accumulate)
  std::vector<Name> names_;      // sorted by node; a renamed node keeps its last name
  std::string name_chars_;
  bool checked_ = false;
  // The current chunk: the id of its first node, and that node's index (a multiple of kChunk).
  std::uint64_t chunk_base_ = 0;
  std::size_t chunk_start_ = 0;
  std::uint64_t first_id_ = 0;         // the first chunk's first id
  std::vector<std::uint64_t> chunks_;  // the later chunks' first ids, in recording order
  // The tape's reserved ids not yet taken: [reserved_next_, reserved_end_), whole chunks, and the
  // size in chunks of the last block reserved.
  std::uint64_t reserved_next_ = 0, reserved_end_ = 0, block_chunks_ = 0;
  // The chunks this tape has reserved in all its recordings, as runs of consecutive chunks, the
  // latest kRuns of them in a ring (so clear() never allocates): they tell a Var recorded before
  // a clear() from one of another tape, for the message. Losing the oldest only changes which of
  // the two TapeMismatch messages a Var that old gets.
  struct ChunkRun {
    std::uint64_t first = 0, chunks = 0;
  };
  static constexpr std::size_t kRuns = 40;
  std::array<ChunkRun, kRuns> runs_{};
  std::size_t run_count_ = 0;
  Tape* previous_ = nullptr;  // the tape active before this one
  Tape** home_ = nullptr;     // the constructing thread's detail::active_tape
};

inline Var::Var(double value) : Var(Tape::active().leaf(value)) {}

inline Var::Var(double value, std::string_view name) : Var(Tape::active().leaf(value, name)) {}

inline double Var::grad() const { return Tape::active().gradient(*this); }

// Name a node on the active tape and return it: auto out_h1 = ad::named(sigmoid(net), "out_h1").
inline Var named(const Var& v, std::string_view name) {
  Tape::active().set_name(v, name);
  return v;
}

}  // namespace ad
