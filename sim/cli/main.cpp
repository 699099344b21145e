// vmsim command line: `vmsim run [--elf FILE] ...` runs a guest on the chosen target;
// `reproduce`, `sweep` and `plot` drive many runs and draw their results.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/core.h>
#include <systemc>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/config/registry.hpp"
#include "sim/experiment/plot.hpp"
#include "sim/experiment/reproduce.hpp"
#include "sim/experiment/sweep.hpp"
#include "sim/platform/target.hpp"
#include "sim/stats/atomic_file.hpp"
#include "sim/stats/registry.hpp"
#include "sim/trace/format.hpp"
#include "sim/trace/output.hpp"
#include "sim/trace/tools.hpp"

namespace po = boost::program_options;

namespace vmsim {
namespace {

constexpr const char* kUsage =
    "usage: vmsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run        boot a guest program on a target machine and report its statistics\n"
    "  replay     run an address trace (lackey, ChampSim, vmt) through a target's TLBs and walker\n"
    "  trace      trace files: info (counts, footprint, pages) and convert (between formats)\n"
    "  reproduce  regenerate a paper's table or figure into results/, next to the paper's numbers\n"
    "  sweep      run every point of a sweep file (axes over parameters and programs) into a CSV\n"
    "  plot       draw a results CSV as SVG and PNG with gnuplot\n"
    "  help       show this text; `vmsim help run` for a command's options;\n"
    "             `vmsim help targets` for the simulated machines;\n"
    "             `vmsim help params|stats [--target NAME] [--markdown]` for the parameter and\n"
    "             statistic tables of a target\n"
    "\n"
    "vmsim is a cycle-approximate MMU/TLB simulator. See README.md for the memory map,\n"
    "the exit codes and how to build guest programs.\n";

po::options_description run_options() {
    po::options_description opts("vmsim run options");
    opts.add_options()
        ("help,h", "show this help, with every parameter and its default")
        ("elf", po::value<std::string>()->value_name("FILE"),
         "the guest program to boot: an ELF executable for the target's ISA (required by r3000; x86_64 runs "
         "the workload compiled into vmsim that the parameter `workload` names, and takes none)")
        ("config,c", po::value<std::vector<std::string>>()->value_name("FILE.cfg")->composing(),
         "config file (key = value lines); may be repeated, later files win")
        ("set,s", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
         "override one parameter; may be repeated; beats config files")
        ("stats-json", po::value<std::string>()->value_name("FILE"),
         "write statistics and the effective configuration as JSON (atomically; a device or FIFO "
         "is written in place)")
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

// One run of a configured target: statistics to --stats-json and stderr (unless --quiet), the
// exit status from how it ended. Shared by run and replay.
int run_and_report(const platform::Configured& c, const po::variables_map& vm, const std::string& elf_path) {
    // A long run should not end in "cannot write": check the output's place first.
    if (vm.count("stats-json")) stats::check_writable(vm["stats-json"].as<std::string>());

    // Messages about the run name the program, when there is one.
    const std::string subject = "vmsim: " + (elf_path.empty() ? "" : elf_path + ": ");
    stats::Registry stats;
    const platform::RunResult run = c.target->run(c.params, elf_path, stats, stdout);
    if (run.input_error) {  // as a UserError reads: its line, no statistics
        std::cerr << run.message << "\n";
        return run.input_error;
    }
    if (vm.count("stats-json")) {
        // Reported without a throw: see try_write_file_atomically().
        const std::string error =
            stats::try_write_file_atomically(vm["stats-json"].as<std::string>(), stats.to_json(c.params.effective()));
        if (!error.empty()) {
            std::cerr << error << "\n";
            return kExitCantCreate;
        }
    }
    if (!vm.count("quiet")) std::cerr << stats.to_text();

    switch (run.outcome) {
        case platform::Outcome::Exited:
            return static_cast<int>(run.exit_code & 0xff);
        case platform::Outcome::InstructionLimit:
        case platform::Outcome::CycleLimit:
            std::cerr << subject << run.message << "\n";
            return kExitLimit;
        case platform::Outcome::GuestError:
            std::cerr << subject << run.message << "\n";
            return kExitGuestError;
    }
    return kExitSoftware;
}

// The --config files and --set assignments of a command, in the order given.
std::vector<std::string> config_files(const po::variables_map& vm) {
    return vm.count("config") ? vm["config"].as<std::vector<std::string>>() : std::vector<std::string>{};
}
std::vector<config::Assignment> overrides(const po::variables_map& vm) {
    std::vector<config::Assignment> sets;
    if (vm.count("set"))
        for (const auto& s : vm["set"].as<std::vector<std::string>>()) sets.push_back(config::parse_override(s));
    return sets;
}

int cmd_run(const std::vector<std::string>& args) {
    const po::options_description opts = run_options();
    const po::variables_map vm = parse("run", args, opts, "elf");

    if (vm.count("help")) {
        const platform::Target& target = *platform::targets().front();
        std::cout << "usage: vmsim run [--elf FILE] [--config FILE.cfg]... [--set KEY=VALUE]... "
                     "[--stats-json FILE] [--max-instructions N]\n\n"
                  << opts << "\nparameters of the " << target.name()
                  << " target (config file keys and --set names), with defaults"
                     " (other targets: vmsim help params --target NAME):\n"
                  << platform::declared_params(target).help_text();
        return kExitOk;
    }
    std::vector<std::string> configs = config_files(vm);
    std::vector<config::Assignment> sets = overrides(vm);
    if (vm.count("max-instructions"))
        sets.push_back({"sim.max_instructions", vm["max-instructions"].as<std::string>(), "--max-instructions"});
    // Every value is checked before anything else happens.
    const platform::Configured c = platform::configure(configs, sets);
    // The target decides whether there is a program to boot.
    if (c.target->takes_program() && !vm.count("elf"))
        throw UserError(kExitUsage, "vmsim run: --elf FILE is required (see vmsim run --help)");
    if (!c.target->takes_program() && vm.count("elf"))
        throw UserError(kExitUsage, std::string("vmsim run: --elf: target ") + c.target->name() +
                                        " runs a workload compiled into vmsim (the parameter workload), not a program");

    return run_and_report(c, vm, vm.count("elf") ? vm["elf"].as<std::string>() : "");
}

// `vmsim replay --trace FILE --config CFG ...`: `vmsim run` with the trace.* parameters set from the
// options (the parameters are what a sweep varies): on r3000 with the replay guest as the program,
// on x86_64 with workload = replay.
int cmd_replay(const std::vector<std::string>& args) {
    po::options_description opts("vmsim replay options");
    opts.add_options()
        ("help,h", "show this help")
        ("trace", po::value<std::string>()->value_name("FILE"),
         "the address trace (- for standard input; gzip or xz compressed or not)")
        ("format", po::value<std::string>()->value_name("F"), "auto|lackey|champsim|vmt (default auto: detected)")
        ("config,c", po::value<std::vector<std::string>>()->value_name("FILE.cfg")->composing(),
         "config file (key = value lines); may be repeated, later files win (e.g. configs/machines/dec3100.cfg "
         "for the R3000, configs/machines/skylake.cfg for the x86-64)")
        ("set,s", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
         "override one parameter; may be repeated; beats config files (trace.page_size=2m, aegis.stlb_entries=256...)")
        ("limit", po::value<std::string>()->value_name("N"), "replay and measure at most N references after the skip")
        ("skip", po::value<std::string>()->value_name("N"),
         "replay the first N references to warm the TLBs (and caches), without statistics")
        ("elf", po::value<std::string>()->value_name("FILE"),
         "r3000: the replay guest (default: <build dir>/workloads/replay/aegis_replay.elf)")
        ("build-dir", po::value<std::string>()->value_name("DIR")->default_value(VMSIM_BUILD_DIR),
         "the build tree holding the replay guest")
        ("stats-json", po::value<std::string>()->value_name("FILE"),
         "write statistics and the effective configuration as JSON (atomically)")
        ("quiet,q", "do not print the statistics table on stderr");
    const po::variables_map vm = parse("replay", args, opts, "trace");
    if (vm.count("help")) {
        std::cout << "usage: vmsim replay --trace FILE [--format auto|lackey|champsim|vmt] --config CFG "
                     "[--set KEY=VALUE]... [--limit N] [--skip N] [--elf FILE] [--build-dir DIR] [--stats-json F]\n\n"
                  << opts
                  << "\nThe same as vmsim run with trace.file, trace.format, trace.limit, trace.skip set: on\n"
                     "target r3000 (the default) the program is the replay guest, whose own refill code runs on\n"
                     "every TLB miss (docs/replay.md); on x86_64 also workload = replay (every reference through\n"
                     "the TLBs and the walker). vmsim help params --target NAME lists every trace.* parameter.\n"
                     "Formats: docs/trace-format.md.\n";
        return kExitOk;
    }
    if (!vm.count("trace")) throw UserError(kExitUsage, "vmsim replay: --trace FILE is required (see vmsim replay --help)");
    std::vector<std::string> configs = config_files(vm);
    std::vector<config::Assignment> sets = overrides(vm);
    const platform::Configured chosen = platform::configure(configs, sets);
    // A target replays on a guest program of its own, or with the workload its parameters choose.
    const char* guest = chosen.target->replay_program();
    if (!guest && vm.count("elf"))
        throw UserError(kExitUsage, std::string("vmsim replay: --elf: target ") + chosen.target->name() +
                                        " replays without a guest program");
    std::string program;
    if (guest) program = vm.count("elf") ? vm["elf"].as<std::string>() : vm["build-dir"].as<std::string>() + "/" + guest;
    if (chosen.params.contains("workload")) sets.push_back({"workload", "replay", "vmsim replay"});
    sets.push_back({"trace.file", vm["trace"].as<std::string>(), "--trace"});
    if (vm.count("format")) sets.push_back({"trace.format", vm["format"].as<std::string>(), "--format"});
    if (vm.count("limit")) sets.push_back({"trace.limit", vm["limit"].as<std::string>(), "--limit"});
    if (vm.count("skip")) sets.push_back({"trace.skip", vm["skip"].as<std::string>(), "--skip"});
    return run_and_report(platform::configure(configs, sets), vm, program);
}

// `vmsim trace info FILE` and `vmsim trace convert IN OUT`.
int cmd_trace(const std::vector<std::string>& args) {
    const std::string usage =
        "usage: vmsim trace info FILE [--format F]\n"
        "       vmsim trace convert IN OUT [--from F] [--to vmt|lackey]\n";
    const std::string sub = args.empty() ? "" : args.front();
    if (sub == "" || sub == "--help" || sub == "-h" || sub == "help") {
        std::cout << usage
                  << "\ninfo: references by kind, address range, distinct 4 KB / 2 MB / 1 GB pages and the footprint.\n"
                     "convert: IN in any format (--from, default auto: detected) to OUT as vmt (default) or lackey\n"
                     "text; OUT ending in .gz or .xz is compressed. - is standard input or output.\n"
                     "Formats: docs/trace-format.md.\n";
        return sub.empty() ? kExitUsage : kExitOk;
    }
    po::options_description opts("vmsim trace options");
    opts.add_options()
        ("in", po::value<std::string>()->value_name("FILE"), "input trace")
        ("out", po::value<std::string>()->value_name("FILE"), "output trace (convert)")
        ("format", po::value<std::string>()->value_name("F"), "input format (info)")
        ("from", po::value<std::string>()->value_name("F"), "input format (convert)")
        ("to", po::value<std::string>()->value_name("F"), "output format (convert)");
    po::positional_options_description positional;
    positional.add("in", 1).add("out", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end()))
                      .options(opts).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UserError(kExitUsage, "vmsim trace " + sub + ": " + e.what() + " (see vmsim trace --help)");
    }
    if (!vm.count("in")) throw UserError(kExitUsage, "vmsim trace " + sub + ": name the input trace (see vmsim trace --help)");
    const std::string in = vm["in"].as<std::string>();
    const auto format_of = [&](const char* option) {
        return vm.count(option) ? trace::parse_format(vm[option].as<std::string>(), std::string("--") + option)
                                : trace::Format::Auto;
    };
    if (sub == "info") {
        if (vm.count("out") || vm.count("from") || vm.count("to"))
            throw UserError(kExitUsage, "vmsim trace info: takes one FILE and --format (see vmsim trace --help)");
        trace::OpenedTrace t = trace::open_trace(in, format_of("format"));
        const trace::TraceInfo info = trace::reading(t, [&] { return trace::summarize(*t.source); });
        std::cout << fmt::format("{:<22} {}\n", "format", t.description()) << trace::info_text(info);
        return kExitOk;
    }
    if (sub == "convert") {
        if (!vm.count("out")) throw UserError(kExitUsage, "vmsim trace convert: name IN and OUT (see vmsim trace --help)");
        if (vm.count("format")) throw UserError(kExitUsage, "vmsim trace convert: the input format is --from");
        const trace::Format to = vm.count("to") ? format_of("to") : trace::Format::Vmt;
        if (to != trace::Format::Vmt && to != trace::Format::Lackey)
            throw UserError(kExitUsage, "vmsim trace convert: --to: vmsim writes vmt or lackey");
        const std::string out = vm["out"].as<std::string>();
        // Opening OUT truncates it: were it IN, the input would be gone before it is read.
        std::error_code same_ec;
        if (in != "-" && out != "-" && std::filesystem::equivalent(in, out, same_ec))
            throw UserError(kExitUsage, "vmsim trace convert: " + out + " is the input file: write to another file");
        trace::OpenedTrace t = trace::open_trace(in, format_of("from"));
        std::unique_ptr<trace::Output> output = trace::Output::open(out);
        uint64_t n = 0;
        try {
            n = trace::reading(t, [&] { return trace::convert(*t.source, to, std::move(output)); });
        } catch (...) {
            // A lackey file cut short reads as a valid shorter trace: leave none behind (a device or
            // FIFO is not a file to remove).
            std::error_code ec;
            if (out != "-" && std::filesystem::is_regular_file(out, ec)) std::filesystem::remove(out, ec);
            throw;
        }
        if (t.detected) std::cerr << "vmsim trace convert: " << in << ": " << t.description() << "\n";
        std::cerr << "vmsim trace convert: " << n << " references written as " << trace::format_name(to) << "\n";
        return kExitOk;
    }
    throw UserError(kExitUsage, "vmsim trace: unknown subcommand " + vmsim::quoted(sub) + " (info, convert)");
}

// `vmsim help params|stats [--target NAME] [--markdown]`: the tables the docs are
// generated from (docs/parameters.md, docs/statistics.md).
int cmd_help_tables(const std::string& what, const std::vector<std::string>& args) {
    po::options_description opts("vmsim help " + what + " options");
    opts.add_options()
        ("help,h", "show this help")
        ("target", po::value<std::string>()->value_name("NAME")->default_value(platform::targets().front()->name()),
         "the target whose table to show")
        ("markdown", "a Markdown table (as in docs/) instead of aligned text");
    const po::variables_map vm = parse("help " + what, args, opts, "target");
    if (vm.count("help")) {
        std::cout << "usage: vmsim help " << what << " [--target NAME] [--markdown]\n\n" << opts;
        return kExitOk;
    }
    const platform::Target& target = platform::find_target(vm["target"].as<std::string>(), "--target");
    const bool markdown = vm.count("markdown") != 0;
    if (what == "params") {
        const config::Registry reg = platform::declared_params(target);
        std::cout << (markdown ? reg.help_markdown() : reg.help_text());
    } else {
        stats::Registry stats;
        target.describe_stats(stats);
        std::cout << (markdown ? stats.to_markdown() : stats.to_text());
    }
    return kExitOk;
}

int cmd_reproduce(const std::vector<std::string>& args) {
    po::options_description opts("vmsim reproduce options");
    opts.add_options()
        ("help,h", "show this help and the figures that can be regenerated")
        ("figure", po::value<std::string>()->value_name("NAME"), "a figure name, or all")
        ("out", po::value<std::string>()->value_name("DIR"), "where the tables go (default: <source>/results)")
        ("jobs,j", po::value<unsigned>()->value_name("N")->default_value(2), "simulations run at once")
        ("seeds", po::value<unsigned>()->value_name("N")->default_value(8),
         "runs per cell, with cpu.random_seed 1 .. N (the draw of TLB replacement); the tables give their mean "
         "and range. 1: one run with the presets' seed (0: the chip's cycle-driven Random)")
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
    o.seeds = vm["seeds"].as<unsigned>();
    if (vm.count("set")) o.overrides = vm["set"].as<std::vector<std::string>>();
    experiment::reproduce(vm["figure"].as<std::string>(), o);
    return kExitOk;
}

int cmd_sweep(const std::vector<std::string>& args) {
    const unsigned cores = std::thread::hardware_concurrency();
    po::options_description opts("vmsim sweep options");
    opts.add_options()
        ("help,h", "show this help")
        ("file", po::value<std::string>()->value_name("FILE"), "the sweep file (syntax: configs/README.md)")
        ("out", po::value<std::string>()->value_name("DIR"),
         "where points/, results.csv, results.jsonl and plots go (default: FILE's directory/<stem>.out)")
        ("jobs,j", po::value<unsigned>()->value_name("N")->default_value(cores ? cores : 1),
         "simulations run at once (default: the number of cores)")
        ("set,s", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
         "override a parameter in every point (not an axis); may be repeated")
        ("build-dir", po::value<std::string>()->value_name("DIR")->default_value(VMSIM_BUILD_DIR),
         "the build tree that ${build} in program paths stands for")
        ("point", po::value<long>()->value_name("I"),
         "run only point I (0 = the first; what a Slurm task runs) and write no results")
        ("backend", po::value<std::string>()->value_name("B"),
         "local: run the points here; slurm: submit them as one Slurm job array (default: local, or "
         "collect the Slurm submission in DIR)")
        ("partition", po::value<std::string>()->value_name("P"), "slurm: the partition (default: the cluster's)")
        ("time", po::value<std::string>()->value_name("T"), "slurm: each task's time limit (sbatch --time, e.g. 10:00)")
        ("mem", po::value<std::string>()->value_name("M"), "slurm: each task's memory (sbatch --mem, e.g. 2G)")
        ("max-parallel", po::value<unsigned>()->value_name("K"), "slurm: at most K tasks at once")
        ("wait", "slurm: wait until the job array is done, then collect the results");
    const po::variables_map vm = parse("sweep", args, opts, "file");
    if (vm.count("help")) {
        std::cout << "usage: vmsim sweep FILE [--out DIR] [--jobs N] [--set KEY=VALUE]... [--build-dir DIR]\n"
                     "       vmsim sweep FILE --out DIR --backend slurm [--partition P] [--time T] [--mem M]\n"
                     "                   [--max-parallel K] [--wait]\n\n"
                  << opts
                  << "\nPoints already finished in DIR are not run again. Exit status: 0; 125 when a point\n"
                     "failed (guest error, instruction limit, nonzero guest exit); 70 when one crashed.\n"
                     "results.csv and results.jsonl are written either way.\n"
                     "\nWith --backend slurm the unfinished points are submitted as one job array (sbatch)\n"
                     "whose task I runs `vmsim sweep FILE --out DIR --point I`; DIR must be on a filesystem\n"
                     "the cluster's nodes share. Later, `vmsim sweep FILE --out DIR` collects what is done\n"
                     "(exit 75 while points are missing); submitting again submits only the points not\n"
                     "finished, queued or running. A Slurm client that is missing or refuses is exit 69.\n";
        return kExitOk;
    }
    if (!vm.count("file")) throw UserError(kExitUsage, "vmsim sweep: name a sweep file (see vmsim sweep --help)");
    experiment::SweepOptions o;
    if (vm.count("out")) o.out_dir = vm["out"].as<std::string>();
    o.jobs = vm["jobs"].as<unsigned>();
    if (vm.count("set")) o.overrides = vm["set"].as<std::vector<std::string>>();
    o.build_dir = vm["build-dir"].as<std::string>();
    o.progress = ::isatty(STDERR_FILENO) != 0;
    if (vm.count("point")) {
        o.point = vm["point"].as<long>();
        if (o.point < 0) throw UserError(kExitUsage, "vmsim sweep: --point: expected 0 or more");
        if (vm.count("backend")) throw UserError(kExitUsage, "vmsim sweep: --point runs one point here: no --backend");
    }
    if (vm.count("backend")) {
        const std::string b = vm["backend"].as<std::string>();
        if (b == "local") o.backend = experiment::SweepBackend::Local;
        else if (b == "slurm") o.backend = experiment::SweepBackend::Slurm;
        else throw UserError(kExitUsage, "vmsim sweep: --backend: expected local or slurm, got " + vmsim::quoted(b));
    }
    for (const char* name : {"partition", "time", "mem", "max-parallel"})
        if (vm.count(name) && o.backend != experiment::SweepBackend::Slurm)
            throw UserError(kExitUsage, fmt::format("vmsim sweep: --{} is for --backend slurm", name));
    if (vm.count("wait") && (o.backend == experiment::SweepBackend::Local || o.point >= 0))
        throw UserError(kExitUsage, "vmsim sweep: --wait waits for a Slurm job array: not with --backend local or --point");
    if (vm.count("partition")) o.slurm.partition = vm["partition"].as<std::string>();
    if (vm.count("time")) o.slurm.time = vm["time"].as<std::string>();
    if (vm.count("mem")) o.slurm.mem = vm["mem"].as<std::string>();
    if (vm.count("max-parallel")) o.slurm.max_parallel = vm["max-parallel"].as<unsigned>();
    if (vm.count("max-parallel") && !o.slurm.max_parallel)
        throw UserError(kExitUsage, "vmsim sweep: --max-parallel: expected 1 or more");
    o.slurm.wait = vm.count("wait") != 0;
    return experiment::run_sweep(vm["file"].as<std::string>(), o);
}

int cmd_plot(const std::vector<std::string>& args) {
    po::options_description opts("vmsim plot options");
    opts.add_options()
        ("help,h", "show this help")
        ("csv", po::value<std::string>()->value_name("CSV"), "the results table: a header row, then one row per point")
        ("x", po::value<std::string>()->value_name("COL"), "the column on the x axis (required)")
        ("y", po::value<std::string>()->value_name("COL"), "the column on the y axis (required)")
        ("by", po::value<std::string>()->value_name("COL"), "one line per value of this column (or per combination of several, space-separated)")
        ("logx", "logarithmic x axis")
        ("logy", "logarithmic y axis")
        ("title", po::value<std::string>()->value_name("T"), "the plot's title (default: Y by BY)")
        ("out", po::value<std::string>()->value_name("BASE"),
         "write BASE.svg, BASE.png, BASE.gp (the gnuplot script) and BASE.dat (default: CSV without .csv)");
    const po::variables_map vm = parse("plot", args, opts, "csv");
    if (vm.count("help")) {
        std::cout << "usage: vmsim plot CSV --x COL --y COL [--by COL] [--logx] [--logy] [--out BASE] [--title T]\n\n"
                  << opts
                  << "\nNeeds gnuplot (Debian: gnuplot-nox). Rows whose status column is not ok are left out.\n";
        return kExitOk;
    }
    if (!vm.count("csv")) throw UserError(kExitUsage, "vmsim plot: name a CSV file (see vmsim plot --help)");
    if (!vm.count("x") || !vm.count("y"))
        throw UserError(kExitUsage, "vmsim plot: --x COL and --y COL are required (see vmsim plot --help)");
    const std::string csv_path = vm["csv"].as<std::string>();
    experiment::PlotSpec spec;
    spec.x = vm["x"].as<std::string>();
    spec.y = vm["y"].as<std::string>();
    if (vm.count("by")) spec.by = vm["by"].as<std::string>();
    if (vm.count("title")) spec.title = vm["title"].as<std::string>();
    spec.logx = vm.count("logx") != 0;
    spec.logy = vm.count("logy") != 0;
    const std::string base =
        vm.count("out") ? vm["out"].as<std::string>() : std::filesystem::path(csv_path).replace_extension().string();
    const experiment::PlotFiles files = experiment::plot_csv(experiment::read_csv(csv_path), spec, base);
    std::cout << "wrote " << files.svg << " and " << files.png << " (script " << files.script << ")\n";
    return kExitOk;
}

// The commands that take options; `vmsim help NAME` is `vmsim NAME --help`.
struct Command {
    const char* name;
    int (*run)(const std::vector<std::string>& args);
};
constexpr Command kCommands[] = {
    {"run", cmd_run},   {"replay", cmd_replay}, {"trace", cmd_trace},
    {"reproduce", cmd_reproduce}, {"sweep", cmd_sweep}, {"plot", cmd_plot}};

int dispatch(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::cerr << kUsage;
        return kExitUsage;
    }
    const std::string cmd = args.front();
    args.erase(args.begin());
    for (const Command& c : kCommands)
        if (cmd == c.name) return c.run(args);
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
        const std::string topic = args.empty() ? "" : args.front();
        for (const Command& c : kCommands)
            if (topic == c.name) return c.run({"--help"});
        if (topic == "params" || topic == "stats") return cmd_help_tables(topic, {args.begin() + 1, args.end()});
        if (topic == "targets") {
            for (const platform::Target* t : platform::targets())
                std::cout << fmt::format("{:<10} {}\n", t->name(), t->description());
            return kExitOk;
        }
        std::cout << kUsage;
        return kExitOk;
    }
    if (cmd == "--version") {
        std::cout << "vmsim " << VMSIM_VERSION << "\n";
        return kExitOk;
    }
    std::string names;
    for (const Command& c : kCommands) names += std::string(c.name) + ", ";
    throw UserError(kExitUsage, "vmsim: unknown command " + vmsim::quoted(cmd) + " (commands: " + names + "help)");
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

#if defined(__SANITIZE_ADDRESS__)
// Sanitizer builds only: LeakSanitizer's scan of thread stacks at exit crashes in
// its tracer ("Tracer caught signal 11", about one run in two here) on the
// guard pages of SystemC's coroutine stacks, turning a clean run into exit 1.
// Leaks are still found from globals, TLS and registers.
extern "C" const char* __lsan_default_options() { return "use_stacks=0"; }
#endif

// Our own main: SystemC prints its banner before sc_main runs unless this variable
// is set, and the banner would mix into the guest's output.
int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
