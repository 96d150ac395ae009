// Which step of a hand derivation is wrong. Given a formula for d f/d v that disagrees, tries
// the usual mistakes one at a time and returns the first whose correction agrees at every point:
//   wrong_sign       one top-level term (or the whole formula) has the wrong sign;
//   swapped_name     one name used for another of the same kind (out_h2 for out_h1), or two
//                    names exchanged;
//   constant_factor  the formula, or one term, is off by a small factor (2, 1/2, 3/2);
//   missing_factor   a chain-rule factor is missing (the inner derivative: cos(x^2) for
//                    d/dx sin(x^2), corrected cos(x^2)*2*x);
//   missing_term     a chain-rule term is missing (a product rule's second term).
// The kinds are tried in that order, the ones that change the formula least first, so a
// coincidence at one point does not win over the real mistake (a swap comes before a constant
// factor because the ratio of two short decimals, 0.40/0.45, is often a small fraction). The
// corrected formula is the user's own text with the one change made.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "autodiff/expression/definitions.hpp"

namespace ad::expr {

struct Diagnosis {
  std::string kind;         // "wrong_sign", "missing_factor", "missing_term", ...
  std::optional<int> term;  // 1-based, the term of the user's formula the change is made in
  std::string corrected;    // the formula with the change made
  std::string explanation;  // "term 2 has the wrong sign"
};

struct DiagnosisInput {
  const Definitions& definitions;
  const Expression& expression;  // f
  std::string variable;          // v: a base variable or a defined name
  const Expression& formula;     // the user's d f/d v, which disagrees
  std::vector<Values> points;    // the points checked, as given (the base variables)
  // Names of the same kind, among which a swap is a likely slip (for a network: the weights,
  // the biases, the inputs, the targets, out_*, net_*, the errors). Empty: the base variables
  // are one kind and the defined names another.
  std::vector<std::vector<std::string>> kinds;
};

// `agrees` is the caller's verdict on a candidate formula at every point; only a candidate it
// accepts is returned. std::nullopt when no single mistake explains the difference.
// The search is bounded by counts, so that it takes the same path in every build (a sanitizer's
// or valgrind's too): at most kDiagnosisCandidates candidate formulas are judged, and the
// symbolic derivative may take kDiagnosisWork simplifications (without it, only the mistakes
// that need none are tried). A formula of 900 terms is searched in about 3 s in a Release build.
// `search`, if given, says how far the search went: without a mistake found, whether every
// kind was tried or it stopped at a limit first, so that a report never claims there is none.
inline constexpr std::size_t kDiagnosisCandidates = 1000;
inline constexpr std::size_t kDiagnosisWork = 50000;
struct DiagnosisSearch {
  enum class End {
    Complete,      // every kind tried (or a mistake found)
    NoDerivative,  // only a sign and a name tried: min and max have no symbolic derivative
    Limit,         // stopped at kDiagnosisCandidates or kDiagnosisWork
    TooDeep,       // not tried: a formula or f nested deeper than kMaxHeight
  } end = End::Complete;
  std::size_t candidates = 0;  // the candidate corrections judged
  std::size_t height = 0;      // TooDeep: the height of the higher of the formula and f
};
std::optional<Diagnosis> diagnose(const DiagnosisInput& input,
                                  const std::function<bool(const Expression&)>& agrees,
                                  DiagnosisSearch* search = nullptr);

// The line a report prints when no mistake was found: "none of the usual ones (...)" only after
// a complete search, else where the search stopped.
std::string describe_no_diagnosis(const DiagnosisSearch& search);

// "term 2 has the wrong sign; corrected: ...", the line a report prints.
std::string describe(const Diagnosis& diagnosis);

}  // namespace ad::expr
