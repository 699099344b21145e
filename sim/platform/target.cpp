#include "sim/platform/target.hpp"

#include "sim/common/errors.hpp"

namespace vmsim::platform {
namespace {

constexpr const char* kTargetParam = "target";

void declare_target_param(config::Registry& reg, const Target& chosen) {
    std::vector<std::string> names;
    for (const Target* t : targets()) names.push_back(t->name());
    std::string help = "the simulated machine:";
    for (const Target* t : targets()) help += std::string(" ") + t->name() + " (" + t->description() + ");";
    help.pop_back();
    reg.add_enum(kTargetParam, targets().front()->name(), names, help);
    chosen.declare_params(reg);
}

}  // namespace

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::Exited: return "exited";
        case Outcome::InstructionLimit: return "instruction_limit";
        case Outcome::CycleLimit: return "cycle_limit";
        case Outcome::GuestError: return "guest_error";
    }
    return "?";
}

const Target& find_target(std::string_view name, std::string_view where) {
    std::string known;
    for (const Target* t : targets()) {
        if (t->name() == name) return *t;
        known += (known.empty() ? "" : "|") + std::string(t->name());
    }
    throw UserError(kExitUsage, std::string(where) + ": target: expected one of " + known + ", got '" +
                                    std::string(name) + "'");
}

config::Registry declared_params(const Target& target) {
    config::Registry reg;
    declare_target_param(reg, target);
    return reg;
}

Configured configure(const std::vector<std::string>& config_files,
                     const std::vector<config::Assignment>& overrides) {
    // The target decides which parameters exist, so find it first: the last
    // assignment of `target`, an override beating any file.
    std::vector<std::vector<config::Assignment>> files;
    for (const auto& f : config_files) files.push_back(config::read_config_file(f));
    const config::Assignment* chosen = nullptr;
    for (const auto& file : files)
        for (const auto& a : file)
            if (a.key == kTargetParam) chosen = &a;
    for (const auto& a : overrides)
        if (a.key == kTargetParam) chosen = &a;

    Configured c;
    c.target = chosen ? &find_target(chosen->value, chosen->where) : targets().front();
    declare_target_param(c.params, *c.target);
    for (const auto& file : files) c.params.apply_file(file);
    for (const auto& a : overrides) c.params.set_override(a.key, a.value, a.where);
    c.target->check_params(c.params);
    return c;
}

Configured configure(const std::vector<std::string>& config_files, const std::vector<std::string>& overrides) {
    std::vector<config::Assignment> parsed;
    for (const auto& o : overrides) parsed.push_back(config::parse_override(o));
    return configure(config_files, parsed);
}

}  // namespace vmsim::platform
