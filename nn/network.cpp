#include "nn/network.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_set>

#include "autodiff/var.hpp"

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
std::string number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", x);
  return std::isnan(x) ? "nan" : buffer;
}
std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }
std::string at(std::string_view section, std::size_t i) {
  return "/" + std::string(section) + "/" + std::to_string(i);
}
void finite(double v, const std::string& place) {
  if (!std::isfinite(v)) throw Error(place, "not a finite number");
}
}  // namespace

Diverged::Diverged(int step, double learning_rate, const std::string& what)
    : NumericError("training diverged at step " + std::to_string(step) + " with learning rate " +
                   number(learning_rate) + ": " + what + "; try a smaller learning_rate"),
      step(step),
      learning_rate(learning_rate) {}

Topology compile(const Network& n) {
  Topology t;
  if (n.inputs.empty()) throw Error("/inputs", "the network has no inputs");
  if (n.layers.empty()) throw Error("/layers", "the network has no layers");
  std::unordered_map<std::string, std::string> seen;  // name -> place of first use
  auto claim = [&](const std::string& name, const std::string& place) {
    if (name.empty()) throw Error(place, "empty name");
    auto [it, fresh] = seen.emplace(name, place);
    if (!fresh)
      throw Error(place, "duplicate name " + quoted(name) + " (first used at " + it->second + ")");
  };
  std::vector<std::size_t> unit_layer;  // 0: inputs, l + 1: layer l
  for (std::size_t i = 0; i < n.inputs.size(); ++i) {
    claim(n.inputs[i], at("inputs", i));
    t.unit_index[n.inputs[i]] = t.unit_names.size();
    t.unit_names.push_back(n.inputs[i]);
    unit_layer.push_back(0);
  }
  t.input_count = n.inputs.size();
  for (std::size_t l = 0; l < n.layers.size(); ++l) {
    if (n.layers[l].neurons.empty())
      throw Error(at("layers", l) + "/neurons", "a layer without neurons");
    for (std::size_t j = 0; j < n.layers[l].neurons.size(); ++j) {
      const std::string& name = n.layers[l].neurons[j];
      claim(name, at("layers", l) + "/neurons/" + std::to_string(j));
      t.unit_index[name] = t.unit_names.size();
      t.neurons.push_back({t.unit_names.size(), l, {}, std::nullopt, n.layers[l].activation});
      t.unit_names.push_back(name);
      unit_layer.push_back(l + 1);
    }
  }
  auto unit = [&](const std::string& name, const std::string& place) {
    auto it = t.unit_index.find(name);
    if (it == t.unit_index.end()) throw Error(place, "unknown neuron " + quoted(name));
    return it->second;
  };
  auto neuron_of = [&](std::size_t u) -> Topology::Neuron& { return t.neurons[u - t.input_count]; };
  for (std::size_t w = 0; w < n.weights.size(); ++w) {
    const Weight& wt = n.weights[w];
    claim(wt.name, at("weights", w) + "/name");
    finite(wt.value, at("weights", w) + "/value");
    std::size_t from = unit(wt.from, at("weights", w) + "/from");
    std::size_t to = unit(wt.to, at("weights", w) + "/to");
    if (unit_layer[to] == 0)
      throw Error(at("weights", w) + "/to", "a weight cannot lead into the input " + quoted(wt.to));
    if (unit_layer[from] >= unit_layer[to])
      throw Error(at("weights", w),
                  "weight " + quoted(wt.name) + " from " + quoted(wt.from) + " to " +
                      quoted(wt.to) +
                      " makes a cycle: weights must lead from an earlier layer to a later one");
    for (const auto& in : neuron_of(to).in)
      if (in.source == from)
        throw Error(at("weights", w),
                    "a second weight from " + quoted(wt.from) + " to " + quoted(wt.to));
    neuron_of(to).in.push_back({w, from});
  }
  for (std::size_t b = 0; b < n.biases.size(); ++b) {
    const Bias& bias = n.biases[b];
    claim(bias.name, at("biases", b) + "/name");
    finite(bias.value, at("biases", b) + "/value");
    if (bias.to.empty()) throw Error(at("biases", b) + "/to", "a bias that leads nowhere");
    for (std::size_t k = 0; k < bias.to.size(); ++k) {
      std::string place = at("biases", b) + "/to/" + std::to_string(k);
      std::size_t to = unit(bias.to[k], place);
      if (unit_layer[to] == 0) throw Error(place, "an input has no bias");
      if (neuron_of(to).bias)
        throw Error(place, "neuron " + quoted(bias.to[k]) + " already has a bias");
      neuron_of(to).bias = n.weights.size() + b;
    }
  }
  for (const auto& neuron : t.neurons)
    if (neuron.in.empty())
      throw Error("/weights",
                  "neuron " + quoted(t.unit_names[neuron.unit]) + " has no incoming weight");
  for (const auto& name : n.layers.back().neurons) t.outputs.push_back(t.unit_index[name]);
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
                        number(target));
    }
  }
  if (const Activation a = n.layers.back().activation;
      n.loss == Loss::BinaryCrossEntropy && a != Activation::Sigmoid)
    throw Error(at("layers", n.layers.size() - 1) + "/activation",
                "binary cross-entropy takes the log of each output and of 1 − output, so the "
                "outputs must lie between 0 and 1, which the output layer's activation, " +
                    std::string(to_string(a)) +
                    ", cannot guarantee: use sigmoid, or the loss half_sse or mse");
  finite(n.learning_rate, "/learning_rate");
  std::unordered_set<std::size_t> trained;
  for (std::size_t k = 0; k < n.train.size(); ++k) {
    std::size_t p = 0;
    while (p < n.parameter_count() && n.parameter_name(p) != n.train[k]) ++p;
    if (p == n.parameter_count())
      throw Error(at("train", k), "no parameter named " + quoted(n.train[k]));
    if (trained.insert(p).second) t.trained.push_back(p);
  }
  return t;
}

