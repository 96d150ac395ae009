// Recording: the tape's buffers and their growth, its node ids, the recording slow paths (a full
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

// The first id of the next block of chunks: only ever grows by whole chunks (wrapping around
// after 2^41 of them), so chunks' first ids are multiples of kChunk.
std::atomic<std::uint64_t> next_id{0};

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
  start_recording();
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

// ---- Node ids ----

std::uint64_t Tape::take_chunk() {
  if (reserved_next_ == reserved_end_) reserve_block();
  const std::uint64_t base = reserved_next_;
  reserved_next_ += kChunk;
  return base;
}

void Tape::reserve_block() {
  // Doubling keeps what a tape leaves unused under what it used, whatever its number of
  // recordings: ids last for 2^64 / 2^23 / 2 = 2^40 recordings before the counter wraps around.
  block_chunks_ = block_chunks_ == 0 ? 1 : std::min(2 * block_chunks_, kMaxBlock);
  const std::uint64_t base = next_id.fetch_add(block_chunks_ * kChunk, std::memory_order_relaxed);
  reserved_next_ = base;
  reserved_end_ = base + block_chunks_ * kChunk;
  ChunkRun& last = runs_[(run_count_ + kRuns - 1) % kRuns];
  if (run_count_ > 0 && base - last.first == last.chunks * kChunk)
    last.chunks += block_chunks_;
  else
    runs_[run_count_++ % kRuns] = {base, block_chunks_};
}

void Tape::start_recording() {
  chunks_.clear();
  first_id_ = chunk_base_ = take_chunk();
  chunk_start_ = 0;
  update_limit();
}

void Tape::next_chunk() {
  chunks_.push_back(take_chunk());
  chunk_base_ = chunks_.back();
  chunk_start_ = size_;
}

std::uint32_t Tape::index_in_earlier_chunk(const Var& v) const {
  const std::uint64_t from_first = v.id() - first_id_;
  if (from_first < std::min<std::uint64_t>(size_, kChunk))  // the first chunk: parameters, inputs
    return static_cast<std::uint32_t>(from_first);
  // Chunks' first ids increase along the recording (the counter only grows; their offsets from
  // the first chunk's do even across a wrap-around), so the last chunk that starts at or before
  // v's id is the only one that may hold it.
  const auto after = std::upper_bound(
      chunks_.begin(), chunks_.end(), from_first,
      [&](std::uint64_t id, std::uint64_t first) { return id < first - first_id_; });
  if (after == chunks_.begin()) throw_mismatch(v);
  const std::uint64_t offset = v.id() - after[-1];
  const std::size_t k = static_cast<std::size_t>(after - chunks_.begin());  // chunk k: after[-1]
  if (offset < kChunk && k * kChunk + offset < size_)
    return static_cast<std::uint32_t>(k * kChunk + offset);
  throw_mismatch(v);
}

void Tape::reserve(std::size_t n, std::size_t d) {
  // Node indices are 32 bits; the largest is kept free as "no node".
  constexpr std::size_t kMaxNodes = std::numeric_limits<std::uint32_t>::max();
  if (size_ + 1 >= kMaxNodes) [[unlikely]]
    throw Error("tape is full: " + std::to_string(size_) +
                    " nodes recorded without clear(); node indices are 32 bits",
                {.reason = "tape is full"});
  if (size_ == chunk_start_ + kChunk) next_chunk();
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
  return Var::from_node(y, id(i));
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
  const std::uint32_t i = index(v);
  const Name entry{i, static_cast<std::uint32_t>(name_chars_.size()),
                   static_cast<std::uint32_t>(name.size())};
  name_chars_.append(name);
  auto it = std::lower_bound(names_.begin(), names_.end(), i,
                             [](const Name& n, std::uint32_t j) { return n.node < j; });
  if (it != names_.end() && it->node == i)
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
  const double value = sum_value(terms, bias, [&](std::size_t k) {
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
  const double value =
      sum_value(terms, bias, [&](std::size_t k) { return w[k].value() * x[k].value(); });
  reserve(2 * terms + b + 1, 0);
  const std::size_t operand = operand_size_, slots = write_sum<2>(w, x, terms, bias);
  return finish_sum(Op::WeightedSum, value, slots,
                    {operand, datum_size_, std::uint32_t(slots - 1)});
}

Var Tape::finish_sum(Op op, double value, std::size_t slots, const Position& at) {
  const auto i = static_cast<std::uint32_t>(size_);
  const Var v = finish_sum(op, value, slots);
  if (checked_) check_node(i, at);
  return v;
}

}  // namespace ad
