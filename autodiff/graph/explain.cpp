#include <algorithm>
#include <boost/graph/topological_sort.hpp>
#include <iterator>
#include <limits>

#include "autodiff/graph/format.hpp"
#include "autodiff/graph/graph.hpp"
#include "autodiff/text.hpp"

namespace ad::graph {

namespace {

constexpr std::size_t kMany = std::numeric_limits<std::size_t>::max();

std::size_t saturating_add(std::size_t a, std::size_t b) { return a > kMany - b ? kMany : a + b; }

// A factor's text used inside a product: parenthesized when a + or − is outside parentheses.
std::string product_operand(const std::string& text) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
    if (depth == 0 && i > 0 && (text.compare(i, 3, " + ") == 0 || text.compare(i, 5, " − ") == 0))
      return "(" + text + ")";
  }
  return text;
}

// One step of a route: the operand `source` of the node and the partials of its uses, summed.
// A node that uses the same operand twice (x·x) is one step whose factor is the sum of both
// partials, so the route is listed once: the chain rule sums over edges, the routes are the same.
struct Step {
  std::uint32_t source;
  double partial;
  std::uint32_t uses;
  std::string symbolic;
};

std::vector<Step> steps(const Tape& tape, const std::vector<NodeView>& nodes, const TapeGraph& g,
                        std::uint32_t v) {
  std::vector<TapeGraph::edge_descriptor> edges;
  for (const auto e : boost::make_iterator_range(boost::in_edges(v, g))) edges.push_back(e);
  std::sort(edges.begin(), edges.end(), [&](auto a, auto b) { return g[a].slot < g[b].slot; });
  std::vector<Step> out;
  std::vector<std::vector<std::string>> texts;
  for (const auto e : edges) {
    const auto source = static_cast<std::uint32_t>(boost::source(e, g));
    auto it =
        std::find_if(out.begin(), out.end(), [&](const Step& s) { return s.source == source; });
    std::string text = symbolic_partial(tape, nodes, v, g[e].slot);
    if (it == out.end()) {
      out.push_back({source, g[e].partial, 1, ""});
      texts.push_back({std::move(text)});
    } else {
      it->partial += g[e].partial;
      ++it->uses;
      texts[static_cast<std::size_t>(it - out.begin())].push_back(std::move(text));
    }
  }
  for (std::size_t k = 0; k < out.size(); ++k) {
    const auto& t = texts[k];
    if (t.size() == 1) {
      out[k].symbolic = t[0];
    } else if (std::all_of(t.begin(), t.end(), [&](const std::string& x) { return x == t[0]; })) {
      out[k].symbolic = std::to_string(t.size()) + " × " + product_operand(t[0]);
    } else {
      for (const std::string& x : t)
        out[k].symbolic += (out[k].symbolic.empty() ? "" : " + ") + product_operand(x);
    }
  }
  return out;
}

bool is_unit(const Factor& f) { return f.symbolic == "1" && f.value == 1.0; }

// paths[v]: the number of routes from v down to the leaf, by dynamic programming over a
// topological order (operands before the nodes that use them); an operand used twice by one
// node counts once (see Step). Exact; saturates at SIZE_MAX.
std::vector<std::size_t> count_paths(const TapeGraph& g, std::size_t size, std::uint32_t bottom) {
  std::vector<TapeGraph::vertex_descriptor> order;
  boost::topological_sort(g, std::back_inserter(order));  // users first: reverse it
  std::vector<std::size_t> paths(size, 0);
  paths[bottom] = 1;
  for (auto v = order.rbegin(); v != order.rend(); ++v) {
    std::vector<std::uint32_t> seen;
    for (const auto e : boost::make_iterator_range(boost::in_edges(*v, g))) {
      const auto source = static_cast<std::uint32_t>(boost::source(e, g));
      if (std::find(seen.begin(), seen.end(), source) != seen.end()) continue;
      seen.push_back(source);
      paths[*v] = saturating_add(paths[*v], paths[source]);
    }
  }
  return paths;
}

