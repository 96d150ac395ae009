// GCC 12 at -O2 reports Boost 1.74's adj_list_edge_iterator (a boost::optional inside
// write_graphviz's edge loop) as maybe-uninitialized: a known false positive in the header,
// reported at the inlined call site, so it is silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "autodiff/error.hpp"
#include "autodiff/file.hpp"
#include "autodiff/graph/format.hpp"
#include "autodiff/graph/graph.hpp"
#include "autodiff/text.hpp"

namespace ad::graph {

namespace {

constexpr std::size_t kUnreached = std::numeric_limits<std::size_t>::max();

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
      v.shape = "doubleoctagon", v.fill = "#f4cccc", v.style = "filled";
      break;
    default:
      v.shape = "ellipse", v.fill = "#ffffff", v.style = "filled";
      break;
  }
}

std::string node_label(const Tape& tape, const NodeView& node, const Annotation* note,
                       int precision) {
  std::string first;
  if (node.op == Op::Leaf)
    first = node.name.empty() ? "constant" : std::string(node.name);
  else
    first = (node.name.empty() ? "" : std::string(node.name) + " = ") +
            operation_text(tape, node, precision);
  std::string label =
      first + "\nvalue: " + detail::significant(node.value, precision) +
      "\ngrad: " + (std::isnan(node.adjoint) ? "—" : detail::significant(node.adjoint, precision));
  if (note != nullptr && !note->note.empty()) label += "\n" + note->note;
  return label;
}

// The nodes that reach an output (every sink's ancestors when no output is given), in
// recording order: at most max_nodes of them, nearest the outputs first; the rest are counted
// in dot.collapsed and said in dot.warning.
std::vector<std::uint32_t> select_nodes(const std::vector<std::size_t>& distance,
                                        std::size_t max_nodes, Dot& dot) {
  std::vector<std::uint32_t> kept;
  for (std::uint32_t v = 0; v < distance.size(); ++v)
    if (distance[v] != kUnreached) kept.push_back(v);
  if (kept.size() <= std::max<std::size_t>(max_nodes, 1)) return kept;
  // Nearest the outputs first; at equal distance the later node (nearer in recording order).
  std::stable_sort(kept.begin(), kept.end(), [&](std::uint32_t a, std::uint32_t b) {
    return distance[a] != distance[b] ? distance[a] < distance[b] : a > b;
  });
  const std::size_t shown = std::max<std::size_t>(max_nodes, 2) - 1;
  dot.collapsed = kept.size() - shown;
  kept.resize(shown);
  std::sort(kept.begin(), kept.end());
  dot.warning = "the graph has " + std::to_string(shown + dot.collapsed) + " nodes; showing the " +
                std::to_string(shown) + " nearest the outputs, the other " +
                std::to_string(dot.collapsed) + " are collapsed into one node";
  return kept;
}

// The edges among the kept nodes, labelled with their local partials, and one edge from the
// summary node into each kept node that a collapsed one feeds.
void add_edges(const TapeGraph& g, const std::vector<std::uint32_t>& kept,
               const std::vector<std::size_t>& distance, int precision, ShownGraph& shown) {
  const std::size_t summary = kept.size();
  std::vector<std::size_t> vertex_of(distance.size(), kUnreached);
  for (std::size_t k = 0; k < kept.size(); ++k) vertex_of[kept[k]] = k;
  std::vector<bool> summary_feeds(kept.size(), false);
  for (std::uint32_t target : kept) {
    for (const auto e : boost::make_iterator_range(boost::in_edges(target, g))) {
      const std::uint32_t source = static_cast<std::uint32_t>(boost::source(e, g));
      if (vertex_of[source] != kUnreached) {
        boost::add_edge(vertex_of[source], vertex_of[target],
                        ShownEdge{detail::significant(g[e].partial, precision)}, shown);
      } else if (distance[source] != kUnreached && !summary_feeds[vertex_of[target]]) {
        summary_feeds[vertex_of[target]] = true;  // one edge from the summary per user
        boost::add_edge(summary, vertex_of[target], ShownEdge{"…"}, shown);
      }
    }
  }
}

// The Graphviz text: graph attributes, the clusters by vertex id, then every vertex and edge.
std::string write_dot(const ShownGraph& shown, std::size_t kept, const std::string& label) {
  auto graph_writer = [&](std::ostream& out) {
    out << "rankdir=LR;\nnode [fontname=\"Helvetica\"];\nedge [fontname=\"Helvetica\", "
           "fontsize=10];\n";
    if (!label.empty()) out << "label=" << ad::dot_string(label) << ";\nlabelloc=t;\n";
    // Clusters list their members by vertex id; write_graphviz then writes the attributes.
    std::map<std::string, std::vector<std::size_t>> clusters;
    std::vector<std::string> order;
    for (std::size_t k = 0; k < kept; ++k) {
      const std::string& name = shown[k].cluster;
      if (name.empty()) continue;
      if (!clusters.contains(name)) order.push_back(name);
      clusters[name].push_back(k);
    }
    for (std::size_t c = 0; c < order.size(); ++c) {
      out << "subgraph cluster_" << c << " {\nlabel=" << dot_label(order[c])
          << ";\nstyle=rounded;\ncolor=gray;\n";
      for (std::size_t k : clusters[order[c]]) out << k << ";\n";
      out << "}\n";
    }
  };
  auto vertex_writer = [&](std::ostream& out, ShownGraph::vertex_descriptor v) {
    const Shown& s = shown[v];
    out << "[label=" << dot_label(s.label) << ", shape=" << s.shape
        << ", style=" << ad::dot_string(s.style) << ", fillcolor=" << ad::dot_string(s.fill) << "]";
  };
  auto edge_writer = [&](std::ostream& out, ShownGraph::edge_descriptor e) {
    out << "[label=" << dot_label(shown[e].label) << "]";
  };
  std::ostringstream out;
  boost::write_graphviz(out, shown, vertex_writer, edge_writer, graph_writer);
  return out.str();
}

}  // namespace

