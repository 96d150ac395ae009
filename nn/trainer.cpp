#include "nn/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "autodiff/function.hpp"
#include "autodiff/text.hpp"
#include "autodiff/var.hpp"

namespace ad::nn {

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

// One error term: the loss of output o against its target t.
ad::Var error_term(Loss loss, const ad::Var& o, double t) {
  switch (loss) {
    // One node per error, ½(t − o)², so the explanation has one step ∂E1/∂out_o1 (the
    // tutorials'), not one through each operand of (t − o)·(t − o). 2·½d² == d² exactly.
    case Loss::HalfSse:
      return ad::half_squared_error(o, t);
    case Loss::Mse:
      return 2.0 * ad::half_squared_error(o, t);
    case Loss::BinaryCrossEntropy:
      return -(t * log(o) + (1.0 - t) * log(1.0 - o));
  }
  return {};
}

// A sample's E_total from its error terms. One output: its error is the total, one node (a sum
// of one term, E1 again, and E1/1 were two more nodes, the first drawn as a second "E1"); both
// names find it.
ad::Var error_total(Loss loss, std::span<const ad::Var> terms) {
  ad::Var total = terms.front();
  if (terms.size() > 1) total = ad::sum(terms);
  if (terms.size() > 1 && loss != Loss::HalfSse) total = total / static_cast<double>(terms.size());
  return total;
}

// The clusters of node_info() that are not layers; they outlive every recording. The parameters
// have none: in a box of their own they were one column far from the neurons they feed.
const std::string kNoCluster, kInputs = "inputs", kError = "error";

}  // namespace

Diverged::Diverged(int step, double learning_rate, const std::string& what)
    : NumericError("training diverged at step " + std::to_string(step) + " with learning rate " +
                       ad::number(learning_rate, 6) + ": " + what + "; try a smaller learning_rate",
                   {.place = "step " + std::to_string(step), .reason = what}),
      step(step),
      learning_rate(learning_rate) {}

Trainer::Trainer(Network network, Topology topology)
    : own_network_(std::move(network)),
      own_topology_(std::move(topology)),
      network_(&*own_network_),
      topology_(&*own_topology_),
      parameters_(network_->parameters()) {
  prepare();
}

Trainer::Trainer(const Network* network, const Topology* topology)
    : network_(network), topology_(topology), parameters_(network->parameters()) {
  prepare();
}

void Trainer::prepare() {
  const std::size_t samples = network_->samples.size();
  auto prefix = [&](std::size_t s) {
    return samples == 1 ? std::string() : "s" + std::to_string(s + 1) + ".";
  };
  net_names_.resize(samples);
  out_names_.resize(samples);
  error_names_.resize(samples);
  input_names_.resize(samples);
  for (std::size_t s = 0; s < samples; ++s) {
    for (std::size_t u = 0; u < topology_->unit_names.size(); ++u) {
      net_names_[s].push_back(prefix(s) + "net_" + topology_->unit_names[u]);
      out_names_[s].push_back(prefix(s) + "out_" + topology_->unit_names[u]);
      input_names_[s].push_back(prefix(s) + topology_->unit_names[u]);
    }
    for (std::size_t k = 0; k < topology_->outputs.size(); ++k)
      error_names_[s].push_back(prefix(s) + "E" + std::to_string(k + 1));
    total_names_.push_back(prefix(s) + "E_total");
  }
  std::size_t widest = 0;
  for (const auto& neuron : topology_->neurons) widest = std::max(widest, neuron.in.size());
  weights_buf_.reserve(widest);
  inputs_buf_.reserve(widest);
  unit_vars_.resize(topology_->unit_names.size());
  outputs_.assign(samples, std::vector<ad::Var>(topology_->outputs.size()));
  terms_.reserve(topology_->outputs.size());
  totals_.reserve(samples);
  gradients_.assign(network_->parameter_count(), 0.0);
  parameter_vars_.reserve(network_->parameter_count());
}

ad::Tape& Trainer::tape() const {
  if (tape_ == nullptr) throw Error("/", "the network has not been evaluated yet");
  return *tape_;
}

double Trainer::evaluate() {
  outputs_in_blocks_ = false;  // outputs_ are this recording's, or this replay's
  ad::Tape& active = ad::Tape::active();
  // The recording is the same at every step (no branch depends on the parameters): replay it
  // while its tape holds it unchanged. The checked mode records afresh, so that its errors and
  // this class's come in the order recording gives them.
  if (recording_ && tape_ == &active && !active.checked() && active.size() == recorded_size_ &&
      recording_->valid())
    replay();
  else
    record();
  tape_->backward(loss_);
  loss_value_ = loss_.value();
  if (in_blocks())
    batch_gradient();  // the same loss, bit for bit: the samples' totals summed in order, / n
  else
    collect_gradients();
  check_finite();
  return loss_value_;
}