// The first `max_paths` paths from top down to bottom, depth first. Iterative so a deep tape
// cannot overflow the stack. Boost's depth_first_search visits each vertex once, so it cannot
// list paths; only branches with paths[v] > 0 are entered, so every branch taken ends at the
// leaf.
std::vector<Path> enumerate_paths(const Tape& tape, const std::vector<NodeView>& nodes,
                                  const TapeGraph& g, const std::vector<std::size_t>& paths,
                                  std::uint32_t top, std::uint32_t bottom, std::size_t max_paths) {
  struct Frame {
    std::uint32_t vertex;
    std::vector<Step> steps;
    std::size_t next = 0;
  };
  std::vector<Path> result;
  std::vector<Frame> stack;
  std::vector<Factor> factors;
  auto enter = [&](std::uint32_t v) {
    std::vector<Step> s;
    if (v != bottom) {
      s = steps(tape, nodes, g, v);
      std::erase_if(s, [&](const Step& step) { return paths[step.source] == 0; });
    }
    stack.push_back({v, std::move(s)});
  };
  if (paths[top] > 0) enter(top);
  while (!stack.empty() && result.size() < max_paths) {
    Frame& frame = stack.back();
    if (frame.vertex == bottom) {
      Path path{{top}, factors, 1.0};
      for (const Factor& f : factors) path.nodes.push_back(f.to);
      for (const Factor& f : factors) path.product *= f.value;
      result.push_back(std::move(path));
    }
    if (frame.vertex == bottom || frame.next == frame.steps.size()) {
      stack.pop_back();
      if (!factors.empty() && !stack.empty()) factors.pop_back();
      continue;
    }
    Step& step = frame.steps[frame.next++];
    const std::uint32_t from = frame.vertex, to = step.source;
    factors.push_back({from, to, std::move(step.symbolic), step.partial, step.uses});
    enter(to);
  }
  return result;
}

// A factor into an unnamed intermediate joins the next one: the path reads name to name.
void merge_unnamed(Path& path, const std::vector<NodeView>& nodes, std::uint32_t bottom) {
  std::vector<Factor> merged;
  for (Factor& f : path.factors) {
    if (!merged.empty() && nodes[merged.back().to].name.empty() && merged.back().to != bottom) {
      Factor& last = merged.back();
      if (last.symbolic == "1")
        last.symbolic = f.symbolic;
      else if (f.symbolic != "1")
        last.symbolic = product_operand(last.symbolic) + " · " + product_operand(f.symbolic);
      last.value *= f.value;
      last.to = f.to;
      last.uses = std::max(last.uses, f.uses);
    } else {
      merged.push_back(std::move(f));
    }
  }
  path.factors = std::move(merged);
}

// ∂E_total/∂E1 = 1 joins the next factor, ∂E_total/∂out_o1 = ∂E1/∂out_o1, as the tutorials
// write it (a unit factor at the end joins the one before it).
void fold_units(Path& path) {
  std::vector<Factor> folded;
  bool pending = false;  // the previous factor was a unit, folded into this one
  std::uint32_t pending_from = 0;
  for (Factor& f : path.factors) {
    const std::uint32_t from = pending ? pending_from : f.from;
    if (is_unit(f) && (&f != &path.factors.back() || folded.empty())) {
      if (!pending) pending_from = f.from;
      pending = true;
      if (&f == &path.factors.back()) folded.push_back({from, f.to, "1", 1.0, 1});
      continue;
    }
    if (is_unit(f)) {
      folded.back().to = f.to;
    } else {
      f.from = from;
      folded.push_back(std::move(f));
    }
    pending = false;
  }
  path.factors = std::move(folded);
}

