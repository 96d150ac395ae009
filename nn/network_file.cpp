#include "nn/network_file.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

#include "autodiff/file.hpp"
#include "autodiff/text.hpp"
#include "nn/progress.hpp"

namespace ad::nn {
namespace {

using json = nlohmann::ordered_json;  // keeps the file's order of inputs and targets

// A value for a message: a scalar as written (a string cut at 40 characters), a container by
// its size, never dumped whole (a 5-million-element array, or 100,000 nested ones, would make
// the message megabytes long, or dump()'s recursion overflow the stack).
std::string shown(const json& j) {
  if (j.is_array()) return "an array of " + std::to_string(j.size()) + " items";
  if (j.is_object()) return "an object of " + std::to_string(j.size()) + " keys";
  // Invalid UTF-8 in a string is shown replaced (U+FFFD), not thrown about (dump() would throw).
  std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

struct Reader {
  const std::string& file;
  [[noreturn]] void fail(const std::string& place, const std::string& problem) const {
    throw FileError(file, place, problem);
  }
  const json& need(const json& j, const std::string& place, const char* key) const {
    if (!j.contains(key)) fail(place + "/" + key, std::string("missing \"") + key + "\"");
    return j.at(key);
  }
  double number(const json& j, const std::string& place) const {
    if (!j.is_number()) fail(place, "expected a number, found " + shown(j));
    double v = j.get<double>();
    if (!std::isfinite(v)) fail(place, "not a finite number");
    return v;
  }
  std::string text(const json& j, const std::string& place) const {
    if (!j.is_string()) fail(place, "expected a string, found " + shown(j));
    return j.get<std::string>();
  }
  const json& array(const json& j, const std::string& place) const {
    if (!j.is_array()) fail(place, "expected an array, found " + shown(j));
    return j;
  }
  const json& object(const json& j, const std::string& place) const {
    if (!j.is_object()) fail(place, "expected an object, found " + shown(j));
    return j;
  }
  void only(const json& j, const std::string& place,
            std::initializer_list<const char*> keys) const {
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool known = false;
      for (const char* k : keys) known |= it.key() == k;
      if (!known) fail(place + "/" + it.key(), "unknown key \"" + it.key() + "\"");
    }
  }
};

std::string idx(const std::string& place, std::size_t i) { return place + "/" + std::to_string(i); }

// Values by name (an object naming each) or by position (an array), in the order of `names`.
std::vector<double> values(const Reader& r, const json& j, const std::string& place,
                           const std::vector<std::string>& names, const char* what) {
  std::vector<double> v;
  if (j.is_array()) {
    if (j.size() != names.size())
      r.fail(place, "expected " + std::to_string(names.size()) + " " + what + ", found " +
                        std::to_string(j.size()));
    for (std::size_t i = 0; i < j.size(); ++i) v.push_back(r.number(j[i], idx(place, i)));
    return v;
  }
  r.object(j, place);
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const auto& n : names) known |= n == it.key();
    if (!known)
      r.fail(place + "/" + it.key(), std::string("no ") +
                                         (what[0] == 'i' ? "input" : "output neuron") +
                                         " named \"" + it.key() + "\"");
  }
  for (const auto& n : names) {
    if (!j.contains(n))
      r.fail(place + "/" + n, std::string("missing ") + (what[0] == 'i' ? "input" : "target") +
                                  " for \"" + n + "\"");
    v.push_back(r.number(j.at(n), place + "/" + n));
  }
  return v;
}

// A deterministic uniform draw in [-a, a) from a standard-specified generator.
double uniform(std::mt19937_64& g, double a) {
  return (static_cast<double>(g() >> 11) * 0x1.0p-53 * 2.0 - 1.0) * a;
}

// Limits of the short form, whose few numbers can ask for more than any machine holds.
constexpr long kMaxLayerSize = 100'000;
constexpr std::size_t kMaxWeights = 10'000'000;

