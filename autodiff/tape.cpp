#include "autodiff/tape.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>

#include "autodiff/var.hpp"

namespace ad {

namespace {

// Epochs are handed out in blocks, one block per tape at a time, so that a mismatched Var can
// be told apart: recorded on this tape before a clear(), or on another tape.
constexpr std::uint32_t kEpochBlock = 1024;
std::atomic<std::uint32_t> next_block{1};  // block 0 is never used: epoch 0 means "no tape"

std::string number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

}  // namespace

// ---- Life cycle ----

Tape::Tape(Options options) : checked_(options.checked) {
  node_chunks_.push_back(std::make_unique<NodeChunk>());
  node_chunk_ = node_chunks_.back().get();
  operand_chunks_.push_back(std::make_unique<OperandChunk>(kOperandChunk));
  operand_chunk_ = operand_chunks_.back().get();
  epoch_ = next_epoch();
  previous_ = detail::active_tape;
  detail::active_tape = this;
}

Tape::~Tape() {
  if (detail::active_tape == this) {
    detail::active_tape = previous_;
    return;
  }
  // Ended out of order (tapes on the heap): unlink this one from the chain of active tapes.
  for (Tape* t = detail::active_tape; t != nullptr; t = t->previous_) {
    if (t->previous_ == this) {
      t->previous_ = previous_;
      break;
    }
  }
}

std::uint32_t Tape::next_epoch() {
  if (epoch_ != 0 && (epoch_ + 1) % kEpochBlock != 0) return epoch_ + 1;
  // The next block of the current range, if any.
  if (epoch_range_count_ > 0) {
    const EpochRange& last = epoch_ranges_[(epoch_range_count_ - 1) % kEpochRanges];
    const std::uint32_t next = epoch_ / kEpochBlock + 1;
    if (next < last.first_block + last.blocks) return next * kEpochBlock;
  }
  // Else claim a new range, twice as long as the last (up to kMaxRangeBlocks): a tape cleared n
  // times holds O(log n) ranges, in a fixed array, so clear() never allocates. A tape cleared
  // more than ~10^8 times overwrites its oldest ranges, which only changes which of the two
  // TapeMismatch messages a Var that old gets.
  constexpr std::uint32_t kMaxRangeBlocks = 4096;
  const std::uint32_t want =
      epoch_range_count_ == 0
          ? 1
          : std::min(2 * epoch_ranges_[(epoch_range_count_ - 1) % kEpochRanges].blocks,
                     kMaxRangeBlocks);
  std::uint32_t block = next_block.fetch_add(want);
  constexpr std::uint32_t kBlocks = std::numeric_limits<std::uint32_t>::max() / kEpochBlock;
  if (block == 0 || block > kBlocks - want) {
    // After ~4 million blocks the numbering wraps; a stale Var could then go unnoticed only if
    // it survived four million tapes or four billion clears.
    next_block = 1 + want;
    block = 1;
  }
  epoch_ranges_[epoch_range_count_ % kEpochRanges] = {block, want};
  ++epoch_range_count_;
  return block * kEpochBlock;
}

void Tape::clear() {
  node_index_ = 0;
  node_chunk_ = node_chunks_.front().get();
  node_pos_ = 0;
  size_ = 0;
  operand_index_ = 0;
  operand_chunk_ = operand_chunks_.front().get();
  operand_pos_ = 0;
  op_begin_ = 0;
  adjoint_.clear();
  earlier_.clear();
  constants_.clear();
  names_.clear();
  name_chars_.clear();
  epoch_ = next_epoch();
}

void Tape::next_node_chunk() {
  if (size_ > std::numeric_limits<std::uint32_t>::max() - kNodeChunk) [[unlikely]]
    throw Error("tape is full: " + std::to_string(size_) +
                " nodes recorded without clear(); node indices are 32 bits");
  // Allocate before moving on, so that a std::bad_alloc leaves the tape as it was (the next
  // operation throws again or succeeds, and clear() makes it usable).
  if (node_index_ + 1 == node_chunks_.size()) node_chunks_.push_back(std::make_unique<NodeChunk>());
  ++node_index_;
  node_chunk_ = node_chunks_[node_index_].get();
  node_pos_ = 0;
}

void Tape::next_operand_chunk(std::uint32_t n) {
  // As in next_node_chunk(): allocate first, then change the state, for std::bad_alloc.
  const std::uint32_t next = operand_index_ + 1;
  const std::uint32_t capacity = std::max(n, kOperandChunk);
  if (next == operand_chunks_.size()) {
    operand_chunks_.push_back(std::make_unique<OperandChunk>(capacity));
  } else if (operand_chunks_[next]->capacity < n) {
    operand_chunks_[next] = std::make_unique<OperandChunk>(capacity);
  }
  operand_chunk_->used = operand_pos_;
  operand_index_ = next;
  operand_chunk_ = operand_chunks_[operand_index_].get();
  operand_pos_ = 0;
}

std::uint32_t Tape::named_leaf(double value, std::string_view name) {
  const std::uint32_t i = push(Op::Leaf, value, 0);
  if (!name.empty()) {
    names_.push_back({i, static_cast<std::uint32_t>(name_chars_.size()),
                      static_cast<std::uint32_t>(name.size())});
    name_chars_.append(name);
  }
  if (checked_ && !std::isfinite(value)) [[unlikely]]
    throw NonFinite("checked mode: input " + label(i) + " is " + number(value));
  return i;
}

// ---- Errors ----

void Tape::throw_no_active_tape() {
  throw NoActiveTape(
      "no tape is active in this thread: create an ad::Tape (it records until it is destroyed) "
      "before making or combining Vars");
}

void Tape::throw_mismatch(const Var& v) const {
  if (v.epoch() == 0)
    throw TapeMismatch(
        "a Var that was never recorded (default-constructed) was used in an operation");
  const std::uint32_t block = v.epoch() / kEpochBlock;
  const bool mine =
      std::any_of(epoch_ranges_.begin(), epoch_ranges_.end(), [&](const EpochRange& r) {
        return r.blocks != 0 && block >= r.first_block && block - r.first_block < r.blocks;
      });
  if (mine && v.epoch() < epoch_)
    throw TapeMismatch("node #" + std::to_string(v.index()) + " (value " + number(v.value()) +
                       ") was recorded before its tape was cleared; clear() invalidates every "
                       "Var recorded before it: record it again");
  throw TapeMismatch("node #" + std::to_string(v.index()) + " (value " + number(v.value()) +
                     ") belongs to another tape than the one active in this thread; values "
                     "of two tapes cannot be combined");
}

void Tape::check_node(std::uint32_t index) const {
  // Called for the node just recorded: its operands are the last slots written.
  const Op op = node_chunk_->op[node_pos_ - 1];
  const double value = node_chunk_->value[node_pos_ - 1];
  std::uint32_t n = operand_pos_ - op_begin_;
  if (kArity[static_cast<std::size_t>(op)] == kVariadic) --n;  // the count slot
  const double* partial = operand_chunk_->partial.get() + op_begin_;
  const std::uint32_t* operand = operand_chunk_->index.get() + op_begin_;

  std::string what;
  if (!std::isfinite(value)) {
    what = "gave the value " + number(value);
  } else {
    for (std::uint32_t k = 0; k < n; ++k) {
      if (!std::isfinite(partial[k])) {
        what = "has the local partial ∂/∂" + label(operand[k]) + " = " + number(partial[k]) +
               " (its derivative does not exist there)";
        break;
      }
    }
  }
  if (what.empty()) return;
  std::string operands;
  for (std::uint32_t k = 0; k < n; ++k) {
    if (k > 0) operands += ", ";
    operands += label(operand[k]) + " = " +
                number(node_chunks_[operand[k] / kNodeChunk]->value[operand[k] % kNodeChunk]);
  }
  if (info(op).has_constant) operands += (n > 0 ? ", c = " : "c = ") + number(constants_.back());
  throw NonFinite("checked mode: " + std::string(info(op).name) + " at node #" +
                  std::to_string(index) + " " + what + "; operands: " + operands);
}

// ---- The reverse sweep ----

void Tape::backward(const Var& output, Backward mode) {
  check(output);
  if (mode == Backward::Accumulate) {
    // Sweep this output alone, then add the earlier gradients: sweeping on top of them would
    // pass the earlier adjoints of intermediate nodes on a second time.
    std::swap(adjoint_, earlier_);
    backward(output, Backward::Replace);
    const std::size_t n = std::min(earlier_.size(), adjoint_.size());
    for (std::size_t i = 0; i < n; ++i) adjoint_[i] += earlier_[i];
    return;
  }
  adjoint_.assign(size_, 0.0);
  double* adjoint = adjoint_.data();
  const std::size_t last = output.index();
  adjoint[last] += 1.0;

  // Operand cursor: chunk, position, and that chunk's arrays.
  std::uint32_t chunk = operand_index_;
  std::uint32_t p = operand_pos_;
  const double* partial = operand_chunk_->partial.get();
  const std::uint32_t* index = operand_chunk_->index.get();

  std::size_t i = size_;
  for (std::uint32_t c = node_index_ + 1; c-- > 0;) {
    const Op* op = node_chunks_[c]->op;
    for (std::uint32_t k = (c == node_index_ ? node_pos_ : kNodeChunk); k-- > 0;) {
      --i;
      std::uint32_t n = kArity[static_cast<std::size_t>(op[k])];
      if (n == 0) continue;
      while (p == 0) {  // this node's operands end the previous chunk
        const OperandChunk& previous = *operand_chunks_[--chunk];
        p = previous.used;
        partial = previous.partial.get();
        index = previous.index.get();
      }
      if (n == kVariadic) n = index[--p];
      p -= n;
      if (i > last) continue;  // recorded after the output: it does not depend on them
      const double a = adjoint[i];
      if (a == 0) continue;  // nothing to pass on (and 0 · inf must not make a NaN)
      for (std::uint32_t j = p; j < p + n; ++j) adjoint[index[j]] += a * partial[j];
    }
  }
}

double Tape::gradient(const Var& x) const {
  check(x);
  if (x.index() >= adjoint_.size())
    throw Error("no gradient for " + label(x.index()) +
                ": it was recorded after the last backward(), or backward() was not called");
  const double g = adjoint_[x.index()];
  if (std::isnan(g)) [[unlikely]]
    throw NonFinite("the gradient with respect to " + label(x.index()) +
                    " is NaN: a derivative on its path does not exist; record with "
                    "Tape::Options{.checked = true} to stop at the operation that made it");
  return g;
}

// ---- Reading the tape ----

std::size_t Tape::operand_count() const {
  std::size_t n = operand_pos_;
  for (std::uint32_t c = 0; c < operand_index_; ++c) n += operand_chunks_[c]->used;
  return n;
}

std::size_t Tape::bytes_used() const {
  return size_ * (sizeof(double) + sizeof(Op) + sizeof(double)) +
         operand_count() * (sizeof(double) + sizeof(std::uint32_t)) +
         constants_.size() * sizeof(double) + names_.size() * sizeof(Name) + name_chars_.size();
}

std::size_t Tape::bytes_reserved() const {
  std::size_t bytes = node_chunks_.size() * sizeof(NodeChunk);
  for (const auto& c : operand_chunks_)
    bytes += c->capacity * (sizeof(double) + sizeof(std::uint32_t));
  return bytes + (adjoint_.capacity() + earlier_.capacity()) * sizeof(double) +
         constants_.capacity() * sizeof(double) + names_.capacity() * sizeof(Name) +
         name_chars_.capacity();
}

std::string_view Tape::name(std::uint32_t index) const {
  auto it = std::lower_bound(names_.begin(), names_.end(), index,
                             [](const Name& n, std::uint32_t i) { return n.node < i; });
  if (it == names_.end() || it->node != index) return {};
  return std::string_view(name_chars_).substr(it->offset, it->length);
}

void Tape::set_name(const Var& v, std::string_view name) {
  check(v);
  const Name entry{v.index(), static_cast<std::uint32_t>(name_chars_.size()),
                   static_cast<std::uint32_t>(name.size())};
  name_chars_.append(name);
  auto it = std::lower_bound(names_.begin(), names_.end(), v.index(),
                             [](const Name& n, std::uint32_t i) { return n.node < i; });
  if (it != names_.end() && it->node == v.index())
    *it = entry;
  else
    names_.insert(it, entry);
}

std::string Tape::label(std::uint32_t index) const {
  if (index >= size_) return "node #" + std::to_string(index);
  const std::string_view n = name(index);
  if (!n.empty()) return std::string(n);
  const Op op = node_chunks_[index / kNodeChunk]->op[index % kNodeChunk];
  return std::string(info(op).name) + "#" + std::to_string(index);
}

std::vector<Tape::Position> Tape::positions() const {
  std::vector<Position> at(size_);
  std::uint32_t chunk = operand_index_;
  std::uint32_t p = operand_pos_;
  for (std::size_t i = size_; i-- > 0;) {
    std::uint32_t n =
        kArity[static_cast<std::size_t>(node_chunks_[i / kNodeChunk]->op[i % kNodeChunk])];
    if (n != 0) {
      while (p == 0) p = operand_chunks_[--chunk]->used;
      if (n == kVariadic) n = operand_chunks_[chunk]->index[--p];
      p -= n;
    }
    at[i] = {chunk, p, n};
  }
  return at;
}

NodeView Tape::view(std::uint32_t i, const Position& at) const {
  const NodeChunk& chunk = *node_chunks_[i / kNodeChunk];
  const OperandChunk& operands = *operand_chunks_[at.chunk];
  const bool swept = i < adjoint_.size();
  return {i,
          chunk.op[i % kNodeChunk],
          chunk.value[i % kNodeChunk],
          swept ? adjoint_[i] : std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::quiet_NaN(),
          {operands.index.get() + at.begin, at.count},
          {operands.partial.get() + at.begin, at.count},
          name(i)};
}

std::vector<NodeView> Tape::nodes() const {
  const std::vector<Position> at = positions();
  std::vector<NodeView> out;
  out.reserve(size_);
  std::size_t constant = 0;
  for (std::uint32_t i = 0; i < size_; ++i) {
    out.push_back(view(i, at[i]));
    if (info(out.back().op).has_constant) out.back().constant = constants_[constant++];
  }
  return out;
}

NodeView Tape::node(std::uint32_t index) const {
  if (index >= size_)
    throw Error("node #" + std::to_string(index) + " does not exist: the tape has " +
                std::to_string(size_) + " nodes");
  return nodes()[index];
}

// ---- Sums ----

namespace {

Var record_sum(Op op, double value, std::uint32_t n, auto&& fill) {
  Tape& tape = Tape::active();
  const std::uint32_t i = tape.push(op, value, n + 1);
  fill(tape);
  tape.operand(n, n, 0.0);  // the count slot the reverse sweep reads first
  return tape.finish(i, value);
}

std::uint32_t count(std::size_t n) {
  if (n >= std::numeric_limits<std::uint32_t>::max() / 2)
    throw Error("a sum of " + std::to_string(n) + " terms is too large for one node");
  return static_cast<std::uint32_t>(n);
}

void same_length(std::size_t a, std::size_t b, const char* what) {
  if (a != b)
    throw Error(std::string(what) + ": " + std::to_string(a) + " coefficients for " +
                std::to_string(b) + " terms");
}

Var linear_impl(std::span<const double> c, std::span<const Var> x, const Var* bias) {
  same_length(c.size(), x.size(), "linear");
  Tape& tape = Tape::active();
  double value = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    tape.check(x[k]);
    value += c[k] * x[k].value();
  }
  if (bias != nullptr) {
    tape.check(*bias);
    value += bias->value();
  }
  const std::uint32_t n = count(x.size() + (bias != nullptr));
  return record_sum(Op::Linear, value, n, [&](Tape& t) {
    std::uint32_t* index = t.operand_indices();
    double* partial = t.operand_partials();
    for (std::size_t k = 0; k < x.size(); ++k) {
      index[k] = x[k].index();
      partial[k] = c[k];
    }
    if (bias != nullptr) t.operand(n - 1, bias->index(), 1.0);
  });
}

Var weighted_sum_impl(std::span<const Var> w, std::span<const Var> x, const Var* bias) {
  same_length(w.size(), x.size(), "weighted_sum");
  Tape& tape = Tape::active();
  double value = 0.0;
  for (std::size_t k = 0; k < x.size(); ++k) {
    tape.check(w[k]);
    tape.check(x[k]);
    value += w[k].value() * x[k].value();
  }
  if (bias != nullptr) {
    tape.check(*bias);
    value += bias->value();
  }
  const std::uint32_t n = count(2 * x.size() + (bias != nullptr));
  return record_sum(Op::WeightedSum, value, n, [&](Tape& t) {
    std::uint32_t* index = t.operand_indices();
    double* partial = t.operand_partials();
    for (std::size_t k = 0; k < x.size(); ++k) {
      index[2 * k] = w[k].index();
      partial[2 * k] = x[k].value();
      index[2 * k + 1] = x[k].index();
      partial[2 * k + 1] = w[k].value();
    }
    if (bias != nullptr) t.operand(n - 1, bias->index(), 1.0);
  });
}

}  // namespace

Var linear(std::span<const double> c, std::span<const Var> x) { return linear_impl(c, x, nullptr); }
Var linear(std::span<const double> c, std::span<const Var> x, const Var& bias) {
  return linear_impl(c, x, &bias);
}
Var sum(std::span<const Var> x) {
  Tape& tape = Tape::active();
  double value = 0.0;
  for (const Var& v : x) {
    tape.check(v);
    value += v.value();
  }
  return record_sum(Op::Linear, value, count(x.size()), [&](Tape& t) {
    for (std::uint32_t k = 0; k < x.size(); ++k) t.operand(k, x[k].index(), 1.0);
  });
}
Var weighted_sum(std::span<const Var> w, std::span<const Var> x) {
  return weighted_sum_impl(w, x, nullptr);
}
Var weighted_sum(std::span<const Var> w, std::span<const Var> x, const Var& bias) {
  return weighted_sum_impl(w, x, &bias);
}

}  // namespace ad
