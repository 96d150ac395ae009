// A parser for the grammar in expression.hpp: loops for the chains of operators and signs, and
// recursion only into parentheses and function calls, which kMaxNesting bounds. Every error names
// what was expected and what was found, at a column, with the input around it.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <utility>

#include "autodiff/expression/expression.hpp"
#include "autodiff/text.hpp"

namespace ad::expr {

namespace {

// Characters, not bytes, so the caret lines up under UTF-8 text.
std::size_t characters(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// How much of the source an error shows around its place, in columns: a 20 MB input gives a
// line of the terminal, not 20 MB.
constexpr std::size_t kShownColumns = 80;

std::size_t shown_width(std::string_view text) { return characters(ad::printable(text)); }

// The start of the character before source[at].
std::size_t previous(std::string_view source, std::size_t at) {
  std::size_t p = at - 1;
  while (p > 0 && (static_cast<unsigned char>(source[p]) & 0xC0) == 0x80) --p;
  return p;
}

// The source around [offset, offset + length) on one line, control characters escaped (a
// newline is "\n", so the caret stays under its place), and the caret line under it.
std::string format_error(const std::string& message, std::string_view source, std::size_t offset,
                         std::size_t length) {
  offset = std::min(offset, source.size());
  length = std::max<std::size_t>(1, std::min(length, source.size() - offset));
  const std::size_t column = characters(source.substr(0, offset)) + 1;
  // Half the line before the place, the rest after it, and before it again if the source ends.
  std::size_t left = offset, right = offset, width = 0;
  const auto grow_left = [&](std::size_t most) {
    while (left > 0) {
      const std::size_t p = previous(source, left);
      const std::size_t w = shown_width(source.substr(p, left - p));
      if (width + w > most) break;
      left = p;
      width += w;
    }
  };
  grow_left(kShownColumns / 2);
  while (right < source.size()) {
    const std::size_t size = ad::character_size(source, right);
    const std::size_t w = shown_width(source.substr(right, size));
    if (width + w > kShownColumns) break;
    right += size;
    width += w;
  }
  if (right == source.size()) grow_left(kShownColumns);
  const std::string before = left > 0 ? "..." : "";
  const std::size_t caret = characters(before) + shown_width(source.substr(left, offset - left));
  const std::size_t underline = std::max<std::size_t>(
      1, shown_width(source.substr(offset, std::min(offset + length, right) - offset)));
  return message + " at column " + std::to_string(column) + "\n  " + before +
         ad::printable(source.substr(left, right - left)) + (right < source.size() ? "..." : "") +
         "\n  " + std::string(caret, ' ') + "^" + std::string(underline - 1, '~');
}

// A piece of the source in a message: escaped, and cut if long.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMost = 40;
  if (s.size() <= kMost) return "'" + ad::printable(s) + "'";
  std::size_t cut = kMost;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return "'" + ad::printable(s.substr(0, cut)) + "...' (" + std::to_string(s.size()) + " bytes)";
}

enum class Token { Number, Name, Plus, Minus, Star, Slash, Caret, Open, Close, Comma, End };

struct Lexeme {
  Token token;
  std::size_t begin, end;  // bytes
  double number = 0.0;
};

class Parser {
 public:
  explicit Parser(std::string_view source) : source_(source) { advance(); }

  Node parse() {
    if (current_.token == Token::End) fail("expected an expression, found nothing", current_);
    Node root = expression();
    if (current_.token == Token::Close) fail("unmatched ')'", current_);
    if (current_.token != Token::End) {
      std::string message =
          "expected an operator or the end of the expression, found " + describe(current_);
      if (current_.token == Token::Number || current_.token == Token::Name ||
          current_.token == Token::Open)
        message += " (write * for a product: '2*x', not '2x')";
      fail(message, current_);
    }
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& message, const Lexeme& at) const {
    throw SyntaxError(message, source_, at.begin, at.end - at.begin);
  }
  [[noreturn]] void fail(const std::string& message, std::size_t begin, std::size_t end) const {
    throw SyntaxError(message, source_, begin, end - begin);
  }

  std::string describe(const Lexeme& l) const {
    if (l.token == Token::End) return "the end of the expression";
    return quoted(source_.substr(l.begin, l.end - l.begin));
  }

  // ---- Lexer ----

  [[gnu::noinline]] void advance() { current_ = lex(); }

