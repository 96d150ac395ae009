// A hand-derived derivative judged and reported as text and JSON (see judgement.hpp).
#include "cli/judgement.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "cli/command.hpp"

namespace ad::cli {

namespace ex = ad::expr;
using nlohmann::json;

Judgement judge(std::string name, double engine, double engine_error,
                std::optional<ex::Bounded> yours, const std::string& formula,
                std::optional<ex::FiniteDifference> fd, double tolerance) {
  Judgement j;
  j.name = std::move(name);
  j.label = "d/d" + j.name;
  j.engine = engine;
  j.engine_error = engine_error;
  j.yours = yours;
  j.formula = formula;
  j.fd = fd;
  if (fd) {
    // The finite difference confirms the engine when they differ by no more than the tolerance,
    // its error estimate and the engine's rounding bound allow.
    const ex::Verdict v = ex::judge(fd->estimate, 0, engine, engine_error, tolerance);
    j.fd_confirms = v.difference <= v.allowed + fd->error;
  }
  if (yours) {
    j.written = ex::written_precision(formula);
    j.verdict = ex::judge(yours->value, yours->error, engine, engine_error, tolerance,
                          j.written ? std::optional(j.written->last_digit_unit) : std::nullopt);
    j.agree = j.verdict->agree;
  } else {
    j.agree = j.fd_confirms;
  }
  return j;
}

namespace {

// Why ex::judge found the point unable to judge yours (see Verdict::decidable): the bound it
// names is the rounding floor, not the tolerance's part of the allowance.
std::string why_undecided(const ex::Verdict& v, double engine) {
  if (!std::isfinite(v.floor))
    return "the rounding error of the values compared has no bound here (a value underflowed)";
  if (v.floor <= std::abs(engine) / 10)
    return "the values compared are subnormal doubles, without their relative precision";
  return "the rounding error of the values compared (±" + ad::number(v.floor, 2) +
         ") leaves the engine's value less than one significant digit";
}

}  // namespace

void print(std::ostream& out, const Judgement& j, int p) {
  const bool undecided = j.verdict && !j.verdict->decidable;
  out << "  " << j.label << ": "
      << (j.agree     ? "agree"
          : undecided ? "UNDECIDED"
                      : "DISAGREE")
      << '\n';
  if (undecided)
    out << "    this point cannot judge yours: " << why_undecided(*j.verdict, j.engine)
        << ", so a wrong sign would pass too; try another point\n";
  if (j.diagnosed)
    out << "    likely mistake: "
        << (j.diagnosis ? ex::describe(*j.diagnosis)
                        : ex::describe_no_diagnosis(j.diagnosis_search))
        << '\n';
  const auto line = [&](const std::string& label, const std::string& value,
                        const std::string& note) {
    out << "    " << label << std::string(19 - label.size(), ' ') << value << note << '\n';
  };
  line("engine", ad::number(j.engine, p), "");
  if (j.yours) line("yours", ad::number(j.yours->value, p), "   = " + ad::printable(j.formula));
  if (j.fd)
    line("finite difference", ad::number(j.fd->estimate, p),
         "   (± " + ad::number(j.fd->error, 2) + ")");
  else
    line("finite difference", "n/a", "   (" + j.fd_missing + ")");
  if (j.verdict)
    line("|yours - engine|", ad::number(j.verdict->difference, 3),
         ", allowed " + ad::number(j.verdict->allowed, 3));
  if (j.agree && j.verdict && j.verdict->limited_by_rounding)
    out << "    to within "
        << ad::number(j.verdict->allowed / std::max(std::abs(j.engine), std::abs(j.yours->value)),
                      2)
        << " (relative) only, the most rounding allows here: terms that cancel make the "
           "engine's value and yours uncertain beyond the tolerance\n";
  if (j.verdict && j.verdict->within_last_digit)
    out << "    matches to the " << j.written->significant_digits
        << " significant digits given; give more digits to check further\n";
  if (j.fd && j.fd->kink)
    out << "    the finite difference is no derivative here: its one-sided differences disagree "
           "(a kink or a jump at the point), so its \"±\" spans them\n";
  else if (!j.fd_confirms && j.yours && j.agree)
    out << "    the finite difference is unreliable here: it differs from the engine by more "
           "than its error estimate, and yours agrees with the engine\n";
  else if (!j.fd_confirms)
    out << "    the engine and the finite difference disagree: is the point at a kink or a "
           "discontinuity?\n";
}

json to_json(const Judgement& j) {
  const auto optional = [](const auto& o, auto get) { return o ? json(get(*o)) : json(nullptr); };
  json row = {
      {"engine", j.engine},
      {"engine_error", j.engine_error},
      {"manual", optional(j.yours, [](const ex::Bounded& b) { return b.value; })},
      {"manual_error", optional(j.yours, [](const ex::Bounded& b) { return b.error; })},
      {"formula", j.yours ? json(j.formula) : json(nullptr)},
      {"difference", optional(j.verdict, [](const ex::Verdict& v) { return v.difference; })},
      {"allowed", optional(j.verdict, [](const ex::Verdict& v) { return v.allowed; })},
      {"digits_given",
       optional(j.written, [](const ex::WrittenPrecision& w) { return w.significant_digits; })},
      {"matches_digits_given", j.verdict && j.verdict->within_last_digit},
      {"decidable", j.verdict ? json(j.verdict->decidable) : json(nullptr)},
      {"finite_difference",
       optional(j.fd, [](const ex::FiniteDifference& f) { return f.estimate; })},
      {"finite_difference_error",
       optional(j.fd, [](const ex::FiniteDifference& f) { return f.error; })},
      {"finite_difference_confirms_engine", j.fd ? json(j.fd_confirms) : json(nullptr)},
      {"finite_difference_at_kink", j.fd ? json(j.fd->kink) : json(nullptr)},
      {"agree", j.agree}};
  if (j.diagnosed)
    row["diagnosis"] = optional(j.diagnosis, [](const ex::Diagnosis& d) {
      return json{{"kind", d.kind},
                  {"term", d.term ? json(*d.term) : json(nullptr)},
                  {"corrected", d.corrected},
                  {"explanation", d.explanation}};
    });
  return row;
}

}  // namespace ad::cli
