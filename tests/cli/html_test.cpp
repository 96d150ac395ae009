// --html: the page that steps through the sweeps. HtmlBrowser.* open it in headless Chromium
// and read the highlighted node and the panel after the page's script ran, against the same
// command's --json; Html.* read the file itself: self-contained, names escaped, the curve.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <tuple>

#include "cli/run_cli.hpp"

using cli_test::run;
using cli_test::slurp;

namespace {

const std::string kTutorial2 = std::string(AUTODIFF_SOURCE_DIR) + "/examples/tutorial2.json";

// The text between `open` and the next `close` after it, from `at` on; "" if absent.
std::string between(const std::string& text, const std::string& open, const std::string& close,
                    std::size_t at = 0) {
  const std::size_t start = text.find(open, at);
  if (start == std::string::npos) return "";
  const std::size_t end = text.find(close, start + open.size());
  return end == std::string::npos ? ""
                                  : text.substr(start + open.size(), end - start - open.size());
}

// The page's steps' data: the JSON in its <script type="application/json">.
nlohmann::json page_data(const std::string& page) {
  return nlohmann::json::parse(
      between(page, "<script type=\"application/json\" id=\"data\">", "</script>"));
}

// `text` (a number as the page prints it, 9 or 17 significant digits) is `exact` to its last
// printed digit: within half a unit of it.
void expect_printed(const std::string& text, double exact) {
  ASSERT_FALSE(text.empty());
  std::string ascii = text;  // the page's minus is the graph's "−"
  if (ascii.starts_with("−")) ascii = "-" + ascii.substr(std::string("−").size());
  const std::string mantissa = ascii.substr(0, ascii.find_first_of("eE"));
  int digits = 0;
  bool leading = true;
  for (char c : mantissa) {
    if (c == '0' && leading) continue;
    if (std::isdigit(static_cast<unsigned char>(c))) leading = false, ++digits;
  }
  const double unit =
      exact == 0 ? 0 : std::pow(10.0, std::floor(std::log10(std::abs(exact))) - digits + 1);
  EXPECT_NEAR(std::stod(ascii), exact, 0.5 * unit * (1 + 1e-9)) << text;
}

bool have_chromium() { return std::system("command -v chromium > /dev/null 2>&1") == 0; }

// What headless Chromium shows of `page` at #step=K: its DOM after the script ran, and a
// screenshot saved as build/html-screenshots/NAME-stepK.png (a CI artifact). Each run has a
// profile of its own, so that two tests may run Chromium at once.
std::string browse(const std::string& page, int step, const std::string& name) {
  const std::string url = "'file://" + page + "#step=" + std::to_string(step) + "'";
  const std::string profile = testing::TempDir() + "chromium-" + name + std::to_string(step);
  const std::string shots = std::string(AUTODIFF_BUILD_DIR) + "/html-screenshots";
  std::filesystem::create_directories(shots);
  const std::string shot = shots + "/" + name + "-step" + std::to_string(step) + ".png";
  const std::string chromium =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu "
      "--user-data-dir=" +
      profile + " ";
  const std::string dom = profile + ".html";
  EXPECT_EQ(std::system((chromium + "--dump-dom " + url + " > " + dom + " 2>/dev/null").c_str()),
            0);
  EXPECT_EQ(std::system((chromium + "--screenshot=" + shot + " --window-size=1200,900 " + url +
                         " > /dev/null 2>&1")
                            .c_str()),
            0);
  EXPECT_EQ(slurp(shot).substr(0, 4), "\x89PNG") << shot;
  std::filesystem::remove_all(profile);
  const std::string text = slurp(dom);
  std::filesystem::remove(dom);
  return text;
}

struct Shown {
  std::vector<std::string> highlighted;  // the first label line of each highlighted node
  std::vector<std::string> second;       // and its second line
  int edges = 0;                         // highlighted edges
  std::string name, value;               // the panel's "name = value"
  std::string lines;                     // the panel's list of lines, as markup
  // The picture's gradient texts (a node's lines after its value, an edge's label): how many
  // are hidden and how many shown.
  int hidden = 0, visible = 0;
};

// What the page at one step highlights and says, read from Chromium's DOM.
Shown shown(const std::string& dom) {
  Shown s;
  static const std::regex group(R"re(<g id="(node|edge)\d+" class="([^"]*)">)re");
  for (auto m = std::sregex_iterator(dom.begin(), dom.end(), group); m != std::sregex_iterator();
       ++m) {
    const std::string classes = (*m)[2];
    if (classes.find("current") == std::string::npos) continue;
    if ((*m)[1] == "edge")
      ++s.edges;
    else {
      const std::size_t first = dom.find("<text", m->position());
      s.highlighted.push_back(between(dom, ">", "<", first));
      s.second.push_back(between(dom, ">", "<", dom.find("<text", first + 1)));
    }
  }
  static const std::regex drawn(R"re(<g id="(node|edge)\d+" class="[^"]*">([\s\S]*?)</g>)re");
  static const std::regex text(R"re(<text([^>]*)>([^<]*)</text>)re");
  for (auto g = std::sregex_iterator(dom.begin(), dom.end(), drawn); g != std::sregex_iterator();
       ++g) {
    const std::string body = (*g)[2];
    bool after_value = (*g)[1] == "edge";
    for (auto t = std::sregex_iterator(body.begin(), body.end(), text); t != std::sregex_iterator();
         ++t) {
      if (after_value)
        ++(std::string((*t)[1]).find("visibility: hidden") != std::string::npos ? s.hidden
                                                                                : s.visible);
      after_value = after_value || std::string((*t)[2]).starts_with("value: ");
    }
  }
  s.name = between(dom, "<span id=\"name\">", "</span>");
  s.lines = between(dom, "<ul id=\"lines\">", "</ul>");
  s.value = between(dom, "<span id=\"value\">", "</span>");
  return s;
}

constexpr char kInstall[] =
    "chromium is not installed: the page's tests run it headless (apt-get install chromium; the "
    "README's test command installs it)";

TEST(HtmlBrowser, GradStepsThroughSinATimesB) {
  ASSERT_TRUE(have_chromium()) << kInstall;
  const std::string page = testing::TempDir() + "grad_page.html";
  const std::string expression = "grad 'sin(a)*b' --at a=0.5,b=3";
  ASSERT_EQ(run(expression + " --html " + page).status, 0);
  const auto r = run(expression + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto result = nlohmann::json::parse(r.out);
  // Recorded: a, b, sin(a), the product: forward steps 1–4, the sweep 5–8 back to a.
  Shown s = shown(browse(page, 1, "grad"));
  EXPECT_EQ(s.highlighted, std::vector<std::string>{"a"});
  EXPECT_EQ(s.name, "a");
  expect_printed(s.value, 0.5);  // the --at point
  s = shown(browse(page, 4, "grad"));
  EXPECT_EQ(s.highlighted, std::vector<std::string>{"sin(a)*b"});  // unparenthesized
  EXPECT_EQ(s.edges, 2);                                           // its two operands flow in
  expect_printed(s.value, result["value"]);
  s = shown(browse(page, 8, "grad"));
  EXPECT_EQ(s.highlighted, std::vector<std::string>{"a"});
  EXPECT_EQ(s.name, "∂(sin(a)*b)/∂a");
  expect_printed(s.value, result["gradient"]["a"]);
  EXPECT_EQ(s.edges, 0);  // a leaf has no operands
}

TEST(HtmlBrowser, NetStepsThroughMazursNetwork) {
  ASSERT_TRUE(have_chromium()) << kInstall;
  const std::string page = testing::TempDir() + "net_page.html";
  ASSERT_EQ(run("net " + kTutorial2 + " --html " + page).status, 0);
  const auto r = run("net " + kTutorial2 + " --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto result = nlohmann::json::parse(r.out);
  // 23 nodes (10 parameters, 2 inputs, 2 targets, net/out of 4 neurons, E1, E2, E_total): the
  // forward pass is steps 1–23, from w1 as recorded first; the sweep 24–46, from E_total.
  Shown s = shown(browse(page, 1, "net"));
  EXPECT_EQ(s.highlighted, std::vector<std::string>{"w1"});
  expect_printed(s.value, 0.15);  // w1 in examples/tutorial2.json
  s = shown(browse(page, 23, "net"));
  EXPECT_EQ(s.highlighted, std::vector<std::string>{"E_total"});
  expect_printed(s.value, result["loss"]);
  s = shown(browse(page, 24, "net"));
  EXPECT_EQ(s.name, "∂E_total/∂E_total");
  EXPECT_EQ(s.value, "1");
  EXPECT_EQ(s.edges, 2);  // E1 → E_total and E2 → E_total, the edges the sweep goes down
  s = shown(browse(page, 46, "net"));
  EXPECT_EQ(s.highlighted, std::vector<std::string>{"w1"});
  EXPECT_EQ(s.name, "∂E_total/∂w1");
  expect_printed(s.value, result["gradients"]["w1"]);
}

// The picture is drawn after the sweep, but its gradients appear as the sweep reaches them: none
// in the forward pass; at the first backward step the output's own gradient and the partials on
// its two edges; at the last all of them. sin(a)·b: 4 nodes, each with a gradient, and 3 edges.
TEST(HtmlBrowser, GradientsAppearAsTheSweepReachesThem) {
  ASSERT_TRUE(have_chromium()) << kInstall;
  const std::string page = testing::TempDir() + "gradients_page.html";
  ASSERT_EQ(run("grad 'sin(a)*b' --at a=0.5,b=3 --html " + page).status, 0);
  for (const auto& [step, hidden, visible] :
       {std::tuple{1, 7, 0}, std::tuple{5, 4, 3}, std::tuple{8, 0, 7}}) {
    const Shown s = shown(browse(page, step, "gradients"));
    EXPECT_EQ(s.hidden, hidden) << "step " << step;
    EXPECT_EQ(s.visible, visible) << "step " << step;
  }
  // The net page: at step 1 not one of its gradients or updates shows, at the last (46) all do.
  const std::string net = testing::TempDir() + "gradients_net.html";
  ASSERT_EQ(run("net " + kTutorial2 + " --html " + net).status, 0);
  const Shown first = shown(browse(net, 1, "gradients-net"));
  const Shown last = shown(browse(net, 46, "gradients-net"));
  EXPECT_EQ(first.visible, 0);
  // The 23 nodes' gradients and the 10 parameters' updates, besides the edges' partials.
  EXPECT_GE(first.hidden, 23 + 10);
  EXPECT_EQ(last.hidden, 0);
  EXPECT_EQ(last.visible, first.hidden);
}

// A batch's picture folds each later sample into one grey box: a step of a node inside one
// outlines that box, and the panel says so. batch.json records per sample 17 nodes (2 inputs,
// net and out of 3 hidden neurons and of o1, 6 error steps, E_total); s2.net_h1 uses the three
// parameters drawn on their own (w_i1_h1, w_i2_h1, b_h1) and the sample's inputs, folded with it.
TEST(HtmlBrowser, AFoldedNodesStepOutlinesItsGreyBox) {
  ASSERT_TRUE(have_chromium()) << kInstall;
  const std::string page = testing::TempDir() + "folded_page.html";
  ASSERT_EQ(
      run("net " + std::string(AUTODIFF_SOURCE_DIR) + "/examples/batch.json --html " + page).status,
      0);
  const auto data = page_data(slurp(page));
  int step = 0;
  for (std::size_t k = 0; k < data["steps"].size() && step == 0; ++k)
    if (data["steps"][k]["name"] == "s2.net_h1") step = static_cast<int>(k) + 1;
  ASSERT_GT(step, 0);
  const Shown s = shown(browse(page, step, "folded"));
  EXPECT_EQ(s.name, "s2.net_h1");
  EXPECT_EQ(s.highlighted, std::vector<std::string>{"sample 2"});
  EXPECT_EQ(s.second, std::vector<std::string>{"17 nodes folded"});
  EXPECT_EQ(s.edges, 3);
  EXPECT_NE(s.lines.find("<li>inside 'sample 2 (17 nodes)', the grey box that stands for it</li>"),
            std::string::npos)
      << s.lines;
}

// A picture shows at most 60 nodes: x·x·…·x with 70 products records x and p1 … p70, and keeps
// the 59 nearest the output (p70 … p13 and x, which every product uses); p1 … p12 are collapsed
// into the summary, vertex 59, whose step points at it and says so.
TEST(Html, ACollapsedNodesStepPointsAtTheSummary) {
  std::string product = "x";
  for (int i = 0; i < 70; ++i) product += "*x";
  const std::string page = testing::TempDir() + "collapsed.html";
  const auto r = run("grad '" + product + "' --at x=1 --html " + page);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string html = slurp(page);
  EXPECT_NE(html.find("<title>59</title>"), std::string::npos);
  const auto data = page_data(html);
  const auto& p1 = data["steps"][1];  // forward: x, then p1 = x·x
  EXPECT_EQ(p1["name"], "(x*x)");
  EXPECT_EQ(p1["vertex"], 59);
  EXPECT_EQ(p1["lines"][0], "inside '12 more nodes (collapsed)', the grey box that stands for it");
  const auto& p13 = data["steps"][13];  // the first drawn product: its own vertex, no such line
  EXPECT_LT(p13["vertex"].get<int>(), 59);
  EXPECT_FALSE(p13["lines"][0].get<std::string>().starts_with("inside")) << p13["lines"][0];
}

TEST(Html, ThePageIsOneFileThatLoadsNothing) {
  const std::string page = testing::TempDir() + "alone.html";
  ASSERT_EQ(run("net " + kTutorial2 + " --html " + page + " --steps 2 --plot " +
                testing::TempDir() + "alone.svg")
                .status,
            0);
  const std::string text = slurp(page);
  ASSERT_NE(text.find("<svg"), std::string::npos);
  for (const char* address : {"http://", "https://", "//www", "url(", "@import", "<link", "<img"})
    EXPECT_EQ(text.find(address), std::string::npos) << address;
  EXPECT_FALSE(std::regex_search(text, std::regex(R"(\bsrc\s*=)"))) << "a src attribute";
  // The chain rule a click shows is --explain's, word for word.
  const auto r = run("net " + kTutorial2 + " --explain w5 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string explanation = nlohmann::json::parse(r.out)["explanation"];
  bool found = false;
  const auto data = page_data(text);  // kept: a range-for over a temporary's member dangles
  for (const auto& [vertex, said] : data["explain"].items()) found = found || said == explanation;
  EXPECT_TRUE(found) << explanation;
}

// tutorial2.json with parameter `from` renamed to `to` everywhere (its published figures, which
// name other nodes, dropped), written to TempDir()/file; returns its path.
std::string renamed_tutorial2(const std::string& from, const std::string& to,
                              const std::string& file) {
  auto network = nlohmann::json::parse(slurp(kTutorial2));
  network.erase("published");
  std::string text = network.dump(1);
  const std::string quoted = nlohmann::json(from).dump(), renamed = nlohmann::json(to).dump();
  for (auto at = text.find(quoted); at != std::string::npos;
       at = text.find(quoted, at + renamed.size()))
    text.replace(at, quoted.size(), renamed);
  const std::string path = testing::TempDir() + file;
  std::ofstream(path) << text;
  return path;
}

// A parameter named </script><b>x&"' must end neither the page's script nor become markup.
TEST(Html, AHostileNameIsEscaped) {
  const std::string hostile = "</script><b>x&\"'";
  const std::string file = renamed_tutorial2("w5", hostile, "hostile.json");
  const std::string page = testing::TempDir() + "hostile.html";
  const auto r = run("net " + file + " --html " + page);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string html = slurp(page);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  // Two scripts, each ended once: the data's and the code's.
  int ends = 0;
  for (auto at = html.find("</script>"); at != std::string::npos;
       at = html.find("</script>", at + 1))
    ++ends;
  EXPECT_EQ(ends, 2);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;b&gt;x&amp;&quot;"), std::string::npos);  // the SVG
  // The data still reads back to the name.
  const auto data = page_data(html);
  bool named = false;
  for (const auto& step : data["steps"]) named = named || step["name"] == hostile;
  EXPECT_TRUE(named);
}

TEST(Html, WithAHistoryThePageHasTheCurve) {
  const std::string page = testing::TempDir() + "curve.html";
  const std::string history = testing::TempDir() + "curve.jsonl";
  ASSERT_EQ(run("net " + kTutorial2 + " --steps 5 --history " + history + " --html " + page).status,
            0);
  const std::string text = slurp(page);
  const std::size_t curve = text.find("<h2>Training curve</h2>\n<svg");
  ASSERT_NE(curve, std::string::npos);
  // One vertex per line of the history: steps 0 to 5.
  const std::string points = between(text, "points=\"", "\"", text.find("<polyline", curve));
  EXPECT_EQ(std::count(points.begin(), points.end(), ','), 6) << points;
  int lines = 0;
  std::ifstream in(history);
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 6);
  // Without a recorded run, no curve.
  ASSERT_EQ(run("net " + kTutorial2 + " --html " + page).status, 0);
  EXPECT_EQ(slurp(page).find("Training curve"), std::string::npos);
}

// Every text of every step of `page`, its name and lines, one after the other.
std::vector<std::string> step_texts(const std::string& page) {
  std::vector<std::string> texts;
  const auto data = page_data(page);
  for (const auto& step : data["steps"]) {
    texts.push_back(step["name"]);
    for (const auto& line : step["lines"]) texts.push_back(line);
  }
  return texts;
}

// The current node is outlined whatever shape dot drew it as: tutorial2's neurons are rounded
// boxes, which dot writes as <path>, not <polygon>.
TEST(Html, TheCurrentNodeIsOutlinedWhateverItsShape) {
  const std::string page = testing::TempDir() + "shapes.html";
  ASSERT_EQ(run("net " + kTutorial2 + " --html " + page).status, 0);
  const std::string html = slurp(page);
  const std::string style = between(html, "<style>", "</style>");
  std::set<std::string> outlined;  // the shapes of the rules that draw the red outline
  static const std::regex rule(R"(([^{}]*)\{([^}]*)\})");
  for (auto m = std::sregex_iterator(style.begin(), style.end(), rule); m != std::sregex_iterator();
       ++m)
    if (std::string((*m)[2]).find("stroke: #d00000") != std::string::npos)
      for (const char* shape : {"polygon", "ellipse", "path"})
        if (std::string((*m)[1]).find(std::string(".node.current ") + shape) != std::string::npos)
          outlined.insert(shape);
  std::set<std::string> drawn;  // the shapes the nodes are drawn with
  static const std::regex node(R"re(<g id="node\d+" class="node">([\s\S]*?)</g>)re");
  for (auto m = std::sregex_iterator(html.begin(), html.end(), node); m != std::sregex_iterator();
       ++m)
    for (const char* shape : {"polygon", "ellipse", "path"})
      if (std::string((*m)[1]).find(std::string("<") + shape) != std::string::npos)
        drawn.insert(shape);
  EXPECT_TRUE(drawn.contains("path"));  // out_h1's rounded box
  for (const std::string& shape : drawn) EXPECT_TRUE(outlined.contains(shape)) << shape;
}

// A bidi override in a weight's name (U+202E in "w\u202e6") would reverse the numbers after it on
// the panel's line: shown escaped, as the title, the picture and the terminal show it.
TEST(Html, ABidiControlInANameIsShownEscaped) {
  const std::string bidi = "w\u202e6";
  const std::string file = renamed_tutorial2("w6", bidi, "bidi.json");
  const std::string page = testing::TempDir() + "bidi.html";
  const auto r = run("net " + file + " --html " + page);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string html = slurp(page);
  for (const char* control :
       {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"})
    EXPECT_EQ(html.find(control), std::string::npos);
  bool named = false;
  for (const std::string& t : step_texts(html)) named = named || t == "∂E_total/∂w\\u202e6";
  EXPECT_TRUE(named);
}

// --html and --dot naming one file by other spellings: refused before anything is written.
TEST(Html, HtmlAndDotMayNotShareAFileUnderAnyName) {
  const std::string folder = testing::TempDir() + "share";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder + "/sub");
  std::filesystem::create_symlink("same.html", folder + "/link.html");  // to nothing yet
  const std::string relative = "html_test_relative.html";
  const std::string absolute = std::filesystem::current_path().string() + "/" + relative;
  const std::pair<std::string, std::string> pairs[] = {
      {folder + "/./same.html", folder + "/same.html"},
      {folder + "/sub/../same.html", folder + "/same.html"},
      {folder + "/link.html", folder + "/same.html"},
      {absolute, relative}};
  for (const auto& [html, dot] : pairs) {
    for (const std::string& command : {std::string("grad 'x^2' --at x=3"), "net " + kTutorial2}) {
      const auto r = run(command + " --html " + html + " --dot " + dot);
      EXPECT_EQ(r.status, 2) << command << " --html " << html << " --dot " << dot << "\n" << r.err;
      EXPECT_NE(r.err.find("writes that file already"), std::string::npos) << r.err;
    }
    EXPECT_FALSE(std::filesystem::exists(folder + "/same.html"));
    EXPECT_FALSE(std::filesystem::exists(relative));
  }
  // Two files: both written.
  ASSERT_EQ(
      run("grad 'x^2' --at x=3 --html " + folder + "/a.html --dot " + folder + "/a.dot").status, 0);
  EXPECT_TRUE(std::filesystem::exists(folder + "/a.html"));
  EXPECT_TRUE(std::filesystem::exists(folder + "/a.dot"));
}

// A variable named f: the derivatives are of the output by its own text, so ∂f/∂f means one
// thing only, and a lone variable is not called f.
TEST(Html, TheOutputIsNotCalledLikeAVariable) {
  const std::string page = testing::TempDir() + "f.html";
  ASSERT_EQ(run("grad 'f*g+f' --at f=2,g=3 --html " + page).status, 0);
  const auto data = page_data(slurp(page));
  const auto& last = data["steps"].back();  // the sweep ends at the first recorded: f
  EXPECT_EQ(last["name"], "∂(f*g+f)/∂f");
  EXPECT_EQ(last["value"], "4");  // ∂(fg + f)/∂f = g + 1
  // The output's local partial (1) is not written as its total derivative (4).
  bool output_local = false;
  for (const std::string& t : step_texts(slurp(page))) {
    EXPECT_EQ(t.find("∂f/∂f"), std::string::npos) << t;
    EXPECT_FALSE(t.starts_with("local: ∂(f*g+f)/∂f = ")) << t;
    output_local = output_local || t == "local: ∂(f*g+f)/∂f (this operation alone) = 1";
  }
  EXPECT_TRUE(output_local);
  ASSERT_EQ(run("grad x --at x=2 --html " + page).status, 0);
  bool leaf = false;
  for (const std::string& t : step_texts(slurp(page))) {
    EXPECT_EQ(t.find("f is a leaf"), std::string::npos) << t;
    leaf = leaf || t.starts_with("x is a leaf");
  }
  EXPECT_TRUE(leaf);
}

// The panel writes numbers as the graph does (−, not -), a negative factor in parentheses, a
// local partial and a running derivative each named as such, and a formula that is the node's
// name once.
TEST(Html, ThePanelsLinesReadAsTheGraph) {
  const std::string page = testing::TempDir() + "numbers.html";
  ASSERT_EQ(run("grad 'x^2*sin(y)' --at x=1.5,y=-2 --html " + page).status, 0);
  bool negative_factor = false, local = false, running = false;
  for (const std::string& t : step_texts(slurp(page))) {
    EXPECT_FALSE(std::regex_search(t, std::regex("-[0-9]"))) << t;
    EXPECT_NE(t, "sin(y) = sin(y)");
    const auto equals = t.find(" = ");
    if (equals != std::string::npos) {
      EXPECT_NE(t.substr(0, equals), t.substr(equals + 3)) << t;
    }
    // ∂(x^2*sin(y))/∂(x^2) = sin(y) = −0.909…, then 1 × that
    negative_factor = negative_factor || t.find(" × (−0.909") != std::string::npos;
    local = local || t.starts_with("local: ∂(x^2*sin(y))/∂sin(y) (this operation alone) = ");
    running = running || t.starts_with("running: ∂(x^2*sin(y))/∂sin(y) += ");
  }
  EXPECT_TRUE(negative_factor);
  EXPECT_TRUE(local);
  EXPECT_TRUE(running);
}

// A tape past the page's 5,000 nodes: the result printed as usual, no page, the refusal on
// standard error (exit 4) pointing to --dot, or to the --dot file given.
TEST(Html, ATapeTooLargeForAPageStillGetsItsResult) {
  std::string product = "x";
  for (int i = 0; i < 5001; ++i) product += "*x";  // 5,002 nodes: x and 5,001 products
  const std::string page = testing::TempDir() + "large.html";
  const std::string dot = testing::TempDir() + "large.dot";
  std::filesystem::remove(page);
  auto r = run("grad '" + product + "' --at x=1 --html " + page);
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.out.find("value = 1\nd/dx  = 5002\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("write the graph with --dot instead"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(page));
  r = run("grad '" + product + "' --at x=1 --json --html " + page + " --dot " + dot);
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(nlohmann::json::parse(r.out)["gradient"]["x"], 5002);
  EXPECT_NE(r.err.find("the graph is in --dot " + dot), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("write the graph with --dot instead"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dot));
  EXPECT_FALSE(std::filesystem::exists(page));
}

// The same for a network: a 70-70-2 network's loss depends on more than 5,000 nodes (4,900
// weights alone); its report, computed before the page was asked for, is still printed.
TEST(Html, ANetworkTooLargeForAPageStillGetsItsReport) {
  nlohmann::json network = {{"sizes", {70, 70, 2}},
                            {"activation", {"sigmoid", "sigmoid"}},
                            {"seed", 3},
                            {"inputs", std::vector<double>(70, 0.5)},
                            {"targets", {0.1, 0.9}},
                            {"loss", "half_sse"},
                            {"learning_rate", 0.5}};
  const std::string file = testing::TempDir() + "wide.json";
  std::ofstream(file) << network.dump();
  const std::string page = testing::TempDir() + "wide.html";
  std::filesystem::remove(page);
  auto r = run("net " + file + " --json --html " + page);
  EXPECT_EQ(r.status, 4) << r.err;
  const auto result = nlohmann::json::parse(r.out);
  EXPECT_TRUE(result["loss"].is_number()) << r.out;
  EXPECT_NE(r.err.find("a page steps through at most 5000"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(page));
}

// A chain rule shown by a click belongs to its step: stepping clears it.
TEST(Html, SteppingClearsAClickedExplanation) {
  const std::string page = testing::TempDir() + "clear.html";
  ASSERT_EQ(run("grad 'a*b' --at a=2,b=3 --html " + page).status, 0);
  const std::string html = slurp(page);
  const std::string show = between(html, "function show(k) {", "\n}\n");
  EXPECT_NE(show.find("put('explanation', '')"), std::string::npos) << show;
}

TEST(Html, StandardOutputAndFiles) {
  // "-": the page on standard output, the result on standard error.
  auto r = run("grad 'x^2' --at x=3 --html -");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("<!DOCTYPE html>")) << r.out.substr(0, 100);
  EXPECT_NE(r.err.find("d/dx  = 6"), std::string::npos) << r.err;
  r = run("grad 'x^2' --at x=3 --html - --json");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--html -: standard output carries the --json result"), std::string::npos)
      << r.err;
  r = run("net " + kTutorial2 + " --html - --json");
  EXPECT_EQ(r.status, 2) << r.err;
  r = run("net " + kTutorial2 + " --html - --dot -");
  EXPECT_EQ(r.status, 2) << r.err;
  r = run("grad 'x^2' --at x=3 --html /nonexistent/page.html");
  EXPECT_EQ(r.status, 4);
  EXPECT_TRUE(r.err.starts_with("autodiff: --html /nonexistent/page.html: ")) << r.err;
  r = run("net " + kTutorial2 + " --html /nonexistent/page.html");
  EXPECT_EQ(r.status, 4);
  EXPECT_TRUE(r.err.starts_with("autodiff: --html /nonexistent/page.html: ")) << r.err;
  r = run("net " + kTutorial2 + " --html " + kTutorial2);
  EXPECT_EQ(r.status, 2) << r.err;  // never over the network file
}

}  // namespace