std::vector<std::string> node_names(const Network& n) {
  std::vector<std::string> names(n.inputs);
  for (std::size_t p = 0; p < n.parameter_count(); ++p) names.emplace_back(n.parameter_name(p));
  for (const auto& layer : n.layers)
    for (const auto& neuron : layer.neurons) {
      names.push_back("net_" + neuron);
      names.push_back("out_" + neuron);
    }
  for (std::size_t k = 0; k < n.outputs().size(); ++k) names.push_back("E" + std::to_string(k + 1));
  names.emplace_back("E_total");
  return names;
}

// ---- Engine ----

namespace {
ad::Var activate(Activation a, const ad::Var& x) {
  switch (a) {
    case Activation::Sigmoid:
      return sigmoid(x);
    case Activation::Tanh:
      return tanh(x);
    case Activation::Relu:
      return relu(x);
    case Activation::Identity:
      return x;
  }
  return x;
}
double activate(Activation a, double x) {
  switch (a) {
    case Activation::Sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case Activation::Tanh:
      return std::tanh(x);
    case Activation::Relu:
      return x > 0 ? x : 0.0;
    case Activation::Identity:
      return x;
  }
  return x;
}
}  // namespace

Trainer::Trainer(Network network) : network_(std::move(network)), topology_(compile(network_)) {
  const std::size_t samples = network_.samples.size();
  auto prefix = [&](std::size_t s) {
    return samples == 1 ? std::string() : "s" + std::to_string(s + 1) + ".";
  };
  net_names_.resize(samples);
  out_names_.resize(samples);
  error_names_.resize(samples);
  input_names_.resize(samples);
  for (std::size_t s = 0; s < samples; ++s) {
    for (std::size_t u = 0; u < topology_.unit_names.size(); ++u) {
      net_names_[s].push_back(prefix(s) + "net_" + topology_.unit_names[u]);
      out_names_[s].push_back(prefix(s) + "out_" + topology_.unit_names[u]);
      input_names_[s].push_back(prefix(s) + topology_.unit_names[u]);
    }
    for (std::size_t k = 0; k < topology_.outputs.size(); ++k)
      error_names_[s].push_back(prefix(s) + "E" + std::to_string(k + 1));
    total_names_.push_back(prefix(s) + "E_total");
  }
  std::size_t widest = 0;
  for (const auto& neuron : topology_.neurons) widest = std::max(widest, neuron.in.size());
  weights_buf_.reserve(widest);
  inputs_buf_.reserve(widest);
  unit_vars_.resize(topology_.unit_names.size());
  outputs_.assign(samples, std::vector<ad::Var>(topology_.outputs.size()));
  terms_.reserve(topology_.outputs.size());
  totals_.reserve(samples);
  gradients_.assign(network_.parameter_count(), 0.0);
}

ad::Tape& Trainer::tape() const {
  if (tape_ == nullptr) throw Error("/", "the network has not been evaluated yet");
  return *tape_;
}