Dot make_dot(const Tape& tape, const DotOptions& options) {
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
  const std::vector<std::uint32_t> kept = select_nodes(distance, options.max_nodes, dot);
  dot.shown = kept.size();

  ShownGraph shown(kept.size() + (dot.collapsed > 0 ? 1 : 0));
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const NodeView& node = nodes[kept[k]];
    const auto found = options.annotations.find(node.index);
    const Annotation* note = found == options.annotations.end() ? nullptr : &found->second;
    const bool is_output = std::find(outputs.begin(), outputs.end(), node.index) != outputs.end();
    Shown& v = shown[k];
    v.label = node_label(tape, node, note, options.precision);
    style(v, resolve(note ? note->role : Role::Auto, node, is_output));
    if (note) v.cluster = note->cluster;
  }
  if (dot.collapsed > 0) {
    Shown& summary = shown[kept.size()];
    summary.label = std::to_string(dot.collapsed) + " more nodes\n(collapsed)";
    summary.shape = "box3d";
    summary.fill = "#d9d9d9";
    summary.style = "filled";
  }
  add_edges(g, kept, distance, options.precision, shown);
  // The title cut like every label; the warning, the program's own sentence, whole.
  std::string label = ad::shortened(ad::printable(options.title, true), kLabelColumns);
  if (!dot.warning.empty()) label += (label.empty() ? "" : "\n") + dot.warning;
  dot.text = write_dot(shown, kept.size(), label);
  return dot;
}

std::string to_dot(const Tape& tape, const DotOptions& options) {
  return make_dot(tape, options).text;
}

namespace {

// Graphviz's dot -Tsvg run on `text`, with no shell and no named file: its input, output and
// errors are anonymous temporary files. Returns the SVG, or throws with dot's own words on
// standard error, so they reach ours and never the program's standard output.
std::string render_svg(const std::string& text) {
  using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
  const auto temporary = [] {
    File f(std::tmpfile(), &std::fclose);
    if (!f) throw IoError(std::string("cannot create a temporary file: ") + std::strerror(errno));
    return f;
  };
  File in = temporary(), out = temporary(), err = temporary();
  if (std::fwrite(text.data(), 1, text.size(), in.get()) != text.size() ||
      std::fflush(in.get()) != 0)
    throw IoError(std::string("cannot write a temporary file: ") + std::strerror(errno));
  std::rewind(in.get());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fileno(in.get()), 0);
  posix_spawn_file_actions_adddup2(&actions, fileno(out.get()), 1);
  posix_spawn_file_actions_adddup2(&actions, fileno(err.get()), 2);
  char* argv[] = {const_cast<char*>("dot"), const_cast<char*>("-Tsvg"), nullptr};
  ::pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == ENOENT)
    throw IoError(
        "Graphviz's dot is not installed (write a .dot file instead, or install graphviz)");
  if (spawned != 0) throw IoError(std::string("cannot run dot: ") + std::strerror(spawned));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const auto contents = [](std::FILE* f) {
    std::string s;
    std::rewind(f);
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) s.append(buffer, n);
    return s;
  };
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return contents(out.get());
  std::string said = contents(err.get());
  while (!said.empty() && std::isspace(static_cast<unsigned char>(said.back()))) said.pop_back();
  throw IoError("dot -Tsvg failed (" +
                (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                   : "killed by signal " + std::to_string(WTERMSIG(status))) +
                (said.empty() ? ")" : "): " + said));
}

}  // namespace

bool write_dot_file(const std::string& path, const std::string& dot_text, std::string* message) {
  const bool svg = path.size() >= 4 && path.compare(path.size() - 4, 4, ".svg") == 0;
  try {
    write_file(path, svg ? render_svg(dot_text) : dot_text);
  } catch (const IoError& e) {
    // The caller names the path; the reason is the rest.
    std::string why = e.what();
    if (why.starts_with(path + ": ")) why.erase(0, path.size() + 2);
    if (message) *message = why;
    return false;
  }
  return true;
}

bool write_graph(const std::string& path, const Tape& tape, const DotOptions& options,
                 std::string* message) {
  const Dot dot = make_dot(tape, options);
  if (!write_dot_file(path, dot.text, message)) return false;
  if (message) *message = dot.warning;
  return true;
}

}  // namespace ad::graph
