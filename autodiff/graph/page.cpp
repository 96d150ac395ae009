// The HTML page that steps through a tape's forward pass and reverse sweep on its picture, one
// self-contained file: the SVG, the steps' data (JSON), the script and the style all inline.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <utility>

#include "autodiff/error.hpp"
#include "autodiff/file.hpp"
#include "autodiff/graph/format.hpp"
#include "autodiff/graph/graph.hpp"
#include "autodiff/text.hpp"

namespace ad::graph {

namespace {

using nlohmann::json;

// What the steps are written from: the tape's nodes, which of them are drawn, and the names.
struct Walk {
  const Tape& tape;
  const std::vector<NodeView>& nodes;
  // The picture's vertex of each tape node: its own, or the grey box it is drawn inside (a fold,
  // the summary of collapsed nodes), whose label is then `inside`; −1 if not drawn.
  std::vector<int> vertex;
  std::vector<std::string> inside;
  std::uint32_t output;
  std::string output_name;  // E_total, (a*b)
  int precision;

  std::string name(std::uint32_t i) const {
    return i == output ? output_name : node_text(tape, nodes, i);
  }
  // As the graph's labels write numbers: "−" for a negative one.
  std::string number(double x) const { return detail::significant(x, precision); }
  // A factor of a product: a negative one in parentheses, "1 × (−0.909)".
  std::string factor(double x) const { return x < 0 ? "(" + number(x) + ")" : number(x); }
  std::string derivative(std::uint32_t i) const { return "∂" + output_name + "/∂" + name(i); }
  // The drawn edges from node i's operands into it, as pairs of vertices, each once.
  json edges(std::uint32_t i) const {
    std::set<std::pair<int, int>> pairs;
    for (std::uint32_t u : nodes[i].operands)
      if (vertex[u] >= 0 && vertex[i] >= 0 && vertex[u] != vertex[i])
        pairs.emplace(vertex[u], vertex[i]);
    json out = json::array();
    for (const auto& [from, to] : pairs) out.push_back({from, to});
    return out;
  }
  // A step's data; a node drawn inside a grey box is said to be there, the box outlined.
  json step(std::string_view pass, std::uint32_t i, std::string shown, double value) const {
    json lines = json::array();
    if (!inside[i].empty())
      lines.push_back("inside '" + inside[i] + "', the grey box that stands for it");
    return {{"pass", pass},           {"vertex", vertex[i]},
            {"edges", edges(i)},      {"name", std::move(shown)},
            {"value", number(value)}, {"lines", std::move(lines)}};
  }
};

// The nodes whose values the output is computed from (itself included): by one pass down the
// tape from the output, marking the operands of each marked node.
std::vector<bool> reaching(const std::vector<NodeView>& nodes, std::uint32_t output) {
  std::vector<bool> reaches(nodes.size(), false);
  reaches[output] = true;
  for (std::uint32_t i = output + 1; i-- > 0;)
    if (reaches[i])
      for (std::uint32_t u : nodes[i].operands) reaches[u] = true;
  return reaches;
}

json forward_step(const Walk& w, std::uint32_t i) {
  const NodeView& node = w.nodes[i];
  json s = w.step("forward", i, w.name(i), node.value);
  json& lines = s["lines"];
  if (node.op == Op::Leaf) {
    lines.push_back(node.name.empty() ? "a constant"
                                      : w.name(i) + " is a leaf: its value is given, not computed");
  } else {
    // A node whose name is its formula (sin(y)) is said once, not "sin(y) = sin(y)".
    const std::string formula = operation_text(w.tape, w.nodes, i, w.precision);
    lines.push_back(formula == w.name(i) ? formula : w.name(i) + " = " + formula);
    for (std::uint32_t u : node.operands)
      lines.push_back("from " + w.name(u) + " = " + w.number(w.nodes[u].value));
  }
  return s;
}

// Node i's step of the sweep: its derivative, complete now that every node using it is behind,
// and for each operand the local partial and what it adds to the operand's running derivative.
json backward_step(const Walk& w, std::uint32_t i, std::vector<double>& running, bool clickable) {
  const NodeView& node = w.nodes[i];
  const std::string d = w.derivative(i);
  json s = w.step("backward", i, d, node.adjoint);
  json& lines = s["lines"];
  if (i == w.output)
    lines.push_back("the sweep starts at the output: " + d + " = 1");
  else
    lines.push_back("every node that uses " + w.name(i) + " is behind: " + d + " is complete");
  for (std::size_t slot = 0; slot < node.operands.size(); ++slot) {
    const std::uint32_t u = node.operands[slot];
    const double partial = node.partials[slot];
    // At the output ∂y/∂u would read as the total derivative (∂(f*g+f)/∂f = 1, where the total
    // is 4): the local partial says it is this operation's alone.
    const std::string local =
        "∂" + w.name(i) + "/∂" + w.name(u) + (i == w.output ? " (this operation alone)" : "");
    running[u] += node.adjoint * partial;  // as the engine's sweep adds, in the same order
    // The formula, and its number unless the formula is that number (∂(E1 + E2)/∂E1 = 1).
    const std::string formula =
        symbolic_partial(w.tape, w.nodes, i, static_cast<std::uint32_t>(slot));
    const std::string value = w.number(partial);
    lines.push_back("local: " + local + " = " + formula + (formula == value ? "" : " = " + value));
    lines.push_back("running: " + w.derivative(u) + " += " + d +
                    " × local = " + w.factor(node.adjoint) + " × " + w.factor(partial) + " = " +
                    w.number(node.adjoint * partial) + ", so far " + w.number(running[u]));
  }
  if (node.op == Op::Leaf && !node.name.empty())
    lines.push_back(w.name(i) + " is a leaf: " + d + " is its gradient" +
                    (clickable ? "; click it for the chain rule path by path" : ""));
  return s;
}

// The steps: forward in recording order, then the sweep from the output down. Their texts are
// shown printable(), as the picture's labels and the title are: a bidi control in a name
// (U+202E) would otherwise reverse the numbers after it on the panel's line.
json steps(const Walk& w, const std::vector<bool>& reaches, const json& explanations) {
  json out = json::array();
  for (std::uint32_t i = 0; i <= w.output; ++i)
    if (reaches[i]) out.push_back(forward_step(w, i));
  std::vector<double> running(w.nodes.size(), 0.0);
  running[w.output] = 1.0;
  for (std::uint32_t i = w.output + 1; i-- > 0;)
    if (reaches[i])
      out.push_back(
          backward_step(w, i, running,
                        w.inside[i].empty() && explanations.contains(std::to_string(w.vertex[i]))));
  for (json& step : out) {
    step["name"] = ad::printable(step["name"].get<std::string>());
    for (json& line : step["lines"]) line = ad::printable(line.get<std::string>());
  }
  return out;
}

// explain()'s text for each drawn leaf of options.explained, by its vertex.
json explanations(Tape& tape, const Var& output, const Walk& w, const PageOptions& options) {
  json out = json::object();
  for (const Var& leaf : options.explained) {
    const std::uint32_t i = tape.index(leaf);
    if (const int v = w.vertex[i]; v >= 0 && w.inside[i].empty())
      out[std::to_string(v)] = ad::printable(explain(tape, output, leaf, options.explain), true);
  }
  return out;
}

// Puts each node that reaches the output at the vertex that stands for it in the picture: its
// own, its fold's or the summary of the collapsed ones (then `inside` names the grey box).
void place(const Dot& dot, const std::vector<bool>& reaches, Walk& w) {
  const std::size_t n = w.nodes.size(), drawn = dot.nodes.size();
  w.vertex.assign(n, -1);
  w.inside.assign(n, "");
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t v = dot.vertex_of[i];
    if (!reaches[i] || v == Dot::kNotDrawn) continue;
    w.vertex[i] = static_cast<int>(v);
    if (v >= drawn + dot.folds)
      w.inside[i] = std::to_string(dot.collapsed) + " more nodes (collapsed)";
    else if (v >= drawn)
      w.inside[i] = dot.fold_names[v - drawn];
  }
}

// JSON to put inside <script>: '<', '>' and '&' (only ever inside its strings) as \u escapes, so
// no "</script>" or "<!--" in a name ends or changes the script element.
std::string script_json(const json& data) {
  const std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

// An SVG document as an element of the page: from "<svg" on (no XML prologue or DOCTYPE, whose
// DTD is an address), without the namespace declarations HTML does not need (addresses too).
std::string inline_svg(std::string svg) {
  svg.erase(0, std::min(svg.find("<svg"), svg.size()));
  for (const std::string_view ns :
       {" xmlns=\"http://www.w3.org/2000/svg\"", " xmlns:xlink=\"http://www.w3.org/1999/xlink\""})
    for (std::size_t at; (at = svg.find(ns)) != std::string::npos;) svg.erase(at, ns.size());
  return svg;
}

constexpr std::string_view kStyle = R"(
body { font-family: Helvetica, Arial, sans-serif; margin: 0; display: flex; height: 100vh; }
#graph { flex: 1; overflow: auto; padding: 8px; }
#graph svg { max-width: 100%; height: auto; }
#panel { width: 420px; overflow: auto; padding: 12px; border-left: 1px solid #ccc; }
#panel li { margin: 4px 0; } #explanation { white-space: pre-wrap; font-size: 12px; }
.node.current polygon, .node.current ellipse, .node.current path {
  stroke: #d00000; stroke-width: 4; }
.edge.current path { stroke: #d00000; stroke-width: 3; }
.edge.current polygon { stroke: #d00000; fill: #d00000; }
.node.explainable { cursor: pointer; }
)";

// Shows the steps' data, nothing computed: step K of data.steps, from #step=K.
constexpr std::string_view kScript = R"(
const data = JSON.parse(document.getElementById('data').textContent);
const byTitle = (kind) => {
  const groups = new Map();
  for (const g of document.querySelectorAll('#graph g.' + kind)) {
    const title = g.querySelector('title').textContent;
    groups.set(title, (groups.get(title) || []).concat(g));
  }
  return groups;
};
const nodes = byTitle('node'), edges = byTitle('edge');
const put = (id, text) => { document.getElementById(id).textContent = text; };
// The picture is drawn after the sweep: its gradients are hidden until the sweep reaches them,
// a node's (the lines after its value: grad, the update made from it) at the node's backward
// step, an edge's local partial at the step of the node it enters, where the partial is used.
const gradientTexts = (g) => {
  const texts = [...g.querySelectorAll('text')];
  const value = texts.findLastIndex((t) => t.textContent.startsWith('value: '));
  return value < 0 ? [] : texts.slice(value + 1);
};
function hideGradients(upTo) {
  const reached = new Set();
  for (const s of data.steps.slice(0, upTo).filter((s) => s.pass === 'backward')) {
    reached.add(String(s.vertex));
    for (const [from, to] of s.edges) reached.add(from + '->' + to);
  }
  const hide = (texts, title) => {
    for (const t of texts) t.style.visibility = reached.has(title) ? '' : 'hidden';
  };
  for (const [title, groups] of nodes) for (const g of groups) hide(gradientTexts(g), title);
  for (const [title, groups] of edges)
    for (const g of groups) hide(g.querySelectorAll('text'), title);
}
let step = 1;
function show(k) {
  step = Math.min(Math.max(k, 1), data.steps.length);
  const s = data.steps[step - 1];
  for (const g of document.querySelectorAll('#graph .current')) g.classList.remove('current');
  for (const g of nodes.get(String(s.vertex)) || []) g.classList.add('current');
  for (const [from, to] of s.edges)
    for (const g of edges.get(from + '->' + to) || []) g.classList.add('current');
  hideGradients(step);
  put('counter', 'Step ' + step + ' of ' + data.steps.length + ': ' + s.pass);
  put('name', s.name);
  put('value', s.value);
  put('explanation', '');  // a clicked chain rule belongs to the step it was clicked on
  document.getElementById('lines').replaceChildren(...s.lines.map((line) => {
    const item = document.createElement('li');
    item.textContent = line;
    return item;
  }));
  history.replaceState(null, '', '#step=' + step);
}
const fromAddress = () => { const m = /step=(\d+)/.exec(location.hash); show(m ? +m[1] : 1); };
for (const [vertex, text] of Object.entries(data.explain))
  for (const g of nodes.get(vertex) || []) {
    g.classList.add('explainable');
    g.addEventListener('click', () => put('explanation', text));
  }
document.getElementById('previous').onclick = () => show(step - 1);
document.getElementById('next').onclick = () => show(step + 1);
document.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowLeft') show(step - 1);
  if (e.key === 'ArrowRight') show(step + 1);
});
window.addEventListener('hashchange', fromAddress);
fromAddress();
)";

std::string page_text(const std::string& title, const std::string& svg, const std::string& curve,
                      const json& data) {
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing outside the page may load, whatever a label holds.
  page +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline'; style-src 'unsafe-inline'\">\n";
  page += "<title>" + xml_escaped(title) + "</title>\n<style>" + std::string(kStyle) +
          "</style>\n</head>\n<body>\n<div id=\"graph\">\n" + inline_svg(svg) + "\n";
  if (!curve.empty()) page += "<h2>Training curve</h2>\n" + inline_svg(curve) + "\n";
  page +=
      "</div>\n<div id=\"panel\">\n<p><button id=\"previous\">Previous</button> "
      "<button id=\"next\">Next</button> (or the arrow keys)</p>\n<h2 id=\"counter\"></h2>\n"
      "<p><span id=\"name\"></span> = <span id=\"value\"></span></p>\n<ul id=\"lines\"></ul>\n"
      "<pre id=\"explanation\"></pre>\n</div>\n<script type=\"application/json\" id=\"data\">" +
      script_json(data) + "</script>\n<script>" + std::string(kScript) +
      "</script>\n</body>\n</html>\n";
  return page;
}

struct Page {
  std::string html, warning;  // the warning: the picture's collapsed nodes, if any
};

Page make_page(Tape& tape, const Var& output, const PageOptions& options) {
  tape.backward(output);
  const std::vector<NodeView> nodes = tape.nodes();
  const std::uint32_t out = tape.index(output);
  const std::vector<bool> reaches = reaching(nodes, out);
  const auto count = static_cast<std::size_t>(std::count(reaches.begin(), reaches.end(), true));
  if (count > kMostPageNodes)
    throw IoError("the output is computed from " + std::to_string(count) +
                  " nodes; a page steps through at most " + std::to_string(kMostPageNodes));
  DotOptions dot_options = options.dot;
  dot_options.outputs = {output};
  const Dot dot = make_dot(tape, dot_options, true);
  Walk w{tape, nodes, {}, {}, out, options.output_name, options.precision};
  if (w.output_name.empty()) w.output_name = node_text(tape, nodes, out);
  place(dot, reaches, w);
  json data;
  data["explain"] = explanations(tape, output, w, options);
  data["steps"] = steps(w, reaches, data["explain"]);
  const std::string title = options.dot.title.empty() ? w.output_name : options.dot.title;
  return {page_text(ad::printable(title), render_svg(dot.text, options.seconds), options.curve_svg,
                    data),
          dot.warning};
}

}  // namespace

std::size_t page_nodes(const Tape& tape, const Var& output) {
  const std::vector<bool> reaches = reaching(tape.nodes(), tape.index(output));
  return static_cast<std::size_t>(std::count(reaches.begin(), reaches.end(), true));
}

std::string html_page(Tape& tape, const Var& output, const PageOptions& options) {
  return make_page(tape, output, options).html;
}

bool write_page(const std::string& path, Tape& tape, const Var& output, const PageOptions& options,
                std::string* message) {
  try {
    const Page page = make_page(tape, output, options);
    if (path == "-")
      std::cout << page.html;  // a failure to write is the stream's, reported as the program ends
    else
      write_file(path, page.html);
    if (message) *message = page.warning;
  } catch (const IoError& e) {
    std::string why = e.what();  // the caller names the path
    if (why.starts_with(path + ": ")) why.erase(0, path.size() + 2);
    if (message) *message = why;
    return false;
  }
  return true;
}

}  // namespace ad::graph