void Trainer::batch_gradient() {
  const std::size_t samples = network_->samples.size();
  if (!workers_) {
    const unsigned cores = std::max(std::thread::hardware_concurrency(), 1U);
    const std::size_t blocks = (samples + kBlock - 1) / kBlock;
    workers_.emplace(
        static_cast<unsigned>(std::min<std::size_t>(network_->threads.value_or(cores), blocks)));
  }
  block_outputs_.resize(samples);  // allocates at the first step only
  for (auto& o : block_outputs_) o.resize(topology_->outputs.size());
  try {
    loss_value_ = workers_->gradient(
        parameters_, samples,
        [this](std::size_t s, std::span<const ad::Var> w) { return sample_loss(s, w); }, gradients_,
        {.block = kBlock, .divisor = static_cast<double>(samples)});
  } catch (const ad::BatchError& e) {  // the Trainer's own errors name their sample already
    std::rethrow_exception(e.cause);
  }
}

ad::Var Trainer::sample_loss(std::size_t s, std::span<const ad::Var> w) const {
  const Sample& sample = network_->samples[s];
  const Topology& t = *topology_;
  std::vector<ad::Var> units(t.unit_names.size()), weights, inputs, terms;
  std::vector<double> nets(t.unit_names.size());
  for (std::size_t i = 0; i < t.input_count; ++i) units[i] = ad::Var(sample.inputs[i]);
  for (const auto& neuron : t.neurons) {
    weights.clear();
    inputs.clear();
    for (const auto& in : neuron.in) {
      weights.push_back(w[in.parameter]);
      inputs.push_back(units[in.source]);
    }
    const ad::Var net = neuron.bias ? ad::weighted_sum(weights, inputs, w[*neuron.bias])
                                    : ad::weighted_sum(weights, inputs);
    nets[neuron.unit] = net.value();
    units[neuron.unit] = activate(neuron.activation, net);
  }
  for (std::size_t k = 0; k < t.outputs.size(); ++k) {
    const double o = units[t.outputs[k]].value();
    block_outputs_[s][k] = o;  // this sample's own entry: no other thread writes it
    if (network_->loss == Loss::BinaryCrossEntropy && !(o > 0 && o < 1))
      probability_error(s, k, o, nets[t.outputs[k]]);
  }
  for (std::size_t k = 0; k < t.outputs.size(); ++k)
    terms.push_back(error_term(network_->loss, units[t.outputs[k]], sample.targets[k]));
  return error_total(network_->loss, terms);
}

void Trainer::check_finite() const {
  if (!std::isfinite(loss_value_)) numeric_error("the loss", loss_value_);
  const Network& n = *network_;
  const std::string& loss_name = n.samples.size() > 1 ? mean_name_ : total_names_.front();
  for (std::size_t p = 0; p < n.parameter_count(); ++p)
    if (!std::isfinite(gradients_[p]))
      numeric_error("the gradient ∂" + loss_name + "/∂" + std::string(n.parameter_name(p)),
                    gradients_[p]);
}

void Trainer::record() {
  recording_.reset();
  tape_ = &ad::Tape::active();
  tape_->clear();
  ranges_.clear();
  record_parameters();
  recording_ = ad::record(parameter_vars_, [&] {
    totals_.clear();
    for (std::size_t s = 0; s < network_->samples.size(); ++s) {
      record_forward(s);
      if (network_->loss == Loss::BinaryCrossEntropy) check_probabilities(s);
      record_errors(s);
    }
    if (network_->samples.size() > 1) {
      const std::size_t start = tape_->size();
      loss_ = keep(ad::sum(totals_) / static_cast<double>(totals_.size()), mean_name_);
      mark(start, NodeRole::Output, kError);
    } else {
      loss_ = totals_.front();
    }
    return loss_;
  });
  recorded_size_ = tape_->size();
}

void Trainer::replay() {
  recording_->forward(parameters_);
  // The Vars kept hold the values of the recording: give them the replayed ones.
  const auto refresh = [&](ad::Var& v) {
    v = ad::Var::from_node(tape_->value(tape_->index(v)), v.id());
  };
  for (ad::Var& v : parameter_vars_) refresh(v);
  for (ad::Var& v : slots_) refresh(v);
  for (auto& sample : outputs_)
    for (ad::Var& v : sample) refresh(v);
  refresh(loss_);
  if (network_->loss == Loss::BinaryCrossEntropy)
    for (std::size_t s = 0; s < network_->samples.size(); ++s) check_probabilities(s);
}

