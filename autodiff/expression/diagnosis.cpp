// The search for the usual mistakes of a hand derivation (see diagnosis.hpp).
#include "autodiff/expression/diagnosis.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autodiff/expression/symbolic.hpp"

namespace ad::expr {

namespace {

// A top-level term of the user's formula, with the sign it is added with and where that sign
// is written (npos for the first term).
struct Term {
  const Node* node;
  double sign;
  std::size_t sign_at;
  std::size_t sign_length;
};

bool starts_with_minus(std::string_view text) {
  return text.starts_with("-") || text.starts_with("\u2212");
}

void split(const std::string& source, const Node& node, double sign, std::size_t sign_at,
           std::size_t sign_length, std::vector<Term>& out) {
  if (node.kind == Node::Kind::Operation && (node.op == Op::Add || node.op == Op::Sub)) {
    const Node& a = node.operands[0];
    const Node& b = node.operands[1];
    split(source, a, sign, sign_at, sign_length, out);
    std::size_t at = a.end;
    while (at < b.begin && source[at] != '+' && source[at] != '-' &&
           !std::string_view(source).substr(at).starts_with("\u2212"))
      ++at;
    const std::size_t length = source[at] == '+' || source[at] == '-' ? 1 : 3;
    split(source, b, node.op == Op::Sub ? -sign : sign, at, length, out);
  } else {
    out.push_back({&node, sign, sign_at, sign_length});
  }
}

struct Edit {
  std::size_t at, length;
  std::string text;
};
std::string apply(std::string source, std::vector<Edit> edits) {
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.at > b.at; });
  for (const Edit& e : edits) source.replace(e.at, e.length, e.text);
  return source;
}

// "2", "1/2", "3/2".
std::string fraction(long p, long q) {
  return std::to_string(p) + (q == 1 ? "" : "/" + std::to_string(q));
}

// The factor p/q (q ≤ 4, 0 < p ≤ 12) that c is, if it is one and not 1: the factors a hand
// derivation drops or adds (the n of x^n, the 1/2 of a loss). Larger denominators would match
// too many coincidences.
std::optional<std::pair<long, long>> small_rational(double c) {
  if (!std::isfinite(c) || c <= 0) return std::nullopt;
  for (long q = 1; q <= 4; ++q) {
    const long p = std::lround(c * static_cast<double>(q));
    if (p < 1 || p > 12 || std::gcd(p, q) != 1) continue;
    if (std::abs(c - static_cast<double>(p) / static_cast<double>(q)) <= 1e-9 * c) {
      if (p == q) return std::nullopt;
      return std::pair{p, q};
    }
  }
  return std::nullopt;
}

// " * F" appended to a term: F in parentheses where it needs them, and 1/D as "/D".
std::string times(const Node& factor) {
  if (factor.kind == Node::Kind::Operation && factor.op == Op::Div &&
      factor.operands[0].kind == Node::Kind::Number && factor.operands[0].number == 1) {
    const Node& d = factor.operands[1];
    const bool atom =
        d.kind != Node::Kind::Operation || (d.op != Op::Mul && d.op != Op::Div && d.op != Op::Add &&
                                            d.op != Op::Sub && d.op != Op::Neg);
    return "/" + (atom ? to_string(d) : "(" + to_string(d) + ")");
  }
  const bool bare = factor.kind != Node::Kind::Operation ||
                    (factor.op != Op::Add && factor.op != Op::Sub && factor.op != Op::Neg);
  const bool negative = factor.kind == Node::Kind::Number && factor.number < 0;
  return "*" + (bare && !negative ? to_string(factor) : "(" + to_string(factor) + ")");
}

class Diagnoser {
 public:
  Diagnoser(const DiagnosisInput& input, const std::function<bool(const Expression&)>& agrees)
      : in_(input),
        agrees_(agrees),
        source_(input.formula.source()),
        candidates_left_(kDiagnosisCandidates) {
    split(source_, input.formula.root(), 1, std::string::npos, 0, terms_);
  }

  std::optional<Diagnosis> run() {
    std::optional<Derivative> d;
    try {
      d = derivative(in_.definitions, in_.expression, in_.variable, kDiagnosisWork);
      derivative_ = d->value;
    } catch (const DerivativeTooLong&) {  // only the mistakes that need no derivative
      out_of_time_ = true;
    } catch (const ad::Error&) {  // min, max: likewise
      no_derivative_ = true;
    }
    if (auto found = wrong_sign()) return found;
    // A swap before a constant factor: tutorials' numbers are short decimals, whose ratios
    // (w5/w6 = 0.40/0.45 = 8/9) are small rationals.
    if (auto found = swapped_name()) return found;
    if (d)
      if (auto found = constant_factor(d->value)) return found;
    if (d)
      if (auto found = missing_factor(d->factors)) return found;
    if (d)
      if (auto found = missing_term(d->terms)) return found;
    return std::nullopt;
  }

