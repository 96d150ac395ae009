// Named sub-expressions (--let NAME=FORMULA): each checked as a name, defined once, and using
// only the names defined before it.
#include "autodiff/expression/definitions.hpp"

#include <algorithm>
#include <cctype>

#include "autodiff/text.hpp"

namespace ad::expr {

namespace {

bool is_identifier(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The first variable node named `name` in the tree, or nullptr.
const Node* find_use(const Node& root, std::string_view name) {
  std::vector<const Node*> pending{&root};  // a loop, not recursion: a chain is as deep as long
  while (!pending.empty()) {
    const Node* node = pending.back();
    pending.pop_back();
    if (node->kind == Node::Kind::Variable && node->name == name) return node;
    for (auto o = node->operands.rbegin(); o != node->operands.rend(); ++o) pending.push_back(&*o);
  }
  return nullptr;
}

}  // namespace

void Definitions::add(const std::string& name, const std::string& source) {
  const auto fail = [&](const std::string& message) {
    throw SyntaxError(message, name, 0, name.size());
  };
  if (!is_identifier(name))
    fail("'" + ad::printable(name) +
         "' is not a name: a name is letters, digits and _, not starting with a digit");
  for (const Function& f : functions())
    if (f.name == name) fail("'" + name + "' is a function, not a name to define");
  if (find(name) != nullptr) fail("'" + name + "' is already defined");
  for (const Definition& earlier : definitions_)
    if (const Node* use = find_use(earlier.expression.root(), name))
      throw SyntaxError("'" + name + "' is used by the definition of '" + earlier.name +
                            "' before it is defined: a definition may use only earlier ones",
                        earlier.expression.source(), use->begin, use->end - use->begin);
  Expression expression = Expression::parse(source);
  if (const Node* use = find_use(expression.root(), name))
    throw SyntaxError("'" + name + "' is used in its own definition", source, use->begin,
                      use->end - use->begin);
  definitions_.push_back({name, std::move(expression)});
}

void Definitions::add(const std::string& text) {
  const auto equals = text.find('=');
  if (equals == std::string::npos)
    throw SyntaxError("expected NAME=FORMULA, e.g. out='sigmoid(w*x + b)'", text, text.size());
  std::string name = text.substr(0, equals);
  name.erase(0, name.find_first_not_of(" \t"));
  name.erase(name.find_last_not_of(" \t") + 1);
  add(name, text.substr(equals + 1));
}

const Definition* Definitions::find(std::string_view name) const {
  const auto found = std::find_if(definitions_.begin(), definitions_.end(),
                                  [&](const Definition& d) { return d.name == name; });
  return found == definitions_.end() ? nullptr : &*found;
}

std::vector<std::string> Definitions::base_variables(
    const std::vector<const Expression*>& expressions) const {
  std::vector<std::string> names;
  const auto collect = [&](const Expression& e) {
    for (std::string& name : e.variables())
      if (find(name) == nullptr && std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(std::move(name));
  };
  for (const Expression* e : expressions) collect(*e);
  for (const Definition& d : definitions_) collect(d.expression);
  return names;
}

Values Definitions::values(const Values& inputs) const {
  Values values = inputs;
  for (const Definition& d : definitions_)
    if (!values.contains(d.name)) values[d.name] = ad::expr::evaluate(d.expression, values);
  return values;
}

Bounded Definitions::evaluate_bounded(const Expression& expression, const Values& inputs) const {
  Values values = inputs, errors;
  for (const Definition& d : definitions_)
    if (!values.contains(d.name)) {
      const Bounded b = ad::expr::evaluate_bounded(d.expression, values, &errors);
      values[d.name] = b.value;
      errors[d.name] = b.error;
    }
  return ad::expr::evaluate_bounded(expression, values, &errors);
}

BoundedFunction Definitions::function(const Expression& expression) const {
  return [definitions = *this, expression](const Values& inputs) {
    return definitions.evaluate_bounded(expression, inputs);
  };
}

void Definitions::record(Variables& variables) const {
  for (const Definition& d : definitions_) {
    ad::Var var = ad::expr::record(d.expression, variables);
    // A definition that is another name (out = x) gets a node of its own, so that the derivative
    // with respect to it is its own and not that of the name it repeats.
    if (std::any_of(variables.begin(), variables.end(),
                    [&](const auto& v) { return v.second.id() == var.id(); }))
      var = var + 0.0;
    ad::Tape::active().set_name(var, d.name);
    variables.insert_or_assign(d.name, var);
  }
}

}  // namespace ad::expr