// The layer sizes of "sizes", inputs first.
std::vector<std::size_t> read_sizes(const Reader& r, const json& j) {
  const json& sizes = r.array(j.at("sizes"), "/sizes");
  if (sizes.size() < 2) r.fail("/sizes", "give at least the inputs and the outputs");
  std::vector<std::size_t> size;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (!sizes[i].is_number_integer() || sizes[i].get<long>() < 1)
      r.fail(idx("/sizes", i), "expected a positive integer");
    if (sizes[i].get<long>() > kMaxLayerSize)
      r.fail(idx("/sizes", i), "a layer of " + std::to_string(sizes[i].get<long>()) +
                                   " neurons is more than this program handles (" +
                                   std::to_string(kMaxLayerSize) + ")");
    size.push_back(sizes[i].get<std::size_t>());
  }
  // Named scalar parameters cost ~100 bytes each: refuse what would not fit, before building.
  std::size_t weights = 0;
  for (std::size_t i = 0; i + 1 < size.size(); ++i) weights += size[i] * size[i + 1];
  if (weights > kMaxWeights)
    r.fail("/sizes", "these sizes make " + std::to_string(weights) + " weights; the limit is " +
                         std::to_string(kMaxWeights));
  return size;
}

// One activation per layer after the inputs: "activation" is one name for all, or a list.
std::vector<Activation> read_activations(const Reader& r, const json& j, std::size_t layers) {
  std::vector<Activation> acts;
  if (j.contains("activation") && j.at("activation").is_array()) {
    const json& a = j.at("activation");
    if (a.size() != layers)
      r.fail("/activation", "expected one activation per layer (" + std::to_string(layers) + ")");
    for (std::size_t i = 0; i < a.size(); ++i) {
      auto act = parse_activation(r.text(a[i], idx("/activation", i)));
      if (!act) r.fail(idx("/activation", i), "unknown activation (sigmoid, tanh, relu, identity)");
      acts.push_back(*act);
    }
  } else {
    std::string name =
        j.contains("activation") ? r.text(j.at("activation"), "/activation") : "sigmoid";
    auto act = parse_activation(name);
    if (!act)
      r.fail("/activation", "unknown activation \"" + name + "\" (sigmoid, tanh, relu, identity)");
    acts.assign(layers, *act);
  }
  return acts;
}

// The short form as its keys give it, checked; built by build_short_form().
struct ShortForm {
  std::vector<std::size_t> size;
  std::vector<Activation> activations;
  std::string bias;
  std::uint64_t seed = 1;
};

// Reads the short form's keys and names its inputs, without building anything: a few numbers
// can ask for millions of weights, built only once the whole file is known to be valid.
ShortForm read_short_form(const Reader& r, const json& j, Network& n) {
  ShortForm form;
  form.size = read_sizes(r, j);
  form.activations = read_activations(r, j, form.size.size() - 1);
  form.bias = j.contains("bias") ? r.text(j.at("bias"), "/bias") : "per_neuron";
  if (form.bias != "per_neuron" && form.bias != "per_layer" && form.bias != "none")
    r.fail("/bias", "expected \"per_neuron\", \"per_layer\" or \"none\"");
  if (j.contains("seed")) {
    if (!j.at("seed").is_number_unsigned()) r.fail("/seed", "expected a non-negative integer");
    form.seed = j.at("seed").get<std::uint64_t>();
  }
  for (std::size_t i = 0; i < form.size[0]; ++i) n.inputs.push_back("i" + std::to_string(i + 1));
  return form;
}

// The short form's output neurons, o1, o2, ...
std::vector<std::string> short_form_outputs(const ShortForm& form) {
  std::vector<std::string> outputs;
  for (std::size_t k = 0; k < form.size.back(); ++k) outputs.push_back("o" + std::to_string(k + 1));
  return outputs;
}

