// The tape (a Wengert list) and the active scalar Var whose operations it records.
//
// Layout: every node keeps its operation code and value; every operand keeps the index of the
// node it refers to and the local partial ∂node/∂operand, taken when the node is recorded.
// Both streams are structures of arrays in large chunks that are kept across clear(), so a
// training loop stops allocating after its first step. A recorded binary operation costs
// 1 (op) + 8 (value) + 8 (adjoint) + 2 × (8 + 4) (partials and operand indices) = 41 bytes.
// The left-hand index is implicit (nodes are numbered in recording order) and the operand count
// follows from the op code, so no per-node offsets are stored; that is why the reverse sweep
// walks the whole tape backwards, and why the graph adaptor builds its own index.
//
// One tape is active per thread (a thread_local pointer, as in Adept): constructing a Tape
// activates it, destroying it reactivates the one that was active before. Every Var carries the
// epoch of the recording it belongs to; each operation compares it with the active tape's
// epoch, so a value used after clear() or with another tape throws instead of reading freed or
// foreign memory. That check is one compare per operand.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "autodiff/error.hpp"
#include "autodiff/op.hpp"

namespace ad {

class Tape;

namespace detail {
inline constinit thread_local Tape* active_tape = nullptr;
}

// An active scalar: a value and the index of the tape node that computed it.
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
  std::uint32_t index() const { return index_; }
  std::uint32_t epoch() const { return epoch_; }

  // Build a Var from a node already recorded on the active tape (for recorders outside this
  // header: the graph, the parser). Not needed for ordinary use.
  static Var from_node(double value, std::uint32_t index, std::uint32_t epoch) {
    Var v;
    v.value_ = value;
    v.index_ = index;
    v.epoch_ = epoch;
    return v;
  }

 private:
  double value_ = 0.0;
  std::uint32_t index_ = 0;
  std::uint32_t epoch_ = 0;  // 0: never recorded
};

// How backward() treats gradients left by an earlier backward().
enum class Backward { Replace, Accumulate };

// One recorded node, for reading the tape (graph, explanation, reports).
struct NodeView {
  std::uint32_t index;
  Op op;
  double value;
  double adjoint;   // NaN before the first backward() and for nodes recorded after it
  double constant;  // c of a mixed operation (x + c, ...), NaN otherwise
  std::span<const std::uint32_t> operands;
  std::span<const double> partials;
  std::string_view name;  // empty unless the leaf was named
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
  void clear();

  bool checked() const { return checked_; }
  void set_checked(bool on) { checked_ = on; }

  // Reverse sweep: after it, gradient(x) is d(output)/d(x) for every node x. With
  // Backward::Replace (the default) the gradients of an earlier backward() are discarded, so
  // calling it twice gives the same result; Backward::Accumulate adds to them.
  void backward(const Var& output, Backward mode = Backward::Replace);

  // d(output)/d(x) from the last backward(). Throws NonFinite if it is NaN, TapeMismatch if x is
  // not from this recording, and Error if no backward() covered x.
  double gradient(const Var& x) const;

  // Size and memory.
  std::size_t size() const { return size_; }  // nodes recorded
  std::size_t operand_count() const;          // operands recorded
  std::size_t bytes_used() const;             // recorded data, adjoints included
  std::size_t bytes_reserved() const;         // memory held, used or not
  std::uint32_t epoch() const { return epoch_; }

  // Reading the tape.
  NodeView node(std::uint32_t index) const;
  std::vector<NodeView> nodes() const;  // all nodes, in recording order
  std::string_view name(std::uint32_t index) const;
  // Give any node a name (net_h1, out_o1, E1) for reports, the graph and the explanation.
  void set_name(const Var& v, std::string_view name);
  // "w1", or "mul#7" for an unnamed node: how reports and errors refer to a node.
  std::string label(std::uint32_t index) const;

  // ---- Recording (used by the operations in var.hpp; not needed for ordinary use) ----

  // Throws TapeMismatch unless v was recorded on this tape since its last clear().
  void check(const Var& v) const {
    if (v.epoch() != epoch_) [[unlikely]]
      throw_mismatch(v);
  }

