#include "autodiff/tape.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>

#include "autodiff/var.hpp"

namespace ad {

namespace {

std::atomic<std::uint32_t> next_block{1};  // block 0 is never used: epoch 0 means "no tape yet"

std::string number(double x) {
  if (std::isnan(x)) return "nan";  // not "-nan": the sign of a NaN means nothing to a reader
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

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

void Tape::reserve(std::size_t n, std::size_t d) {
  // Node indices are 32 bits; the largest is kept free as "no node".
  constexpr std::size_t kMaxNodes = std::numeric_limits<std::uint32_t>::max();
  if (size_ + 1 >= kMaxNodes) [[unlikely]]
    throw Error("tape is full: " + std::to_string(size_) +
                " nodes recorded without clear(); node indices are 32 bits");
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
    throw NonFinite("checked mode: input " + std::string(name) + " is " + number(value));
  const Var v = leaf(value);
  if (!name.empty()) set_name(v, name);
  return v;
}

// ---- Errors ----

void Tape::throw_no_active_tape() {
  throw NoActiveTape(
      "no tape is active in this thread: create an ad::Tape (it records until it is destroyed) "
      "before making or combining Vars");
}

void Tape::throw_mismatch(const Var& v) const {
  if (v.epoch() == Var::kNeverRecorded)
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

// ---- The reverse sweep ----

namespace {

// A sum's count slot, decoded (see Tape::write_sum): its operand slots are either every operand,
// in order, or the first index and step of each list (x; or w and x) when they are progressions.
struct Sum {
  Sum(std::uint32_t count, Op op)
      : terms(count >> 2),
        strided(count & 2),
        bias(count & 1),
        lists(op == Op::WeightedSum ? 2 : 1),
        slots((strided ? 2 * lists : lists * terms) + bias) {}
  std::uint32_t terms;
  bool strided, bias;
  std::uint32_t lists, slots;
};

// The operands and data a node takes, read backwards from the ends of their streams (a sum's
// count is its last operand slot).
struct Cursor {
  const std::uint32_t* operand;
  const double* datum;
  // Moves over the node's operand slots and data; returns the number of operand slots (a sum's
  // count slot excluded).
  std::uint32_t step_back(Op op) {
    if (op == Op::Leaf) return 0;
    if (op == Op::Linear || op == Op::WeightedSum) {
      const Sum sum(*--operand, op);
      operand -= sum.slots;
      if (op == Op::Linear) datum -= sum.terms;
      return sum.slots;
    }
    const std::uint32_t n = info(op).arity;
    operand -= n;
    if (is_unary_function(op) || info(op).has_constant) --datum;
    return n;
  }
};

}  // namespace

void Tape::backward(const Var& output, Backward mode) {
  check(output);
  if (mode == Backward::Accumulate) {
    // Sweep this output alone, then add the earlier gradients: sweeping on top of them would
    // pass the earlier adjoints of intermediate nodes on a second time.
    earlier_.resize(swept_);
    for (std::size_t i = 0; i < swept_; ++i) earlier_[i] = slot_.data[i].adjoint;
  }
  // Adjoints are zeroed as nodes are recorded; only an earlier backward() leaves any nonzero.
  for (std::size_t i = 0; i < dirty_; ++i) slot_.data[i].adjoint = 0.0;
  sweep(output.index());
  dirty_ = output.index() + 1;
  swept_ = size_;
  if (mode == Backward::Accumulate) {
    for (std::size_t i = 0; i < earlier_.size(); ++i) slot_.data[i].adjoint += earlier_[i];
    dirty_ = std::max<std::size_t>(dirty_, earlier_.size());
  }
}

// One reverse pass: each node passes its adjoint g on to its operands, times the local partial.
// The partials not stored are computed here from the values (with the operation known at
// compile time in each case, so binary_partials and mixed_partial fold to one expression).
// A node whose adjoint is 0 passes nothing on (and 0 · inf must not make a NaN); the test is
// left out where the partials are ±1, which cannot make a NaN.
inline void Tape::sweep(std::size_t last) {
  Slot* const s = slot_.data;
  const Op* const op = op_.data;
  Cursor at{operand_.data + operand_size_, datum_.data + datum_size_};
  for (std::size_t i = size_; i-- > last + 1;) at.step_back(op[i]);  // recorded after the output
  s[last].adjoint = 1.0;
  const std::uint32_t* o = at.operand;
  const double* d = at.datum;
  // What node i passes to node i − 1, its most frequent operand (x in y = f(x) just recorded),
  // is carried in a register to the next iteration instead of through memory: in a chain every
  // node would otherwise wait for the store of the one after it. Node i − 1's adjoint is then
  // (its other contributions) + carry, the same sum in the same order.
  double carry = 0.0;
  // The leaves before the first operation (the parameters, typically) pass nothing on: the loop
  // stops above them, and hands its carry to the last of them.
  std::size_t first = 0;
  while (first < last && op[first] == Op::Leaf) ++first;
  for (std::size_t i = last + 1; i-- > first;) {
    if (op[i] == Op::Leaf) {  // nothing to pass on
      if (carry != 0) s[i].adjoint += carry;
      carry = 0.0;
      continue;
    }
    const double g = s[i].adjoint + carry;
    s[i].adjoint = g;
    carry = 0.0;
    const auto pass = [&](std::uint32_t j, double x) {
      if (j == i - 1)
        carry += x;
      else
        s[j].adjoint += x;
    };
    switch (op[i]) {
      case Op::Leaf:
        break;
      case Op::Neg:
        pass(*--o, -g);
        break;
#define AUTODIFF_CASE(Name, fn, t, value, kind, ...) AUTODIFF_IF_##kind(case Op::Name:)
        AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
        --o;
        --d;
        if (g != 0) pass(*o, g * *d);
        break;
#define AUTODIFF_CASE(Name, fn, t, value, kind, ...) AUTODIFF_UNLESS_##kind(case Op::Name:)
        AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_CASE)
#undef AUTODIFF_CASE
        --o;
        --d;
        if (g != 0) pass(*o, g / *d);  // the partial is 1/d, which may overflow where g/d does not
        break;
#define AUTODIFF_MIXED(Name)                                             \
  case Op::Name:                                                         \
    --o;                                                                 \
    --d;                                                                 \
    if (g != 0 || unit_partials(Op::Name))                               \
      pass(*o, g* mixed_partial(Op::Name, s[*o].value, s[i].value, *d)); \
    break;
#define AUTODIFF_WITH_CONSTANT(Name, fn, sides, ...) \
  AUTODIFF_MIXED(Name##C) AUTODIFF_IF_##sides(AUTODIFF_MIXED(C##Name))
#define AUTODIFF_NAMED(Name, ...) AUTODIFF_MIXED(Name)
        AUTODIFF_BINARY_OPERATIONS(AUTODIFF_WITH_CONSTANT)
        AUTODIFF_MIXED_OPERATIONS(AUTODIFF_NAMED)
#undef AUTODIFF_NAMED
#undef AUTODIFF_WITH_CONSTANT
#undef AUTODIFF_MIXED
#define AUTODIFF_BINARY(Name, ...)                                                        \
  case Op::Name:                                                                          \
    o -= 2;                                                                               \
    if (g != 0 || unit_partials(Op::Name)) {                                              \
      const auto p = binary_partials(Op::Name, s[o[0]].value, s[o[1]].value, s[i].value); \
      pass(o[0], g* p.a);                                                                 \
      pass(o[1], g* p.b);                                                                 \
    }                                                                                     \
    break;
        AUTODIFF_BINARY_OPERATIONS(AUTODIFF_BINARY)
#undef AUTODIFF_BINARY
      case Op::Linear: {
        const Sum sum(*--o, Op::Linear);
        o -= sum.slots;
        d -= sum.terms;
        if (g == 0) break;
        if (sum.strided) {
          std::uint32_t x = o[0];
          for (std::uint32_t k = 0; k < sum.terms; ++k, x += o[1]) s[x].adjoint += g * d[k];
        } else {
          for (std::uint32_t k = 0; k < sum.terms; ++k) s[o[k]].adjoint += g * d[k];
        }
        if (sum.bias) s[o[sum.slots - 1]].adjoint += g;
        break;
      }
      case Op::WeightedSum: {
        // Operands w₁, x₁, w₂, x₂, ... [, b]: ∂/∂wₖ = xₖ and ∂/∂xₖ = wₖ, read from their values.
        const Sum sum(*--o, Op::WeightedSum);
        o -= sum.slots;
        if (g == 0) break;
        const auto pass_on = [&](Slot& w, Slot& x) {
          const double wv = w.value, xv = x.value;
          w.adjoint += g * xv;
          x.adjoint += g * wv;
        };
        if (sum.strided) {
          std::uint32_t w = o[0], x = o[2];
          const std::uint32_t w_step = o[1], x_step = o[3];
          for (std::uint32_t k = 0; k < sum.terms; ++k, w += w_step, x += x_step)
            pass_on(s[w], s[x]);
        } else {
          for (std::uint32_t k = 0; k < 2 * sum.terms; k += 2) pass_on(s[o[k]], s[o[k + 1]]);
        }
        if (sum.bias) s[o[sum.slots - 1]].adjoint += g;
        break;
      }
      case Op::Count:
        break;
    }
  }
  if (first > 0) s[first - 1].adjoint += carry;
}

void Tape::throw_no_gradient(const Var& x) const {
  check(x);
  if (x.index() >= swept_)
    throw Error("no gradient for " + label(x.index()) +
                ": it was recorded after the last backward(), or backward() was not called");
  const double g = slot_.data[x.index()].adjoint;
  std::string message = "the gradient with respect to " + label(x.index()) + " is " +
                        (std::isnan(g) ? "NaN" : number(g));
  const std::string where = where_not_finite(x.index());
  if (!where.empty()) message += ": " + where;
  if (!checked_)
    message +=
        "; record with Tape::Options{.checked = true} to stop at the first operation "
        "whose value or local partial is not finite";
  throw NonFinite(message);
}

// The node j nearest the output, among those on a path from the output to x, whose gradient is
// not finite: every node that passes it a contribution (they are recorded after it) has a finite
// gradient, so either one of the contributions (that gradient times a local partial) or their
// sum went beyond the doubles, or a local partial was not finite.
std::string Tape::where_not_finite(std::uint32_t x) const {
  const std::vector<Position> at = positions();
  std::vector<bool> reaches(size_, false);  // x is on the node's operand paths
  reaches[x] = true;
  for (std::uint32_t i = x + 1; i < size_; ++i)
    for_each_operand(i, at[i], [&](std::uint32_t k, double) {
      if (reaches[k]) reaches[i] = true;
    });
  std::size_t end = std::min(swept_, size_);  // one past the node sought
  while (end > x && (!reaches[end - 1] || std::isfinite(slot_.data[end - 1].adjoint))) --end;
  if (end == x) return "";
  const auto j = static_cast<std::uint32_t>(end - 1);
  std::string found;
  for (std::uint32_t i = j + 1; i < size_ && found.empty(); ++i) {
    const double g = slot_.data[i].adjoint;
    if (!reaches[i] || g == 0) continue;  // the sweep passes nothing on from a zero gradient
    const bool divisor = datum_kind(op_.data[i]) == Datum::Divisor;
    for_each_operand(i, at[i], [&](std::uint32_t k, double partial) {
      if (k != j || !found.empty()) return;
      const double d = divisor ? datum_.data[at[i].datum] : 0.0;
      const double passed = divisor ? g / d : g * partial;
      if (std::isfinite(passed)) return;
      if (divisor ? !std::isfinite(d) || d == 0 : !std::isfinite(partial))
        found = "the local partial ∂" + label(i) + "/∂" + label(j) + " is " + number(partial) +
                " (its derivative does not exist there)";
      else
        found = "the chain rule overflows at " + label(i) + ": the gradient with respect to it, " +
                number(g) + ", times its local partial ∂/∂" + label(j) + ", " + number(partial) +
                ", is " + number(passed) + ", beyond the largest double (" +
                number(std::numeric_limits<double>::max()) + ")";
    });
  }
  if (found.empty())
    found = "the contributions to the gradient with respect to " + label(j) +
            " add up beyond the largest double (" + number(std::numeric_limits<double>::max()) +
            ")";
  return found;
}

// ---- Reading the tape ----

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
  if (!n.empty()) return std::string(n);
  return std::string(info(op_.data[index]).name) + "#" + std::to_string(index);
}

std::vector<Tape::Position> Tape::positions() const {
  std::vector<Position> at(size_);
  Cursor cursor{operand_.data + operand_size_, datum_.data + datum_size_};
  for (std::size_t i = size_; i-- > 0;) {
    const std::uint32_t n = cursor.step_back(op_.data[i]);
    at[i] = {static_cast<std::size_t>(cursor.operand - operand_.data),
             static_cast<std::size_t>(cursor.datum - datum_.data), n};
  }
  return at;
}

template <class F>
void Tape::for_each_operand(std::uint32_t i, const Position& at, F&& f) const {
  const Op op = op_.data[i];
  const double y = slot_.data[i].value;
  const std::uint32_t* operand = operand_.data + at.operand;
  const double* datum = datum_.data + at.datum;
  auto value = [&](std::uint32_t j) { return slot_.data[j].value; };
  if (op == Op::Neg) {
    f(operand[0], -1.0);
  } else if (is_unary_function(op)) {
    f(operand[0], datum_kind(op) == Datum::Divisor ? 1.0 / datum[0] : datum[0]);
  } else if (info(op).has_constant) {
    f(operand[0], mixed_partial(op, value(operand[0]), y, datum[0]));
  } else if (info(op).arity == 2) {
    const BinaryPartials p = binary_partials(op, value(operand[0]), value(operand[1]), y);
    f(operand[0], p.a);
    f(operand[1], p.b);
  } else if (op == Op::Linear || op == Op::WeightedSum) {
    // The operands in order (w₁, x₁, w₂, x₂, ... for a weighted sum), then the bias.
    const Sum sum(operand[at.count], op);
    const auto term = [&](std::uint32_t k, std::uint32_t l) -> std::uint32_t {
      return sum.strided ? operand[2 * l] + k * operand[2 * l + 1] : operand[sum.lists * k + l];
    };
    for (std::uint32_t k = 0; k < sum.terms; ++k) {
      if (op == Op::Linear) {
        f(term(k, 0), datum[k]);
      } else {
        const std::uint32_t w = term(k, 0), x = term(k, 1);
        f(w, value(x));
        f(x, value(w));
      }
    }
    if (sum.bias) f(operand[sum.slots - 1], 1.0);
  }
}

void Tape::check_node(std::uint32_t index, const Position& at) const {
  const Op op = op_.data[index];
  const double y = slot_.data[index].value;
  if (op == Op::Leaf) {
    if (!std::isfinite(y)) [[unlikely]]
      throw NonFinite("checked mode: input " + label(index) + " is " + number(y));
    return;
  }
  std::string what;
  if (!std::isfinite(y)) what = "gave the value " + number(y);
  // A reciprocal partial 1/d is tested by its divisor, which the sweep uses: 1/d may overflow
  // (log at a subnormal x) where the adjoint divided by d does not.
  const bool divisor = datum_kind(op) == Datum::Divisor;
  const double d = divisor ? datum_.data[at.datum] : 0.0;
  for_each_operand(index, at, [&](std::uint32_t j, double partial) {
    if (what.empty() && (divisor ? !std::isfinite(d) || d == 0 : !std::isfinite(partial)))
      what = "has the local partial ∂/∂" + label(j) + " = " + number(partial) +
             " (its derivative does not exist there)";
  });
  if (what.empty()) return;
  const NodeView node = view(index, at);
  std::string operands;
  for (std::size_t k = 0; k < node.operands.size(); ++k) {
    if (k > 0) operands += ", ";
    operands += label(node.operands[k]) + " = " + number(slot_.data[node.operands[k]].value);
  }
  if (info(op).has_constant) operands += ", c = " + number(node.constant);
  throw NonFinite("checked mode: " + std::string(info(op).name) + " at node #" +
                  std::to_string(index) + " " + what + "; operands: " + operands);
}

NodeView Tape::view(std::uint32_t i, const Position& at) const {
  NodeView node{i,
                op_.data[i],
                slot_.data[i].value,
                i < swept_ ? slot_.data[i].adjoint : std::numeric_limits<double>::quiet_NaN(),
                std::numeric_limits<double>::quiet_NaN(),
                {},
                {},
                name(i)};
  if (info(node.op).has_constant) node.constant = datum_.data[at.datum];
  for_each_operand(i, at, [&](std::uint32_t j, double partial) {
    node.operands.push_back(j);
    node.partials.push_back(partial);
  });
  return node;
}

std::vector<NodeView> Tape::nodes() const {
  const std::vector<Position> at = positions();
  std::vector<NodeView> out;
  out.reserve(size_);
  for (std::uint32_t i = 0; i < size_; ++i) out.push_back(view(i, at[i]));
  return out;
}

NodeView Tape::node(std::uint32_t index) const {
  if (index >= size_)
    throw Error("node #" + std::to_string(index) + " does not exist: the tape has " +
                std::to_string(size_) + " nodes");
  return view(index, positions()[index]);
}

// ---- Sums ----

namespace {

std::uint32_t count(std::size_t n) {
  if (n >= (std::size_t{1} << 30))
    throw Error("a sum of " + std::to_string(n) + " terms is too large for one node");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

void detail::throw_length_mismatch(const char* what, std::size_t a, std::size_t b) {
  throw Error(std::string(what) + ": " + std::to_string(a) + " coefficients for " +
              std::to_string(b) + " terms");
}

// Both sums: check every operand, reserve, write the operands (and coefficients) straight into
// the streams, then the count slot; the value is summed left to right, bias last.
Var Tape::linear_slow(const double* c, std::span<const Var> x, const Var* bias) {
  const std::uint32_t terms = count(x.size()), b = bias != nullptr;
  double value = 0.0;
  for (std::uint32_t k = 0; k < terms; ++k) {
    check(x[k]);
    value += c != nullptr ? c[k] * x[k].value() : x[k].value();
  }
  if (bias != nullptr) {
    check(*bias);
    value += bias->value();
  }
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
  double value = 0.0;
  for (std::uint32_t k = 0; k < terms; ++k) {
    check(w[k]);
    check(x[k]);
    value += w[k].value() * x[k].value();
  }
  if (bias != nullptr) {
    check(*bias);
    value += bias->value();
  }
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
