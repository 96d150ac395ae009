// The network view (see network_view.hpp): the tutorials' picture of a network, built from a
// Trainer's recording and written as Graphviz DOT.
#include "nn/network_view.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

#include "autodiff/text.hpp"

namespace ad::nn {

namespace {

std::string unit_id(const std::string& name) { return "unit:" + name; }
std::string bias_id(const std::string& name) { return "bias:" + name; }
std::string error_id(const std::string& name) { return "error:" + name; }

// An edge that carries no parameter: an output into its error, an error into E_total.
ViewEdge flow(std::string from, std::string to) {
  ViewEdge edge;
  edge.from = std::move(from);
  edge.to = std::move(to);
  return edge;
}

// The error term's formula in the tutorials' notation, of output `out`.
std::string error_formula(Loss loss, const std::string& out) {
  switch (loss) {
    case Loss::HalfSse:
      return "½(target − " + out + ")²";
    case Loss::Mse:
      return "(target − " + out + ")²";
    case Loss::BinaryCrossEntropy:
      return "−[t·log o + (1 − t)·log(1 − o)]\nt = target, o = " + out;
  }
  return "";
}

// "E1 + E2", "E1 + … + E5", halved (divided by m) for the losses that average over the outputs.
std::string total_formula(Loss loss, std::size_t m) {
  std::string sum = m == 1   ? "E1"
                    : m <= 3 ? "E1 + E2" + std::string(m == 3 ? " + E3" : "")
                             : "E1 + … + E" + std::to_string(m);
  if (loss == Loss::HalfSse || m == 1) return sum;
  return "(" + sum + ") / " + std::to_string(m);
}

// Adds the inputs, the neurons and the biases, each bias in the column before the first layer
// it feeds; columns top to bottom in file order.
void add_units(const Trainer& trainer, const ViewOptions& options, NetworkView& view) {
  const Network& network = trainer.network();
  const Topology& topology = trainer.topology();
  const std::size_t samples = network.samples.size();
  auto prefix = [&](std::size_t s) {
    return samples == 1 ? std::string() : "s" + std::to_string(s + 1) + ".";
  };
  auto bias_column = [&](const Bias& bias) {
    std::size_t column = network.layers.size();
    for (const std::string& to : bias.to)
      column = std::min(column,
                        topology.neurons[topology.unit_index.at(to) - topology.input_count].layer);
    return column;
  };
  for (std::size_t column = 0; column <= network.layers.size(); ++column) {
    const std::vector<std::string>& units =
        column == 0 ? network.inputs : network.layers[column - 1].neurons;
    for (const std::string& unit : units) {
      ViewNode node{.id = unit_id(unit), .kind = ViewNode::Input, .name = unit, .column = column};
      if (column > 0)
        node.kind = column == network.layers.size() ? ViewNode::Output : ViewNode::Hidden;
      for (std::size_t s = 0; s < samples; ++s) {
        if (column > 0) node.net.push_back(trainer.node(prefix(s) + "net_" + unit).value());
        node.value.push_back(trainer.node(prefix(s) + (column > 0 ? "out_" : "") + unit).value());
      }
      view.nodes.push_back(std::move(node));
    }
    for (std::size_t b = 0; b < network.biases.size(); ++b) {
      const Bias& bias = network.biases[b];
      if (column == network.layers.size() || bias_column(bias) != column) continue;
      const std::size_t p = network.weights.size() + b;
      ViewNode node{.id = bias_id(bias.name),
                    .kind = ViewNode::Bias,
                    .name = bias.name,
                    .column = column,
                    .value = {bias.value},
                    .gradient = trainer.gradients()[p]};
      node.trained = std::ranges::find(topology.trained, p) != topology.trained.end();
      if (node.trained && options.steps > 0 && !options.after.empty())
        node.after = options.after[p];
      view.nodes.push_back(std::move(node));
    }
  }
}

// Adds E1, E2, ... (one per output, with its target), E_total and, for a batch, E_mean.
void add_errors(const Trainer& trainer, NetworkView& view) {
  const Network& network = trainer.network();
  const std::size_t samples = network.samples.size();
  const std::size_t column = network.layers.size() + 1;
  auto prefix = [&](std::size_t s) {
    return samples == 1 ? std::string() : "s" + std::to_string(s + 1) + ".";
  };
  const std::vector<std::string>& outputs = network.outputs();
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const std::string name = "E" + std::to_string(k + 1);
    ViewNode node{.id = error_id(name),
                  .kind = ViewNode::Error,
                  .name = name,
                  .column = column,
                  .formula = error_formula(network.loss, "out_" + outputs[k])};
    for (std::size_t s = 0; s < samples; ++s) {
      node.value.push_back(trainer.node(prefix(s) + name).value());
      node.target.push_back(network.samples[s].targets[k]);
    }
    view.nodes.push_back(std::move(node));
    view.edges.push_back(flow(unit_id(outputs[k]), error_id(name)));
    view.edges.push_back(flow(error_id(name), error_id("E_total")));
  }
  ViewNode total{.id = error_id("E_total"),
                 .kind = ViewNode::Total,
                 .name = "E_total",
                 .column = column + 1,
                 .formula = total_formula(network.loss, outputs.size())};
  for (std::size_t s = 0; s < samples; ++s)
    total.value.push_back(trainer.node(prefix(s) + "E_total").value());
  view.nodes.push_back(std::move(total));
  if (samples == 1) return;
  view.nodes.push_back(
      {.id = error_id("E_mean"),
       .kind = ViewNode::Mean,
       .name = "E_mean",
       .column = column + 2,
       .formula = "mean of E_total\nover the " + std::to_string(samples) + " samples",
       .value = {trainer.loss()}});
  view.edges.push_back(flow(error_id("E_total"), error_id("E_mean")));
}

// ---- DOT ----

// The compact picture's limits (network_view.hpp): its digits, the most samples a table and
// the most nodes of one kind a column shows in full, and how many of the first ones a fold keeps.
constexpr int kCompactDigits = 3;
constexpr std::size_t kMostRows = 6, kMostInColumn = 6, kKeepFirst = 3;

// The widest picture, in points, whose 14-point node text is still 9 pixels at 900 pixels.
constexpr double kWidestPoints = 14.0 * 900 / 9;

// How the nodes and edges are labelled: full, or compact (folded tables, unnamed weights).
struct Detail {
  int precision = 6;
  bool compact = false;
  bool fewer_digits = false;  // compact cut the digits asked for to precision
};

std::string num(double v, int precision) {
  const std::string s = ad::number(v, precision);
  return s.starts_with('-') ? "−" + s.substr(1) : s;  // the minus sign, as in the formulas
}

// A label's line longer than this is cut in the middle, as in the tape view (autodiff/graph):
// dot refuses a label over 16384 bytes.
constexpr std::size_t kLabelColumns = 80;

// Text inside an HTML-like label: shown printable() (a NUL would end dot's input), shortened.
std::string html(const std::string& text) {
  std::string out;
  for (char ch : ad::xml_escaped(ad::shortened(ad::printable(text, true), kLabelColumns)))
    out += ch == '\n' ? std::string("<BR/>") : std::string(1, ch);
  return out;
}

// The samples a table shows: all of them, or, compact and over kMostRows, the first kKeepFirst
// and the last.
std::vector<std::size_t> shown_samples(std::size_t samples, const Detail& detail) {
  std::vector<std::size_t> shown;
  for (std::size_t s = 0; s < samples; ++s)
    if (!detail.compact || samples <= kMostRows || s < kKeepFirst || s + 1 == samples)
      shown.push_back(s);
  return shown;
}

// `head` and named per-sample columns below it: "net 0.3775" lines for one sample; for a batch,
// one table (an HTML-like label is text or one table) with a row per sample, s1, s2, ...
using Columns = std::vector<std::pair<std::string, const std::vector<double>*>>;
std::string with_values(const std::string& head, const Columns& columns, std::size_t samples,
                        const Detail& detail) {
  std::string out = head;
  if (samples == 1) {
    for (const auto& [name, values] : columns)
      out +=
          "<BR/>" + html(name) + (name.empty() ? "" : " ") + num(values->front(), detail.precision);
    return out;
  }
  const std::string span = "<TD COLSPAN=\"" + std::to_string(columns.size() + 1) + "\">";
  out = "<TABLE BORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"1\"><TR>" + span + head +
        "</TD></TR><TR><TD></TD>";
  for (const auto& column : columns)  // an empty <I></I> is a syntax error
    out += column.first.empty() ? "<TD></TD>" : "<TD><I>" + html(column.first) + "</I></TD>";
  out += "</TR>";
  std::size_t next = 0;  // the sample after the last row drawn
  for (const std::size_t s : shown_samples(samples, detail)) {
    if (s > next)
      out += "<TR>" + span + "<I>… " + std::to_string(s - next) + " more samples</I></TD></TR>";
    out += "<TR><TD ALIGN=\"RIGHT\"><I>s" + std::to_string(s + 1) + "</I></TD>";
    for (const auto& column : columns)
      out += "<TD ALIGN=\"RIGHT\">" + num((*column.second)[s], detail.precision) + "</TD>";
    out += "</TR>";
    next = s + 1;
  }
  return out + "</TABLE>";
}

// A trained parameter's new value: the tutorials' w5⁺ after one step.
std::string after_text(const std::string& name, double after, int steps, int precision) {
  return html(name) + (steps == 1 ? "⁺" : " after " + std::to_string(steps) + " steps") + " = " +
         num(after, precision);
}

// What a fold of `kind` in `column` stands for: "neurons of layer 2", "biases of layer 3".
std::string folded_what(ViewNode::Kind kind, std::size_t column) {
  switch (kind) {
    case ViewNode::Input:
      return "inputs";
    case ViewNode::Bias:
      return "biases of layer " + std::to_string(column + 1);
    case ViewNode::Error:
      return "errors";
    default:
      return "neurons of layer " + std::to_string(column);
  }
}

std::string node_label(const NetworkView& view, const ViewNode& node, const Detail& detail) {
  const std::string name = "<B>" + html(node.name) + "</B>";
  const int precision = detail.precision;
  switch (node.kind) {
    case ViewNode::Input:
      return with_values(name, {{"", &node.value}}, view.samples, detail);
    case ViewNode::Hidden:
    case ViewNode::Output:
      return with_values(name, {{"net", &node.net}, {"out", &node.value}}, view.samples, detail);
    case ViewNode::Bias: {
      // Short lines: the circle grows with its widest line. A fixed bias's gradient is noise.
      std::string label = name + "<BR/>" + num(node.value.front(), precision);
      if (node.trained) label += "<BR/>grad " + num(*node.gradient, precision);
      if (node.after)
        label += "<BR/>" + std::string(view.steps == 1 ? "new " : "after ") +
                 num(*node.after, precision);
      return label;
    }
    case ViewNode::Error:  // compact: the formula on a line of its own, under the name
      return with_values(name + (detail.compact ? " =<BR/>" : " = ") + html(node.formula),
                         {{"target", &node.target}, {node.name, &node.value}}, view.samples,
                         detail);
    case ViewNode::Total:
    case ViewNode::Mean:
      return with_values(name + " = " + html(node.formula), {{"", &node.value}},
                         node.kind == ViewNode::Mean ? 1 : view.samples, detail);
    case ViewNode::Fold:
      return "<B>… " + std::to_string(node.folded) + " more</B><BR/>" +
             folded_what(node.folds, node.column) + "<BR/>" + html(node.name);
  }
  return name;
}

// Circles, as the tutorials draw neurons; an ellipse where a circle around the label would be
// far larger than the label (a batch's table, a trained bias's four lines). Compact: no least
// width, and biases in boxes, which are narrower than the ellipse around the same lines.
std::string node_style(const NetworkView& view, const ViewNode& node, const Detail& detail) {
  // A compact batch's tables in rounded boxes: an ellipse is half again as wide as its table.
  const std::string circle = view.samples == 1 ? "shape=circle"
                             : detail.compact  ? "shape=box, style=\"rounded,filled\""
                                               : "shape=ellipse";
  const std::string filled = circle.find("style=") == std::string::npos ? ", style=filled" : "";
  const std::string width = detail.compact ? "" : ", width=1.3";
  switch (node.kind) {
    case ViewNode::Input:
      return circle + filled + ", fillcolor=\"#cfe2f3\"";
    case ViewNode::Bias:
      return (detail.compact ? "shape=box, style=\"rounded,filled\""
              : node.trained ? "shape=ellipse, style=filled"
                             : "shape=circle, style=filled") +
             std::string(", fillcolor=\"#ffe599\"");
    case ViewNode::Hidden:  // width: at least, so that neurons are one size where they can be
      return circle + width + filled + ", fillcolor=\"#ffffff\"";
    case ViewNode::Output:
      return circle + width + filled + ", fillcolor=\"#f4cccc\"";
    case ViewNode::Error:
      return "shape=box, style=\"rounded,filled\", fillcolor=\"#fce5cd\"";
    case ViewNode::Fold:
      return "shape=box, style=\"rounded,dashed\"";
    default:
      return "shape=box, style=\"rounded,filled\", fillcolor=\"#f4cccc\"";
  }
}

// Each weight's edge and label in one colour, so a label is read with its edge where edges
// cross; the colours cycle within each layer's incoming weights.
constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                    "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};

// A summary edge: "12 weights" (or biases, or edges into the errors), dashed.
std::string summary_attributes(const ViewEdge& edge) {
  const std::string what = edge.to.find("error:") != std::string::npos    ? " edges"
                           : edge.from.find("bias:") != std::string::npos ? " biases"
                                                                          : " weights";
  return "color=\"#555555\", fontcolor=\"#555555\", style=dashed, label=<" +
         std::to_string(edge.folded) + what + ">";
}

// A weight's label: its name and value, its gradient and, trained, its new value.
std::string weight_label(const NetworkView& view, const ViewEdge& edge, const Detail& detail) {
  const int precision = detail.precision;
  // Compact: the edge names the weight by its ends; the title says what the lines are.
  const std::string name = detail.compact ? "w" : html(edge.parameter);
  std::string label = "<B>" + name + "</B> = " + num(edge.value, precision) + "<BR/>∂" +
                      (detail.compact ? "" : view.loss_name + "/∂" + name) + " = " +
                      num(edge.gradient, precision);
  if (edge.after && detail.compact && view.steps > 1)  // "w after 3 steps" in the title
    label += "<BR/>new = " + num(*edge.after, precision);
  else if (edge.after)
    label += "<BR/>" + after_text(name, *edge.after, view.steps, precision);
  return label;
}

bool is_weight(const ViewEdge& edge) {
  return edge.folded == 0 && !edge.parameter.empty() && !edge.from.starts_with("bias:");
}

std::string edge_attributes(const NetworkView& view, const ViewEdge& edge, std::size_t colour,
                            const Detail& detail) {
  if (edge.folded > 0) return summary_attributes(edge);
  if (edge.parameter.empty()) return "color=\"#555555\"";
  if (edge.from.starts_with("bias:")) return "color=\"#b08800\"";
  const std::string c = kPalette[colour % std::size(kPalette)];
  return "color=\"" + c + "\", fontcolor=\"" + c + "\", decorate=true, label=<" +
         weight_label(view, edge, detail) + ">";
}

// The widest line of an HTML-like label, in characters: lines end at <BR/> and at table rows.
std::size_t widest_line(const std::string& label) {
  static const std::regex line_end("<BR/>|</TR>"), tag("<[^>]*>"), entity("&#?[a-z0-9]+;");
  std::string text = std::regex_replace(label, line_end, "\n");
  text = std::regex_replace(std::regex_replace(text, tag, ""), entity, "x");
  std::size_t widest = 0;
  for (std::size_t at = 0, end = 0; at <= text.size(); at = end + 1) {
    end = std::min(text.find('\n', at), text.size());
    widest = std::max(widest, ad::display_width(text.substr(at, end - at)));
  }
  return widest;
}

// About how wide dot draws the view, in points: each column as wide as its widest label, each
// gap between columns as wide as the widest weight label in it (Helvetica 14 and 13: ~7 points
// a character), plus the spacing.
double estimated_width(const NetworkView& view, const Detail& detail) {
  std::vector<std::size_t> column, gap;
  auto widen = [](std::vector<std::size_t>& widths, std::size_t at, std::size_t width) {
    if (widths.size() <= at) widths.resize(at + 1);
    widths[at] = std::max(widths[at], width);
  };
  for (const ViewNode& node : view.nodes)
    widen(column, node.column, widest_line(node_label(view, node, detail)));
  for (const ViewEdge& edge : view.edges)
    if (is_weight(edge))
      widen(gap, std::ranges::find(view.nodes, edge.to, &ViewNode::id)->column,
            widest_line(weight_label(view, edge, detail)));
  double points = 0;
  for (const std::size_t width : column) points += 7.5 * static_cast<double>(width) + 30;
  for (const std::size_t width : gap) points += 6.5 * static_cast<double>(width) + 25;
  return points;
}

// Whether the picture in full would be too wide to read at 900 pixels, or too long: a table of
// more than kMostRows samples, a column with more than kMostInColumn nodes of one kind.
bool too_big(const NetworkView& view, const Detail& full) {
  if (view.samples > kMostRows || estimated_width(view, full) > kWidestPoints) return true;
  std::size_t run = 0;
  for (std::size_t k = 0; k < view.nodes.size(); ++k) {
    const bool same = k > 0 && view.nodes[k].column == view.nodes[k - 1].column &&
                      view.nodes[k].kind == view.nodes[k - 1].kind;
    run = same ? run + 1 : 1;
    if (run > kMostInColumn) return true;
  }
  return false;
}

// The view with each column's run of more than kMostInColumn nodes of one kind folded: its
// first kKeepFirst and its last drawn, one Fold node for the rest, and each edge to or from a
// folded node counted in one summary edge per pair of drawn ends. `notes` gets what was folded.
NetworkView folded(const NetworkView& view, std::vector<std::string>& notes) {
  NetworkView out = view;
  out.nodes.clear();
  out.edges.clear();
  std::map<std::string, std::string> drawn_as;  // a folded node's id -> its fold's
  for (std::size_t i = 0, end = 0; i < view.nodes.size(); i = end) {
    const ViewNode& first = view.nodes[i];
    for (end = i; end < view.nodes.size() && view.nodes[end].column == first.column &&
                  view.nodes[end].kind == first.kind;)
      ++end;
    const std::size_t n = end - i;
    if (n <= kMostInColumn) {
      out.nodes.insert(out.nodes.end(), view.nodes.begin() + i, view.nodes.begin() + end);
      continue;
    }
    const ViewNode &from = view.nodes[i + kKeepFirst], &to = view.nodes[end - 2];
    ViewNode fold{.id = "fold:" + from.id,
                  .kind = ViewNode::Fold,
                  .name = from.name + " … " + to.name,
                  .column = first.column};
    fold.folded = n - kKeepFirst - 1;
    fold.folds = first.kind;
    for (std::size_t k = i + kKeepFirst; k + 1 < end; ++k) drawn_as[view.nodes[k].id] = fold.id;
    out.nodes.insert(out.nodes.end(), view.nodes.begin() + i, view.nodes.begin() + i + kKeepFirst);
    out.nodes.push_back(std::move(fold));
    out.nodes.push_back(view.nodes[end - 1]);
    notes.push_back(folded_what(first.kind, first.column) + ": " + std::to_string(kKeepFirst + 1) +
                    " of " + std::to_string(n) + " drawn, " + std::to_string(n - kKeepFirst - 1) +
                    " folded into one node");
  }
  std::map<std::pair<std::string, std::string>, std::size_t> summary;  // ends -> edge index
  for (const ViewEdge& edge : view.edges) {
    const auto from = drawn_as.find(edge.from), to = drawn_as.find(edge.to);
    if (from == drawn_as.end() && to == drawn_as.end()) {
      out.edges.push_back(edge);
      continue;
    }
    const std::pair ends{from == drawn_as.end() ? edge.from : from->second,
                         to == drawn_as.end() ? edge.to : to->second};
    const auto [at, added] = summary.try_emplace(ends, out.edges.size());
    if (added) out.edges.push_back(flow(ends.first, ends.second));
    ++out.edges[at->second].folded;
  }
  return out;
}

// The graph's label: the title and, compact, exactly what compact mode did to this picture: the
// digits it cut, the weights' names it left out, and each table and column it folded with how
// many it hides there, or that it folded nothing.
std::string graph_label(const NetworkView& view, const Detail& detail,
                        const std::vector<std::string>& notes) {
  std::string label = "<B>" + html(view.title) + "</B>";
  if (!detail.compact) return label;
  std::string note = "compact view (too big in full): ";
  if (detail.fewer_digits) note += std::to_string(detail.precision) + " significant digits; ";
  note += "on a weight's edge: w, ∂ = ∂" + view.loss_name + "/∂w" +
          (view.steps == 0   ? ""
           : view.steps == 1 ? ", w⁺"
                             : ", w after");
  if (view.samples > kMostRows) {
    const std::size_t hidden = view.samples - kKeepFirst - 1;
    note += "<BR/>each table: s1–s" + std::to_string(kKeepFirst) + " and s" +
            std::to_string(view.samples) + " drawn, " + std::to_string(hidden) + " of " +
            std::to_string(view.samples) + " samples folded into one row";
  }
  for (const std::string& line : notes) note += "<BR/>" + line;
  if (view.samples <= kMostRows && notes.empty())
    note += "<BR/>nothing folded: every sample, node and edge drawn";
  return label + "<BR/><FONT POINT-SIZE=\"14\">" + note + "</FONT>";
}

std::string draw(const NetworkView& view, const Detail& detail,
                 const std::vector<std::string>& notes) {
  std::ostringstream out;
  // Compact: columns closer; dot puts a rank for the edge labels between two columns.
  out << "digraph network {\nrankdir=LR;\nnewrank=true;\nnodesep=0.2;\nranksep="
      << (detail.compact ? "0.2" : "0.35")
      << ";\n"
         "node [fontname=\"Helvetica\", fontsize=14, margin=0.02];\n"
         "edge [fontname=\"Helvetica\", fontsize=13, arrowsize=0.6];\n"
         "fontname=\"Helvetica\";\nfontsize=16;\nlabelloc=t;\n"
      << "label=<" << graph_label(view, detail, notes) << ">;\n";
  std::vector<std::vector<std::string>> columns;
  for (const ViewNode& node : view.nodes) {
    out << ad::dot_string(node.id) << " [" << node_style(view, node, detail) << ", label=<"
        << node_label(view, node, detail) << ">];\n";
    if (columns.size() <= node.column) columns.resize(node.column + 1);
    columns[node.column].push_back(ad::dot_string(node.id));
  }
  // One rank per column, kept top to bottom in file order by invisible edges.
  for (const auto& column : columns) {
    out << "{rank=same;";
    for (const std::string& id : column) out << ' ' << id << ';';
    out << "}\n";
    for (std::size_t k = 1; k < column.size(); ++k)
      out << column[k - 1] << " -> " << column[k] << " [style=invis];\n";
  }
  std::size_t column = view.nodes.size(), colour = 0;  // restarts at each layer's first weight
  for (const ViewEdge& edge : view.edges) {
    if (is_weight(edge)) {
      const std::size_t to = std::ranges::find(view.nodes, edge.to, &ViewNode::id)->column;
      colour = to == column ? colour + 1 : 0;
      column = to;
    }
    out << ad::dot_string(edge.from) << " -> " << ad::dot_string(edge.to) << " ["
        << edge_attributes(view, edge, colour, detail) << "];\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace

NetworkView network_view(const Trainer& trainer, const ViewOptions& options) {
  const Network& network = trainer.network();
  const Topology& topology = trainer.topology();
  NetworkView view;
  view.title = options.title.empty() ? network.name : options.title;
  view.samples = network.samples.size();
  view.loss_name = view.samples == 1 ? "E_total" : "E_mean";
  view.steps = options.after.empty() ? 0 : options.steps;
  add_units(trainer, options, view);
  auto trained = [&](std::size_t p) {
    return view.steps > 0 && std::ranges::find(topology.trained, p) != topology.trained.end();
  };
  for (std::size_t p = 0; p < network.weights.size(); ++p) {
    const Weight& w = network.weights[p];
    view.edges.push_back({unit_id(w.from), unit_id(w.to), w.name, w.value, trainer.gradients()[p],
                          trained(p) ? std::optional(options.after[p]) : std::nullopt});
  }
  for (const Bias& bias : network.biases)
    for (const std::string& to : bias.to)
      view.edges.push_back({.from = bias_id(bias.name), .to = unit_id(to), .parameter = bias.name});
  add_errors(trainer, view);
  return view;
}

std::string to_dot(const NetworkView& view, int precision) {
  const Detail full{.precision = precision};
  if (!too_big(view, full)) return draw(view, full, {});
  std::vector<std::string> notes;
  const NetworkView compact = folded(view, notes);
  return draw(compact,
              {.precision = std::min(precision, kCompactDigits),
               .compact = true,
               .fewer_digits = precision > kCompactDigits},
              notes);
}

std::string network_dot(const NetworkFile& file, int steps) {
  ad::Tape tape;
  Trainer trainer(file.network, file.topology);
  ViewOptions options;
  options.title = file.network.name.empty() ? file.path : file.network.name;
  options.steps = steps;
  if (steps > 0) {
    Trainer training(file.network, file.topology);
    training.train(steps);
    options.after = training.network().parameters();
  }
  trainer.evaluate();
  return to_dot(network_view(trainer, options));
}

}  // namespace ad::nn
