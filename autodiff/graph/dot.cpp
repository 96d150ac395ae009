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

std::string node_label(const Tape& tape, const std::vector<NodeView>& nodes, std::uint32_t index,
                       const Annotation* note, int precision) {
  const NodeView& node = nodes[index];
  std::string first(node.name);
  if (node.op == Op::Leaf) {
    if (first.empty()) first = "constant";
  } else {
    const std::string operation = operation_text(tape, nodes, index, precision);
    if (first.empty())
      first = operation;
    else if (skeleton(first) != skeleton(operation))
      first += " = " + operation;
  }
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
                                        const DotOptions& options, bool image, Dot& dot) {
  const std::size_t max_nodes =
      image ? std::min(options.max_nodes, options.max_image_nodes) : options.max_nodes;
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
  if (max_nodes < options.max_nodes)  // the image's cap: say how to see more
    dot.warning += " (an image shows at most " + std::to_string(max_nodes) +
                   ", for dot to lay it out in seconds; a .dot file shows " +
                   (kept.size() + dot.collapsed <= options.max_nodes
                        ? "all of them)"
                        : std::to_string(options.max_nodes) + ")");
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
  const std::vector<std::uint32_t> kept = select_nodes(distance, options, image, dot);
  dot.shown = kept.size();
  dot.nodes = kept;

  ShownGraph shown(kept.size() + (dot.collapsed > 0 ? 1 : 0));
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const NodeView& node = nodes[kept[k]];
    const auto found = options.annotations.find(node.index);
    const Annotation* note = found == options.annotations.end() ? nullptr : &found->second;
    const bool is_output = std::find(outputs.begin(), outputs.end(), node.index) != outputs.end();
    Shown& v = shown[k];
    v.label = node_label(tape, nodes, kept[k], note, options.precision);
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