double Trainer::evaluate() {
  ad::Tape& tape = ad::Tape::active();
  tape_ = &tape;
  tape.clear();
  ranges_.clear();
  const Network& n = network_;
  const bool batch = n.samples.size() > 1;
  // `cluster` must outlive the recording: a layer's name or one of the constants below.
  static const std::string parameters = "parameters", inputs = "inputs", error = "error";
  auto mark = [&](std::size_t from, NodeRole role, const std::string& cluster) {
    if (from < tape.size()) ranges_.push_back({from, tape.size(), role, &cluster});
  };
  auto keep = [&](const ad::Var& v, const std::string& name) {
    remember(name, ad::named(v, name));
    return v;
  };
  parameter_vars_.clear();
  for (std::size_t p = 0; p < n.parameter_count(); ++p) {
    std::size_t start = tape.size();
    parameter_vars_.emplace_back(n.parameter(p), n.parameter_name(p));
    remember(n.weights.size() > p ? n.weights[p].name : n.biases[p - n.weights.size()].name,
             parameter_vars_.back());
    mark(start, NodeRole::Parameter, parameters);
  }
  totals_.clear();
  for (std::size_t s = 0; s < n.samples.size(); ++s) {
    const Sample& sample = n.samples[s];
    std::size_t start = tape.size();
    for (std::size_t i = 0; i < topology_.input_count; ++i) {
      unit_vars_[i] = ad::Var(sample.inputs[i], input_names_[s][i]);
      remember(input_names_[s][i], unit_vars_[i]);
    }
    mark(start, NodeRole::Input, inputs);
    const std::size_t last_layer = n.layers.size() - 1;
    for (const auto& neuron : topology_.neurons) {
      start = tape.size();
      weights_buf_.clear();
      inputs_buf_.clear();
      for (const auto& in : neuron.in) {
        weights_buf_.push_back(parameter_vars_[in.parameter]);
        inputs_buf_.push_back(unit_vars_[in.source]);
      }
      ad::Var net = neuron.bias
                        ? ad::weighted_sum(weights_buf_, inputs_buf_, parameter_vars_[*neuron.bias])
                        : ad::weighted_sum(weights_buf_, inputs_buf_);
      keep(net, net_names_[s][neuron.unit]);
      ad::Var out = activate(neuron.activation, net);
      // An identity activation adds no node: the net input is the output.
      if (neuron.activation != Activation::Identity)
        keep(out, out_names_[s][neuron.unit]);
      else
        remember(out_names_[s][neuron.unit], out);
      unit_vars_[neuron.unit] = out;
      mark(start, neuron.layer == last_layer ? NodeRole::Output : NodeRole::Hidden,
           n.layers[neuron.layer].name);
    }
    if (n.loss == Loss::BinaryCrossEntropy) check_probabilities(s);
    start = tape.size();
    terms_.clear();
    const std::size_t m = topology_.outputs.size();
    for (std::size_t k = 0; k < m; ++k) {
      const ad::Var& o = unit_vars_[topology_.outputs[k]];
      outputs_[s][k] = o;
      const double t = sample.targets[k];
      ad::Var term;
      switch (n.loss) {
        // One node per error, ½(t − o)², so the explanation has one step ∂E1/∂out_o1 (the
        // tutorials'), not one through each operand of (t − o)·(t − o). 2·½d² == d² exactly.
        case Loss::HalfSse:
          term = ad::half_squared_error(o, t);
          break;
        case Loss::Mse:
          term = 2.0 * ad::half_squared_error(o, t);
          break;
        case Loss::BinaryCrossEntropy:
          term = -(t * log(o) + (1.0 - t) * log(1.0 - o));
          break;
      }
      terms_.push_back(keep(term, error_names_[s][k]));
    }
    ad::Var total = ad::sum(terms_);
    if (n.loss != Loss::HalfSse) total = total / static_cast<double>(m);
    totals_.push_back(keep(total, total_names_[s]));
    mark(start, NodeRole::Output, error);
  }
  if (batch) {
    std::size_t start = tape.size();
    loss_ = keep(ad::sum(totals_) / static_cast<double>(totals_.size()), mean_name_);
    mark(start, NodeRole::Output, error);
  } else {
    loss_ = totals_.front();
  }
  tape.backward(loss_);
  if (!std::isfinite(loss_.value())) numeric_error("the loss", loss_.value());
  for (std::size_t p = 0; p < n.parameter_count(); ++p) {
    try {
      gradients_[p] = tape.gradient(parameter_vars_[p]);
    } catch (const ad::NonFinite&) {  // NaN: said below, in the network's terms
      gradients_[p] = std::numeric_limits<double>::quiet_NaN();
    }
    if (!std::isfinite(gradients_[p]))
      numeric_error("the gradient ∂" + std::string(batch ? mean_name_ : "E_total") + "/∂" +
                        std::string(n.parameter_name(p)),
                    gradients_[p]);
  }
  return loss_.value();
}

