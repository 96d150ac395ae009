// Recording: the tape's buffers and their growth, its epochs, the recording slow paths (a full
// buffer, the checked mode, a sum that is unusual) and the names of nodes.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>

#include "autodiff/tape.hpp"
#include "autodiff/text.hpp"

namespace ad {

namespace {

std::atomic<std::uint32_t> next_block{1};  // block 0 is never used: epoch 0 means "no tape yet"

}  // namespace

// ---- Life cycle ----

template <class T>
Tape::Buffer<T>::~Buffer() {
  std::free(data);
}

template <class T>
void Tape::Buffer<T>::reserve(std::size_t n) {
  if (n <= capacity) return;
  const std::size_t grown = std::max({n, 2 * capacity, std::size_t{4096} / sizeof(T)});
  void* p = grown > std::numeric_limits<std::size_t>::max() / sizeof(T)
                ? nullptr
                : std::realloc(static_cast<void*>(data), grown * sizeof(T));
  if (p == nullptr) throw std::bad_alloc();
  data = static_cast<T*>(p);
  capacity = grown;
}

Tape::Tape(Options options) : checked_(options.checked) {
  epoch_ = next_epoch();
  previous_ = detail::active_tape;
  detail::active_tape = this;
  home_ = &detail::active_tape;  // this thread's: each thread has its own
}

Tape::~Tape() {
  if (home_ != &detail::active_tape) [[unlikely]]
    abort_destroyed_elsewhere();
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

void Tape::reserve(std::size_t n, std::size_t d) {
  // Node indices are 32 bits; the largest is kept free as "no node".
  constexpr std::size_t kMaxNodes = std::numeric_limits<std::uint32_t>::max();
  if (size_ + 1 >= kMaxNodes) [[unlikely]]
    throw Error("tape is full: " + std::to_string(size_) +
                    " nodes recorded without clear(); node indices are 32 bits",
                {.reason = "tape is full"});
  // Each reserve either succeeds or throws std::bad_alloc leaving its buffer as it was, so after
  // a bad_alloc the tape is as it was: the next operation throws again or succeeds, and clear()
  // makes it usable.
  if (size_ + 1 > slot_.capacity || size_ + 1 > op_.capacity) {
    const std::size_t nodes = std::min(std::max(2 * size_, size_ + 1), kMaxNodes);
    slot_.reserve(nodes);
    op_.reserve(nodes);
  }
  // Room for this node and, so that the fast path can go on, for one more of up to two operands
  // and one datum; a buffer that lacks it doubles.
  const auto grow = [](auto& buffer, std::size_t used, std::size_t need) {
    if (buffer.capacity - used < need) buffer.reserve(std::max(used + need, 2 * buffer.capacity));
  };
  grow(operand_, operand_size_, n + 2);
  grow(datum_, datum_size_, d + 1);
  update_limit();
}

Var Tape::record_slow(Op op, double y, const std::uint32_t* operands, std::uint32_t n,
                      const double* data, std::uint32_t d) {
  reserve(n, d);
  const std::size_t i = size_;
  const Position at{operand_size_, datum_size_, n};
  slot_.data[i] = {y, 0.0};
  op_.data[i] = op;
  std::copy_n(operands, n, operand_.data + operand_size_);
  std::copy_n(data, d, datum_.data + datum_size_);
  ++size_;
  operand_size_ += n;
  datum_size_ += d;
  update_limit();
  if (checked_) check_node(static_cast<std::uint32_t>(i), at);
  return Var::from_node(y, static_cast<std::uint32_t>(i), epoch_);
}

Var Tape::leaf(double value, std::string_view name) {
  if (checked_ && !name.empty() && !std::isfinite(value)) [[unlikely]]
    throw_checked({Op::Leaf, 0, {}, name, value, {}, {}});
  const Var v = leaf(value);
  if (!name.empty()) set_name(v, name);
  return v;
}

// ---- Names and sizes ----

std::size_t Tape::operand_count() const { return operand_size_; }

std::size_t Tape::bytes_used() const {
  return size_ * (sizeof(Slot) + sizeof(Op)) + operand_size_ * sizeof(std::uint32_t) +
         datum_size_ * sizeof(double) + names_.size() * sizeof(Name) + name_chars_.size();
}

std::size_t Tape::bytes_reserved() const {
  return slot_.capacity * sizeof(Slot) + op_.capacity * sizeof(Op) +
         operand_.capacity * sizeof(std::uint32_t) + datum_.capacity * sizeof(double) +
         earlier_.capacity() * sizeof(double) + names_.capacity() * sizeof(Name) +
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
  if (!n.empty()) return printable(n);  // it goes into messages: a name may hold a newline
  return std::string(info(op_.data[index]).name) + "#" + std::to_string(index);
}

// ---- Sums ----

namespace {

std::uint32_t count(std::size_t n) {
  if (n >= (std::size_t{1} << 30))
    throw Error("a sum of " + std::to_string(n) + " terms is too large for one node",
                {.reason = "too many terms for one node"});
  return static_cast<std::uint32_t>(n);
}

}  // namespace

// Both sums: check every operand (naming the first that is wrong), reserve, write the operands
// (and coefficients) straight into the streams, then the count slot.
Var Tape::linear_slow(const double* c, std::span<const Var> x, const Var* bias) {
  const std::uint32_t terms = count(x.size()), b = bias != nullptr;
  for (const Var& v : x) check(v);
  if (bias != nullptr) check(*bias);
  bool ok;  // true: checked above
  const double value = sum_value(terms, bias, epoch_, ok, [&](std::size_t k, bool&) {
    return c != nullptr ? c[k] * x[k].value() : x[k].value();
  });
  reserve(terms + b + 1, terms);
  const std::size_t operand = operand_size_, datum = datum_size_;
  if (c != nullptr)
    std::copy_n(c, terms, datum_.data + datum_size_);
  else
    std::fill_n(datum_.data + datum_size_, terms, 1.0);
  datum_size_ += terms;
  const std::size_t slots = write_sum<1>(x, x, terms, bias);
  return finish_sum(Op::Linear, value, slots, {operand, datum, std::uint32_t(slots - 1)});
}

Var Tape::weighted_sum_slow(std::span<const Var> w, std::span<const Var> x, const Var* bias) {
  const std::uint32_t terms = count(x.size()), b = bias != nullptr;
  for (std::uint32_t k = 0; k < terms; ++k) {
    check(w[k]);
    check(x[k]);
  }
  if (bias != nullptr) check(*bias);
  bool ok;  // true: checked above
  const double value = sum_value(terms, bias, epoch_, ok,
                                 [&](std::size_t k, bool&) { return w[k].value() * x[k].value(); });
  reserve(2 * terms + b + 1, 0);
  const std::size_t operand = operand_size_, slots = write_sum<2>(w, x, terms, bias);
  return finish_sum(Op::WeightedSum, value, slots,
                    {operand, datum_size_, std::uint32_t(slots - 1)});
}

Var Tape::finish_sum(Op op, double value, std::size_t slots, const Position& at) {
  const Var v = finish_sum(op, value, slots, epoch_);
  if (checked_) check_node(v.index(), at);
  return v;
}

}  // namespace ad
