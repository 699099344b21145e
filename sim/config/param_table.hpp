// Parameters declared once, bound to the member of the model's config struct that
// holds them: the declaration names the parameter, its help and constraints, and
// the member; the default is that member's value in a default-constructed struct
// (the model's own default), and reading a registry fills a struct from it.
//
//   ParamTable<MachineConfig> t;
//   auto cpu = t.root().at(&MachineConfig::cpu);
//   cpu.uint("cpu.mult_latency", &CpuConfig::mult_latency, "MULT latency (R3000)").min(1);
//   cpu.choice("cpu.load_delay", &CpuConfig::load_delay,
//              {{"exact", LoadDelay::Exact}, {"interlocked", LoadDelay::Interlocked}}, "...");
//   t.declare(registry);                      // once per registry
//   MachineConfig c = t.read(registry);       // after config files and --set
//
// An integer member narrower than 64 bits gets its type's maximum as an upper bound
// unless the declaration sets a tighter one, so no value is silently truncated.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/config/registry.hpp"

namespace vmsim::config {

template <class Root>
class ParamTable {
public:
    using Apply = std::function<void(const Registry&, Root&)>;

    // The parameters bound to members of S, which is reached from Root through `access`.
    template <class S>
    class Group {
    public:
        // The group of a member struct (e.g. the CPU's config inside the machine's).
        template <class M>
        Group<M> at(M S::*member) const {
            auto outer = access_;
            return Group<M>(*table_, [outer, member](Root& r) -> M& { return outer(r).*member; });
        }

        template <class T>
        UintSpec uint(std::string name, T S::*member, std::string help) const {
            return integer(std::move(name), Type::kUint, member, std::move(help));
        }
        template <class T>
        UintSpec size(std::string name, T S::*member, std::string help) const {
            return integer(std::move(name), Type::kSize, member, std::move(help));
        }
        DoubleSpec number(std::string name, double S::*member, std::string help) const {
            const size_t i = table_->add(std::move(name), Type::kDouble, std::move(help),
                                         default_of(member), [access = access_, member](const Registry& reg,
                                                                                        const std::string& n,
                                                                                        Root& r) {
                                             access(r).*member = reg.get_double(n);
                                         });
            return DoubleSpec(table_->params_, i);
        }
        void flag(std::string name, bool S::*member, std::string help) const {
            table_->add(std::move(name), Type::kBool, std::move(help), default_of(member),
                        [access = access_, member](const Registry& reg, const std::string& n, Root& r) {
                            access(r).*member = reg.get_bool(n);
                        });
        }
        // A free-text member (a file name).
        void text(std::string name, std::string S::*member, std::string help) const {
            table_->add(std::move(name), Type::kString, std::move(help), default_of(member),
                        [access = access_, member](const Registry& reg, const std::string& n, Root& r) {
                            access(r).*member = reg.get_string(n);
                        });
        }
        // A duration member holding picoseconds.
        DurationSpec duration_ps(std::string name, uint64_t S::*member, std::string help) const {
            const size_t i = table_->add(std::move(name), Type::kDuration, std::move(help), default_of(member),
                                         [access = access_, member](const Registry& reg, const std::string& n,
                                                                    Root& r) {
                                             access(r).*member = reg.get_duration_ps(n);
                                         });
            return DurationSpec(table_->params_, i);
        }
        // An enumeration: each accepted word and the value it stands for.
        template <class E>
        void choice(std::string name, E S::*member, std::vector<std::pair<std::string, E>> names,
                    std::string help) const {
            const E def = default_of(member);
            std::string def_name;
            std::vector<std::string> words;
            for (const auto& [word, value] : names) {
                words.push_back(word);
                if (value == def) def_name = word;
            }
            if (def_name.empty())
                throw std::logic_error("config: " + name + ": the struct's default is not among its names");
            const size_t i = table_->add(std::move(name), Type::kEnum, std::move(help), def_name,
                                         [access = access_, member, names](const Registry& reg,
                                                                           const std::string& n, Root& r) {
                                             const std::string& word = reg.get_string(n);
                                             for (const auto& [w, value] : names)
                                                 if (w == word) access(r).*member = value;
                                         });
            table_->params_[i].choices = std::move(words);
        }

    private:
        friend class ParamTable;
        Group(ParamTable& table, std::function<S&(Root&)> access) : table_(&table), access_(std::move(access)) {}

        template <class M>
        M default_of(M S::*member) const {
            return access_(*table_->defaults_).*member;
        }

        template <class T>
        UintSpec integer(std::string name, Type type, T S::*member, std::string help) const {
            static_assert(std::is_integral_v<T> && std::is_unsigned_v<T> && !std::is_same_v<T, bool>,
                          "uint/size parameters bind unsigned integer members");
            const size_t i = table_->add(std::move(name), type, std::move(help),
                                         static_cast<uint64_t>(default_of(member)),
                                         [access = access_, member](const Registry& reg, const std::string& n,
                                                                    Root& r) {
                                             access(r).*member = static_cast<T>(reg.get_uint(n));
                                         });
            if constexpr (sizeof(T) < sizeof(uint64_t)) table_->params_[i].max_uint = std::numeric_limits<T>::max();
            return UintSpec(table_->params_, i);
        }

        ParamTable* table_;
        std::function<S&(Root&)> access_;
    };

    ParamTable() : defaults_(std::make_unique<Root>()) {}
    // Defaults other than a default-constructed Root's (a second machine built from the same struct).
    explicit ParamTable(Root defaults) : defaults_(std::make_unique<Root>(std::move(defaults))) {}
    ParamTable(const ParamTable&) = delete;
    ParamTable& operator=(const ParamTable&) = delete;

    Group<Root> root() { return Group<Root>(*this, [](Root& r) -> Root& { return r; }); }

    // Declares every parameter, in the order of the table.
    void declare(Registry& reg) const {
        for (const auto& p : params_) reg.declare(p);
    }
    // The struct the registry's final values describe (defaults for members no
    // parameter is bound to).
    Root read(const Registry& reg) const {
        Root r = *defaults_;
        for (size_t i = 0; i < params_.size(); ++i) applies_[i](reg, params_[i].name, r);
        return r;
    }
    const std::vector<detail::Param>& params() const { return params_; }

private:
    using Bound = std::function<void(const Registry&, const std::string&, Root&)>;

    size_t add(std::string name, Type type, std::string help, detail::Value def, Bound apply) {
        detail::Param p;
        p.name = std::move(name);
        p.type = type;
        p.help = std::move(help);
        p.default_value = std::move(def);
        params_.push_back(std::move(p));
        applies_.push_back(std::move(apply));
        return params_.size() - 1;
    }

    std::unique_ptr<Root> defaults_;  // the model's defaults: a default-constructed Root unless given
    std::vector<detail::Param> params_;
    std::vector<Bound> applies_;
};

}  // namespace vmsim::config
