// GCC 12 at -O2 reports Boost 1.74's adj_list_edge_iterator (a boost::optional inside
// write_graphviz's edge loop) as maybe-uninitialized: a known false positive in the header,
// reported at the inlined call site, so it is silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "autodiff/error.hpp"
#include "autodiff/file.hpp"
#include "autodiff/graph/format.hpp"
#include "autodiff/graph/graph.hpp"
#include "autodiff/text.hpp"

namespace ad::graph {

namespace {

constexpr std::size_t kUnreached = Dot::kNotDrawn;

// What is drawn: a vertex per kept tape node (and one summary vertex), an edge per operand.
struct Shown {
  std::string label, shape, fill, style, cluster;
};
struct ShownEdge {
  std::string label;
};
using ShownGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, Shown, ShownEdge>;

// A label's line longer than this is cut in the middle: dot refuses a label over 16384 bytes
// (the formula of a 60,000-term sum), and no reader reads one that long.
constexpr std::size_t kLabelColumns = 80;

std::string dot_label(const std::string& text) { return ad::dot_string(text, kLabelColumns); }

// Distance (in edges, against the flow) from the nearest source to every node, by one
// multi-source breadth-first search on the reversed graph; kUnreached if none reaches it.
std::vector<std::size_t> distances_from(const TapeGraph& g,
                                        const std::vector<std::uint32_t>& sources) {
  const auto reversed = boost::make_reverse_graph(g);
  std::vector<std::size_t> distance(boost::num_vertices(g), kUnreached);
  for (std::uint32_t s : sources) distance[s] = 0;
  std::vector<boost::default_color_type> color(boost::num_vertices(g));
  boost::queue<TapeGraph::vertex_descriptor> queue;
  boost::breadth_first_search(
      reversed, sources.begin(), sources.end(), queue,
      boost::make_bfs_visitor(boost::record_distances(distance.data(), boost::on_tree_edge())),
      color.data());
  return distance;
}

Role resolve(Role role, const NodeView& node, bool is_output) {
  if (role != Role::Auto) return role;
  if (node.op == Op::Leaf) return node.name.empty() ? Role::Constant : Role::Input;
  return is_output ? Role::Output : Role::Hidden;
}

void style(Shown& v, Role role) {
  switch (role) {
    case Role::Input:
      v.shape = "box", v.fill = "#cfe2f3", v.style = "filled";
      break;
    case Role::Parameter:
      v.shape = "box", v.fill = "#ffe599", v.style = "filled,rounded";
      break;
    case Role::Constant:
      v.shape = "box", v.fill = "#eeeeee", v.style = "filled,dashed";
      break;
    case Role::Output:
      v.shape = "box", v.fill = "#f4cccc", v.style = "filled,bold";
      break;
    default:
      v.shape = "box", v.fill = "#ffffff", v.style = "filled,rounded";
      break;
  }
}

// The same text with spaces, parentheses and the spelling of operators left out: a node named
// by its own formula ("(sin(x)^2*y)" for (sin(x)^2)·y) is labelled with its name alone.
std::string skeleton(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ' || text[i] == '(' || text[i] == ')') continue;
    if (text.substr(i).starts_with("·")) {
      out += '*', i += std::string_view("·").size() - 1;
    } else if (text.substr(i).starts_with("−")) {
      out += '-', i += std::string_view("−").size() - 1;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A formula wider than this is broken into lines before its outermost + and − ("w1·i1 + w2·i2
// + b1" as three lines), a term still wider before its outermost · ("+ w_h2_1_h3_1" and
// "·out_h2_1") and then after a call's parenthesis: in the left-to-right layout a column is as wide
// as its widest line, no wider than the "grad: −0.0008261" below it, and a batch's or a deep
// network's columns must fit 900 px legibly.
constexpr std::size_t kFormulaColumns = 16;

// Significant digits of a folded graph's values and partials.
constexpr int kFoldedPrecision = 3;

// A piece of a broken text and what joins it to the one before on the same line.
struct Piece {
  std::string text, joiner;
};

// `text` cut before each of `operators` that is least deep in parentheses ("−(a + b)" is cut
// inside its parentheses), the space before the operator dropped: "w1·i1", "+ w2·i2", "+ b1".
std::vector<Piece> cut(std::string_view text, std::initializer_list<std::string_view> operators,
                       const std::string& joiner) {
  auto at = [&](std::size_t i) {
    return i > 0 && std::any_of(operators.begin(), operators.end(), [&](std::string_view op) {
             return text.substr(i).starts_with(op);
           });
  };
  std::vector<int> depth;
  int d = 0, least = std::numeric_limits<int>::max();
  for (std::size_t i = 0; i < text.size(); ++i) {
    d += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
    depth.push_back(d);
    if (at(i)) least = std::min(least, d);
  }
  std::vector<Piece> pieces{{"", ""}};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (depth[i] == least && at(i)) {
      pieces.push_back({"", joiner});
      if (text[i] == ' ') continue;
    }
    pieces.back().text += text[i];
  }
  return pieces;
}

// The pieces on lines of at most kFormulaColumns where they fit, one to a line where they do not.
std::string packed(const std::vector<Piece>& pieces) {
  std::string out, line;
  for (const Piece& p : pieces) {
    const bool fits =
        !line.empty() &&
        ad::display_width(line) + ad::display_width(p.joiner + p.text) <= kFormulaColumns;
    line = fits ? line + p.joiner + p.text : p.text;
    out += (out.empty() ? "" : fits ? p.joiner : "\n") + p.text;
  }
  return out;
}

// A name without the parentheses around the whole of it: the grad command names the output
// "(x*sin(y))" so that ∂(x*sin(y))/∂x reads right, but alone in its box it reads x*sin(y).
// "(a+b)*(c+d)" keeps its own: its first pair closes before the end.
std::string_view unparenthesized(std::string_view name) {
  if (name.size() < 2 || name.front() != '(' || name.back() != ')') return name;
  int depth = 0;
  for (std::size_t i = 0; i + 1 < name.size(); ++i) {
    depth += name[i] == '(' ? 1 : name[i] == ')' ? -1 : 0;
    if (depth == 0) return name;
  }
  return name.substr(1, name.size() - 2);
}

std::string broken(std::string_view formula) {
  std::vector<Piece> pieces;
  for (Piece& term : cut(formula, {" + ", " − "}, " ")) {
    if (ad::display_width(term.text) <= kFormulaColumns) {
      pieces.push_back(std::move(term));
      continue;
    }
    std::vector<Piece> factors = cut(term.text, {"·"}, "");
    factors.front().joiner = term.joiner;
    for (Piece& factor : factors) {
      // A call still too wide is cut after its parenthesis: "= sigmoid(" and "s1.net_o1)".
      const std::size_t open = factor.text.find('(');
      if (ad::display_width(factor.text) > kFormulaColumns && open != std::string::npos &&
          open > 0 && open + 2 < factor.text.size()) {
        pieces.push_back({factor.text.substr(0, open + 1), factor.joiner});
        pieces.push_back({factor.text.substr(open + 1), ""});
      } else {
        pieces.push_back(std::move(factor));
      }
    }
  }
  return packed(pieces);
}

// A fold's name in words on lines as wide as a formula's ("sample 1's error" / "steps").
std::string wrapped(std::string_view name) { return packed(cut(name, {" "}, " ")); }

std::string node_label(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                       const Annotation* note, int precision) {
  const NodeView& node = nodes[index];
  std::string first(unparenthesized(node.name));
  if (node.op == Op::Leaf) {
    if (first.empty()) first = "constant";
  } else {
    const std::string operation = operation_text(tape, nodes, index, precision);
    if (first.empty())
      first = broken(operation);
    else if (skeleton(first) != skeleton(operation))
      first += "\n" + broken("= " + operation);  // lines of its own: the name's stays narrow
  }
  std::string label =
      first + "\nvalue: " + detail::significant(node.value, precision) +
      "\ngrad: " + (std::isnan(node.adjoint) ? "—" : detail::significant(node.adjoint, precision));
  if (note != nullptr && note->after_update)
    label += "\nafter update:\n" + detail::significant(*note->after_update, precision);
  return label;
}

// The nodes that reach an output (every sink's ancestors when no output is given) and are not
// folded, in recording order: at most max_nodes of them, nearest the outputs first; the rest are
// counted in dot.collapsed and said in dot.warning. `folds` vertices are drawn besides them.
std::vector<std::uint32_t> select_nodes(const std::vector<std::size_t>& distance,
                                        const std::vector<bool>& folded, std::size_t folds,
                                        const DotOptions& options, bool image, Dot& dot) {
  const std::size_t max_nodes =
      image ? std::min(options.max_nodes, options.max_image_nodes) : options.max_nodes;
  std::vector<std::uint32_t> kept;
  for (std::uint32_t v = 0; v < distance.size(); ++v)
    if (distance[v] != kUnreached && !folded[v]) kept.push_back(v);
  if (kept.size() + folds <= std::max<std::size_t>(max_nodes, 1)) return kept;
  // Nearest the outputs first; at equal distance the later node (nearer in recording order).
  std::stable_sort(kept.begin(), kept.end(), [&](std::uint32_t a, std::uint32_t b) {
    return distance[a] != distance[b] ? distance[a] < distance[b] : a > b;
  });
  const std::size_t shown = std::max<std::size_t>(max_nodes, folds + 2) - 1 - folds;
  dot.collapsed = kept.size() - shown;
  kept.resize(shown);
  std::sort(kept.begin(), kept.end());
  const std::size_t total = shown + dot.collapsed + dot.folded;
  dot.warning = "the graph has " + std::to_string(total) + " nodes; showing the " +
                std::to_string(shown) + " nearest the outputs, the other " +
                std::to_string(dot.collapsed) + " are collapsed into one node";
  if (max_nodes < options.max_nodes)  // the image's cap: say how to see more
    dot.warning +=
        " (an image shows at most " + std::to_string(max_nodes) +
        ", for dot to lay it out in seconds; a .dot file shows " +
        (total <= options.max_nodes ? "all of them)" : std::to_string(options.max_nodes) + ")");
  return kept;
}

const Annotation* annotation(const DotOptions& options, std::uint32_t index) {
  const auto found = options.annotations.find(index);
  return found == options.annotations.end() ? nullptr : &found->second;
}

// Where each tape node is drawn: its own vertex, its fold's or the summary's (kUnreached: not
// drawn). Vertices: the kept nodes in recording order, the folds in order of first member, then
// the summary.
struct Layout {
  std::vector<std::uint32_t> kept;
  std::vector<std::string> folds;  // fold keys, vertex kept.size() + k
  std::vector<std::size_t> fold_size, vertex_of;
  std::vector<std::size_t> sample;  // per vertex: its Annotation::sample (largest)
};

Layout lay_out(const std::vector<std::size_t>& distance, const DotOptions& options, bool image,
               Dot& dot) {
  const std::size_t n = distance.size();
  Layout layout;
  std::vector<bool> folded(n, false);
  std::vector<std::size_t> fold_of(n, kUnreached);
  const std::size_t reached = static_cast<std::size_t>(std::count_if(
      distance.begin(), distance.end(), [](std::size_t d) { return d != kUnreached; }));
  if (reached > options.fold_above) {
    std::map<std::string, std::size_t> index_of;
    for (std::uint32_t v = 0; v < n; ++v) {
      const Annotation* note = annotation(options, v);
      if (distance[v] == kUnreached || note == nullptr || note->fold.empty()) continue;
      auto [it, added] = index_of.try_emplace(note->fold, layout.folds.size());
      if (added) layout.folds.push_back(note->fold), layout.fold_size.push_back(0);
      folded[v] = true, fold_of[v] = it->second, ++layout.fold_size[it->second], ++dot.folded;
    }
  }
  dot.folds = layout.folds.size();
  layout.kept = select_nodes(distance, folded, dot.folds, options, image, dot);
  const std::size_t summary = layout.kept.size() + dot.folds;
  layout.vertex_of.assign(n, kUnreached);
  layout.sample.assign(summary + 1, 0);
  for (std::uint32_t v = 0; v < n; ++v) {
    if (distance[v] == kUnreached) continue;
    layout.vertex_of[v] = folded[v] ? layout.kept.size() + fold_of[v] : summary;
  }
  for (std::size_t k = 0; k < layout.kept.size(); ++k) layout.vertex_of[layout.kept[k]] = k;
  for (std::uint32_t v = 0; v < n; ++v)
    if (const Annotation* note = annotation(options, v); note && layout.vertex_of[v] < summary)
      layout.sample[layout.vertex_of[v]] =
          std::max(layout.sample[layout.vertex_of[v]], note->sample);
  return layout;
}

// An edge per operand between drawn nodes, labelled with its local partial; an edge into or out
// of a fold or the summary stands for all those between the same two vertices, once.
void add_edges(const TapeGraph& g, const Layout& layout, int precision, ShownGraph& shown) {
  const std::size_t plain = layout.kept.size();
  std::set<std::pair<std::size_t, std::size_t>> joined;
  for (const auto e : boost::make_iterator_range(boost::edges(g))) {
    const std::size_t from = layout.vertex_of[boost::source(e, g)];
    const std::size_t to = layout.vertex_of[boost::target(e, g)];
    if (from == kUnreached || to == kUnreached || from == to) continue;
    if (from < plain && to < plain) {
      boost::add_edge(from, to, ShownEdge{detail::significant(g[e].partial, precision)}, shown);
    } else if (joined.insert({from, to}).second) {
      const bool summary = from == plain + layout.folds.size();
      boost::add_edge(from, to, ShownEdge{summary ? "…" : ""}, shown);
    }
  }
}

// Invisible same-rank edges from each sample's vertices to the next sample's, vertex by vertex,
// when they have as many (the same structure; a fold has one): dot then keeps the samples in
// order, top to bottom. A drawn sample beside a folded one gets none: a fold has no one rank.
std::string sample_order(const Layout& layout) {
  std::map<std::size_t, std::vector<std::size_t>> bands;
  for (std::size_t v = 0; v < layout.sample.size(); ++v)
    if (layout.sample[v] > 0) bands[layout.sample[v]].push_back(v);
  std::string text;
  const std::vector<std::size_t>* previous = nullptr;
  for (const auto& [sample, band] : bands) {
    if (previous != nullptr && previous->size() == band.size())
      for (std::size_t k = 0; k < band.size(); ++k)
        text += "{rank=same; " + std::to_string((*previous)[k]) + " -> " + std::to_string(band[k]) +
                " [style=invis];}\n";
    previous = &band;
  }
  return text;
}

// The Graphviz text: graph attributes, the clusters by vertex id, the samples' order, then every
// vertex and edge. Sized to be read at 900 px wide (the README's pictures): boxes rather than
// ellipses and octagons, the least space between ranks and around a cluster's nodes, and the
// partials as edge labels. Labels, unlike xlabels, get room of their own between the ranks:
// Graphviz 2.43 placed xlabels over the nodes' text (tutorial2's 0.186816 over out_o1).
std::string write_dot(const ShownGraph& shown, std::size_t kept, const std::string& label,
                      const std::string& order) {
  auto graph_writer = [&](std::ostream& out) {
    out << "rankdir=LR;\nnodesep=0.15;\nranksep=0.02;\nnode [fontname=\"Helvetica\", "
           "margin=\"0.04,0.03\"];\nedge [fontname=\"Helvetica\", fontsize=13];\n";
    if (!label.empty()) out << "label=" << ad::dot_string(label) << ";\nlabelloc=t;\n";
    // Clusters list their members by vertex id; write_graphviz then writes the attributes.
    std::map<std::string, std::vector<std::size_t>> clusters;
    std::vector<std::string> names;
    for (std::size_t k = 0; k < kept; ++k) {
      const std::string& name = shown[k].cluster;
      if (name.empty()) continue;
      if (!clusters.contains(name)) names.push_back(name);
      clusters[name].push_back(k);
    }
    for (std::size_t c = 0; c < names.size(); ++c) {
      out << "subgraph cluster_" << c << " {\nlabel=" << dot_label(names[c])
          << ";\nstyle=rounded;\ncolor=gray;\nmargin=2;\n";
      for (std::size_t k : clusters[names[c]]) out << k << ";\n";
      out << "}\n";
    }
    out << order;
  };
  auto vertex_writer = [&](std::ostream& out, ShownGraph::vertex_descriptor v) {
    const Shown& s = shown[v];
    out << "[label=" << dot_label(s.label) << ", shape=" << s.shape
        << ", style=" << ad::dot_string(s.style) << ", fillcolor=" << ad::dot_string(s.fill) << "]";
  };
  auto edge_writer = [&](std::ostream& out, ShownGraph::edge_descriptor e) {
    if (!shown[e].label.empty()) out << "[label=" << dot_label(shown[e].label) << "]";
  };
  std::ostringstream out;
  boost::write_graphviz(out, shown, vertex_writer, edge_writer, graph_writer);
  return out.str();
}

void style_folded(Shown& v, const std::string& label) {
  v.label = label;
  v.shape = "box3d";
  v.fill = "#d9d9d9";
  v.style = "filled";
}

// The DOT of the tape; an image (rendered by dot) keeps at most options.max_image_nodes.
Dot draw(const Tape& tape, const DotOptions& options, bool image) {
  const std::vector<NodeView> nodes = tape.nodes();
  const TapeGraph g = make_graph(nodes);
  std::vector<std::uint32_t> outputs;
  for (const Var& v : options.outputs) outputs.push_back(tape.index(v));
  // Keep what reaches an output; with no outputs given, everything, measured from the sinks.
  std::vector<std::uint32_t> sources = outputs;
  if (sources.empty())
    for (std::uint32_t v = 0; v < nodes.size(); ++v)
      if (boost::out_degree(v, g) == 0) sources.push_back(v);
  const std::vector<std::size_t> distance = distances_from(g, sources);
  Dot dot;
  const Layout layout = lay_out(distance, options, image, dot);
  const std::vector<std::uint32_t>& kept = layout.kept;
  dot.shown = kept.size();
  dot.nodes = kept;
  // A folded graph is a large one: its columns are many, each as wide as its widest value line,
  // so values and partials are shown to 4 significant digits (the title says so).
  const int precision =
      dot.folds > 0 ? std::min(options.precision, kFoldedPrecision) : options.precision;

  ShownGraph shown(kept.size() + dot.folds + (dot.collapsed > 0 ? 1 : 0));
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const NodeView& node = nodes[kept[k]];
    const Annotation* note = annotation(options, node.index);
    const bool is_output = std::find(outputs.begin(), outputs.end(), node.index) != outputs.end();
    Shown& v = shown[k];
    v.label = node_label(tape, nodes, kept[k], note, precision);
    style(v, resolve(note ? note->role : Role::Auto, node, is_output));
    if (note) v.cluster = note->cluster;
  }
  dot.vertex_of = layout.vertex_of;
  for (std::size_t f = 0; f < dot.folds; ++f)
    dot.fold_names.push_back(layout.folds[f] + " (" + std::to_string(layout.fold_size[f]) +
                             " nodes)");
  for (std::size_t f = 0; f < dot.folds; ++f)
    style_folded(shown[kept.size() + f], wrapped(layout.folds[f]) + "\n" +
                                             std::to_string(layout.fold_size[f]) + " nodes folded");
  if (dot.collapsed > 0)
    style_folded(shown[kept.size() + dot.folds],
                 std::to_string(dot.collapsed) + " more nodes\n(collapsed)");
  add_edges(g, layout, precision, shown);
  // The title cut like every label; the warning, the program's own sentence, whole.
  std::string label = ad::shortened(ad::printable(options.title, true), kLabelColumns);
  if (dot.folds > 0)
    label += (label.empty() ? "" : "\n") + std::to_string(dot.folded) + " of " +
             std::to_string(dot.shown + dot.folded + dot.collapsed) + " nodes folded into " +
             std::to_string(dot.folds) + " (grey boxes); values to " + std::to_string(precision) +
             " digits";
  if (!dot.warning.empty()) label += (label.empty() ? "" : "\n") + dot.warning;
  dot.text = write_dot(shown, kept.size(), label, sample_order(layout));
  return dot;
}

}  // namespace

Dot make_dot(const Tape& tape, const DotOptions& options, bool image) {
  return draw(tape, options, image);
}

std::string to_dot(const Tape& tape, const DotOptions& options) {
  return make_dot(tape, options).text;
}

namespace {

// The formats dot renders, chosen by the file's extension whatever its case (x.SVG is an SVG);
// "" for any other name, which gets the DOT text.
std::string image_format(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  for (char& ch : extension) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* format : {"svg", "png", "pdf"})
    if (extension == std::string(".") + format) return format;
  return "";
}

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

File temporary() {
  File f(std::tmpfile(), &std::fclose);
  if (!f) throw IoError(std::string("cannot create a temporary file: ") + std::strerror(errno));
  return f;
}

std::size_t size_of(std::FILE* f) {
  struct ::stat status {};
  return ::fstat(fileno(f), &status) == 0 ? static_cast<std::size_t>(status.st_size) : 0;
}

// The first `most` bytes of f (all of it when it is shorter).
std::string head(std::FILE* f, std::size_t most) {
  std::string text(most, '\0');
  std::rewind(f);
  text.resize(std::fread(text.data(), 1, most, f));
  return text;
}

// What dot said on its standard error, as much as a message should hold: its first 20 lines and
// at most 2 KB, shown printable, then how much was left out (5 MB of warnings have been seen).
std::string excerpt(std::FILE* err) {
  constexpr std::size_t kBytes = 2048, kLines = 20;
  std::string said = head(err, kBytes);
  std::size_t end = 0;
  for (std::size_t line = 0; line < kLines && end < said.size(); ++line)
    end = std::min(said.find('\n', end), said.size() - 1) + 1;
  said.resize(end);
  const std::size_t left_out = size_of(err) - end;
  while (!said.empty() && std::isspace(static_cast<unsigned char>(said.back()))) said.pop_back();
  return ad::printable(said, true) +
         (left_out > 0 ? "\n... (" + std::to_string(left_out) + " more bytes left out)" : "");
}

// Starts `dot -Tformat` reading `in` and writing `out` and `err`: no shell, no named file.
::pid_t start_dot(const std::string& format, std::FILE* in, std::FILE* out, std::FILE* err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fileno(in), 0);
  posix_spawn_file_actions_adddup2(&actions, fileno(out), 1);
  posix_spawn_file_actions_adddup2(&actions, fileno(err), 2);
  std::string type = "-T" + format;
  char* argv[] = {const_cast<char*>("dot"), type.data(), nullptr};
  ::pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == ENOENT)
    throw IoError(
        "Graphviz's dot is not installed (write a .dot file instead, or install graphviz)");
  if (spawned != 0) throw IoError(std::string("cannot run dot: ") + std::strerror(spawned));
  return pid;
}