  Lexeme lex() {
    while (pos_ < source_.size() && std::isspace(static_cast<unsigned char>(source_[pos_]))) ++pos_;
    const std::size_t begin = pos_;
    if (pos_ == source_.size()) return {Token::End, begin, begin};
    const char c = source_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (pos_ < source_.size() &&
             (std::isalnum(static_cast<unsigned char>(source_[pos_])) || source_[pos_] == '_'))
        ++pos_;
      return {Token::Name, begin, pos_};
    }
    // The typographic minus and multiplication signs, as printed in the tutorials.
    for (auto [spelling, token] :
         {std::pair{"\u2212", Token::Minus}, {"\u00D7", Token::Star}, {"\u00B7", Token::Star}}) {
      if (source_.substr(pos_).starts_with(spelling)) {
        pos_ += std::string_view(spelling).size();
        return {token, begin, pos_};
      }
    }
    ++pos_;
    switch (c) {
      case '+':
        return {Token::Plus, begin, pos_};
      case '-':
        return {Token::Minus, begin, pos_};
      case '*':
        if (pos_ < source_.size() && source_[pos_] == '*')
          fail("'**' is not an operator; write '^' for a power", begin, pos_ + 1);
        return {Token::Star, begin, pos_};
      case '/':
        return {Token::Slash, begin, pos_};
      case '^':
        return {Token::Caret, begin, pos_};
      case '(':
        return {Token::Open, begin, pos_};
      case ')':
        return {Token::Close, begin, pos_};
      case ',':
        return {Token::Comma, begin, pos_};
      default:
        break;
    }
    // Report the whole UTF-8 character.
    while (pos_ < source_.size() && (source_[pos_] & 0xC0) == 0x80) ++pos_;
    fail("unexpected character " + quoted(source_.substr(begin, pos_ - begin)), begin, pos_);
  }

  // digits [. digits] | . digits, then an optional exponent e[+-]digits.
  Lexeme number() {
    const std::size_t begin = pos_;
    const auto digits = [&] {
      const std::size_t start = pos_;
      while (pos_ < source_.size() && std::isdigit(static_cast<unsigned char>(source_[pos_])))
        ++pos_;
      return pos_ - start;
    };
    std::size_t mantissa = digits();
    if (pos_ < source_.size() && source_[pos_] == '.') {
      ++pos_;
      mantissa += digits();
    }
    if (mantissa == 0) fail("'.' is not a number; write '0.5' or '.5'", begin, pos_);
    if (pos_ < source_.size() && (source_[pos_] == 'e' || source_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < source_.size() && (source_[pos_] == '+' || source_[pos_] == '-')) ++pos_;
      if (digits() == 0)
        fail("the exponent of " + quoted(source_.substr(begin, pos_ - begin)) + " has no digits",
             begin, pos_);
    }
    if (pos_ < source_.size() && source_[pos_] == '.')
      fail("a number has one decimal point at most", begin, pos_ + 1);
    double value = 0.0;
    const auto [end, error] = std::from_chars(source_.data() + begin, source_.data() + pos_, value);
    if (error == std::errc::result_out_of_range)
      fail("the number " + quoted(source_.substr(begin, pos_ - begin)) +
               " is out of the range of a double",
           begin, pos_);
    if (error != std::errc() || end != source_.data() + pos_)
      fail("malformed number " + quoted(source_.substr(begin, pos_ - begin)), begin, pos_);
    Lexeme l{Token::Number, begin, pos_};
    l.number = value;
    return l;
  }

  // ---- Grammar ----

  [[gnu::noinline]] Node operation(Op op, std::vector<Node> operands, std::size_t begin,
                                   std::size_t end) const {
    Node n;
    n.kind = Node::Kind::Operation;
    n.op = op;
    for (const Node& operand : operands) n.height = std::max(n.height, operand.height + 1);
    n.operands = std::move(operands);
    n.begin = begin;
    n.end = end;
    return n;
  }

  [[gnu::noinline]] Node binary(Op op, Node a, Node b) const {
    const std::size_t begin = a.begin, end = b.end;
    std::vector<Node> operands;
    operands.push_back(std::move(a));
    operands.push_back(std::move(b));
    return operation(op, std::move(operands), begin, end);
  }

  // Parentheses and function calls recurse: bound that before the stack is.
  struct Nesting {
    explicit Nesting(const Parser& p) : parser(p) {
      if (++parser.nesting_ > kMaxNesting)
        parser.fail("the expression nests parentheses and function calls more than " +
                        std::to_string(kMaxNesting) + " deep",
                    parser.current_);
    }
    ~Nesting() { --parser.nesting_; }
    const Parser& parser;
  };

  Node expression() {
    Node left = term();
    while (current_.token == Token::Plus || current_.token == Token::Minus) {
      const Op op = current_.token == Token::Plus ? Op::Add : Op::Sub;
      advance();
      left = binary(op, std::move(left), term());
    }
    return left;
  }