  // Record a node with n operands; returns its index. The caller then fills the n operand
  // slots through operand(). Variadic operations append their count slot themselves.
  std::uint32_t push(Op op, double value, std::uint32_t n) {
    if (node_pos_ == kNodeChunk) [[unlikely]]
      next_node_chunk();
    if (operand_pos_ + n > operand_chunk_->capacity) [[unlikely]]
      next_operand_chunk(n);
    node_chunk_->value[node_pos_] = value;
    node_chunk_->op[node_pos_] = op;
    ++node_pos_;
    op_begin_ = operand_pos_;
    operand_pos_ += n;
    return static_cast<std::uint32_t>(size_++);
  }
  void operand(std::uint32_t slot, std::uint32_t index, double partial) {
    operand_chunk_->index[op_begin_ + slot] = index;
    operand_chunk_->partial[op_begin_ + slot] = partial;
  }
  void push_constant(double c) { constants_.push_back(c); }
  // Called after a node is fully recorded: the checked mode's test, then the Var.
  Var finish(std::uint32_t index, double value) {
    if (checked_) [[unlikely]]
      check_node(index);
    return Var::from_node(value, index, epoch_);
  }
  // A leaf; the unnamed, unchecked case (every constant a user writes) stays inline.
  std::uint32_t leaf(double value, std::string_view name) {
    if (!name.empty() || checked_) [[unlikely]]
      return named_leaf(value, name);
    return push(Op::Leaf, value, 0);
  }
  // The operand slots of the node just pushed, for recorders that fill many at once (the
  // sums): one pointer each, so the loop does not reload the chunk per slot.
  std::uint32_t* operand_indices() { return operand_chunk_->index.get() + op_begin_; }
  double* operand_partials() { return operand_chunk_->partial.get() + op_begin_; }

 private:
  static constexpr std::uint32_t kNodeChunk = 1u << 16;
  static constexpr std::uint32_t kOperandChunk = 1u << 17;

  struct NodeChunk {
    double value[kNodeChunk];
    Op op[kNodeChunk];
  };
  struct OperandChunk {
    explicit OperandChunk(std::uint32_t n)
        : partial(new double[n]), index(new std::uint32_t[n]), capacity(n) {}
    std::unique_ptr<double[]> partial;
    std::unique_ptr<std::uint32_t[]> index;
    std::uint32_t capacity;
    std::uint32_t used = 0;  // kept for every chunk but the current one (operand_pos_)
  };
  struct Name {
    std::uint32_t node, offset, length;
  };

  void next_node_chunk();
  void next_operand_chunk(std::uint32_t n);
  void check_node(std::uint32_t index) const;
  std::uint32_t named_leaf(double value, std::string_view name);
  [[noreturn]] void throw_mismatch(const Var& v) const;
  [[noreturn]] static void throw_no_active_tape();
  std::uint32_t next_epoch();
  // Where each node's operands are: built by walking the tape backwards.
  struct Position {
    std::uint32_t chunk, begin, count;
  };
  std::vector<Position> positions() const;
  NodeView view(std::uint32_t index, const Position& at) const;

  // Nodes.
  std::vector<std::unique_ptr<NodeChunk>> node_chunks_;
  NodeChunk* node_chunk_ = nullptr;
  std::uint32_t node_index_ = 0;  // of node_chunk_
  std::uint32_t node_pos_ = 0;
  std::size_t size_ = 0;
  // Operands.
  std::vector<std::unique_ptr<OperandChunk>> operand_chunks_;
  OperandChunk* operand_chunk_ = nullptr;
  std::uint32_t operand_index_ = 0;  // of operand_chunk_
  std::uint32_t operand_pos_ = 0;
  std::uint32_t op_begin_ = 0;  // first operand slot of the node being recorded
  // Everything else.
  std::vector<double> adjoint_;    // sized by backward(); empty before it
  std::vector<double> earlier_;    // the gradients being accumulated onto (Backward::Accumulate)
  std::vector<double> constants_;  // c of each mixed operation, in recording order
  std::vector<Name> names_;        // sorted by node; a renamed node keeps its last name
  std::string name_chars_;
  bool checked_ = false;
  std::uint32_t epoch_ = 0;
  // This tape's epochs: blocks claimed in contiguous ranges of doubling length, kept in a ring
  // of fixed size, so that clear() never allocates (see next_epoch()).
  struct EpochRange {
    std::uint32_t first_block = 0, blocks = 0;
  };
  static constexpr std::uint32_t kEpochRanges = 40;
  std::array<EpochRange, kEpochRanges> epoch_ranges_{};
  std::uint32_t epoch_range_count_ = 0;
  Tape* previous_ = nullptr;  // the tape active before this one
};

inline Var::Var(double value) : value_(value) {
  Tape& tape = Tape::active();
  index_ = tape.leaf(value, {});
  epoch_ = tape.epoch();
}

inline Var::Var(double value, std::string_view name) : value_(value) {
  Tape& tape = Tape::active();
  index_ = tape.leaf(value, name);
  epoch_ = tape.epoch();
}

inline double Var::grad() const { return Tape::active().gradient(*this); }

// Name a node on the active tape and return it: auto out_h1 = ad::named(sigmoid(net), "out_h1").
inline Var named(const Var& v, std::string_view name) {
  Tape::active().set_name(v, name);
  return v;
}

}  // namespace ad
