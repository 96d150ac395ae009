// Second derivatives by forward-over-reverse: a tangent pass along v, then a reverse pass that
// carries each node's adjoint ȳ and its tangent ȳ̇, reading the tape through node_layout.hpp.
#include "autodiff/hessian.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "autodiff/text.hpp"

namespace ad {

namespace {

using Position = detail::Position;

// What the sweeps keep per node, side by side, so that a term of a weighted sum touches one
// place per operand.
struct Lane {
  double tangent;          // ẋ: the node's derivative along v
  double adjoint;          // ȳ = ∂y/∂node
  double adjoint_tangent;  // ȳ̇: the adjoint's derivative along v
};

// An input's node and its entry of v (the sum of its entries if it is given twice).
struct Seed {
  std::uint32_t node;
  double entry;
};

// The sweeps' memory, kept per thread from one product to the next: after the first product no
// allocation and no first touch of fresh pages (which, with zeroing, was half the time of a
// product on W2).
struct Workspace {
  std::vector<Lane> lane;
  std::vector<Position> at;
  std::vector<Seed> seed;
};
thread_local Workspace workspace;

// The sweeps over nodes [first, last]: `first` is the earliest input (no node before it depends
// on one, so its tangent is 0), `last` the output.
struct Sweeps {
  const Tape& tape;
  std::span<const Position> at;
  std::uint32_t first, last;
  Lane* lane;
  std::span<const Seed> seed;  // sorted by node

  // ẋ_i = Σ_j ∂i/∂j·ẋ_j, with each node's adjoint and its tangent set to 0 on the way. A zero
  // partial or tangent passes nothing on (0·inf must not make a NaN), except in a weighted sum,
  // whose partials are values, as in the first-order sweep.
  void tangent_pass() {
    std::fill(lane, lane + first, Lane{0.0, 0.0, 0.0});
    const Seed* next = seed.data();
    for (std::uint32_t i = first; i <= last; ++i) {
      double t = 0.0;
      if (next != seed.data() + seed.size() && next->node == i) {
        t = next++->entry;
      } else if (const Op op = tape.op(i); op == Op::WeightedSum) {
        weighted_sum(
            i,
            [&](std::uint32_t w, std::uint32_t x) {
              t += tape.value(x) * lane[w].tangent + tape.value(w) * lane[x].tangent;
            },
            [&](std::uint32_t b) { t += lane[b].tangent; });
      } else if (op != Op::Leaf) {
        tape.for_each_operand(i, at[i], [&](std::uint32_t j, double partial) {
          if (partial != 0 && lane[j].tangent != 0) t += partial * lane[j].tangent;
        });
      }
      lane[i] = {t, 0.0, 0.0};
    }
  }

  // ȳ_j += ȳ_i·∂i/∂j and ȳ̇_j += ȳ̇_i·∂i/∂j + ȳ_i·Σ_k ∂²i/∂j∂k·ẋ_k, from the output back. As in
  // the first-order sweep, a zero factor passes nothing on. An input passes nothing on to its
  // operands: it is independent, as its tangent is. The checked mode tests each second partial
  // that is used (a node off y's path, or a partial times a zero tangent, is not).
  void reverse_pass() {
    lane[last].adjoint = 1.0;
    const Seed* above = seed.data() + seed.size();  // the seeds of the nodes not yet passed
    for (std::uint32_t i = last + 1; i-- > first;) {
      const Op op = tape.op(i);
      while (above != seed.data() && above[-1].node > i) --above;
      if (op == Op::Leaf || (above != seed.data() && above[-1].node == i)) continue;
      const double g = lane[i].adjoint, gt = lane[i].adjoint_tangent;
      if (g == 0 && gt == 0) continue;
      if (op == Op::WeightedSum) {
        // Bilinear: ∂/∂w = x, ∂/∂x = w, and ∂²/∂w∂x = 1 the one second partial.
        weighted_sum(
            i,
            [&](std::uint32_t w, std::uint32_t x) {
              const double wv = tape.value(w), xv = tape.value(x);
              Lane &lw = lane[w], &lx = lane[x];
              lw.adjoint += g * xv;
              lx.adjoint += g * wv;
              lw.adjoint_tangent += gt * xv + g * lx.tangent;
              lx.adjoint_tangent += gt * wv + g * lw.tangent;
            },
            [&](std::uint32_t b) {
              lane[b].adjoint += g;
              lane[b].adjoint_tangent += gt;
            });
        continue;
      }
      tape.for_each_operand(i, at[i], [&](std::uint32_t j, double partial) {
        if (g != 0) lane[j].adjoint += g * partial;
        if (gt != 0 && partial != 0) lane[j].adjoint_tangent += gt * partial;
      });
      if (g == 0) continue;
      tape.for_each_second(i, at[i], [&](std::uint32_t j, std::uint32_t k, double h) {
        if (lane[k].tangent == 0) return;
        tape.check_second(i, at[i], j, k, h);
        lane[j].adjoint_tangent += g * h * lane[k].tangent;
      });
    }
  }