void Trainer::numeric_error(const std::string& subject, double value,
                            const std::string& why) const {
  if (steps_ > 0)
    throw Diverged(steps_, network_.learning_rate, subject + " became " + number(value) + why);
  throw NumericError("at the parameters the network starts from, " + subject + " is " +
                     number(value) + why);
}

void Trainer::check_probabilities(std::size_t s) const {
  for (std::size_t k = 0; k < topology_.outputs.size(); ++k) {
    const std::size_t unit = topology_.outputs[k];
    const double o = unit_vars_[unit].value();
    if (o > 0 && o < 1) [[likely]]
      continue;
    const std::string& net = net_names_[s][unit];
    numeric_error(
        "the output " + topology_.unit_names[unit] + " of sample " + std::to_string(s + 1), o,
        ", which binary cross-entropy cannot take: it needs outputs strictly between 0 "
        "and 1 (" +
            net + " = " + number(node(net).value()) + " saturates the sigmoid)");
  }
}

double Trainer::step() {
  double before = evaluate();
  ++steps_;
  for (std::size_t p : topology_.trained) {
    const double value = network_.parameter(p) - network_.learning_rate * gradients_[p];
    network_.set_parameter(p, value);
    if (!std::isfinite(value)) numeric_error(std::string(network_.parameter_name(p)), value);
  }
  return before;
}

void Trainer::train(int steps) {
  for (int k = 0; k < steps; ++k) step();
}

std::vector<std::vector<double>> Trainer::outputs() const {
  std::vector<std::vector<double>> v;
  for (const auto& sample : outputs_) {
    v.emplace_back();
    for (const auto& o : sample) v.back().push_back(o.value());
  }
  return v;
}

ad::Var Trainer::node(std::string_view name) const {
  auto it = slot_.find(std::string(name));
  if (it == slot_.end())
    throw Error("/", "no node named \"" + std::string(name) + "\" in the recording");
  return slots_[it->second];
}

std::unordered_map<std::uint32_t, NodeInfo> Trainer::node_info() const {
  std::unordered_map<std::uint32_t, NodeInfo> info;
  for (const Range& r : ranges_)
    for (std::size_t i = r.begin; i < r.end; ++i)
      info[static_cast<std::uint32_t>(i)] = {r.role, *r.cluster};
  return info;
}

void Trainer::remember(const std::string& name, const ad::Var& v) {
  auto it = slot_.find(name);
  if (it == slot_.end()) {
    slot_.emplace(name, slots_.size());
    slots_.push_back(v);
  } else {
    slots_[it->second] = v;
  }
}

// ---- Plain doubles ----

Forward forward(const Network& n, const Topology& t, const std::vector<double>& p,
                const Sample& sample) {
  Forward f;
  f.net.assign(t.unit_names.size(), 0.0);
  f.out.assign(t.unit_names.size(), 0.0);
  for (std::size_t i = 0; i < t.input_count; ++i) f.out[i] = f.net[i] = sample.inputs[i];
  for (const auto& neuron : t.neurons) {
    double net = 0.0;
    for (const auto& in : neuron.in) net += p[in.parameter] * f.out[in.source];
    if (neuron.bias) net += p[*neuron.bias];
    f.net[neuron.unit] = net;
    f.out[neuron.unit] = activate(neuron.activation, net);
  }
  (void)n;
  return f;
}

double loss(const Network& n, const Topology& t, const std::vector<double>& p) {
  double sum = 0.0;
  for (const auto& sample : n.samples) {
    Forward f = forward(n, t, p, sample);
    double e = 0.0;
    for (std::size_t k = 0; k < t.outputs.size(); ++k) {
      double o = f.out[t.outputs[k]], y = sample.targets[k];
      switch (n.loss) {
        case Loss::HalfSse:
          e += 0.5 * (y - o) * (y - o);
          break;
        case Loss::Mse:
          e += (y - o) * (y - o);
          break;
        case Loss::BinaryCrossEntropy:
          e -= y * std::log(o) + (1 - y) * std::log(1 - o);
          break;
      }
    }
    if (n.loss != Loss::HalfSse) e /= static_cast<double>(t.outputs.size());
    sum += e;
  }
  return sum / static_cast<double>(n.samples.size());
}

}  // namespace ad::nn