 private:
  bool accept(const std::string& text) const {
    // The candidates grow with the terms and factors of a long formula: past its limit the
    // search gives up rather than keep the user waiting.
    if (candidates_left_ == 0) {
      out_of_time_ = true;
      return false;
    }
    --candidates_left_;
    try {
      return agrees_(Expression::parse(text));
    } catch (const ad::Error&) {  // the candidate cannot be evaluated somewhere: not a fix
      return false;
    }
  }

  // A correction that agrees at the points given only by coincidence (x^2*cos(x) for cos(x) at
  // x = 1) is caught at points near them, where it must equal the symbolic derivative too.
  // Without a symbolic derivative (min, max) the points given must do.
  bool holds_nearby(const std::string& corrected) const {
    if (!derivative_) return true;
    try {
      const Expression candidate = Expression::parse(corrected);
      const Expression truth = Expression::parse(to_string(*derivative_));
      for (const Values& point : in_.points)
        for (const double scale : {1.0625, 0.9375}) {
          Values near = point;
          for (auto& [name, value] : near) value = value * scale + (scale - 1) / 2;
          double a = 0, b = 0;
          try {
            a = in_.definitions.evaluate(candidate, near);
            b = in_.definitions.evaluate(truth, near);
          } catch (const ad::Error&) {
            continue;  // outside a domain there: the points given decide
          }
          if (std::abs(a - b) > 1e-6 * std::max({std::abs(a), std::abs(b), 1e-300})) return false;
        }
      return true;
    } catch (const ad::Error&) {
      return false;
    }
  }

  std::string term_text(std::size_t k) const {
    return std::string(in_.formula.text(*terms_[k].node));
  }
  // The formula with term k's text replaced.
  std::string with_term(std::size_t k, const std::string& text) const {
    const Node& n = *terms_[k].node;
    return apply(source_, {{n.begin, n.end - n.begin, text}});
  }
  std::string whole() const { return "(" + source_ + ")"; }

  std::optional<Diagnosis> found(std::string kind, std::optional<int> term, std::string corrected,
                                 std::string explanation) const {
    if (!accept(corrected) || !holds_nearby(corrected)) return std::nullopt;
    return Diagnosis{std::move(kind), term, std::move(corrected), std::move(explanation)};
  }

  std::optional<Diagnosis> wrong_sign() const {
    for (std::size_t k = 0; k < terms_.size(); ++k) {
      const Term& t = terms_[k];
      const std::string text = term_text(k);
      Edit edit;
      if (t.sign_at != std::string::npos) {
        edit = {t.sign_at, t.sign_length, source_[t.sign_at] == '+' ? "-" : "+"};
      } else {
        const std::size_t sign = starts_with_minus(text) ? (text[0] == '-' ? 1 : 3) : 0;
        edit = text.starts_with("+") ? Edit{t.node->begin, 1, "-"}
                                     : Edit{t.node->begin, sign, sign > 0 ? "" : "-"};
      }
      const std::string what = terms_.size() == 1 ? "the formula" : "term " + std::to_string(k + 1);
      if (auto d = found("wrong_sign", static_cast<int>(k + 1), apply(source_, {edit}),
                         what + " has the wrong sign"))
        return d;
    }
    if (terms_.size() > 1)
      return found("wrong_sign", std::nullopt, "-" + whole(),
                   "the whole formula has the wrong sign");
    return std::nullopt;
  }

  // Scales a term's text by p/q: a leading number is multiplied, else p* and /q are written.
  std::string scaled(const std::string& text, long p, long q) const {
    const std::size_t sign = starts_with_minus(text) ? (text[0] == '-' ? 1 : 3) : 0;
    return text.substr(0, sign) + (p == 1 ? "" : std::to_string(p) + "*") + text.substr(sign) +
           (q == 1 ? "" : "/" + std::to_string(q));
  }

  // The formula with term k scaled by p/q. A leading number is multiplied instead (0.5*x^2 by 4
  // is 2*x^2), and dropped where it becomes 1.
  std::string scaled_term(std::size_t k, long p, long q) const {
    const Node* n = terms_[k].node;
    const Node* parent = nullptr;
    while (n->kind == Node::Kind::Operation && (n->op == Op::Mul || n->op == Op::Div)) {
      parent = n;
      n = &n->operands[0];
    }
    if (n->kind == Node::Kind::Number) {
      const double v = n->number * static_cast<double>(p) / static_cast<double>(q);
      const std::string text = to_string(number_node(v));
      if (v == 1 && parent != nullptr && parent->op == Op::Mul)
        return apply(source_, {{n->begin, parent->operands[1].begin - n->begin, ""}});
      if (text.size() <= 8) return apply(source_, {{n->begin, n->end - n->begin, text}});
    }
    return with_term(k, scaled(term_text(k), p, q));
  }

