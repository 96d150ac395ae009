#include "nn/network.hpp"

#include <cctype>
#include <cmath>
#include <unordered_map>

#include "autodiff/text.hpp"

namespace ad::nn {

std::string_view to_string(Activation a) {
  switch (a) {
    case Activation::Sigmoid:
      return "sigmoid";
    case Activation::Tanh:
      return "tanh";
    case Activation::Relu:
      return "relu";
    case Activation::Identity:
      return "identity";
  }
  return "?";
}
std::string_view to_string(Loss l) {
  switch (l) {
    case Loss::HalfSse:
      return "half_sse";
    case Loss::Mse:
      return "mse";
    case Loss::BinaryCrossEntropy:
      return "binary_cross_entropy";
  }
  return "?";
}
std::optional<Activation> parse_activation(std::string_view s) {
  for (Activation a :
       {Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Identity})
    if (to_string(a) == s) return a;
  return std::nullopt;
}
std::optional<Loss> parse_loss(std::string_view s) {
  for (Loss l : {Loss::HalfSse, Loss::Mse, Loss::BinaryCrossEntropy})
    if (to_string(l) == s) return l;
  return std::nullopt;
}

std::string_view Network::parameter_name(std::size_t p) const {
  return p < weights.size() ? weights[p].name : biases[p - weights.size()].name;
}
double Network::parameter(std::size_t p) const {
  return p < weights.size() ? weights[p].value : biases[p - weights.size()].value;
}
void Network::set_parameter(std::size_t p, double value) {
  (p < weights.size() ? weights[p].value : biases[p - weights.size()].value) = value;
}
std::vector<double> Network::parameters() const {
  std::vector<double> v(parameter_count());
  for (std::size_t p = 0; p < v.size(); ++p) v[p] = parameter(p);
  return v;
}
void Network::set_parameters(const std::vector<double>& values) {
  for (std::size_t p = 0; p < values.size(); ++p) set_parameter(p, values[p]);
}

namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }
std::string at(std::string_view section, std::size_t i) {
  return "/" + std::string(section) + "/" + std::to_string(i);
}
void finite(double v, const std::string& place) {
  if (!std::isfinite(v)) throw Error(place, "not a finite number");
}

// The units and their wiring, built and checked in the file's order, so the first problem in
// the file is the one reported. Places (JSON pointers) are written only for an error: building
// them for every weight of a ten-million-weight network would cost more than the wiring.
struct Wiring {
  const Network& n;
  Topology t;
  // Name -> the claim that first used it: claims are numbered in the order of the file's names
  // (inputs, neurons layer by layer, weights, biases), and claim_place() turns a number back into
  // a place, so the map holds a number per name rather than a place.
  std::unordered_map<std::string_view, std::size_t> seen;
  std::vector<std::size_t> unit_layer;  // 0: inputs, l + 1: layer l
  // stamp[u] == stamped: unit u already feeds neuron `stamped`. Renewed when the weights move on
  // to another neuron, so a second weight between two units costs no search of the neuron's
  // inputs while its weights come together (a search each would be quadratic in the fan-in).
  std::vector<std::size_t> stamp;
  std::size_t stamped;
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::string claim_place(std::size_t c) const {
    if (c < n.inputs.size()) return at("inputs", c);
    c -= n.inputs.size();
    for (std::size_t l = 0; l < n.layers.size(); c -= n.layers[l++].neurons.size())
      if (c < n.layers[l].neurons.size()) return at("layers", l) + "/neurons/" + std::to_string(c);
    if (c < n.weights.size()) return at("weights", c) + "/name";
    return at("biases", c - n.weights.size()) + "/name";
  }
  // `name`, the next claim in file order, at `place` (a function: written only for an error).
  template <class Place>
  void claim(const std::string& name, const Place& place) {
    if (name.empty()) throw Error(place(), "empty name");
    auto [it, fresh] = seen.emplace(name, seen.size());
    if (!fresh)
      throw Error(place(), "duplicate name " + quoted(name) + " (first used at " +
                               claim_place(it->second) + ")");
  }
  std::size_t unit(const std::string& name, std::size_t w, const char* field) const {
    auto it = t.unit_index.find(name);
    if (it == t.unit_index.end())
      throw Error(at("weights", w) + field, "unknown neuron " + quoted(name));
    return it->second;
  }
  Topology::Neuron& neuron_of(std::size_t u) { return t.neurons[u - t.input_count]; }