void Trainer::record_parameters() {
  const Network& n = *network_;
  parameter_vars_.clear();
  // One range for all: the parameters are consecutive leaves (a range each would cost millions).
  const std::size_t start = tape_->size();
  for (std::size_t p = 0; p < n.parameter_count(); ++p)
    parameter_vars_.emplace_back(parameters_[p], n.parameter_name(p));
  mark(start, NodeRole::Parameter, kNoCluster);
}

void Trainer::record_forward(std::size_t s) {
  const Sample& sample = network_->samples[s];
  std::size_t start = tape_->size();
  for (std::size_t i = 0; i < topology_->input_count; ++i) {
    unit_vars_[i] = ad::Var(sample.inputs[i], input_names_[s][i]);
    remember(input_names_[s][i], unit_vars_[i]);
  }
  mark(start, NodeRole::Input, kInputs, s + 1);
  const std::size_t last_layer = network_->layers.size() - 1;
  for (const auto& neuron : topology_->neurons) {
    start = tape_->size();
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
         network_->layers[neuron.layer].name, s + 1, neuron.layer);
  }
  for (std::size_t k = 0; k < topology_->outputs.size(); ++k)
    outputs_[s][k] = unit_vars_[topology_->outputs[k]];
}

void Trainer::record_errors(std::size_t s) {
  const Sample& sample = network_->samples[s];
  const std::size_t start = tape_->size();
  terms_.clear();
  const std::size_t m = topology_->outputs.size();
  for (std::size_t k = 0; k < m; ++k)
    terms_.push_back(
        keep(error_term(network_->loss, outputs_[s][k], sample.targets[k]), error_names_[s][k]));
  const ad::Var total = error_total(network_->loss, terms_);
  totals_.push_back(keep(total, total_names_[s]));
  mark(start, NodeRole::Output, kError, s + 1);
}

void Trainer::collect_gradients() {
  for (std::size_t p = 0; p < network_->parameter_count(); ++p) {
    try {
      gradients_[p] = tape_->gradient(parameter_vars_[p]);
    } catch (const ad::NonFinite&) {  // NaN: said by check_finite(), in the network's terms
      gradients_[p] = std::numeric_limits<double>::quiet_NaN();
    }
  }
}

void Trainer::mark(std::size_t from, NodeRole role, const std::string& cluster, std::size_t sample,
                   std::size_t layer) {
  if (from < tape_->size()) ranges_.push_back({from, tape_->size(), role, &cluster, sample, layer});
}

ad::Var Trainer::keep(const ad::Var& v, const std::string& name) {
  remember(name, ad::named(v, name));
  return v;
}

void Trainer::numeric_error(const std::string& subject, double value,
                            const std::string& why) const {
  if (steps_ > 0)
    throw Diverged(steps_, network_->learning_rate,
                   subject + " became " + ad::number(value, 6) + why);
  const std::string reason = subject + " is " + ad::number(value, 6) + why;
  throw NumericError("at the parameters the network starts from, " + reason,
                     {.place = "the starting parameters", .reason = reason});
}

void Trainer::check_probabilities(std::size_t s) const {
  for (std::size_t k = 0; k < topology_->outputs.size(); ++k) {
    const double o = outputs_[s][k].value();
    if (o > 0 && o < 1) [[likely]]
      continue;
    probability_error(s, k, o, node(net_names_[s][topology_->outputs[k]]).value());
  }
}

void Trainer::probability_error(std::size_t s, std::size_t k, double o, double net) const {
  const std::size_t unit = topology_->outputs[k];
  numeric_error("the output " + topology_->unit_names[unit] + " of sample " + std::to_string(s + 1),
                o,
                ", which binary cross-entropy cannot take: it needs outputs strictly between 0 "
                "and 1 (" +
                    net_names_[s][unit] + " = " + ad::number(net, 6) + " saturates the sigmoid)");
}

double Trainer::step() {
  double before = 0.0;
  if (in_blocks() && !ad::Tape::active().checked()) {
    batch_gradient();  // nothing recorded on the active tape
    outputs_in_blocks_ = true;
    check_finite();
    before = loss_value_;
  } else {
    before = evaluate();
  }
  ++steps_;
  for (std::size_t p : topology_->trained) {
    const double value = parameters_[p] - network_->learning_rate * gradients_[p];
    parameters_[p] = value;
    if (own_network_) own_network_->set_parameter(p, value);
    if (!std::isfinite(value)) numeric_error(std::string(network_->parameter_name(p)), value);
  }
  return before;
}