  Node term() {
    Node left = unary();
    while (current_.token == Token::Star || current_.token == Token::Slash) {
      const Op op = current_.token == Token::Star ? Op::Mul : Op::Div;
      advance();
      left = binary(op, std::move(left), unary());
    }
    return left;
  }

  // The signs before an operand: --x is read in a loop, however many there are.
  [[gnu::noinline]] std::vector<Lexeme> signs() {
    std::vector<Lexeme> read;
    while (current_.token == Token::Minus || current_.token == Token::Plus) {
      read.push_back(current_);
      advance();
    }
    return read;
  }

  // The signs applied to their operand, the innermost (last) first.
  [[gnu::noinline]] Node signed_by(const std::vector<Lexeme>& signs, Node operand) const {
    for (auto sign = signs.rbegin(); sign != signs.rend(); ++sign) {
      if (sign->token == Token::Plus) {
        operand.begin = sign->begin;
        continue;
      }
      const std::size_t end = operand.end;
      std::vector<Node> operands;
      operands.push_back(std::move(operand));
      operand = operation(Op::Neg, std::move(operands), sign->begin, end);
    }
    return operand;
  }

  Node unary() {
    const std::vector<Lexeme> leading = signs();
    return signed_by(leading, power());
  }

  // primary ('^' signs primary)*, folded from the right: 2^-3^2 = 2^(-(3^2)).
  Node power() {
    std::vector<std::pair<std::vector<Lexeme>, Node>> chain;
    chain.emplace_back(std::vector<Lexeme>{}, primary());
    while (current_.token == Token::Caret) {
      advance();
      std::vector<Lexeme> exponent_signs = signs();
      chain.emplace_back(std::move(exponent_signs), primary());
    }
    return tower(chain);
  }

  [[gnu::noinline]] Node tower(std::vector<std::pair<std::vector<Lexeme>, Node>>& chain) const {
    Node result = signed_by(chain.back().first, std::move(chain.back().second));
    for (std::size_t k = chain.size() - 1; k-- > 0;)
      result =
          signed_by(chain[k].first, binary(Op::Pow, std::move(chain[k].second), std::move(result)));
    return result;
  }

  // The functions on the recursive path (primary, call, power, term, expression) keep their
  // frames small: what builds messages and nodes is in functions of its own, not inlined, so
  // that kMaxNesting levels fit a 1 MiB stack also in a sanitizer build.
  Node primary() {
    const Lexeme at = current_;
    switch (at.token) {
      case Token::Number:
        advance();
        return number(at);
      case Token::Name:
        advance();
        if (current_.token == Token::Open) return call(at);
        return variable(at);
      case Token::Open: {
        const Nesting nesting(*this);
        advance();
        Node inner = expression();
        close(at, inner);
        return inner;
      }
      default:
        fail_operand(at);
    }
  }

  [[gnu::noinline]] static Node number(const Lexeme& at) {
    Node n;
    n.number = at.number;
    n.begin = at.begin;
    n.end = at.end;
    return n;
  }

  // The ')' of the '(' at `open`, around `inner`.
  [[gnu::noinline]] void close(const Lexeme& open, Node& inner) {
    if (current_.token != Token::Close)
      fail("expected ')' to close the '(' at column " +
               std::to_string(characters(source_.substr(0, open.begin)) + 1) + ", found " +
               describe(current_),
           current_);
    inner.begin = open.begin;
    inner.end = current_.end;
    advance();
  }

  [[noreturn, gnu::noinline]] void fail_operand(const Lexeme& at) const {
    fail("expected a number, a variable, a function or '(', found " + describe(at), at);
  }

  [[gnu::noinline]] Node variable(const Lexeme& at) const {
    const std::string_view name = source_.substr(at.begin, at.end - at.begin);
    for (const Function& f : functions())
      if (f.name == name)
        fail(quoted(name) + " is a function; write " + std::string(name) +
                 (f.arity == 1 ? "(x)" : "(x, y)"),
             at);
    Node n;
    n.kind = Node::Kind::Variable;
    n.name = std::string(name);
    n.begin = at.begin;
    n.end = at.end;
    return n;
  }

  Node call(const Lexeme& name_at) {
    const Function& function = known_function(name_at);
    const Nesting nesting(*this);
    advance();  // '('
    std::vector<Node> arguments;
    if (current_.token != Token::Close) {
      arguments.push_back(expression());
      while (current_.token == Token::Comma) {
        advance();
        arguments.push_back(expression());
      }
    }
    return finish_call(name_at, function, std::move(arguments));
  }

