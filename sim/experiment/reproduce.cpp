#include "sim/experiment/reproduce.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "sim/common/errors.hpp"
#include "sim/config/registry.hpp"
#include "sim/experiment/figures/figures.hpp"
#include "sim/platform/target.hpp"

namespace vmsim::experiment {
namespace {

// Every --set is checked here, before any simulation starts, as `vmsim run` would.
void check_overrides(const std::vector<std::string>& overrides) { platform::configure({}, overrides); }

// The tables go into `dir` (created when the figure is written): a place that can
// never hold them is found now, not after every simulation ran. Nothing is created
// here. Writability is tried with a file, since access() says yes to root on
// read-only mounts and in /proc.
void check_output_dir(const std::string& dir) {
    namespace fs = std::filesystem;
    auto cannot = [&](const std::string& why) {
        return UserError(kExitCantCreate, "vmsim reproduce: cannot write the tables into " + dir + ": " + why);
    };
    fs::path existing = fs::absolute(dir).lexically_normal();
    std::error_code ec;
    while (!fs::exists(existing, ec) && existing.has_parent_path() && existing != existing.parent_path())
        existing = existing.parent_path();
    if (!fs::is_directory(existing, ec))
        throw cannot(existing == fs::absolute(dir).lexically_normal() ? "it is not a directory"
                                                                      : existing.string() + " is not a directory");
    std::string probe = (existing / ".vmsim-write-test.XXXXXX").string();
    const int fd = ::mkstemp(probe.data());
    if (fd < 0) throw cannot(std::strerror(errno));
    ::close(fd);
    ::unlink(probe.c_str());
}

}  // namespace

const std::vector<FigureInfo>& reproducible_figures() {
    static const std::vector<FigureInfo> f = {
        {"avm-fig1", "AVM (HotOS 1995) Figure 1: Appel-Li VM primitives, Ultrix 4.2 vs Aegis, DEC2100/DEC3100",
         figures::avm_fig1},
    };
    return f;
}

void reproduce(const std::string& name, const ReproduceOptions& options) {
    std::vector<const FigureInfo*> chosen;
    for (const FigureInfo& f : reproducible_figures())
        if (name == "all" || name == f.name) chosen.push_back(&f);
    if (chosen.empty()) {
        std::string known;
        for (const auto& f : reproducible_figures()) known += (known.empty() ? "" : ", ") + f.name;
        throw UserError(kExitUsage, "vmsim reproduce: unknown figure '" + name + "' (known: " + known + ", all)");
    }
    check_overrides(options.overrides);
    check_output_dir(options.out_dir);
    for (const FigureInfo* f : chosen) f->run(options);
}

}  // namespace vmsim::experiment
