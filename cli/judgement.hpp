// One hand-derived derivative judged, as `autodiff check` and `autodiff net --check` both report
// it: yours against the engine (the verdict, verdict.hpp), the finite difference beside it as a
// check of the engine, and, when yours disagrees, the likely mistake (diagnosis.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "autodiff/expression/diagnosis.hpp"
#include "autodiff/expression/verdict.hpp"

namespace ad::cli {

struct Judgement {
  std::string name;   // what the derivative is with respect to: "x", "w5", "out_h1"
  std::string label;  // how the report names the derivative: "d/dx" unless the caller says
  double engine = 0, engine_error = 0;
  std::optional<ad::expr::Bounded> yours;  // none: only the engine and the FD are checked
  std::string formula;                     // yours as written
  std::optional<ad::expr::FiniteDifference> fd;
  std::string fd_missing = "every step leaves a function's domain";  // why there is no FD
  bool fd_confirms = true;  // the FD agrees with the engine within its error
  std::optional<ad::expr::Verdict> verdict;
  std::optional<ad::expr::WrittenPrecision> written;
  // Set by the caller when yours disagrees: the diagnosis was tried; its result.
  bool diagnosed = false;
  std::optional<ad::expr::Diagnosis> diagnosis;
  ad::expr::DiagnosisSearch diagnosis_search;  // how far the search went
  bool agree = false;  // yours against the engine; without yours, the FD against the engine

  // Yours disagrees where the point can judge it, and not merely for want of digits: the case
  // for looking for the mistake.
  bool wants_diagnosis() const {
    return verdict && !agree && verdict->decidable && !verdict->within_last_digit;
  }
};

// Judges yours (if given) against the engine and the finite difference (if any) against the
// engine, with the tolerance T of the verdict.
Judgement judge(std::string name, double engine, double engine_error,
                std::optional<ad::expr::Bounded> yours, const std::string& formula,
                std::optional<ad::expr::FiniteDifference> fd, double tolerance);

// The short report: the verdict, the likely mistake, engine, yours and the finite difference,
// and what decided the verdict; lines are indented by two spaces.
void print(std::ostream& out, const Judgement& j, int precision);

// The fields of one check in --json: engine, engine_error, manual, manual_error, formula,
// difference, allowed, digits_given, matches_digits_given, finite_difference,
// finite_difference_error, finite_difference_confirms_engine, finite_difference_at_kink,
// diagnosis, agree.
nlohmann::json to_json(const Judgement& j);

}  // namespace ad::cli