  [[gnu::noinline]] const Function& known_function(const Lexeme& name_at) const {
    const std::string_view name = source_.substr(name_at.begin, name_at.end - name_at.begin);
    const auto& table = functions();
    const auto function =
        std::find_if(table.begin(), table.end(), [&](const Function& f) { return f.name == name; });
    if (function != table.end()) return *function;
    std::vector<std::string> names;
    for (const Function& f : table) names.emplace_back(f.name);
    std::string message = "unknown function " + quoted(name);
    const std::string suggestion = did_you_mean(name, names);
    if (suggestion.empty()) {
      message += "; the functions are";
      for (const auto& n : names) message += " " + n;
    }
    message += suggestion;
    fail(message, name_at);
  }

  // The ')' after the arguments, and their number.
  [[gnu::noinline]] Node finish_call(const Lexeme& name_at, const Function& function,
                                     std::vector<Node> arguments) {
    const std::string name(function.name);
    if (current_.token != Token::Close)
      fail("expected ',' or ')' in the arguments of " + name + ", found " + describe(current_),
           current_);
    const std::size_t end = current_.end;
    advance();
    if (static_cast<int>(arguments.size()) != function.arity)
      fail(name + " takes " + std::to_string(function.arity) + " argument" +
               (function.arity == 1 ? "" : "s") + ", not " + std::to_string(arguments.size()),
           name_at.begin, end);
    return operation(function.op, std::move(arguments), name_at.begin, end);
  }

  std::string_view source_;
  std::size_t pos_ = 0;
  Lexeme current_{Token::End, 0, 0};
  mutable std::size_t nesting_ = 0;
};

}  // namespace

ExpressionError::ExpressionError(std::string message, std::string_view source, std::size_t offset,
                                 std::size_t length)
    : ad::Error(format_error(message, source, offset, length), {}),
      column_(characters(source.substr(0, std::min(offset, source.size()))) + 1) {
  place = "column " + std::to_string(column_);
  reason = std::move(message);
}

bool Node::depends_on_variables() const {
  std::vector<const Node*> pending{this};
  while (!pending.empty()) {
    const Node* n = pending.back();
    pending.pop_back();
    if (n->kind == Kind::Variable) return true;
    for (const Node& operand : n->operands) pending.push_back(&operand);
  }
  return false;
}

Node::Node(const Node& other) {
  *this = fold<Node>(other, [](const Node& n, std::span<Node> operands) {
    Node copy;
    copy.kind = n.kind;
    copy.number = n.number;
    copy.name = n.name;
    copy.op = n.op;
    copy.operands.assign(std::make_move_iterator(operands.begin()),
                         std::make_move_iterator(operands.end()));
    copy.begin = n.begin;
    copy.end = n.end;
    copy.height = n.height;
    return copy;
  });
}

Node& Node::operator=(const Node& other) {
  if (this != &other) *this = Node(other);
  return *this;
}

// Takes the tree apart one level at a time: each node destroyed here has no operands left.
Node::~Node() {
  std::vector<Node> pending = std::move(operands);
  while (!pending.empty()) {
    Node last = std::move(pending.back());
    pending.pop_back();
    for (Node& operand : last.operands) pending.push_back(std::move(operand));
    last.operands.clear();
  }
}

Expression Expression::parse(std::string source) {
  Expression e;
  e.source_ = std::move(source);
  e.root_ = Parser(e.source_).parse();
  return e;
}

std::string_view Expression::text(const Node& node) const {
  return std::string_view(source_).substr(node.begin, node.end - node.begin);
}

std::vector<std::string> Expression::variables() const {
  std::vector<std::string> names;
  std::set<std::string_view> seen;
  std::vector<const Node*> pending{&root_};  // left to right: the last pushed is the leftmost
  while (!pending.empty()) {
    const Node* n = pending.back();
    pending.pop_back();
    if (n->kind == Node::Kind::Variable && seen.insert(n->name).second) names.push_back(n->name);
    for (auto o = n->operands.rbegin(); o != n->operands.rend(); ++o) pending.push_back(&*o);
  }
  return names;
}

const std::vector<Function>& functions() {
  static const std::vector<Function> table = [] {
    std::vector<Function> t;
    // Every unary function of the engine's tables, then every binary one (pow, min, max): a new
    // entry there is parsable at once.
    for (std::size_t i = 0; i < kOps.size(); ++i)
      if (kOps[i].kind == OpKind::Unary) t.push_back({kOps[i].name, static_cast<Op>(i), 1});
    for (std::size_t i = 0; i < kOps.size(); ++i)
      if (kOps[i].call) t.push_back({kOps[i].name, static_cast<Op>(i), 2});
    return t;
  }();
  return table;
}

}  // namespace ad::expr
