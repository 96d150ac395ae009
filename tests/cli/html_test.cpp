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
#include <string>

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
  const std::string mantissa = text.substr(0, text.find_first_of("eE"));
  int digits = 0;
  bool leading = true;
  for (char c : mantissa) {
    if (c == '0' && leading) continue;
    if (std::isdigit(static_cast<unsigned char>(c))) leading = false, ++digits;
  }
  const double unit =
      exact == 0 ? 0 : std::pow(10.0, std::floor(std::log10(std::abs(exact))) - digits + 1);
  EXPECT_NEAR(std::stod(text), exact, 0.5 * unit * (1 + 1e-9)) << text;
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
  int edges = 0;                         // highlighted edges
  std::string name, value;               // the panel's "name = value"
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
    else
      s.highlighted.push_back(between(dom, ">", "<", dom.find("<text", m->position())));
  }
  s.name = between(dom, "<span id=\"name\">", "</span>");
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
  EXPECT_EQ(s.highlighted, std::vector<std::string>{"(sin(a)*b)"});
  EXPECT_EQ(s.edges, 2);  // its two operands flow in
  expect_printed(s.value, result["value"]);
  s = shown(browse(page, 8, "grad"));
  EXPECT_EQ(s.highlighted, std::vector<std::string>{"a"});
  EXPECT_EQ(s.name, "∂f/∂a");
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

// A parameter named </script><b>x&"' must end neither the page's script nor become markup.
TEST(Html, AHostileNameIsEscaped) {
  auto network = nlohmann::json::parse(slurp(kTutorial2));
  network.erase("published");
  std::string text = network.dump(1);
  const std::string hostile = "</script><b>x&\"'";
  for (auto at = text.find("\"w5\""); at != std::string::npos; at = text.find("\"w5\"", at))
    text.replace(at, 4, nlohmann::json(hostile).dump());
  const std::string file = testing::TempDir() + "hostile.json";
  std::ofstream(file) << text;
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