  std::optional<Diagnosis> constant_factor(const Node& derivative) const {
    // The factor that would make the formula (or one term) right at the first point; every
    // point is then checked by the caller's verdict.
    if (in_.points.empty()) return std::nullopt;
    double truth = 0, yours = 0;
    std::vector<double> term_values;
    try {
      const Values values = in_.definitions.values(in_.points.front());
      Expression parsed = Expression::parse(to_string(derivative));
      truth = evaluate(parsed, values);
      yours = evaluate(in_.formula, values);
      for (const Term& t : terms_)
        term_values.push_back(t.sign * evaluate(in_.formula, *t.node, values));
    } catch (const ad::Error&) {
      return std::nullopt;
    }
    for (std::size_t k = 0; k < terms_.size(); ++k) {
      const double needed = (truth - yours + term_values[k]) / term_values[k];
      if (const auto c = small_rational(needed)) {
        const auto [p, q] = *c;
        const std::string what =
            terms_.size() == 1 ? "the formula" : "term " + std::to_string(k + 1);
        if (auto d =
                found("constant_factor", static_cast<int>(k + 1), scaled_term(k, p, q),
                      what + " is off by a constant factor: it needs a factor " + fraction(p, q)))
          return d;
      }
    }
    if (terms_.size() > 1)
      if (const auto c = small_rational(truth / yours))
        return found("constant_factor", std::nullopt, scaled(whole(), c->first, c->second),
                     "the formula is off by a constant factor: it needs a factor " +
                         fraction(c->first, c->second));
    return std::nullopt;
  }

  // The term of the formula holding the source offset.
  std::optional<int> term_at(std::size_t at) const {
    for (std::size_t k = 0; k < terms_.size(); ++k)
      if (terms_[k].node->begin <= at && at < terms_[k].node->end) return static_cast<int>(k + 1);
    return std::nullopt;
  }

  std::optional<Diagnosis> swapped_name() const {
    std::vector<const Node*> uses;
    const std::function<void(const Node&)> collect = [&](const Node& n) {
      if (n.kind == Node::Kind::Variable) uses.push_back(&n);
      for (const Node& o : n.operands) collect(o);
    };
    collect(in_.formula.root());
    std::vector<std::vector<std::string>> kinds = in_.kinds;
    if (kinds.empty()) {
      kinds.push_back(in_.definitions.base_variables({&in_.expression, &in_.formula}));
      kinds.emplace_back();
      for (const Definition& d : in_.definitions.all()) kinds.back().push_back(d.name);
    }
    const auto term_of = [&](const std::vector<const Node*>& changed) -> std::optional<int> {
      const auto first = term_at(changed.front()->begin);
      for (const Node* n : changed)
        if (term_at(n->begin) != first) return std::nullopt;
      return first;
    };
    for (const auto& kind : kinds) {
      for (const std::string& a : kind) {
        std::vector<const Node*> of_a;
        for (const Node* n : uses)
          if (n->name == a) of_a.push_back(n);
        if (of_a.empty()) continue;
        for (const std::string& b : kind) {
          if (b == a) continue;
          std::vector<Edit> edits;
          for (const Node* n : of_a) edits.push_back({n->begin, n->end - n->begin, b});
          if (auto d = found("swapped_name", term_of(of_a), apply(source_, edits),
                             a + " is written where " + b + " belongs"))
            return d;
          if (of_a.size() > 1)
            for (const Node* n : of_a)
              if (auto d = found("swapped_name", term_at(n->begin),
                                 apply(source_, {{n->begin, n->end - n->begin, b}}),
                                 "one " + a + " is written where " + b + " belongs"))
                return d;
          // Two names exchanged: each written where the other belongs.
          std::vector<const Node*> both = of_a;
          for (const Node* n : uses)
            if (n->name == b) {
              both.push_back(n);
              edits.push_back({n->begin, n->end - n->begin, a});
            }
          if (a < b && both.size() > of_a.size())
            if (auto d = found("swapped_name", term_of(both), apply(source_, edits),
                               a + " and " + b + " are exchanged"))
              return d;
        }
      }
    }
    return std::nullopt;
  }