  // Calls term(w, x) for each term w·x of weighted sum i, then bias(b) for its bias b, if any.
  template <class Term, class Bias>
  void weighted_sum(std::uint32_t i, Term&& term, Bias&& bias) const {
    const std::uint32_t* operand = tape.operand_slots(at[i]);
    detail::for_each_term(Op::WeightedSum, operand, at[i].count,
                          [&](std::uint32_t, std::uint32_t w, std::uint32_t x) { term(w, x); });
    const detail::Sum sum(operand[at[i].count], Op::WeightedSum);
    if (sum.bias) bias(operand[sum.slots - 1]);
  }

  bool is_seed(std::uint32_t i) const {
    return std::ranges::binary_search(seed, i, {}, &Seed::node);
  }

  [[noreturn]] void throw_not_finite(std::uint32_t input, double entry) const;
  std::string where_not_finite(ErrorContext& context) const;
};

bool bad(const Tape& tape, double x) { return std::isnan(x) || (tape.checked() && std::isinf(x)); }

// The node where a non-finite number first arose: the first tangent that is (with its operands'
// finite), else, going back from the output, the first node whose contribution to an operand's ȳ̇
// is; its operation, operands and place go into `context`.
std::string Sweeps::where_not_finite(ErrorContext& context) const {
  const auto name = [&](std::uint32_t i, std::string what) {
    context.operation = info(tape.op(i)).name;
    for (const std::uint32_t j : tape.node(i).operands) context.operands.push_back(tape.value(j));
    context.place = "node #" + std::to_string(i);
    context.reason = std::move(what);
    return context.operation + " at " + context.place + " (" + tape.label(i) +
           "): " + context.reason;
  };
  for (std::uint32_t i = first; i <= last; ++i) {
    bool operands_fine = true;
    tape.for_each_operand(
        i, at[i], [&](std::uint32_t j, double) { operands_fine &= !bad(tape, lane[j].tangent); });
    if (bad(tape, lane[i].tangent) && operands_fine && !is_seed(i))
      return name(i, "the tangent along v = " + number(lane[i].tangent));
  }
  for (std::uint32_t i = last + 1; i-- > first;) {
    const double g = lane[i].adjoint, gt = lane[i].adjoint_tangent;
    if (tape.op(i) == Op::Leaf || bad(tape, g) || bad(tape, gt)) continue;
    std::string found;
    tape.for_each_second(i, at[i], [&](std::uint32_t j, std::uint32_t k, double h) {
      const double tk = lane[k].tangent, passed = g * h * tk;
      if (found.empty() && g != 0 && tk != 0 && bad(tape, passed))
        found = "∂²/∂" + (j == k ? tape.label(j) + "²" : tape.label(j) + "∂" + tape.label(k)) +
                " = " + number(h) + ", times the adjoint " + number(g) + " and the tangent " +
                number(tk) + ", is " + number(passed);
    });
    tape.for_each_operand(i, at[i], [&](std::uint32_t j, double partial) {
      const double passed = gt * partial;
      if (found.empty() && gt != 0 && bad(tape, passed))
        found = "∂/∂" + tape.label(j) + " = " + number(partial) + ", times the adjoint's tangent " +
                number(gt) + ", is " + number(passed);
    });
    if (!found.empty()) return name(i, found);
  }
  return "";
}

void Sweeps::throw_not_finite(std::uint32_t input, double entry) const {
  ErrorContext context;
  std::string message =
      "the Hessian-vector product's entry for " + tape.label(input) + " is " + number(entry);
  const std::string where = where_not_finite(context);
  if (!where.empty()) message += ": it arises at " + where;
  if (!tape.checked())
    message +=
        "; record with Tape::Options{.checked = true} to stop at the first operation "
        "whose value or partial is not finite";
  throw NonFinite(message, std::move(context));
}

// H·v, with the positions `at` of the tape's nodes.
std::vector<double> product(const Tape& tape, std::span<const Position> at, const Var& y,
                            std::span<const Var> inputs, std::span<const double> v) {
  const std::uint32_t last = tape.index(y);
  std::vector<Seed>& seed = workspace.seed;
  seed.clear();
  for (std::size_t i = 0; i < inputs.size(); ++i)  // an input recorded after y: y ignores it
    if (const std::uint32_t x = tape.index(inputs[i]); x <= last) seed.push_back({x, v[i]});
  if (!std::ranges::is_sorted(seed, {}, &Seed::node))  // inputs are mostly in recording order
    std::ranges::sort(seed, {}, &Seed::node);
  std::size_t kept = 0;  // one seed per node, its entries added
  for (const Seed& s : seed)
    if (kept > 0 && seed[kept - 1].node == s.node)
      seed[kept - 1].entry += s.entry;
    else
      seed[kept++] = s;
  seed.resize(kept);
  workspace.lane.resize(std::size_t{last} + 1);
  Sweeps s{tape, at, seed.empty() ? last : seed.front().node, last, workspace.lane.data(), seed};
  s.tangent_pass();
  s.reverse_pass();
  std::vector<double> out(inputs.size(), 0.0);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::uint32_t x = tape.index(inputs[i]);
    if (x <= last) out[i] = s.lane[x].adjoint_tangent;
    if (bad(tape, out[i])) s.throw_not_finite(x, out[i]);
  }
  return out;
}

// Throws TapeMismatch naming the argument (y, inputs[k]) that is not from this recording of
// `tape`, and NonFinite naming an entry of v that is not finite.
void check_arguments(const char* function, const Tape& tape, const Var& y,
                     std::span<const Var> inputs, std::span<const double> v = {}) {
  const auto check = [&](const Var& x, const std::string& argument) {
    try {
      tape.check(x);
    } catch (const TapeMismatch& e) {
      throw TapeMismatch(std::string(function) + ": " + argument + ": " + e.what(), e);
    }
  };
  check(y, "y");
  for (std::size_t k = 0; k < inputs.size(); ++k)
    check(inputs[k], "inputs[" + std::to_string(k) + "]");
  for (std::size_t k = 0; k < v.size(); ++k)
    if (!std::isfinite(v[k])) {
      const std::string entry = "v[" + std::to_string(k) + "] = " + number(v[k]);
      throw NonFinite(
          std::string(function) + ": " + entry + ": a direction must be finite",
          {.operation = function, .place = "v[" + std::to_string(k) + "]", .reason = entry});
    }
}

}  // namespace