void build_short_form(const ShortForm& form, Network& n) {
  const std::vector<std::size_t>& size = form.size;
  std::mt19937_64 g(form.seed);
  std::size_t weights = 0;
  for (std::size_t l = 1; l < size.size(); ++l) weights += size[l - 1] * size[l];
  n.weights.reserve(weights);  // growing would move millions of weights, each several times
  std::vector<std::string> previous = n.inputs;
  for (std::size_t l = 1; l < size.size(); ++l) {
    const bool last = l + 1 == size.size();
    Layer layer;
    layer.name = last ? "output" : "hidden " + std::to_string(l);
    layer.activation = form.activations[l - 1];
    if (last) layer.neurons = short_form_outputs(form);
    for (std::size_t k = 0; k < size[l] && !last; ++k)
      layer.neurons.push_back(size.size() == 3
                                  ? "h" + std::to_string(k + 1)
                                  : "h" + std::to_string(l) + "_" + std::to_string(k + 1));
    // Uniform in ±1/√fan_in (LeCun), so every activation starts in its sensitive range.
    const double a = 1.0 / std::sqrt(static_cast<double>(previous.size()));
    for (const auto& to : layer.neurons)
      for (const auto& from : previous)
        n.weights.push_back({"w_" + from + "_" + to, from, to, uniform(g, a)});
    if (form.bias == "per_layer")
      n.biases.push_back({"b" + std::to_string(l), layer.neurons, uniform(g, a)});
    if (form.bias == "per_neuron")
      for (const auto& to : layer.neurons) n.biases.push_back({"b_" + to, {to}, uniform(g, a)});
    previous = layer.neurons;
    n.layers.push_back(std::move(layer));
  }
}

void read_long_form(const Reader& r, const json& j, Network& n) {
  const json& layers = r.array(r.need(j, "", "layers"), "/layers");
  for (std::size_t l = 0; l < layers.size(); ++l) {
    std::string place = idx("/layers", l);
    r.object(layers[l], place);
    r.only(layers[l], place, {"name", "neurons", "activation"});
    Layer layer;
    layer.name = layers[l].contains("name") ? r.text(layers[l].at("name"), place + "/name")
                 : l + 1 == layers.size()   ? "output"
                                            : "hidden " + std::to_string(l + 1);
    const json& neurons = r.array(r.need(layers[l], place, "neurons"), place + "/neurons");
    for (std::size_t k = 0; k < neurons.size(); ++k)
      layer.neurons.push_back(r.text(neurons[k], idx(place + "/neurons", k)));
    std::string act = layers[l].contains("activation")
                          ? r.text(layers[l].at("activation"), place + "/activation")
                          : "sigmoid";
    auto a = parse_activation(act);
    if (!a)
      r.fail(place + "/activation",
             "unknown activation \"" + act + "\" (sigmoid, tanh, relu, identity)");
    layer.activation = *a;
    n.layers.push_back(std::move(layer));
  }
  const json& weights = r.array(r.need(j, "", "weights"), "/weights");
  for (std::size_t w = 0; w < weights.size(); ++w) {
    std::string place = idx("/weights", w);
    r.object(weights[w], place);
    r.only(weights[w], place, {"name", "from", "to", "value"});
    n.weights.push_back({r.text(r.need(weights[w], place, "name"), place + "/name"),
                         r.text(r.need(weights[w], place, "from"), place + "/from"),
                         r.text(r.need(weights[w], place, "to"), place + "/to"),
                         r.number(r.need(weights[w], place, "value"), place + "/value")});
  }
  if (j.contains("biases")) {
    const json& biases = r.array(j.at("biases"), "/biases");
    for (std::size_t b = 0; b < biases.size(); ++b) {
      std::string place = idx("/biases", b);
      r.object(biases[b], place);
      r.only(biases[b], place, {"name", "to", "value"});
      Bias bias{r.text(r.need(biases[b], place, "name"), place + "/name"),
                {},
                r.number(r.need(biases[b], place, "value"), place + "/value")};
      const json& to = r.need(biases[b], place, "to");
      if (to.is_string())
        bias.to.push_back(to.get<std::string>());
      else
        for (std::size_t k = 0; k < r.array(to, place + "/to").size(); ++k)
          bias.to.push_back(r.text(to[k], idx(place + "/to", k)));
      n.biases.push_back(std::move(bias));
    }
  }
}

