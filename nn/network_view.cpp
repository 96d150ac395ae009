// The network view (see network_view.hpp): the tutorials' picture of a network, built from a
// Trainer's recording and written as Graphviz DOT.
#include "nn/network_view.hpp"

#include <algorithm>
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
       .formula = "mean of E_total over the " + std::to_string(samples) + " samples",
       .value = {trainer.loss()}});
  view.edges.push_back(flow(error_id("E_total"), error_id("E_mean")));
}

// ---- DOT ----

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

// `head` and named per-sample columns below it: "net 0.3775" lines for one sample; for a batch,
// one table (an HTML-like label is text or one table) with a row per sample, s1, s2, ...
using Columns = std::vector<std::pair<std::string, const std::vector<double>*>>;
std::string with_values(const std::string& head, const Columns& columns, std::size_t samples,
                        int precision) {
  std::string out = head;
  if (samples == 1) {
    for (const auto& [name, values] : columns)
      out += "<BR/>" + html(name) + (name.empty() ? "" : " ") + num(values->front(), precision);
    return out;
  }
  out = "<TABLE BORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"1\"><TR><TD COLSPAN=\"" +
        std::to_string(columns.size() + 1) + "\">" + head + "</TD></TR><TR><TD></TD>";
  for (const auto& column : columns)  // an empty <I></I> is a syntax error
    out += column.first.empty() ? "<TD></TD>" : "<TD><I>" + html(column.first) + "</I></TD>";
  out += "</TR>";
  for (std::size_t s = 0; s < samples; ++s) {
    out += "<TR><TD ALIGN=\"RIGHT\"><I>s" + std::to_string(s + 1) + "</I></TD>";
    for (const auto& column : columns)
      out += "<TD ALIGN=\"RIGHT\">" + num((*column.second)[s], precision) + "</TD>";
    out += "</TR>";
  }
  return out + "</TABLE>";
}

// A trained parameter's new value: the tutorials' w5⁺ after one step.
std::string after_text(const std::string& name, double after, int steps, int precision) {
  return html(name) + (steps == 1 ? "⁺" : " after " + std::to_string(steps) + " steps") + " = " +
         num(after, precision);
}

std::string node_label(const NetworkView& view, const ViewNode& node, int precision) {
  const std::string name = "<B>" + html(node.name) + "</B>";
  switch (node.kind) {
    case ViewNode::Input:
      return with_values(name, {{"", &node.value}}, view.samples, precision);
    case ViewNode::Hidden:
    case ViewNode::Output:
      return with_values(name, {{"net", &node.net}, {"out", &node.value}}, view.samples, precision);
    case ViewNode::Bias: {
      // Short lines: the circle grows with its widest line. A fixed bias's gradient is noise.
      std::string label = name + "<BR/>" + num(node.value.front(), precision);
      if (node.trained) label += "<BR/>grad " + num(*node.gradient, precision);
      if (node.after)
        label += "<BR/>" + std::string(view.steps == 1 ? "new " : "after ") +
                 num(*node.after, precision);
      return label;
    }
    case ViewNode::Error:
      return with_values(name + " = " + html(node.formula),
                         {{"target", &node.target}, {node.name, &node.value}}, view.samples,
                         precision);
    case ViewNode::Total:
    case ViewNode::Mean:
      return with_values(name + " = " + html(node.formula), {{"", &node.value}},
                         node.kind == ViewNode::Mean ? 1 : view.samples, precision);
  }
  return name;
}

// Circles, as the tutorials draw neurons; an ellipse where a circle around the label would be
// far larger than the label (a batch's table, a trained bias's four lines).
std::string node_style(const NetworkView& view, const ViewNode& node) {
  const std::string circle = view.samples == 1 ? "shape=circle" : "shape=ellipse";
  switch (node.kind) {
    case ViewNode::Input:
      return circle + ", style=filled, fillcolor=\"#cfe2f3\"";
    case ViewNode::Bias:
      return (node.trained ? "shape=ellipse" : "shape=circle") +
             std::string(", style=filled, fillcolor=\"#ffe599\"");
    case ViewNode::Hidden:  // width: at least, so that neurons are one size where they can be
      return circle + ", width=1.3, style=filled, fillcolor=\"#ffffff\"";
    case ViewNode::Output:
      return circle + ", width=1.3, style=filled, fillcolor=\"#f4cccc\"";
    case ViewNode::Error:
      return "shape=box, style=\"rounded,filled\", fillcolor=\"#fce5cd\"";
    default:
      return "shape=box, style=\"rounded,filled\", fillcolor=\"#f4cccc\"";
  }
}

// Each weight's edge and label in one colour, so a label is read with its edge where edges
// cross; the colours cycle within each layer's incoming weights.
constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                    "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};

std::string edge_attributes(const NetworkView& view, const ViewEdge& edge, std::size_t colour,
                            int precision) {
  if (edge.parameter.empty()) return "color=\"#555555\"";
  if (edge.from.starts_with("bias:")) return "color=\"#b08800\"";
  const std::string c = kPalette[colour % std::size(kPalette)];
  std::string label = "<B>" + html(edge.parameter) + "</B> = " + num(edge.value, precision) +
                      "<BR/>∂" + view.loss_name + "/∂" + html(edge.parameter) + " = " +
                      num(edge.gradient, precision);
  if (edge.after) label += "<BR/>" + after_text(edge.parameter, *edge.after, view.steps, precision);
  return "color=\"" + c + "\", fontcolor=\"" + c + "\", decorate=true, label=<" + label + ">";
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
  std::ostringstream out;
  out << "digraph network {\nrankdir=LR;\nnewrank=true;\nnodesep=0.2;\nranksep=0.35;\n"
         "node [fontname=\"Helvetica\", fontsize=14, margin=0.02];\n"
         "edge [fontname=\"Helvetica\", fontsize=13, arrowsize=0.6];\n"
         "fontname=\"Helvetica\";\nfontsize=16;\nlabelloc=t;\n"
      << "label=<<B>" << html(view.title) << "</B>>;\n";
  std::vector<std::vector<std::string>> columns;
  for (const ViewNode& node : view.nodes) {
    out << ad::dot_string(node.id) << " [" << node_style(view, node) << ", label=<"
        << node_label(view, node, precision) << ">];\n";
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
    if (!edge.parameter.empty() && !edge.from.starts_with("bias:")) {
      const std::size_t to = std::ranges::find(view.nodes, edge.to, &ViewNode::id)->column;
      colour = to == column ? colour + 1 : 0;
      column = to;
    }
    out << ad::dot_string(edge.from) << " -> " << ad::dot_string(edge.to) << " ["
        << edge_attributes(view, edge, colour, precision) << "];\n";
  }
  out << "}\n";
  return out.str();
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