  void add_unit(const std::string& name, std::size_t layer) {
    t.unit_index[name] = t.unit_names.size();
    t.unit_names.push_back(name);
    unit_layer.push_back(layer);
  }
  void add_units() {
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
      claim(n.inputs[i], [&] { return at("inputs", i); });
      add_unit(n.inputs[i], 0);
    }
    t.input_count = n.inputs.size();
    for (std::size_t l = 0; l < n.layers.size(); ++l) {
      if (n.layers[l].neurons.empty())
        throw Error(at("layers", l) + "/neurons", "a layer without neurons");
      for (std::size_t j = 0; j < n.layers[l].neurons.size(); ++j) {
        const std::string& name = n.layers[l].neurons[j];
        claim(name, [&] { return at("layers", l) + "/neurons/" + std::to_string(j); });
        t.neurons.push_back({t.unit_names.size(), l, {}, std::nullopt, n.layers[l].activation});
        add_unit(name, l + 1);
      }
    }
    stamped = kNone;
    stamp.assign(t.unit_names.size(), kNone);
  }
  // Whether `from` already feeds `to`.
  bool feeds(std::size_t from, std::size_t to) {
    if (to != stamped) {
      stamped = to;
      for (const auto& in : neuron_of(to).in) stamp[in.source] = to;
    }
    return stamp[from] == to;
  }
  void add_weight(std::size_t w) {
    const Weight& wt = n.weights[w];
    claim(wt.name, [&] { return at("weights", w) + "/name"; });
    if (!std::isfinite(wt.value)) finite(wt.value, at("weights", w) + "/value");
    const std::size_t from = unit(wt.from, w, "/from"), to = unit(wt.to, w, "/to");
    if (unit_layer[to] == 0)
      throw Error(at("weights", w) + "/to", "a weight cannot lead into the input " + quoted(wt.to));
    if (unit_layer[from] >= unit_layer[to])
      throw Error(at("weights", w),
                  "weight " + quoted(wt.name) + " from " + quoted(wt.from) + " to " +
                      quoted(wt.to) +
                      " makes a cycle: weights must lead from an earlier layer to a later one");
    if (feeds(from, to))
      throw Error(at("weights", w),
                  "a second weight from " + quoted(wt.from) + " to " + quoted(wt.to));
    stamp[from] = to;
    neuron_of(to).in.push_back({w, from});
  }
  // What the recording itself names `name`, if it does: a neuron's net_ or out_ node, an
  // output's error E1, E2, ..., E_total, a batch's E_mean or a sample's s2.… An input or a
  // parameter of that name would be a second node of it: the tape view, --explain and the page
  // would show one for the other. "": none.
  std::string recorded_as(std::string_view name) const {
    for (const std::string_view prefix : {"net_", "out_"})
      if (name.starts_with(prefix))
        if (const auto it = t.unit_index.find(std::string(name.substr(4)));
            it != t.unit_index.end() && unit_layer[it->second] > 0)
          return std::string(prefix == "net_" ? "the net input" : "the output") + " of neuron " +
                 quoted(std::string(name.substr(4)));
    if (name == "E_total") return "the total error";
    if (name == "E_mean" && n.samples.size() > 1) return "the batch's mean error";
    const std::size_t outputs = n.layers.back().neurons.size();
    for (std::size_t k = 1; k <= outputs && name.starts_with('E'); ++k)
      if (name.substr(1) == std::to_string(k))
        return "the error of output " + quoted(n.layers.back().neurons[k - 1]);
    std::size_t digits = 0;
    while (digits + 1 < name.size() && std::isdigit(static_cast<unsigned char>(name[digits + 1])))
      ++digits;
    if (n.samples.size() > 1 && name.starts_with('s') && digits > 0 && name.size() > digits + 1 &&
        name[digits + 1] == '.')
      return "a node of sample " + std::string(name.substr(1, digits)) + " in a batch";
    return "";
  }
  template <class Place>
  void check_not_recorded(const std::string& name, const Place& place) const {
    if (const std::string meaning = recorded_as(name); !meaning.empty())
      throw Error(place(), quoted(name) + " is what the recording names " + meaning +
                               ": two nodes would have one name; choose another");
  }
  void add_bias(std::size_t b) {
    const Bias& bias = n.biases[b];
    claim(bias.name, [&] { return at("biases", b) + "/name"; });
    finite(bias.value, at("biases", b) + "/value");
    if (bias.to.empty()) throw Error(at("biases", b) + "/to", "a bias that leads nowhere");
    for (std::size_t k = 0; k < bias.to.size(); ++k) {
      std::string place = at("biases", b) + "/to/" + std::to_string(k);
      auto it = t.unit_index.find(bias.to[k]);
      if (it == t.unit_index.end()) throw Error(place, "unknown neuron " + quoted(bias.to[k]));
      const std::size_t to = it->second;
      if (unit_layer[to] == 0) throw Error(place, "an input has no bias");
      if (neuron_of(to).bias)
        throw Error(place, "neuron " + quoted(bias.to[k]) + " already has a bias");
      neuron_of(to).bias = n.weights.size() + b;
    }
  }
};