// "samples", or one sample's "inputs" and "targets" objects, for the output neurons `outputs`.
void read_samples(const Reader& r, const json& j, bool short_form,
                  const std::vector<std::string>& outputs, Network& n) {
  if (j.contains("samples")) {
    if (j.contains("targets") || (j.contains("inputs") && j.at("inputs").is_object()))
      r.fail("/samples",
             "give either \"samples\" or one sample's \"inputs\" and \"targets\" objects");
    const json& samples = r.array(j.at("samples"), "/samples");
    if (samples.empty()) r.fail("/samples", "no sample");
    for (std::size_t s = 0; s < samples.size(); ++s) {
      std::string place = idx("/samples", s);
      r.object(samples[s], place);
      r.only(samples[s], place, {"inputs", "targets"});
      n.samples.push_back(
          {values(r, r.need(samples[s], place, "inputs"), place + "/inputs", n.inputs, "inputs"),
           values(r, r.need(samples[s], place, "targets"), place + "/targets", outputs,
                  "targets")});
    }
  } else {
    if (short_form && !j.contains("inputs"))
      r.fail("/samples", "missing \"samples\" (or \"inputs\" and \"targets\")");
    n.samples.push_back({values(r, r.need(j, "", "inputs"), "/inputs", n.inputs, "inputs"),
                         values(r, r.need(j, "", "targets"), "/targets", outputs, "targets")});
  }
}

// What "train" names: the weights, every parameter, or the names listed (in n.train).
enum class Train { Weights, All, Listed };

// The loss, the learning rate and what to train; fill_train() lists the parameters once built.
Train read_training(const Reader& r, const json& j, Network& n) {
  if (j.contains("loss")) {
    auto l = parse_loss(r.text(j.at("loss"), "/loss"));
    if (!l) r.fail("/loss", "unknown loss (half_sse, mse, binary_cross_entropy)");
    n.loss = *l;
  }
  if (j.contains("learning_rate"))
    n.learning_rate = r.number(j.at("learning_rate"), "/learning_rate");
  if (!j.contains("train") || j.at("train") == "weights") return Train::Weights;
  if (j.at("train") == "all") return Train::All;
  const json& train = j.at("train");
  if (!train.is_array())
    r.fail("/train", "expected \"weights\", \"all\" or a list of parameter names");
  for (std::size_t k = 0; k < train.size(); ++k)
    n.train.push_back(r.text(train[k], idx("/train", k)));
  return Train::Listed;
}

void fill_train(Train train, Network& n) {
  if (train == Train::Weights) {
    n.train.reserve(n.weights.size());
    for (const auto& w : n.weights) n.train.push_back(w.name);
  } else if (train == Train::All) {
    n.train.reserve(n.parameter_count());
    for (std::size_t p = 0; p < n.parameter_count(); ++p) n.train.emplace_back(n.parameter_name(p));
  }
}

PublishedFigures read_published(const Reader& r, const json& published) {
  const json& p = r.object(published, "/published");
  r.only(p, "/published", {"source", "rounding", "figures"});
  PublishedFigures pub;
  if (p.contains("source")) pub.source = r.text(p.at("source"), "/published/source");
  std::string rounding =
      p.contains("rounding") ? r.text(p.at("rounding"), "/published/rounding") : "round";
  if (rounding != "round" && rounding != "truncate")
    r.fail("/published/rounding", "expected \"round\" or \"truncate\"");
  pub.rounding = rounding == "round" ? Rounding::Round : Rounding::Truncate;
  const json& figures = r.array(r.need(p, "/published", "figures"), "/published/figures");
  for (std::size_t f = 0; f < figures.size(); ++f) {
    std::string place = idx("/published/figures", f);
    r.object(figures[f], place);
    r.only(figures[f], place, {"label", "printed", "quantity"});
    Figure fig{r.text(r.need(figures[f], place, "label"), place + "/label"),
               r.text(r.need(figures[f], place, "printed"), place + "/printed"),
               r.text(r.need(figures[f], place, "quantity"), place + "/quantity")};
    char* end = nullptr;
    std::strtod(fig.printed.c_str(), &end);
    if (fig.printed.empty() || *end != '\0')
      r.fail(place + "/printed", "not a number: \"" + fig.printed + "\"");
    pub.figures.push_back(std::move(fig));
  }
  return pub;
}

