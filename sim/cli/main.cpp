// vmsim command line: `vmsim run --elf FILE ...` boots a guest on the R3000 platform.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/core.h>
#include <systemc>

#include "sim/common/errors.hpp"
#include "sim/config/registry.hpp"
#include "sim/experiment/reproduce.hpp"
#include "sim/platform/r3000_params.hpp"
#include "sim/platform/r3000_platform.hpp"
#include "sim/stats/atomic_file.hpp"
#include "sim/stats/registry.hpp"

namespace po = boost::program_options;

namespace vmsim {
namespace {

constexpr const char* kUsage =
    "usage: vmsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run        boot a MIPS ELF guest on the R3000 platform and report its statistics\n"
    "  reproduce  regenerate a paper's table or figure into results/, next to the paper's numbers\n"
    "  help       show this text, or `vmsim help run` for a command's options\n"
    "\n"
    "vmsim is a cycle-approximate MMU/TLB simulator. See README.md for the memory map,\n"
    "the exit codes and how to build guest programs.\n";

po::options_description run_options() {
    po::options_description opts("vmsim run options");
    opts.add_options()
        ("help,h", "show this help, with every parameter and its default")
        ("elf", po::value<std::string>()->value_name("FILE"), "MIPS ELF32 little-endian executable to boot (required)")
        ("config,c", po::value<std::vector<std::string>>()->value_name("FILE.cfg")->composing(),
         "config file (key = value lines); may be repeated, later files win")
        ("set,s", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
         "override one parameter; may be repeated; beats config files")
        ("stats-json", po::value<std::string>()->value_name("FILE"),
         "write statistics and the effective configuration as JSON (atomically)")
        ("max-instructions", po::value<std::string>()->value_name("N"),
         "stop a guest after N instructions (same as --set sim.max_instructions=N)")
        ("quiet,q", "do not print the statistics table on stderr");
    return opts;
}

// Parses a command's arguments; the first positional argument fills `positional_name`.
// A malformed command line is a one-line usage error naming the command.
po::variables_map parse(const std::string& command, const std::vector<std::string>& args,
                        const po::options_description& opts, const char* positional_name) {
    po::positional_options_description positional;
    positional.add(positional_name, 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(opts).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UserError(kExitUsage,
                        "vmsim " + command + ": " + e.what() + " (see vmsim " + command + " --help)");
    }
    return vm;
}

int cmd_run(const std::vector<std::string>& args) {
    const po::options_description opts = run_options();
    const po::variables_map vm = parse("run", args, opts, "elf");

    config::Registry reg;
    platform::declare_r3000_params(reg);
    if (vm.count("help")) {
        std::cout << "usage: vmsim run --elf FILE [--config FILE.cfg]... [--set KEY=VALUE]... "
                     "[--stats-json FILE] [--max-instructions N]\n\n"
                  << opts << "\nparameters (config file keys and --set names), with defaults:\n"
                  << reg.help_text();
        return kExitOk;
    }
    if (!vm.count("elf")) throw UserError(kExitUsage, "vmsim run: --elf FILE is required (see vmsim run --help)");

    if (vm.count("config"))
        for (const auto& f : vm["config"].as<std::vector<std::string>>()) reg.load_file(f);
    if (vm.count("set"))
        for (const auto& s : vm["set"].as<std::vector<std::string>>()) reg.set_override(s);
    if (vm.count("max-instructions"))
        reg.set_override("sim.max_instructions", vm["max-instructions"].as<std::string>(), "--max-instructions");
    platform::r3000_params_from(reg);  // every value checked before anything else happens

    // A long run should not end in "cannot write": check the output's place first.
    if (vm.count("stats-json")) stats::check_writable(vm["stats-json"].as<std::string>());

    const std::string elf_path = vm["elf"].as<std::string>();
    stats::Registry stats;
    const platform::R3000Run r = platform::run_r3000(reg, elf_path, stats);
    const platform::RunSummary& run = r.summary;
    if (vm.count("stats-json")) stats.write_json_file(vm["stats-json"].as<std::string>(), reg.effective());
    if (!vm.count("quiet")) std::cerr << stats.to_text();

    switch (run.result.outcome) {
        case platform::Outcome::Exited:
            return static_cast<int>(run.result.exit_code & 0xff);
        case platform::Outcome::InstructionLimit:
            std::cerr << fmt::format("vmsim: {}: guest did not exit within {} instructions (sim.max_instructions); "
                                     "stopped at pc 0x{:08x}\n",
                                     elf_path, r.params.core.max_instructions, r.final_pc);
            return kExitLimit;
        case platform::Outcome::GuestError:
            std::cerr << "vmsim: " << elf_path << ": guest error: " << run.result.error << "\n";
            return kExitGuestError;
    }
    return kExitSoftware;
}

int cmd_reproduce(const std::vector<std::string>& args) {
    po::options_description opts("vmsim reproduce options");
    opts.add_options()
        ("help,h", "show this help and the figures that can be regenerated")
        ("figure", po::value<std::string>()->value_name("NAME"), "a figure name, or all")
        ("out", po::value<std::string>()->value_name("DIR"), "where the tables go (default: <source>/results)")
        ("jobs,j", po::value<unsigned>()->value_name("N")->default_value(2), "simulations run at once")
        ("set,s", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
         "override a parameter in every simulation (after the machine preset); may be repeated")
        ("source-dir", po::value<std::string>()->value_name("DIR")->default_value(VMSIM_SOURCE_DIR),
         "the vmsim source tree (configs/ with presets and paper numbers)")
        ("build-dir", po::value<std::string>()->value_name("DIR")->default_value(VMSIM_BUILD_DIR),
         "the build tree holding the guest images");
    const po::variables_map vm = parse("reproduce", args, opts, "figure");
    if (vm.count("help")) {
        std::cout << "usage: vmsim reproduce NAME|all [--out DIR] [--jobs N] [--set KEY=VALUE]...\n\n" << opts
                  << "\nfigures:\n";
        for (const auto& f : experiment::reproducible_figures())
            std::cout << fmt::format("  {:<10} {}\n", f.name, f.description);
        return kExitOk;
    }
    if (!vm.count("figure"))
        throw UserError(kExitUsage, "vmsim reproduce: name a figure or all (see vmsim reproduce --help)");
    experiment::ReproduceOptions o;
    o.source_dir = vm["source-dir"].as<std::string>();
    o.build_dir = vm["build-dir"].as<std::string>();
    o.out_dir = vm.count("out") ? vm["out"].as<std::string>() : o.source_dir + "/results";
    o.jobs = vm["jobs"].as<unsigned>();
    if (vm.count("set")) o.overrides = vm["set"].as<std::vector<std::string>>();
    experiment::reproduce(vm["figure"].as<std::string>(), o);
    return kExitOk;
}

int dispatch(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::cerr << kUsage;
        return kExitUsage;
    }
    const std::string cmd = args.front();
    args.erase(args.begin());
    if (cmd == "run") return cmd_run(args);
    if (cmd == "reproduce") return cmd_reproduce(args);
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
        if (!args.empty() && args.front() == "run") return cmd_run({"--help"});
        if (!args.empty() && args.front() == "reproduce") return cmd_reproduce({"--help"});
        std::cout << kUsage;
        return kExitOk;
    }
    if (cmd == "--version") {
        std::cout << "vmsim " << VMSIM_VERSION << "\n";
        return kExitOk;
    }
    throw UserError(kExitUsage, "vmsim: unknown command '" + cmd + "' (commands: run, reproduce, help)");
}

}  // namespace
}  // namespace vmsim

int sc_main(int argc, char** argv) {
    try {
        return vmsim::dispatch(argc, argv);
    } catch (const vmsim::UserError& e) {
        std::cerr << e.what() << "\n";
        return e.code();
    } catch (const std::exception& e) {
        std::cerr << "vmsim: internal error: " << e.what() << "\n";
        return vmsim::kExitSoftware;
    }
}

// Our own main: SystemC prints its banner before sc_main runs unless this variable
// is set, and the banner would mix into the guest's output.
int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