// The paths from output down to leaf, enumerated (at most max_paths) and counted (all).
Explanation find_paths(const Tape& tape, const std::vector<NodeView>& nodes, const TapeGraph& g,
                       const Var& output, const Var& leaf, const PathOptions& options) {
  const std::uint32_t top = tape.index(output), bottom = tape.index(leaf);
  const std::vector<std::size_t> paths = count_paths(g, nodes.size(), bottom);
  Explanation result{enumerate_paths(tape, nodes, g, paths, top, bottom, options.max_paths), false,
                     paths[top], 0.0, 0.0};
  result.capped = result.paths.size() < result.total_paths;
  for (Path& path : result.paths) {
    result.path_sum += path.product;  // the products are kept as recorded, before any merge
    if (options.merge_unnamed) merge_unnamed(path, nodes, bottom);
    if (options.fold_unit) fold_units(path);
  }
  return result;
}

// ---- Printing ----

struct Writer {
  const Tape& tape;
  const std::vector<NodeView>& nodes;
  const ExplainOptions& options;
  bool markdown() const { return options.format == Format::Markdown; }

  std::string number(double v) const {
    return options.significant_digits ? detail::significant(v, options.precision, true)
                                      : detail::decimals(v, options.precision);
  }
  std::string math_number(double v) const {
    std::string s = number(v);
    if (s.rfind("−", 0) == 0) s = "-" + s.substr(std::string("−").size());
    const auto e = s.find('e');
    if (e != std::string::npos)
      s = s.substr(0, e) + " \\times 10^{" + std::to_string(std::stoi(s.substr(e + 1))) + "}";
    return s;
  }