// "threads": how many threads train a batch (Trainer::kBlock), from 1 to kMaxThreads.
constexpr long kMaxThreads = 1024;
unsigned read_threads(const Reader& r, const json& j) {
  if (!j.is_number_integer() || j.get<long>() < 1 || j.get<long>() > kMaxThreads)
    r.fail("/threads", "expected a whole number of threads from 1 to " +
                           std::to_string(kMaxThreads) + ", found " + shown(j));
  return j.get<unsigned>();
}

Network read(const Reader& r, const json& j) {
  r.object(j, "");
  r.only(
      j, "",
      {"name", "description", "inputs", "targets", "samples", "layers", "weights", "biases", "loss",
       "learning_rate", "train", "sizes", "activation", "bias", "seed", "published", "threads"});
  Network n;
  if (j.contains("name")) n.name = r.text(j.at("name"), "/name");
  const bool short_form = j.contains("sizes");
  std::optional<ShortForm> form;
  if (short_form) {
    for (const char* key : {"layers", "weights", "biases"})
      if (j.contains(key))
        r.fail(std::string("/") + key,
               "give either \"sizes\" (short form) or layers, weights and biases");
    form = read_short_form(r, j, n);
  } else {
    for (const char* key : {"activation", "bias", "seed"})
      if (j.contains(key))
        r.fail(std::string("/") + key, "only the short form (with \"sizes\") takes this key");
    // Input names: the keys of "inputs" (one sample) or the strings of "inputs" (with samples).
    const json& inputs = r.need(j, "", "inputs");
    if (inputs.is_object())
      for (auto it = inputs.begin(); it != inputs.end(); ++it) n.inputs.push_back(it.key());
    else
      for (std::size_t i = 0; i < r.array(inputs, "/inputs").size(); ++i)
        n.inputs.push_back(r.text(inputs[i], idx("/inputs", i)));
    read_long_form(r, j, n);
    if (n.layers.empty()) r.fail("/layers", "the network has no layers");
  }
  read_samples(r, j, short_form, form ? short_form_outputs(*form) : n.layers.back().neurons, n);
  const Train train = read_training(r, j, n);
  if (j.contains("published")) n.published = read_published(r, j.at("published"));
  if (j.contains("threads")) n.threads = read_threads(r, j.at("threads"));
  if (form) build_short_form(*form, n);  // the whole file checked: millions of weights may follow
  fill_train(train, n);
  return n;
}

// "line 3, column 7": where the byte at `offset` is.
std::string position(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n')
      ++line, column = 1;
    else
      ++column;
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// One open array or object of the text, and for an object the keys seen so far and where.
struct Open {
  bool object;
  bool expect_key;
  std::map<std::string, std::size_t> keys{};
};

// A walk over the text's brackets and strings, before it is parsed. Nesting deeper than
// kMaxNesting is refused at once, so the parsed tree and every walk of it stay bounded. A key
// given twice in one object (which the parser would keep one of, silently) is returned, to be
// refused once the text is known to be JSON.
std::optional<FileError> scan(std::string_view text, const std::string& file) {
  std::vector<Open> open;
  std::optional<FileError> duplicate;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' || c == '[') {
      if (open.size() == kMaxNesting)
        throw FileError(file, position(text, i),
                        "arrays and objects nested more than " + std::to_string(kMaxNesting) +
                            " deep (a network file needs 4)");
      open.push_back({c == '{', c == '{'});
    } else if (c == '}' || c == ']') {
      if (!open.empty()) open.pop_back();
    } else if (c == ',' && !open.empty()) {
      open.back().expect_key = open.back().object;
    } else if (c == '"') {
      const std::size_t begin = i;
      for (++i; i < text.size() && text[i] != '"'; ++i) i += text[i] == '\\' ? 1 : 0;
      if (duplicate || open.empty() || !open.back().expect_key) continue;
      open.back().expect_key = false;
      std::string key(text.substr(begin, i + 1 - begin));
      try {  // "\u0061" and "a" are one key
        key = json::parse(key).get<std::string>();
      } catch (const json::exception&) {  // not a string: the parser will say so
      }
      const auto [first, added] = open.back().keys.emplace(key, begin);
      if (!added)
        duplicate = FileError(file, position(text, begin),
                              shown(json(key)) + " is given twice in one object (first at " +
                                  position(text, first->second) +
                                  "); JSON would keep one silently, so give it once");
    }
  }
  return duplicate;
}

