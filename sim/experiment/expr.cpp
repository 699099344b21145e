#include "sim/experiment/expr.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"

namespace vmsim::experiment {

struct Expr::Node {
    char op = 0;  // 0: a number or a name; '+', '-', '*', '/'; 'n': negation of lhs
    double number = 0;
    std::string name;  // when op == 0 and this is a name
    std::shared_ptr<const Node> lhs, rhs;
};

namespace {

using NodePtr = std::shared_ptr<const Expr::Node>;

// Recursive descent over the text; every error names the column (1-based).
class Parser {
public:
    Parser(const std::string& text, const std::string& where, const std::string& name,
           std::vector<std::string>& names)
        : t_(text), where_(where), name_(name), names_(names) {}

    NodePtr parse() {
        NodePtr e = sum();
        skip();
        if (i_ < t_.size()) fail(fmt::format("unexpected {}", vmsim::quoted(std::string(1, t_[i_]))));
        return e;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw UserError(kExitUsage, fmt::format("{}: {}: {} at column {} of {} (expected numbers, statistic names, "
                                                "+ - * / and parentheses)",
                                                where_, name_, what, i_ + 1, vmsim::quoted(t_)));
    }
    void skip() {
        while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_]))) ++i_;
    }
    bool take(char c) {
        skip();
        if (i_ < t_.size() && t_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    static NodePtr binary(char op, NodePtr a, NodePtr b) {
        auto n = std::make_shared<Expr::Node>();
        n->op = op;
        n->lhs = std::move(a);
        n->rhs = std::move(b);
        return n;
    }
    NodePtr sum() {
        NodePtr e = product();
        for (;;) {
            if (take('+')) e = binary('+', e, product());
            else if (take('-')) e = binary('-', e, product());
            else return e;
        }
    }
    NodePtr product() {
        NodePtr e = unary();
        for (;;) {
            if (take('*')) e = binary('*', e, unary());
            else if (take('/')) e = binary('/', e, unary());
            else return e;
        }
    }
    NodePtr unary() {
        if (take('-')) {
            if (++depth_ > kMaxDepth) fail("nesting too deep");
            NodePtr inner = unary();
            --depth_;
            return binary('n', inner, nullptr);
        }
        return primary();
    }
    NodePtr primary() {
        skip();
        if (take('(')) {
            if (++depth_ > kMaxDepth) fail("nesting too deep");
            NodePtr e = sum();
            --depth_;
            if (!take(')')) fail("missing ')'");
            return e;
        }
        if (i_ >= t_.size()) fail("missing operand");
        const char c = t_[i_];
        auto n = std::make_shared<Expr::Node>();
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
            const char* start = t_.c_str() + i_;
            char* end = nullptr;
            n->number = std::strtod(start, &end);
            if (end == start) fail("bad number");
            i_ += static_cast<size_t>(end - start);
            return n;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            const size_t start = i_;
            while (i_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[i_])) || t_[i_] == '_' ||
                                      t_[i_] == '.'))
                ++i_;
            n->name = t_.substr(start, i_ - start);
            bool known = false;
            for (const auto& s : names_) known = known || s == n->name;
            if (!known) names_.push_back(n->name);
            return n;
        }
        fail(fmt::format("unexpected {}", vmsim::quoted(std::string(1, c))));
    }

    static constexpr int kMaxDepth = 100;  // a hostile file cannot exhaust the stack
    const std::string& t_;
    const std::string& where_;
    const std::string& name_;
    std::vector<std::string>& names_;
    size_t i_ = 0;
    int depth_ = 0;
};

std::optional<double> eval_node(const Expr::Node& n,
                                const std::function<std::optional<double>(const std::string&)>& lookup) {
    if (n.op == 0) return n.name.empty() ? std::optional<double>(n.number) : lookup(n.name);
    const auto a = eval_node(*n.lhs, lookup);
    if (!a) return std::nullopt;
    if (n.op == 'n') return -*a;
    const auto b = eval_node(*n.rhs, lookup);
    if (!b) return std::nullopt;
    switch (n.op) {
        case '+': return *a + *b;
        case '-': return *a - *b;
        case '*': return *a * *b;
        default: return *b == 0 ? std::nullopt : std::optional<double>(*a / *b);
    }
}

}  // namespace

Expr Expr::parse(const std::string& text, const std::string& where, const std::string& name) {
    // Bounded so that evaluating a hostile file's expression (a chain of operators is a
    // tree as deep as it is long) cannot exhaust the stack.
    constexpr size_t kMaxLength = 1000;
    if (text.size() > kMaxLength)
        throw UserError(kExitUsage, fmt::format("{}: {}: expression of {} characters; at most {}", where, name,
                                                text.size(), kMaxLength));
    Expr e;
    e.root_ = Parser(text, where, name, e.names_).parse();
    return e;
}

std::optional<double> Expr::eval(const std::function<std::optional<double>(const std::string&)>& lookup) const {
    return eval_node(*root_, lookup);
}

}  // namespace vmsim::experiment
