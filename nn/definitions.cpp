#include "nn/definitions.hpp"

#include <cctype>
#include <unordered_set>

namespace ad::nn {

namespace {

bool is_identifier(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::string target_name(const std::string& neuron) { return "target_" + neuron; }

// The name under which a unit's value enters a weighted sum: an input by its name, a neuron by
// its activation out_X.
std::string unit_value(const Topology& t, std::size_t unit) {
  return unit < t.input_count ? t.unit_names[unit] : "out_" + t.unit_names[unit];
}

std::string error_formula(Loss loss, const std::string& t, const std::string& o) {
  switch (loss) {
    case Loss::HalfSse:
      return "0.5*(" + t + " - " + o + ")^2";
    case Loss::Mse:
      return "(" + t + " - " + o + ")^2";
    case Loss::BinaryCrossEntropy:
      return "-(" + t + "*log(" + o + ") + (1 - " + t + ")*log(1 - " + o + "))";
  }
  return "";
}

}  // namespace

std::vector<Definition> definitions(const Network& n, const Topology& t) {
  std::vector<Definition> out;
  for (const auto& neuron : t.neurons) {
    const std::string& name = t.unit_names[neuron.unit];
    std::string sum;
    for (const auto& in : neuron.in)
      sum += (sum.empty() ? "" : " + ") + std::string(n.parameter_name(in.parameter)) + "*" +
             unit_value(t, in.source);
    if (neuron.bias) sum += " + " + std::string(n.parameter_name(*neuron.bias));
    out.push_back({"net_" + name, sum});
    const std::string net = "net_" + name;
    out.push_back(
        {"out_" + name, neuron.activation == Activation::Identity
                            ? net
                            : std::string(to_string(neuron.activation)) + "(" + net + ")"});
  }
  std::string total;
  for (std::size_t k = 0; k < t.outputs.size(); ++k) {
    const std::string& neuron = t.unit_names[t.outputs[k]];
    const std::string e = "E" + std::to_string(k + 1);
    out.push_back({e, error_formula(n.loss, target_name(neuron), "out_" + neuron)});
    total += (total.empty() ? "" : " + ") + e;
  }
  // The recorder divides by the number of outputs except for half_sse; x/1 is x.
  if (n.loss != Loss::HalfSse && t.outputs.size() > 1)
    total = "(" + total + ")/" + std::to_string(t.outputs.size());
  out.push_back({"E_total", total});

  // Every name must be usable in a formula, and mean one thing.
  std::unordered_set<std::string> names;
  auto claim = [&](const std::string& name, const std::string& what) {
    if (!is_identifier(name))
      throw Error("/", what + " \"" + name +
                           "\" cannot be used in a formula: a name is a letter or _ followed by "
                           "letters, digits or _");
    if (!names.insert(name).second)
      throw Error("/", what + " \"" + name + "\" is also the name of another node of the network");
  };
  for (const auto& d : out) claim(d.name, "the node");
  for (const auto& input : n.inputs) claim(input, "the input");
  for (std::size_t p = 0; p < n.parameter_count(); ++p)
    claim(std::string(n.parameter_name(p)), "the parameter");
  for (std::size_t o : t.outputs) claim(target_name(t.unit_names[o]), "the target");
  claim("learning_rate", "the name");
  return out;
}

ad::expr::Values base_values(const Network& n, std::size_t sample) {
  if (sample >= n.samples.size())
    throw Error("/samples", "no sample " + std::to_string(sample + 1) + ": the network has " +
                                std::to_string(n.samples.size()));
  const Sample& s = n.samples[sample];
  ad::expr::Values values;
  for (std::size_t i = 0; i < n.inputs.size(); ++i) values[n.inputs[i]] = s.inputs[i];
  const auto& outputs = n.outputs();
  for (std::size_t k = 0; k < outputs.size(); ++k) values[target_name(outputs[k])] = s.targets[k];
  for (std::size_t p = 0; p < n.parameter_count(); ++p)
    values[std::string(n.parameter_name(p))] = n.parameter(p);
  values["learning_rate"] = n.learning_rate;
  values.emplace("eta", n.learning_rate);  // unless "eta" names something of the network
  return values;
}

double sample_weight(const Network& n) { return 1.0 / static_cast<double>(n.samples.size()); }

ad::Var sample_node(const Trainer& trainer, std::size_t sample, std::string_view name) {
  const std::size_t samples = trainer.network().samples.size();
  if (sample >= samples)
    throw Error("/samples", "no sample " + std::to_string(sample + 1) + ": the network has " +
                                std::to_string(samples));
  if (samples == 1) return trainer.node(name);
  // The Trainer's batch names: s1.out_h1 for the per-sample nodes; parameters are shared.
  const std::string prefixed = "s" + std::to_string(sample + 1) + "." + std::string(name);
  try {
    return trainer.node(prefixed);
  } catch (const Error&) {
    return trainer.node(name);
  }
}

}  // namespace ad::nn