void check_samples(const Network& n, const Topology& t) {
  if (n.samples.empty()) throw Error("/samples", "no sample: give inputs and targets");
  for (std::size_t s = 0; s < n.samples.size(); ++s) {
    if (n.samples[s].inputs.size() != n.inputs.size())
      throw Error(at("samples", s) + "/inputs",
                  "expected " + std::to_string(n.inputs.size()) + " inputs");
    if (n.samples[s].targets.size() != t.outputs.size())
      throw Error(at("samples", s) + "/targets",
                  "expected " + std::to_string(t.outputs.size()) + " targets");
    for (double v : n.samples[s].inputs) finite(v, at("samples", s) + "/inputs");
    for (double v : n.samples[s].targets) finite(v, at("samples", s) + "/targets");
    for (std::size_t k = 0; k < t.outputs.size(); ++k) {
      const double target = n.samples[s].targets[k];
      if (n.loss == Loss::BinaryCrossEntropy && !(target >= 0 && target <= 1))
        throw Error(at("samples", s) + "/targets/" + std::to_string(k),
                    "binary cross-entropy needs targets between 0 and 1, and sample " +
                        std::to_string(s + 1) + " gives " + n.outputs()[k] + " the target " +
                        ad::number(target, 6));
    }
  }
}

// The parameter indices of the train list, each once, in the list's order.
std::vector<std::size_t> trained_parameters(const Network& n) {
  std::vector<std::size_t> trained;
  trained.reserve(n.train.size());
  // The lists the file's "weights" and "all" make name the parameters in order: matched by
  // position, they need no map of millions of names.
  std::size_t k = 0;
  for (; k < n.train.size() && k < n.parameter_count() && n.train[k] == n.parameter_name(k); ++k)
    trained.push_back(k);
  if (k == n.train.size()) return trained;
  // The rest by name through a map: a search per name would make compile quadratic.
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(n.parameter_count());
  for (std::size_t p = 0; p < n.parameter_count(); ++p) index.emplace(n.parameter_name(p), p);
  std::vector<bool> seen(n.parameter_count(), false);
  for (std::size_t p : trained) seen[p] = true;
  for (; k < n.train.size(); ++k) {
    const auto it = index.find(n.train[k]);
    if (it == index.end()) throw Error(at("train", k), "no parameter named " + quoted(n.train[k]));
    if (!seen[it->second]) trained.push_back(it->second);
    seen[it->second] = true;
  }
  return trained;
}

}  // namespace

Topology compile(const Network& n) {
  if (n.inputs.empty()) throw Error("/inputs", "the network has no inputs");
  if (n.layers.empty()) throw Error("/layers", "the network has no layers");
  Wiring wiring{n, {}, {}, {}, {}, Wiring::kNone};
  std::size_t units = n.inputs.size();
  for (const Layer& layer : n.layers) units += layer.neurons.size();
  wiring.seen.reserve(units + n.parameter_count());  // rehashing millions of names is costly
  wiring.add_units();
  for (std::size_t w = 0; w < n.weights.size(); ++w) wiring.add_weight(w);
  for (std::size_t b = 0; b < n.biases.size(); ++b) wiring.add_bias(b);
  for (std::size_t i = 0; i < n.inputs.size(); ++i)
    wiring.check_not_recorded(n.inputs[i], [&] { return at("inputs", i); });
  for (std::size_t w = 0; w < n.weights.size(); ++w)
    wiring.check_not_recorded(n.weights[w].name, [&] { return at("weights", w) + "/name"; });
  for (std::size_t b = 0; b < n.biases.size(); ++b)
    wiring.check_not_recorded(n.biases[b].name, [&] { return at("biases", b) + "/name"; });
  Topology t = std::move(wiring.t);
  for (const auto& neuron : t.neurons)
    if (neuron.in.empty())
      throw Error("/weights",
                  "neuron " + quoted(t.unit_names[neuron.unit]) + " has no incoming weight");
  for (const auto& name : n.layers.back().neurons) t.outputs.push_back(t.unit_index[name]);
  check_samples(n, t);
  if (const Activation a = n.layers.back().activation;
      n.loss == Loss::BinaryCrossEntropy && a != Activation::Sigmoid)
    throw Error(at("layers", n.layers.size() - 1) + "/activation",
                "binary cross-entropy takes the log of each output and of 1 − output, so the "
                "outputs must lie between 0 and 1, which the output layer's activation, " +
                    std::string(to_string(a)) +
                    ", cannot guarantee: use sigmoid, or the loss half_sse or mse");
  finite(n.learning_rate, "/learning_rate");
  t.trained = trained_parameters(n);
  return t;
}

std::vector<std::string> node_names(const Network& n, bool leaves) {
  std::vector<std::string> names;
  if (leaves) {
    names = n.inputs;
    for (std::size_t p = 0; p < n.parameter_count(); ++p) names.emplace_back(n.parameter_name(p));
  }
  for (const auto& layer : n.layers)
    for (const auto& neuron : layer.neurons) {
      names.push_back("net_" + neuron);
      names.push_back("out_" + neuron);
    }
  for (std::size_t k = 0; k < n.outputs().size(); ++k) names.push_back("E" + std::to_string(k + 1));
  names.emplace_back("E_total");
  return names;
}

}  // namespace ad::nn