  std::optional<Diagnosis> missing_factor(const std::vector<Node>& factors) const {
    for (const Node& factor : factors) {
      const std::string f = to_string(factor);
      for (std::size_t k = 0; k < terms_.size(); ++k) {
        const std::string what =
            terms_.size() == 1 ? "the formula" : "term " + std::to_string(k + 1);
        if (auto d = found("missing_factor", static_cast<int>(k + 1),
                           with_term(k, term_text(k) + times(factor)),
                           what + " lacks the chain-rule factor " + f))
          return d;
      }
      if (terms_.size() > 1)
        if (auto d = found("missing_factor", std::nullopt, whole() + times(factor),
                           "the formula lacks the chain-rule factor " + f))
          return d;
    }
    return std::nullopt;
  }

  std::optional<Diagnosis> missing_term(const std::vector<Node>& terms) const {
    for (const Node& term : terms) {
      const bool negative = (term.kind == Node::Kind::Operation && term.op == Op::Neg) ||
                            (term.kind == Node::Kind::Number && term.number < 0);
      const Node shown = negative ? simplified(Op::Neg, {term}) : term;
      const std::string text = to_string(shown);
      const bool sum =
          shown.kind == Node::Kind::Operation && (shown.op == Op::Add || shown.op == Op::Sub);
      const std::string added = sum ? "(" + text + ")" : text;
      // A formula that is 0 is replaced, not added to: "0 + x" reads as no correction.
      const bool zero =
          in_.formula.root().kind == Node::Kind::Number && in_.formula.root().number == 0;
      const std::string corrected =
          zero ? (negative ? "-" : "") + added : source_ + (negative ? " - " : " + ") + added;
      if (auto d = found("missing_term", std::nullopt, corrected,
                         "the term " + to_string(term) +
                             " (one of the chain and product rule's terms) is missing"))
        return d;
    }
    return std::nullopt;
  }

  const DiagnosisInput& in_;
  const std::function<bool(const Expression&)>& agrees_;
  std::string source_;
  std::vector<Term> terms_;
  std::optional<Node> derivative_;
  mutable std::size_t candidates_left_;

 public:
  mutable bool out_of_time_ = false;  // set by accept(), which is called from the const searches
  bool no_derivative_ = false;
  std::size_t candidates_judged() const { return kDiagnosisCandidates - candidates_left_; }
};

}  // namespace

std::optional<Diagnosis> diagnose(const DiagnosisInput& input,
                                  const std::function<bool(const Expression&)>& agrees,
                                  DiagnosisSearch* search) {
  DiagnosisSearch ignored;
  DiagnosisSearch& out = search != nullptr ? *search : ignored;
  using End = DiagnosisSearch::End;
  out = {};
  // The search recurses over the trees: past kMaxHeight it is not tried.
  const std::size_t height = std::max(input.formula.root().height, input.expression.root().height);
  if (height > kMaxHeight) {
    out.end = End::TooDeep;
    out.height = height;
    return std::nullopt;
  }
  Diagnoser diagnoser(input, agrees);
  std::optional<Diagnosis> result = diagnoser.run();
  out.end = result                     ? End::Complete
            : diagnoser.out_of_time_   ? End::Limit
            : diagnoser.no_derivative_ ? End::NoDerivative
                                       : End::Complete;
  out.candidates = diagnoser.candidates_judged();
  return result;
}

std::string describe_no_diagnosis(const DiagnosisSearch& search) {
  switch (search.end) {
    case DiagnosisSearch::End::NoDerivative:
      return "neither a wrong sign nor a name for another; the other usual mistakes (a constant "
             "factor, a missing chain-rule factor or term) were not searched for: min and max "
             "have no symbolic derivative";
    case DiagnosisSearch::End::Limit:
      return "the search for the usual mistakes stopped at its limit (a long formula) after " +
             std::to_string(search.candidates) + " candidate" +
             (search.candidates == 1 ? "" : "s") + "; none matched so far";
    case DiagnosisSearch::End::TooDeep:
      // A tree's height counts its levels, a leaf one: a sum of 1000 terms k*x is 1001 high,
      // and one of 1000 names only 1000, so no count of terms is the limit.
      return "not searched for: the formula or f is " + std::to_string(search.height) +
             " levels deep, past the search's limit of " + std::to_string(kMaxHeight) +
             " (a sum of n terms is n - 1 levels above its deepest term)";
    case DiagnosisSearch::End::Complete:
      break;
  }
  return "none of the usual ones (a sign, a constant factor, a name for another, a missing "
         "chain-rule factor or term)";
}

std::string describe(const Diagnosis& diagnosis) {
  return diagnosis.explanation + "; corrected: " + diagnosis.corrected;
}

}  // namespace ad::expr
