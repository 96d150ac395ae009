// Replaying a recording: the tape's forward pass (reevaluate), and ad::Function and ad::record
// built on it, with the comparisons noted while recording and checked again on each replay.
#include <algorithm>
#include <cmath>
#include <string>

#include "autodiff/function.hpp"
#include "autodiff/text.hpp"

namespace ad {

// ---- The forward pass ----

// One case per operation, each computing the value as var.hpp's operation does when it records
// (the same expressions of op.hpp, so the same bits), with the operation known at compile time,
// and zeroing the adjoint beside it, as recording does.
#define AUTODIFF_UNARY_CASE(Name, fn, t_expr, value_expr, kind, datum_expr, ...) \
  case Op::Name: {                                                               \
    const double x = s[o[0]].value;                                              \
    [[maybe_unused]] const double t = t_expr;                                    \
    const double y = value_expr;                                                 \
    d[0] = datum_expr;                                                           \
    s[i] = {y, 0.0};                                                             \
    operand += 1, datum += 1;                                                    \
    break;                                                                       \
  }
#define AUTODIFF_CONSTANT_CASE(Name)                          \
  case Op::Name:                                              \
    s[i] = {mixed_value(Op::Name, s[o[0]].value, d[0]), 0.0}; \
    operand += 1, datum += 1;                                 \
    break;
#define AUTODIFF_WITH_CONSTANT_CASES(Name, fn, sides, ...) \
  AUTODIFF_CONSTANT_CASE(Name##C) AUTODIFF_IF_##sides(AUTODIFF_CONSTANT_CASE(C##Name))
#define AUTODIFF_MIXED_CASE(Name, ...) AUTODIFF_CONSTANT_CASE(Name)
#define AUTODIFF_BINARY_CASE(Name, ...)                                 \
  case Op::Name:                                                        \
    s[i] = {binary_value(Op::Name, s[o[0]].value, s[o[1]].value), 0.0}; \
    operand += 2;                                                       \
    break;

Tape::Ahead Tape::ahead(std::size_t from, std::size_t to, std::vector<std::uint32_t>& sums) const {
  sums.clear();
  detail::Cursor cursor{operand_.data + operand_size_, datum_.data + datum_size_};
  for (std::size_t i = size_; i-- > from;) {
    const std::uint32_t n = cursor.step_back(op_.data[i]);
    if (i < to && info(op_.data[i]).arity == kVariadic) sums.push_back(n);
  }
  std::reverse(sums.begin(), sums.end());
  return {static_cast<std::size_t>(cursor.operand - operand_.data),
          static_cast<std::size_t>(cursor.datum - datum_.data), nullptr};
}

namespace {

// A sum's value, summed as Tape::sum_value sums: term by term, left to right, the bias last. Out
// of line, so that its closure does not keep the forward loop's walk in memory.
template <class Slot>
[[gnu::noinline]] double replayed_sum(const Slot* s, Op op, const std::uint32_t* o,
                                      std::uint32_t count, const double* d) {
  const detail::Sum sum(o[count], op);
  double value = 0.0;
  detail::for_each_term(op, o, count, [&](std::uint32_t k, std::uint32_t w, std::uint32_t x) {
    value += op == Op::Linear ? d[k] * s[x].value : s[w].value * s[x].value;
  });
  if (sum.bias) value += s[o[sum.slots - 1]].value;
  return value;
}

}  // namespace

void Tape::reevaluate(std::size_t from, std::size_t to, Ahead& at) {
  swept_ = 0;  // the adjoints are those of the old values
  if (checked_)
    reevaluate_nodes<true>(from, to, at);
  else
    reevaluate_nodes<false>(from, to, at);
  // The nodes' adjoints are zero now: backward() need not clear them. A run of reevaluate()s,
  // each going on where the last stopped (ad::Function's, between its comparisons), is one range.
  if (zeroed_to_ != from || zeroed_from_ == zeroed_to_) zeroed_from_ = from;
  zeroed_to_ = to;
}

template <bool kChecked>
void Tape::reevaluate_nodes(std::size_t from, std::size_t to, Ahead& at) {
  Slot* const s = slot_.data;
  const Op* const ops = op_.data;
  const std::uint32_t* const operands = operand_.data;
  double* const data = datum_.data;
  // The walk in locals (each case moves it by its own slots and data), stored back at the end.
  std::size_t operand = at.operand, datum = at.datum;
  const std::uint32_t* sum_slots = at.sum_slots;
  for (std::size_t i = from; i < to; ++i) {
    const Op op = ops[i];
    const std::uint32_t* const o = operands + operand;
    double* const d = data + datum;
    Position p{};  // only the checked mode's messages need where the node lies
    if constexpr (kChecked)
      p = {operand, datum, info(op).arity == kVariadic ? *sum_slots : info(op).arity};
    switch (op) {
      case Op::Leaf:  // an input set by the caller, or a constant
        s[i].adjoint = 0.0;
        continue;
      case Op::Neg:
        s[i] = {-s[o[0]].value, 0.0};
        operand += 1;
        break;
        AUTODIFF_UNARY_FUNCTIONS(AUTODIFF_UNARY_CASE)
        AUTODIFF_BINARY_OPERATIONS(AUTODIFF_WITH_CONSTANT_CASES)
        AUTODIFF_MIXED_OPERATIONS(AUTODIFF_MIXED_CASE)
        AUTODIFF_BINARY_OPERATIONS(AUTODIFF_BINARY_CASE)
      case Op::Linear:
      case Op::WeightedSum: {
        const std::uint32_t count = *sum_slots++;
        s[i] = {replayed_sum(s, op, o, count, d), 0.0};
        operand += count + 1, datum += detail::Sum(o[count], op).data;  // the count slot too
        break;
      }
      default:  // Op::Count, which no node has
        break;
    }
    if constexpr (kChecked) check_node(static_cast<std::uint32_t>(i), p);
  }
  at = {operand, datum, sum_slots};
}

#undef AUTODIFF_BINARY_CASE
#undef AUTODIFF_MIXED_CASE
#undef AUTODIFF_WITH_CONSTANT_CASES
#undef AUTODIFF_CONSTANT_CASE
#undef AUTODIFF_UNARY_CASE

// ---- Recording a Function ----

void detail::note_comparison(Compare kind, const Var& a, const Var& b, bool result) {
  Comparisons& log = *comparisons;
  // A Var of no tape, or of another, is a constant to the Function.
  const auto node = [&](const Var& v) {
    if (v.id() == Var::kNeverRecorded) return Comparisons::kConstant;
    try {
      return log.tape->index(v);
    } catch (const TapeMismatch&) {
      return Comparisons::kConstant;
    }
  };
  log.entries.push_back({kind, result, node(a), node(b), a.value(), b.value(), log.tape->size()});
}

Recording::Recording(std::span<const Var> inputs)
    : log_{&Tape::active(), {}},
      outer_(detail::comparisons),
      inputs_(inputs.begin(), inputs.end()) {
  std::vector<std::uint32_t> seen;
  for (std::size_t k = 0; k < inputs_.size(); ++k) {
    const std::uint32_t i = log_.tape->index(inputs_[k]);  // TapeMismatch if not on this tape
    const std::string which = "input " + std::to_string(k + 1) + " (" + log_.tape->label(i) + ")";
    if (log_.tape->op(i) != Op::Leaf)
      throw Error("ad::record: " + which +
                      " is not a leaf; a Function's inputs are leaves, ad::Var(value, name), "
                      "whose values a replay sets",
                  {.place = "input " + std::to_string(k + 1), .reason = "input is not a leaf"});
    if (std::find(seen.begin(), seen.end(), i) != seen.end())
      throw Error("ad::record: " + which + " is given twice; each input is a leaf of its own",
                  {.place = "input " + std::to_string(k + 1), .reason = "input given twice"});
    seen.push_back(i);
  }
  detail::comparisons = &log_;
}

Function Recording::finish(const Var& output) {
  detail::comparisons = outer_;
  Tape& tape = *log_.tape;
  Function f;
  f.tape_ = &tape;
  f.output_ = output;
  f.value_ = output.value();
  f.output_node_ = tape.index(output);  // TapeMismatch if the output is not on it
  const std::size_t last = f.output_node_;
  f.first_ = last + 1;
  for (const Var& x : inputs_) {
    f.input_nodes_.push_back(tape.index(x));
    f.first_ = std::min<std::size_t>(f.first_, f.input_nodes_.back());
  }
  f.end_ = last + 1;
  f.start_ = tape.ahead(f.first_, f.end_, f.sum_slots_);
  f.inputs_ = std::move(inputs_);
  f.comparisons_ = std::move(log_.entries);
  return f;
}

// ---- Replaying ----

namespace {

constexpr std::string_view kSymbol[] = {"<", "<=", ">", ">=", "==", "!="};

bool holds(detail::Compare kind, double a, double b) {
  switch (kind) {
    case detail::Compare::Less:
      return a < b;
    case detail::Compare::LessEqual:
      return a <= b;
    case detail::Compare::Greater:
      return a > b;
    case detail::Compare::GreaterEqual:
      return a >= b;
    case detail::Compare::Equal:
      return a == b;
    case detail::Compare::NotEqual:
      return a != b;
  }
  return false;
}

// "replay at (3, 4)": the point, for messages.
std::string replay_at(const Tape& tape, std::span<const Var> inputs, std::span<const double> x) {
  std::string s = "replay at (";
  for (std::size_t k = 0; k < x.size(); ++k) {
    if (k > 0) s += ", ";
    const std::string_view name = tape.name(tape.index(inputs[k]));
    if (!name.empty()) s += printable(name) + " = ";
    s += number(x[k]);
  }
  return s + ")";
}

}  // namespace

bool Function::valid() const {
  try {
    (void)tape_->index(output_);
    return true;
  } catch (const TapeMismatch&) {
    return false;
  }
}

void Function::check_tape() const {
  if (!valid())
    throw TapeMismatch(
        "ad::Function: its tape was cleared after the recording; record the Function again",
        {.reason = "tape cleared after the recording"});
}

void Function::check_inputs(std::span<const double> x) const {
  if (x.size() != inputs_.size()) {
    const std::string reason =
        std::to_string(x.size()) + " values for " + std::to_string(inputs_.size()) + " inputs";
    throw Error("ad::Function: " + reason + "; give one value per input, in the order recorded",
                {.operation = "replay", .operands = {x.begin(), x.end()}, .reason = reason});
  }
  if (!tape_->checked()) return;
  for (std::size_t k = 0; k < x.size(); ++k) {
    if (std::isfinite(x[k])) continue;
    const std::uint32_t i = tape_->index(inputs_[k]);
    const std::string reason = "input " + tape_->label(i) + " is " + number(x[k]);
    throw NonFinite(
        replay_at(*tape_, inputs_, x) + ": " + reason + "; a checked tape takes finite values only",
        {.operation = "replay",
         .operands = {x.begin(), x.end()},
         .place = "input " + std::to_string(k + 1),
         .reason = reason});
  }
}

void Function::check_comparison(std::size_t k, std::span<const double> x) const {
  const detail::Comparisons::Entry& c = comparisons_[k];
  const auto value = [&](std::uint32_t node, double recorded) {
    return node == detail::Comparisons::kConstant ? recorded : tape_->value(node);
  };
  const double a = value(c.a, c.a_value), b = value(c.b, c.b_value);
  if (holds(c.kind, a, b) == c.result) [[likely]]
    return;
  const auto operand = [&](std::uint32_t node, double v) {
    return node == detail::Comparisons::kConstant ? number(v)
                                                  : tape_->label(node) + " = " + number(v);
  };
  const std::string_view symbol = kSymbol[static_cast<std::size_t>(c.kind)];
  const std::string place =
      "comparison " + std::to_string(k + 1) + " of " + std::to_string(comparisons_.size());
  const auto truth = [](bool t) { return t ? "true" : "false"; };
  const std::string reason = "the comparison " + operand(c.a, a) + " " + std::string(symbol) + " " +
                             operand(c.b, b) + " recorded as " + truth(c.result) + " is now " +
                             truth(!c.result);
  const std::string after = c.after == 0 ? "" : ", after node " + tape_->label(c.after - 1);
  throw ComparisonChanged(
      replay_at(*tape_, inputs_, x) + ": " + reason + " (" + place + after +
          "); the recording does not hold there: record it again",
      {.operation = std::string(symbol), .operands = {a, b}, .place = place, .reason = reason});
}

double Function::forward(std::span<const double> x) {
  check_tape();
  check_inputs(x);
  ready_ = false;
  for (std::size_t k = 0; k < x.size(); ++k) tape_->set_leaf(input_nodes_[k], x[k]);
  // Node by node up to each comparison, which is checked where it was made, before the nodes
  // recorded after it (which it may have guarded: log(x) after x > 0).
  Tape::Ahead at = start_;
  at.sum_slots = sum_slots_.data();
  std::size_t done = first_;
  for (std::size_t k = 0; k < comparisons_.size(); ++k) {
    const std::size_t upto = std::clamp(comparisons_[k].after, done, end_);
    tape_->reevaluate(done, upto, at);
    done = upto;
    check_comparison(k, x);
  }
  tape_->reevaluate(done, end_, at);
  value_ = tape_->value(output_node_);
  ready_ = true;
  return value_;
}

std::vector<double> Function::gradient() {
  std::vector<double> g(inputs_.size());
  gradient(g);
  return g;
}

void Function::gradient(std::span<double> g) {
  check_tape();
  if (g.size() != inputs_.size())
    throw Error("ad::Function: room for " + std::to_string(g.size()) + " gradients, " +
                    std::to_string(inputs_.size()) + " inputs",
                {.reason = "wrong number of gradients"});
  if (!ready_)
    throw Error("ad::Function: the last forward() failed; call forward() at a point it can take",
                {.reason = "no complete forward()"});
  tape_->backward(output_);
  for (std::size_t k = 0; k < g.size(); ++k) g[k] = tape_->gradient(input_nodes_[k], inputs_[k]);
}

}  // namespace ad