void Trainer::train(int steps) {
  for (int k = 0; k < steps; ++k) step();
}

std::vector<std::vector<double>> Trainer::outputs() const {
  if (outputs_in_blocks_) return block_outputs_;
  std::vector<std::vector<double>> v;
  for (const auto& sample : outputs_) {
    v.emplace_back();
    for (const auto& o : sample) v.back().push_back(o.value());
  }
  return v;
}

ad::Var Trainer::node(std::string_view name) const {
  auto it = slot_.find(std::string(name));
  if (it != slot_.end()) return slots_[it->second];
  // Parameters are not in slot_: a map of millions of names updated at every recording would
  // cost more than the recording. Their map is built on the first question, and kept.
  if (parameter_index_.empty())
    for (std::size_t p = 0; p < network_->parameter_count(); ++p)
      parameter_index_.emplace(network_->parameter_name(p), p);
  auto p = parameter_index_.find(std::string(name));
  if (p == parameter_index_.end())
    throw Error("/", "no node named \"" + std::string(name) + "\" in the recording");
  return parameter_vars_.at(p->second);
}

std::string Trainer::layer_fold(std::size_t layer) const {
  // The hidden layers are 0 .. L − 2; with three or more, all but the last fold: each is two
  // columns of the left-to-right layout, and deep.json's ten columns were 7 px text at 900 px.
  const std::size_t hidden = network_->layers.size() - 1;
  if (hidden < 3 || layer + 1 >= hidden) return "";
  return network_->layers[0].name + " to " + network_->layers[hidden - 2].name + " (" +
         std::to_string(hidden - 1) + " layers)";
}

std::string Trainer::sample_fold(std::size_t sample) const {
  // A box per later sample while they are few (batch.json's "sample 2" to "sample 4"); past
  // that, one box for them all: 200 samples were 199 boxes, a column taller than any screen.
  const std::size_t samples = network_->samples.size();
  if (samples <= kSampleBoxes + 1) return "sample " + std::to_string(sample);
  return "samples 2–" + std::to_string(samples);
}

std::unordered_map<std::uint32_t, NodeInfo> Trainer::node_info() const {
  std::unordered_map<std::uint32_t, NodeInfo> info;
  for (const Range& r : ranges_)
    for (std::size_t i = r.begin; i < r.end; ++i) {
      NodeInfo& node = info[static_cast<std::uint32_t>(i)];
      node = {r.role, *r.cluster, r.sample, ""};
      if (r.sample > 1) node.fold = sample_fold(r.sample);
      if (r.sample == 1 && r.layer != kNoLayer) node.fold = layer_fold(r.layer);
    }
  fold_error_steps(info);
  // A folded layer's parameters, and the weights out of it, fold with it.
  for (const auto& neuron : topology_->neurons) {
    auto fold = [&](std::size_t p, const std::string& key) {
      if (!key.empty()) info[tape_->index(parameter_vars_[p])].fold = key;
    };
    const std::string own = layer_fold(neuron.layer);
    if (neuron.bias) fold(*neuron.bias, own);
    for (const auto& in : neuron.in) {
      fold(in.parameter, own);
      if (in.source >= topology_->input_count)
        fold(in.parameter,
             layer_fold(topology_->neurons[in.source - topology_->input_count].layer));
    }
  }
  return info;
}

void Trainer::fold_error_steps(std::unordered_map<std::uint32_t, NodeInfo>& info) const {
  // The first sample's error is drawn, but binary cross-entropy's unnamed steps (1 − o, two logs,
  // two products, their sum) are six columns of the left-to-right layout between out_o1 and E1:
  // they fold into one box, the named errors stay. A single unnamed step (a sum) stays drawn.
  for (const Range& r : ranges_) {
    if (r.sample != 1 || r.cluster != &kError) continue;
    std::vector<std::uint32_t> unnamed;
    for (std::size_t i = r.begin; i < r.end; ++i)
      if (tape_->name(static_cast<std::uint32_t>(i)).empty())
        unnamed.push_back(static_cast<std::uint32_t>(i));
    if (unnamed.size() < 2) continue;
    for (std::uint32_t i : unnamed) info[i].fold = "sample 1's error steps";
  }
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

}  // namespace ad::nn