// The parser's complaint at `at`, in words, and where the bad token begins: JSON has no NaN,
// Infinity or comments, which other languages' writers and hand edits put there.
struct Problem {
  std::size_t at;
  std::string words;
};
Problem syntax_problem(std::string_view text, std::size_t at, const std::string& what) {
  const auto part_of_word = [&](std::size_t i) {
    return std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '-' || text[i] == '+';
  };
  std::size_t begin = std::min(at, text.size()), end = begin;
  while (begin > 0 && part_of_word(begin - 1)) --begin;
  while (end < text.size() && end - begin < 20 && part_of_word(end)) ++end;
  std::string word(text.substr(begin, end - begin));
  std::string lower = word;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  lower.erase(0, lower.find_first_not_of("+-"));
  if (lower.starts_with("nan") || lower.starts_with("inf"))
    return {begin, "found " + word + ", but JSON has no NaN or Infinity: write a finite number"};
  if (at < text.size() && text[at] == '/')
    return {at, "found a comment (" + std::string(text.substr(at, 2)) +
                    "), but JSON has no comments: remove it"};
  // nlohmann's words after "line L, column C: ", whole ("... last read: 'tru'").
  const auto column = what.find("column ");
  const auto colon = what.find(": ", column == std::string::npos ? 0 : column);
  return {at, colon == std::string::npos ? what : what.substr(colon + 2)};
}

// Where `token`, a number the parser quotes, first stands as a number in `text` (outside the
// strings, not part of a longer number): the parser's range errors carry no offset.
std::size_t number_at(std::string_view text, const std::string& token) {
  const auto in_number = [&](std::size_t i) {
    return i < text.size() && std::strchr("0123456789+-.eE", text[i]) != nullptr;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"')
      for (++i; i < text.size() && text[i] != '"'; ++i) i += text[i] == '\\' ? 1 : 0;
    else if ((i == 0 || !in_number(i - 1)) && text.substr(i, token.size()) == token &&
             !in_number(i + token.size()))
      return i;
  }
  return text.size();
}

// nlohmann's message with the input it quotes ("last read: '…'", "number overflow parsing '…'")
// cut to 80 characters: a megabyte-long string or number would be a megabyte-long message.
std::string bounded(const std::string& what) {
  const auto open = what.find('\''), close = what.rfind('\'');
  if (open == std::string::npos || close <= open) return what;
  return what.substr(0, open + 1) + ad::shortened(what.substr(open + 1, close - open - 1), 80) +
         what.substr(close);
}

// The document, or a FileError at its line:column.
json parse_json(std::string_view text, const std::string& file) {
  std::optional<FileError> duplicate = scan(text, file);
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    const Problem problem = syntax_problem(text, e.byte > 0 ? e.byte - 1 : 0, e.what());
    throw FileError(file, position(text, problem.at), "invalid JSON: " + bounded(problem.words));
  } catch (const json::exception& e) {
    // The parser's other refusal, a number beyond a double's range (1e999), quotes the number
    // but carries no offset: found in the text.
    std::string what = e.what();
    if (const auto bracket = what.find("] "); bracket != std::string::npos)
      what = what.substr(bracket + 2);
    const auto open = what.find('\''), close = what.rfind('\'');
    const std::string token =
        close > open && open != std::string::npos ? what.substr(open + 1, close - open - 1) : "";
    const std::size_t at = token.empty() ? text.size() : number_at(text, token);
    throw FileError(file, at < text.size() ? position(text, at) : "",
                    "invalid JSON: " + bounded(what));
  }
  if (duplicate) throw *duplicate;
  return document;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

