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

// The sweeps' state over nodes [first, last]: `first` is the earliest input (no node before it
// depends on one), `last` the output.
struct Sweeps {
  const Tape& tape;
  const std::vector<Position>& at;
  std::uint32_t first, last;
  std::vector<double> tangent;          // ẋ: each node's derivative along v
  std::vector<double> adjoint;          // ȳ = ∂y/∂node
  std::vector<double> adjoint_tangent;  // ȳ̇: the adjoint's derivative along v
  std::vector<bool> seeded;             // an input: its tangent is v's entry

  // ẋ_i = Σ_j ∂i/∂j·ẋ_j. A zero tangent passes nothing on (0·inf must not make a NaN).
  void tangent_pass() {
    for (std::uint32_t i = first; i <= last; ++i) {
      if (tape.op(i) == Op::Leaf || seeded[i]) continue;
      double t = 0.0;
      tape.for_each_operand(i, at[i], [&](std::uint32_t j, double partial) {
        if (tangent[j] != 0) t += partial * tangent[j];
      });
      tangent[i] = t;
    }
  }

  // ȳ_j += ȳ_i·∂i/∂j and ȳ̇_j += ȳ̇_i·∂i/∂j + ȳ_i·Σ_k ∂²i/∂j∂k·ẋ_k, from the output back. As in
  // the first-order sweep, a zero factor passes nothing on.
  void reverse_pass() {
    adjoint[last] = 1.0;
    for (std::uint32_t i = last + 1; i-- > first;) {
      if (tape.op(i) == Op::Leaf) continue;
      tape.check_second(i, at[i]);
      const double g = adjoint[i], gt = adjoint_tangent[i];
      if (g == 0 && gt == 0) continue;
      tape.for_each_operand(i, at[i], [&](std::uint32_t j, double partial) {
        if (g != 0) adjoint[j] += g * partial;
        if (gt != 0) adjoint_tangent[j] += gt * partial;
      });
      if (g == 0) continue;
      tape.for_each_second(i, at[i], [&](std::uint32_t j, std::uint32_t k, double h) {
        if (tangent[k] != 0) adjoint_tangent[j] += g * h * tangent[k];
      });
    }
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
        i, at[i], [&](std::uint32_t j, double) { operands_fine &= !bad(tape, tangent[j]); });
    if (bad(tape, tangent[i]) && operands_fine && !seeded[i])
      return name(i, "the tangent along v = " + number(tangent[i]));
  }
  for (std::uint32_t i = last + 1; i-- > first;) {
    const double g = adjoint[i], gt = adjoint_tangent[i];
    if (tape.op(i) == Op::Leaf || bad(tape, g) || bad(tape, gt)) continue;
    std::string found;
    tape.for_each_second(i, at[i], [&](std::uint32_t j, std::uint32_t k, double h) {
      const double passed = g * h * tangent[k];
      if (found.empty() && g != 0 && tangent[k] != 0 && bad(tape, passed))
        found = "∂²/∂" + (j == k ? tape.label(j) + "²" : tape.label(j) + "∂" + tape.label(k)) +
                " = " + number(h) + ", times the adjoint " + number(g) + " and the tangent " +
                number(tangent[k]) + ", is " + number(passed);
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

std::vector<double> product(const Tape& tape, const std::vector<Position>& at, const Var& y,
                            std::span<const Var> inputs, std::span<const double> v) {
  std::uint32_t first = y.index();
  for (const Var& x : inputs) first = std::min(first, x.index());
  const std::size_t n = y.index() + std::size_t{1};
  Sweeps s{tape,
           at,
           first,
           y.index(),
           std::vector<double>(n, 0.0),
           std::vector<double>(n, 0.0),
           std::vector<double>(n, 0.0),
           std::vector<bool>(n, false)};
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].index() >= n) continue;  // recorded after y: y does not depend on it
    s.tangent[inputs[i].index()] += v[i];
    s.seeded[inputs[i].index()] = true;
  }
  s.tangent_pass();
  s.reverse_pass();
  std::vector<double> out(inputs.size(), 0.0);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].index() < n) out[i] = s.adjoint_tangent[inputs[i].index()];
    if (bad(tape, out[i])) s.throw_not_finite(inputs[i].index(), out[i]);
  }
  return out;
}

void check_arguments(const Tape& tape, const Var& y, std::span<const Var> inputs) {
  tape.check(y);
  for (const Var& x : inputs) tape.check(x);
}

}  // namespace

std::vector<double> hessian_vector(const Tape& tape, const Var& y, std::span<const Var> inputs,
                                   std::span<const double> v) {
  check_arguments(tape, y, inputs);
  if (v.size() != inputs.size())
    throw Error("hessian_vector: v has " + std::to_string(v.size()) + " entries for " +
                    std::to_string(inputs.size()) + " inputs",
                {.operation = "hessian_vector",
                 .reason = std::to_string(v.size()) + " entries for " +
                           std::to_string(inputs.size()) + " inputs"});
  return product(tape, tape.positions(), y, inputs, v);
}

std::vector<std::vector<double>> hessian(const Tape& tape, const Var& y,
                                         std::span<const Var> inputs) {
  check_arguments(tape, y, inputs);
  const std::vector<Position> at = tape.positions();
  const std::size_t n = inputs.size();
  std::vector<std::vector<double>> h;
  std::vector<double> unit(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    unit[i] = 1.0;
    h.push_back(product(tape, at, y, inputs, unit));  // column i, which is row i
    unit[i] = 0.0;
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) h[i][j] = h[j][i] = 0.5 * (h[i][j] + h[j][i]);
  return h;
}

}  // namespace ad