// dot's wait status; nullopt when it was still running after `seconds` and was killed.
std::optional<int> wait_for(::pid_t pid, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const ::pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR)
      throw IoError(std::string("cannot wait for dot: ") + std::strerror(errno));
    ::usleep(10000);  // a hundredth of a second: dot takes tenths on a small graph
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return std::nullopt;
}

// Graphviz's dot run on `text`, its input, output and errors anonymous temporary files. Returns
// the image, or throws with dot's own words (an excerpt), so they reach our standard error and
// never the program's standard output; an empty image is a failure, not a file.
std::string render(const std::string& text, const std::string& format, int seconds) {
  File in = temporary(), out = temporary(), err = temporary();
  if (std::fwrite(text.data(), 1, text.size(), in.get()) != text.size() ||
      std::fflush(in.get()) != 0)
    throw IoError(std::string("cannot write a temporary file: ") + std::strerror(errno));
  std::rewind(in.get());
  const std::optional<int> status =
      wait_for(start_dot(format, in.get(), out.get(), err.get()), seconds);
  const std::string command = "dot -T" + format;
  if (!status)
    throw IoError(command + " was still laying out the graph after " + std::to_string(seconds) +
                  " seconds and was stopped; write the graph to a .dot file and run dot on it "
                  "yourself");
  const std::string said = excerpt(err.get());
  const bool ok = WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  if (ok && size_of(out.get()) > 0) return head(out.get(), size_of(out.get()));
  if (ok)
    throw IoError(command + " wrote nothing (exit status 0)" + (said.empty() ? "" : ": " + said));
  throw IoError(command + " failed (" +
                (WIFEXITED(*status) ? "exit status " + std::to_string(WEXITSTATUS(*status))
                                    : "killed by signal " + std::to_string(WTERMSIG(*status))) +
                (said.empty() ? ")" : "): " + said));
}

}  // namespace

bool write_dot_file(const std::string& path, const std::string& dot_text, std::string* message,
                    int seconds) {
  try {
    if (path == "-") {
      std::cout << dot_text;  // a failure to write is the stream's, reported as the program ends
      return true;
    }
    const std::string format = image_format(path);
    write_file(path, format.empty() ? dot_text : render(dot_text, format, seconds));
  } catch (const IoError& e) {
    // The caller names the path; the reason is the rest.
    std::string why = e.what();
    if (why.starts_with(path + ": ")) why.erase(0, path.size() + 2);
    if (message) *message = why;
    return false;
  }
  return true;
}

std::string render_svg(const std::string& dot_text, int seconds) {
  return render(dot_text, "svg", seconds);
}

bool write_graph(const std::string& path, const Tape& tape, const DotOptions& options,
                 std::string* message, int seconds) {
  const Dot dot = draw(tape, options, !image_format(path).empty());
  if (!write_dot_file(path, dot.text, message, seconds)) return false;
  if (message) *message = dot.warning;
  return true;
}

}  // namespace ad::graph