  // A name in LaTeX: w5 -> w_{5}, out_h1 -> \mathrm{out}_{h1}, anything else in \text{}.
  static std::string latex_name(const std::string& name) {
    const auto underscore = name.find('_');
    std::size_t digits = name.size();
    while (digits > 0 && std::isdigit(static_cast<unsigned char>(name[digits - 1]))) --digits;
    auto plain = [](const std::string& s) {
      return std::all_of(s.begin(), s.end(),
                         [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); });
    };
    if (underscore != std::string::npos && underscore > 0 && plain(name.substr(0, underscore)) &&
        plain(name.substr(underscore + 1)))
      return (underscore == 1 ? name.substr(0, 1)
                              : "\\mathrm{" + name.substr(0, underscore) + "}") +
             "_{" + name.substr(underscore + 1) + "}";
    if (digits > 0 && digits < name.size() && plain(name))
      return (digits == 1 ? name.substr(0, 1) : "\\mathrm{" + name.substr(0, digits) + "}") + "_{" +
             name.substr(digits) + "}";
    if (plain(name)) return name.size() == 1 ? name : "\\mathrm{" + name + "}";
    std::string escaped;
    for (char ch : name) {
      if (ch == '#' || ch == '_' || ch == '%' || ch == '&' || ch == '$') escaped += '\\';
      escaped += ch;
    }
    return "\\text{" + escaped + "}";
  }

  // The symbolic forms in LaTeX: node names as above, the Unicode operators as commands.
  std::string latex_formula(const std::string& text) const {
    static const std::pair<std::string, std::string> kSymbols[] = {
        {"·", " \\cdot "},      {"−", "-"},         {"σ", "\\sigma"}, {"²", "^2"},
        {"√π", "\\sqrt{\\pi}"}, {"½", "\\tfrac12"}, {"∞", "\\infty"}, {"≠", "\\ne "}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
      bool matched = false;
      for (const auto& [from, to] : kSymbols)
        if (text.compare(i, from.size(), from) == 0) {
          out += to;
          i += from.size();
          matched = true;
          break;
        }
      if (matched) continue;
      if (std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '_') {
        std::size_t j = i;
        while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) ||
                                   text[j] == '_' || text[j] == '#'))
          ++j;
        const std::string word = text.substr(i, j - i);
        static const std::string kFunctions[] = {"exp",  "log",  "sin", "cos", "tan", "sinh",
                                                 "cosh", "tanh", "ln",  "min", "max", "sqrt"};
        const bool function =
            std::find(std::begin(kFunctions), std::end(kFunctions), word) != std::end(kFunctions);
        out += function ? "\\" + word
               : (word == "if" || word == "else" || word == "sign" || word == "at" || word == "a" ||
                  word == "tie")
                   ? "\\text{ " + word + " }"
                   : latex_name(word);
        i = j;
        continue;
      }
      out += text[i++];
    }
    return out;
  }

  // Names come from the user (a network file's "w\u001b[31m5", a sum's text with a newline): each
  // is shown printable() where the text embeds it, so the text's own lines stay lines.
  std::string name(std::uint32_t v) const { return ad::printable(node_text(tape, nodes, v)); }
  // A formula after ∂ is parenthesized: ∂(out_o1 − target_o1)/∂out_o1.
  std::string operand(std::uint32_t v) const {
    const std::string text = name(v);
    const bool formula =
        nodes[v].name.empty() && nodes[v].op != Op::Leaf &&
        (text.find_first_of(" ^/") != std::string::npos || text.find("·") != std::string::npos);
    return formula ? "(" + text + ")" : text;
  }
  // Why a route through x·x is listed once.
  std::string uses(const Factor& f) const {
    if (f.uses < 2) return "";
    return "  (" + name(f.from) + " uses " + name(f.to) + " " + std::to_string(f.uses) +
           " times: one path, the partials of the uses summed)";
  }
  std::string partial(std::uint32_t from, std::uint32_t to) const {
    if (!markdown()) return "∂" + operand(from) + "/∂" + operand(to);
    return "\\frac{\\partial " + latex_formula(name(from)) + "}{\\partial " +
           latex_formula(name(to)) + "}";
  }

  // A path of more than kMostSteps steps (a sum of 60,000 terms is a path 60,000 steps long, and
  // 64 of them were a gigabyte of text) shows its first and last kMostSteps / 2; the product
  // is of all of them. Calls show(i) for each index shown, and between the two halves appends
  // `gap` to `text` (and `other_gap` to `*other`).
  static constexpr std::size_t kMostSteps = 24;
  template <class Show>
  static void for_shown(std::size_t n, const std::string& gap, Show show, std::string& text,
                        std::string* other = nullptr, const std::string& other_gap = "",
                        const std::string& line = "") {
    for (std::size_t i = 0; i < n; ++i) {
      if (n > kMostSteps && i == kMostSteps / 2) {
        text += line.empty() ? gap : line;
        if (other != nullptr) *other += other_gap;
        i = n - kMostSteps / 2;
      }
      show(i);
    }
  }
  static std::string omitted_factors(std::size_t n) {
    return n > kMostSteps ? "… " + std::to_string(n - kMostSteps) +
                                " factors more, not shown (the product includes them)"
                          : "";
  }

  std::string write(const Explanation& x, std::uint32_t top, std::uint32_t bottom) const {
    std::string out;
    const std::string whole = partial(top, bottom);
    const std::string count = x.total_paths == kMany ? "more than " + std::to_string(kMany)
                                                     : std::to_string(x.total_paths);
    const std::string paths_word = x.total_paths == 1 ? " path" : " paths";
    if (markdown())
      out += "### $" + whole + "$\n\n" + count + paths_word + " from $" + latex_formula(name(top)) +
             "$ to $" + latex_formula(name(bottom)) + "$" +
             (x.capped ? "; the first " + std::to_string(x.paths.size()) + " are shown" : "") +
             ".\n\n";
    else
      out += whole + ": " + count + paths_word + " from " + name(top) + " to " + name(bottom) +
             (x.capped ? "; the first " + std::to_string(x.paths.size()) + " are shown" : "") +
             "\n\n";
    for (std::size_t p = 0; p < x.paths.size(); ++p) {
      const Path& path = x.paths[p];
      // With folding, the route names the named nodes only, like the folded factors.
      std::vector<std::uint32_t> stops;
      for (std::uint32_t v : path.nodes)
        if (!options.merge_unnamed || v == top || v == bottom || !nodes[v].name.empty())
          stops.push_back(v);
      std::string route, chain, numbers;
      for_shown(
          stops.size(), " → …",
          [&](std::size_t i) { route += (route.empty() ? "" : " → ") + name(stops[i]); }, route);
      const std::string dot = markdown() ? " \\cdot " : " · ",
                        times = markdown() ? " \\times " : " × ";
      for_shown(
          path.factors.size(), dot + "…",
          [&](std::size_t i) {
            const Factor& f = path.factors[i];
            chain += (chain.empty() ? "" : dot) + partial(f.from, f.to);
            numbers += (numbers.empty() ? "" : times) +
                       (markdown() ? math_number(f.value) : number(f.value));
          },
          chain, &numbers, times + "…");
      if (path.factors.empty()) chain = numbers = "1";
      const std::string omitted = omitted_factors(path.factors.size());
      if (markdown()) {
        out += "**Path " + std::to_string(p + 1) + "**: " + route + "\n\n";
        for_shown(
            path.factors.size(), "",
            [&](std::size_t i) {
              const Factor& f = path.factors[i];
              out += "- $" + partial(f.from, f.to) + " = " +
                     latex_formula(ad::printable(f.symbolic)) + " = " + math_number(f.value) + "$" +
                     uses(f) + "\n";
            },
            out, nullptr, "", "- " + omitted + "\n");
        out += "\n$$" + chain + " = " + numbers + " = " + math_number(path.product) + "$$\n\n";
      } else {
        out += "path " + std::to_string(p + 1) + ": " + route + "\n";
        for_shown(
            path.factors.size(), "",
            [&](std::size_t i) {
              const Factor& f = path.factors[i];
              out += "  " + partial(f.from, f.to) + " = " + ad::printable(f.symbolic) + " = " +
                     number(f.value) + uses(f) + "\n";
            },
            out, nullptr, "", "  " + omitted + "\n");
        out += "  product: " + numbers + " = " + number(path.product) + "\n\n";
      }
    }
    const std::string sum_label = x.capped ? "sum over the paths shown" : "sum over all paths";
    if (markdown()) {
      out += sum_label + ": $" + whole + " = " + math_number(x.path_sum) + "$\n\n";
      out += "gradient from the reverse sweep: $" + math_number(x.gradient) + "$\n";
    } else {
      out += sum_label + ": " + number(x.path_sum) + "\n";
      out += "gradient from the reverse sweep: " + number(x.gradient) + "\n";
    }
    if (x.capped)
      out += "(capped: " + count + " paths in all, " + std::to_string(x.paths.size()) +
             " shown; the sweep's gradient covers every path.)\n";
    return out;
  }
};

PathOptions path_options(const ExplainOptions& options) {
  return {options.max_paths, options.merge_unnamed, options.fold_unit};
}

}  // namespace

Explanation explain_paths(Tape& tape, const Var& output, const Var& leaf,
                          const PathOptions& options) {
  tape.check(output);
  tape.check(leaf);
  tape.backward(output);
  const std::vector<NodeView> nodes = tape.nodes();
  Explanation x = find_paths(tape, nodes, make_graph(nodes), output, leaf, options);
  x.gradient = tape.gradient(leaf);
  return x;
}

Explanation explain_paths(Tape& tape, const Var& output, const Var& leaf, std::size_t max_paths) {
  return explain_paths(tape, output, leaf, PathOptions{.max_paths = max_paths});
}

std::string explain(Tape& tape, const Var& output, const Var& leaf, const ExplainOptions& options) {
  const Explanation x = explain_paths(tape, output, leaf, path_options(options));
  const std::vector<NodeView> nodes = tape.nodes();
  return Writer{tape, nodes, options}.write(x, tape.index(output), tape.index(leaf));
}

}  // namespace ad::graph
