// The recorded tape seen as a graph: Graphviz output of any expression or network, and the
// chain rule on it explained path by path, the way the backpropagation tutorials write it.
//
// Why a copy and not an adaptor: the tape stores no per-node operand offsets (that keeps a
// node near 40 bytes), so it cannot answer out_edges(v) or in_edges(v) without an index built
// by walking it. Adapting it to Boost.Graph's concepts would mean building that index anyway;
// we build a boost::adjacency_list from tape.nodes() instead, a copy of a graph whose size is
// what one displays or explains, and let Boost.Graph's algorithms (breadth_first_search,
// topological_sort, write_graphviz) work on it.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "autodiff/tape.hpp"

namespace ad::graph {

// ---- The graph ----

// An edge runs from an operand to the node that uses it (the direction values flow), and
// carries the local partial ∂node/∂operand and the operand slot it fills.
struct EdgeData {
  double partial = 0.0;
  std::uint32_t slot = 0;
};
// Vertex i is tape node i. A node that uses the same operand twice (x·x) has two edges.
using TapeGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                        boost::no_property, EdgeData>;

TapeGraph make_graph(const std::vector<NodeView>& nodes);

// ---- Graphviz ----

// Auto: a named leaf is an Input, an unnamed leaf a Constant, a node listed in
// DotOptions::outputs an Output, anything else Hidden.
enum class Role { Auto, Input, Parameter, Constant, Hidden, Output };

struct Annotation {
  Role role = Role::Auto;
  std::string cluster{};  // nodes with the same cluster are drawn in one box: "hidden layer"
  // A parameter's value after a training step: "after update:" and the value, to the digits
  // and with the minus sign of the label's others.
  std::optional<double> after_update{};
  // 1, 2, ...: the node belongs to a batch's sample k; the samples are drawn top to bottom in
  // that order (dot alone may draw s1, s2, s4, s3). 0: none.
  std::size_t sample = 0;
  // Nodes with the same fold key ("sample 2", "hidden 2") are drawn as one node, "sample 2 /
  // 19 nodes folded", when the graph has more than DotOptions::fold_above nodes; their edges
  // to and from other nodes go to it. Empty: never folded.
  std::string fold{};
};

// Members have default initializers so designated initializers ({.outputs = {E}}) may name
// any subset without -Wmissing-field-initializers.
struct DotOptions {
  // Non-empty: keep only the nodes from which one of these can be reached.
  std::vector<ad::Var> outputs{};
  std::unordered_map<std::uint32_t, Annotation> annotations{};  // by node index
  // More nodes than this: keep the max_nodes − 1 nearest the outputs (or, with no outputs, the
  // nodes nothing uses), collapse the rest into one summary node, and warn.
  std::size_t max_nodes = 300;
  // The same cap for an image that dot lays out (write_graph to .svg, .png, .pdf): dot's time
  // grows steeply with nodes that share an operand. Measured with Graphviz 2.43 on the 2-core
  // build machine, the chain ((x·x + 0)·x + 1)·x + …, every node fed by x, laid out in 1.0 s at
  // 61 nodes, 5.4 s at 81, 15 s at 91 and 69 s at 101; a sum of 100 sin(k·x) (299 nodes shown)
  // took minutes. At 60 every tape's picture lays out in about a second.
  std::size_t max_image_nodes = 60;
  // More nodes than this to draw (about what a screen shows legibly): fold the nodes that have
  // an Annotation::fold, before any collapse. SIZE_MAX: draw everything.
  std::size_t fold_above = 60;
  std::string title{};
  int precision = 6;  // significant digits in labels
};

struct Dot {
  std::string text;           // the DOT
  std::string warning;        // empty unless nodes were collapsed (also in the graph's label)
  std::size_t shown = 0;      // tape nodes drawn
  std::size_t collapsed = 0;  // tape nodes folded into the summary node
  // The tape index of each drawn node, by its DOT id: vertex k ("k" in the DOT, the <title> of
  // its group in dot's SVG) is tape node nodes[k]; folds and the summary come after them.
  std::vector<std::uint32_t> nodes{};
  std::size_t folded = 0;  // tape nodes drawn inside fold nodes (Annotation::fold)
  std::size_t folds = 0;   // fold nodes drawn
  // By tape index, the vertex that stands for the node: its own, its fold's or the summary's
  // (kNotDrawn: it does not reach an output). Fold k is vertex nodes.size() + k, named
  // fold_names[k] ("sample 2 (17 nodes)"); the summary comes after the folds.
  static constexpr std::size_t kNotDrawn = static_cast<std::size_t>(-1);
  std::vector<std::size_t> vertex_of{};
  std::vector<std::string> fold_names{};
};

// image: the picture dot lays out, at most options.max_image_nodes nodes (as write_graph draws
// a .svg, .png or .pdf).
Dot make_dot(const ad::Tape& tape, const DotOptions& options = {}, bool image = false);
std::string to_dot(const ad::Tape& tape, const DotOptions& options = {});

// dot gets this long to lay out a picture before it is stopped: max_image_nodes bounds a tape's
// picture, but the network view has no such cap and dot's time depends on a graph's shape.
inline constexpr int kRenderSeconds = 20;

// Writes DOT text to path, or to standard output when path is "-". A path ending in .svg, .png
// or .pdf (any case: x.SVG) is rendered with Graphviz's `dot -Tsvg` (-Tpng, -Tpdf) instead, run
// without a shell and stopped after `seconds`; what dot says on its standard error (its first
// lines) becomes the message, and an empty image is a failure. The file is replaced only once
// complete (ad::write_file): on failure it is left as it was, and false is returned with the
// reason in message (dot's words, a system error, or that Graphviz is not installed). Any DOT:
// the network view (nn/network_view.hpp) is written with it too.
bool write_dot_file(const std::string& path, const std::string& dot_text,
                    std::string* message = nullptr, int seconds = kRenderSeconds);

// The SVG that `dot -Tsvg` lays out from dot_text, run as write_dot_file() runs it; throws
// IoError with dot's words (or that Graphviz is not installed, or that it was stopped).
std::string render_svg(const std::string& dot_text, int seconds = kRenderSeconds);

// Writes the tape's DOT as write_dot_file() does, an image with at most
// options.max_image_nodes nodes. On success the collapse warning, if any, is put in message.
bool write_graph(const std::string& path, const ad::Tape& tape, const DotOptions& options,
                 std::string* message = nullptr, int seconds = kRenderSeconds);

// ---- Explain ----

// One local partial ∂from/∂to on a path: its symbolic form in the names of the nodes
// ("out_h1·(1 − out_h1)") and its value.
// A node that uses the operand more than once (x·x) gives one factor, the sum of the partials
// of its uses ("2 × x"); `uses` says how many.
struct Factor {
  std::uint32_t from, to;
  std::string symbolic;
  double value;
  std::uint32_t uses = 1;
};
struct Path {
  std::vector<std::uint32_t> nodes;  // the route as recorded, output first, leaf last
  std::vector<Factor> factors;       // from the output down to the leaf
  double product;
};
struct Explanation {
  std::vector<Path> paths;  // at most max_paths of them
  bool capped;              // true when total_paths > paths.size()
  std::size_t total_paths;  // exact, saturating at SIZE_MAX; x·x's two uses of x are one path
  double path_sum;          // Σ products over the listed paths (all of them unless capped)
  double gradient;          // d(output)/d(leaf) from the reverse sweep
};

struct PathOptions {
  std::size_t max_paths = 64;
  // Fold steps through unnamed intermediate nodes into one factor between named nodes, so
  // E1 = 0.5·(out_o1 − target_o1)² gives the single factor ∂E1/∂out_o1 = out_o1 − target_o1
  // the tutorials print instead of ∂E1/∂pow · ∂pow/∂sub · ∂sub/∂out_o1.
  bool merge_unnamed = false;
  // Fold factors that are exactly 1 by structure (∂E_total/∂E1 when E_total = E1 + E2) into
  // the next one, so the path reads ∂E_total/∂out_o1 = out_o1 − 0.01 as the tutorials write it.
  bool fold_unit = false;
};

// The gradient comes from the engine: tape.backward(output) is run, so the tape's gradients
// are afterwards those of output.
Explanation explain_paths(ad::Tape& tape, const ad::Var& output, const ad::Var& leaf,
                          const PathOptions& options);
Explanation explain_paths(ad::Tape& tape, const ad::Var& output, const ad::Var& leaf,
                          std::size_t max_paths = 64);

enum class Format { Text, Markdown };  // Markdown: the formulas in LaTeX math ($...$)
struct ExplainOptions {
  Format format = Format::Text;
  std::size_t max_paths = 64;
  int precision = 5;  // decimals, or significant digits if significant_digits
  bool merge_unnamed = false;
  bool fold_unit = false;
  // precision counts significant digits, trailing zeros kept (0.741365070, 0.0821670406), the
  // way the tutorials print their factors.
  bool significant_digits = false;
};

// The derivation of d(output)/d(leaf): every path from output to leaf, each local partial with
// its symbolic form and its number, each path's product, the sum over paths, and the gradient
// of the reverse sweep beside it; says when the paths were capped.
std::string explain(ad::Tape& tape, const ad::Var& output, const ad::Var& leaf,
                    const ExplainOptions& options = {});

// ---- A page that steps through the sweeps ----

struct PageOptions {
  DotOptions dot{};  // the picture (its outputs are set to the page's output)
  // What the derivatives are of: "f" in ∂f/∂x; empty: the output node's own name (E_total).
  std::string output_name{};
  // The leaves whose chain rule a click on them shows, each as explain() writes it with
  // `explain` (those drawn in the picture).
  std::vector<ad::Var> explained{};
  ExplainOptions explain{};
  int precision = 9;             // significant digits of the panel's numbers
  std::string curve_svg{};       // another SVG shown under the graph: the training curve
  int seconds = kRenderSeconds;  // dot's time to lay out the graph
};

// A page walks every node that reaches the output twice, a step each way; past this many the
// page would be megabytes of steps nobody clicks through (the picture shows 60 at most anyway),
// and html_page() refuses it.
inline constexpr std::size_t kMostPageNodes = 5000;

// The nodes a page of `output` steps through: those its value is computed from, itself included.
std::size_t page_nodes(const ad::Tape& tape, const ad::Var& output);

// One self-contained HTML page (no file or address outside it): the tape's picture laid out by
// dot (render_svg, at most dot.max_image_nodes nodes), the forward pass over the nodes that
// reach `output` in recording order and then the reverse sweep over them, output first, one
// step each, with each node's value, and in the sweep each local partial and the running
// ∂output/∂operand; the steps' data is one JSON object computed here, the page's script only
// shows it. A node drawn inside a fold or the summary highlights that box; the picture's
// gradients are hidden until the sweep reaches them. Runs tape.backward(output). Throws IoError
// when dot fails.
std::string html_page(ad::Tape& tape, const ad::Var& output, const PageOptions& options);

// Writes html_page() to path ("-": standard output) as write_dot_file() writes; false with the
// reason in message on failure, else true with the picture's collapse warning (if any) there.
bool write_page(const std::string& path, ad::Tape& tape, const ad::Var& output,
                const PageOptions& options, std::string* message = nullptr);

// ---- Shared by the two outputs (and usable by reports) ----

// "sigmoid", "×", "x − 0.01", "Σ w·x + b": what a node computes, c written out.
std::string operation_text(const NodeView& node, int precision);
// The same in the operands' own names or formulas, never a placeholder that could be mistaken
// for a variable of the user's: "sigmoid(net_h1)", "sin(x)^2", "½(0.01 − out_o1)²", a sum by
// its terms "E1 + E2", "w1·i1 + w2·i2 + b1" (a long one "a + b + … + z (26 terms)").
std::string operation_text(const ad::Tape& tape, const std::vector<NodeView>& nodes,
                           std::uint32_t index, int precision);
// The node as a short formula in the names of named nodes, with the fewest parentheses the
// expression language reads the same way ("a − b − c", "a − (b − c)", "0.5·(a − b)^2"): its
// name for a named node, "out_o1 − target_o1" for an unnamed difference; a long one is
// shortened, never replaced by a tape label such as "log#26": a long sum to its first and last
// terms ("(s1.E_total + … + s4.E_total)/4"), operands nested too deep to "…".
std::string node_text(const ad::Tape& tape, const std::vector<NodeView>& nodes,
                      std::uint32_t index);
// Symbolic ∂node/∂(operand in slot), from the op table's partial_text with x, y, a, b, c
// replaced by the actual nodes' texts.
std::string symbolic_partial(const ad::Tape& tape, const std::vector<NodeView>& nodes,
                             std::uint32_t index, std::uint32_t slot);

}  // namespace ad::graph