// A network file is a JSON object: a file that begins otherwise (a binary file, a CSV, an
// array) is refused by its first character, which `text` need only reach; the message shows the
// rest of its line, up to 16 bytes.
void require_object_start(std::string_view text, const std::string& file) {
  const std::string_view bom = "\xEF\xBB\xBF";  // a UTF-8 byte order mark, which JSON allows
  const std::size_t at = text.find_first_not_of(" \t\r\n", text.starts_with(bom) ? bom.size() : 0);
  // A comment ('/') is left to the parser, which names it.
  if (at == std::string_view::npos || text[at] == '{' || text[at] == '/') return;
  std::size_t end = at;
  while (end < text.size() && end - at < 16 && text[end] != '\n')
    end += ad::character_size(text, end);
  throw FileError(file, position(text, at),
                  "a network file is a JSON object and starts with '{'; this one starts with '" +
                      ad::printable(text.substr(at, end - at)) +
                      (end < text.size() ? "...'" : "'"));
}

}  // namespace

NetworkFile parse_network_file(std::string_view text, const std::string& file) {
  require_object_start(text, file);
  const json j = parse_json(text, file);
  Network network = read(Reader{file}, j);
  try {
    Topology topology = compile(network);
    if (network.published && network.samples.size() != 1)
      throw Error("/published", "published figures need a network with one sample");
    if (network.published)
      for (std::size_t f = 0; f < network.published->figures.size(); ++f)
        check_quantity(network, network.published->figures[f].quantity,
                       "/published/figures/" + std::to_string(f) + "/quantity");
    return {file, std::move(network), std::move(topology)};
  } catch (const Error& e) {
    throw FileError(file, e.place, e.reason);
  }
}

NetworkFile load_network_file(const std::string& path) {
  const std::optional<std::string> text = ad::read_file(
      path, kMaxFileBytes, [&](std::string_view start) { require_object_start(start, path); });
  if (!text)
    throw FileError(path, "",
                    "larger than " + std::to_string(kMaxFileBytes >> 20) +
                        " MiB, the most a network file may be");
  return parse_network_file(*text, path);
}

std::optional<Quantity> parse_quantity(const std::string& q) {
  auto w = words(q);
  if (w.size() == 1) return Quantity{Quantity::Value, w[0], "", 0};
  if (w.size() == 2 && w[0] == "new") return Quantity{Quantity::Updated, w[1], "", 1};
  if (w.size() == 5 && w[0] == "d" && w[2] == "/" && w[3] == "d")
    return Quantity{Quantity::Derivative, w[1], w[4], 0};
  if (w.size() == 3 && w[1] == "after") {
    // Decimal digits only, as the options are read: not +5, 010 (octal to strtol) or 0x10.
    const std::string& n = w[2];
    const bool digits = !n.empty() && n.size() <= 8 && n[0] != '0' &&
                        n.find_first_not_of("0123456789") == std::string::npos;
    if (digits && std::stol(n) <= kMostStepsAfter)
      return Quantity{Quantity::After, w[0], "", static_cast<int>(std::stol(n))};
  }
  return std::nullopt;
}

void check_quantity(const Network& n, const std::string& quantity, const std::string& place) {
  auto q = parse_quantity(quantity);
  if (const auto w = words(quantity); !q && w.size() == 3 && w[1] == "after")
    throw Error(place, "\"" + quantity + "\": in \"A after N\", N is a whole number from 1 to " +
                           grouped(kMostStepsAfter) + " in decimal digits");
  if (!q)
    throw Error(place, "unknown quantity \"" + quantity +
                           "\" (a node, \"d A / d B\", \"new w1\" or \"A after N\")");
  auto names = node_names(n);
  auto known = [&](const std::string& s) {
    return std::find(names.begin(), names.end(), s) != names.end();
  };
  if (!known(q->of)) throw Error(place, "no node named \"" + q->of + "\"");
  if (q->kind == Quantity::Derivative && !known(q->wrt))
    throw Error(place, "no node named \"" + q->wrt + "\"");
  if (q->kind == Quantity::Updated) {
    bool parameter = false;
    for (std::size_t p = 0; p < n.parameter_count(); ++p) parameter |= n.parameter_name(p) == q->of;
    if (!parameter) throw Error(place, "\"" + q->of + "\" is not a parameter");
  }
}

}  // namespace ad::nn