std::vector<double> hessian_vector(const Tape& tape, const Var& y, std::span<const Var> inputs,
                                   std::span<const double> v) {
  check_arguments("hessian_vector", tape, y, inputs, v);
  if (v.size() != inputs.size())
    throw Error("hessian_vector: v has " + std::to_string(v.size()) + " entries for " +
                    std::to_string(inputs.size()) + " inputs",
                {.operation = "hessian_vector",
                 .reason = std::to_string(v.size()) + " entries for " +
                           std::to_string(inputs.size()) + " inputs"});
  tape.positions(workspace.at);
  return product(tape, workspace.at, y, inputs, v);
}

std::vector<std::vector<double>> hessian(const Tape& tape, const Var& y,
                                         std::span<const Var> inputs) {
  check_arguments("hessian", tape, y, inputs);
  tape.positions(workspace.at);
  const std::span<const Position> at = workspace.at;
  const std::size_t n = inputs.size();
  std::vector<std::vector<double>> h;
  std::vector<double> unit(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    unit[i] = 1.0;
    h.push_back(product(tape, at, y, inputs, unit));  // column i, which is row i
    unit[i] = 0.0;
  }
  // Halves first: (a + b)/2 overflows where a and b do not. Each product has been checked; their
  // mean can still be NaN on an unchecked tape (+inf one way, −inf the other).
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const double mean = 0.5 * h[i][j] + 0.5 * h[j][i];
      if (std::isnan(mean)) {
        const std::string pair =
            tape.label(tape.index(inputs[i])) + ", " + tape.label(tape.index(inputs[j]));
        throw NonFinite(
            "hessian: the entry (" + pair + ") is NaN: " + number(h[i][j]) + " one way and " +
                number(h[j][i]) + " the other",
            {.operation = "hessian",
             .place = "(" + pair + ")",
             .reason = number(h[i][j]) + " one way and " + number(h[j][i]) + " the other"});
      }
      h[i][j] = h[j][i] = mean;
    }
  return h;
}

void release_hessian_memory() { workspace = Workspace{}; }

}  // namespace ad
