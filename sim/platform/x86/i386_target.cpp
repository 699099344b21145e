// The i386 target: a guest image (an ELF32 EM_386 Multiboot kernel, such as vmlib/l4's kernel with
// its servers, or the SawMill images) booted on the i386 PC of models/x86_64/pc.hpp: the 32-bit ISS
// on the Pentium (P5) timing model, every fetch and reference through the x86 MMU model (legacy
// 32-bit paging, which the guest turns on itself) and the data-cache hierarchy, COM1 as the
// console, isa-debug-exit as the exit, the PIT and PIC, sim-control ports 0x700/0x704 for measured
// regions. Its parameters are the x86 machine's (machine_params.hpp), declared once for both x86
// targets, with the Pentium-100 PC's defaults: the pentium100 preset runs either target.
//
//   vmsim run --config configs/machines/pentium100.cfg --set target=i386 --elf guest.elf
//
// The PC is plain C++ (no SystemC process runs; nothing else shares its time), so the run is a loop
// over Pc::run, in chunks when sim.max_cycles bounds it.
#include "sim/platform/x86/i386_target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "models/x86_64/pc.hpp"
#include "sim/common/errors.hpp"
#include "sim/loader/elf_loader.hpp"
#include "sim/platform/setup.hpp"
#include "sim/platform/x86/machine_params.hpp"

namespace vmsim::platform {
namespace {

using config::ParamTable;
using x86::pc::Pc;
using x86::pc::PcConfig;

// The parameters' defaults: the Pentium-100 PC (pc.hpp, the pentium100 preset's values).
X86Config pc_defaults() {
    const PcConfig pc;
    X86Config c;
    c.clock_mhz = pc.clock_mhz;
    c.mem_size = static_cast<uint32_t>(pc.ram_bytes);
    c.mmu = pc.mmu;
    c.paging = x86::PagingMode::Legacy;
    c.caches = pc.caches;
    c.p5 = pc.timing;
    c.sim.max_instructions = 10'000'000'000ull;
    return c;
}

const ParamTable<X86Config>& params() {
    static const auto* table = [] {
        auto* t = new ParamTable<X86Config>(pc_defaults());
        bind_x86_machine(*t);
        bind_gups_update_cycles(*t);
        auto sim = t->root().at(&X86Config::sim);
        sim.uint("sim.max_instructions", &SimConfig::max_instructions,
                 "stop a guest that has not exited after this many instructions (0 = no limit)");
        sim.uint("sim.max_cycles", &SimConfig::max_cycles,
                 "stop a guest that has not exited after this many CPU cycles, stalls included, checked every "
                 "65536 instructions (0 = no limit)");
        return t;
    }();
    return *table;
}

X86Config read_config(const config::Registry& reg) {
    const X86Config c = params().read(reg);
    check_x86_machine(c);
    const auto fail = [](const std::string& problem) { throw UserError(kExitUsage, problem); };
    if (c.paging != x86::PagingMode::Legacy)
        fail("mmu.paging: the i386 target has 32-bit paging only (legacy32; the guest turns it on itself)");
    if (c.mem_size > (uint32_t{1} << 30))
        fail(fmt::format("mem.size: the i386 PC holds its RAM whole on the host, at most 1G; got {}", c.mem_size));
    if (c.clock_mhz != std::floor(c.clock_mhz))
        fail(fmt::format("cpu.clock_mhz: the i386 PC's clock is a whole number of MHz (its PIT divides it), got {}",
                         c.clock_mhz));
    return c;
}

PcConfig pc_config(const X86Config& c) {
    PcConfig pc;
    pc.ram_bytes = c.mem_size;
    pc.clock_mhz = static_cast<uint32_t>(c.clock_mhz);
    pc.mmu = c.mmu;
    pc.caches = c.caches;
    pc.timing = c.p5;
    return pc;
}

// The cycles of a run (or of a region) by the timing model's cause, and the cycles spent halted,
// which no cause accounts for; they add up to cpu.cycles.
struct Cause {
    const char* name;
    const char* description;
    uint64_t x86::iss::PentiumCycles::*member;  // nullptr: halted
};
const std::vector<Cause>& causes() {
    static const std::vector<Cause> c = [] {
        std::vector<Cause> v;
        for (const auto& p : x86::iss::kPentiumCauses) v.push_back({p.name, p.description, p.member});
        v.push_back({"halted", "waiting in HLT for the next interrupt", nullptr});
        return v;
    }();
    return c;
}

uint64_t cause_cycles(const Cause& c, const x86::iss::PentiumCycles& p, uint64_t total) {
    return c.member ? p.*c.member : total - p.total();
}

struct I386Summary {
    Outcome outcome = Outcome::Exited;
    uint32_t exit_code = 0;
    uint64_t instructions = 0, cycles = 0, interrupts = 0;
    x86::iss::PentiumCycles causes;
    common::StatList timing, mmu, caches;
    std::map<std::string, x86::pc::RegionTotal> regions;  // "N" (describe: "N" at zero)
    double clock_mhz = 100, host_seconds = 0;
};

void record(stats::Registry& stats, const I386Summary& s) {
    stats.text("sim.outcome", "how the run ended: exited (isa-debug-exit), instruction_limit, cycle_limit or "
                              "guest_error (a triple fault, HLT with interrupts off, an unsupported instruction "
                              "or device)") = outcome_name(s.outcome);
    stats.counter("sim.exit_code", "the value the guest wrote to isa-debug-exit (port 0xF4); 0 otherwise") =
        s.exit_code;
    stats.counter("cpu.instructions", "instructions retired") = s.instructions;
    stats.counter("cpu.cycles", "CPU cycles of the Pentium timing model: the cycles.* categories added up") = s.cycles;
    stats.counter("cpu.interrupts", "interrupts, exceptions and INT n delivered through the IDT") = s.interrupts;
    stats.value("sim.seconds", "simulated time in seconds (cycles / clock)") =
        static_cast<double>(s.cycles) / (s.clock_mhz * 1e6);
    for (const Cause& c : causes())
        stats.counter(std::string("cycles.") + c.name, c.description) = cause_cycles(c, s.causes, s.cycles);
    add_stats(stats, "p5.", s.timing);
    add_stats(stats, "mmu.", s.mmu);
    add_stats(stats, "cache.", s.caches);
    for (const auto& [n, r] : s.regions) {
        const std::string base = "region." + n;
        const std::string in = " inside measured region " + n;
        stats.counter(base + ".count", "times measured region " + n + " was entered and left (ports 0x700/0x704)") =
            r.entries;
        stats.counter(base + ".cycles", "cycles" + in) = r.cycles;
        for (size_t k = 0; k < causes().size(); ++k)
            stats.counter(base + "." + causes()[k].name,
                          std::string(causes()[k].name) + " cycles" + in + " (as cycles.* above)") =
                cause_cycles(causes()[k], r.causes, r.cycles);
        stats.counter(base + ".instructions", "instructions" + in) = r.instructions;
        stats.counter(base + ".itlb_misses", "L1 I-TLB misses" + in) = r.itlb_misses;
        stats.counter(base + ".dtlb_misses", "L1 D-TLB misses" + in) = r.dtlb_misses;
        stats.counter(base + ".walks", "page walks" + in) = r.walks;
    }
    stats.value("host.seconds", "host wall-clock seconds spent simulating (not deterministic)") = s.host_seconds;
    stats.value("host.mips", "guest instructions simulated per host second / 1e6 (not deterministic)") =
        s.host_seconds > 0 ? static_cast<double>(s.instructions) / s.host_seconds / 1e6 : 0.0;
}

class I386Target final : public Target {
public:
    const char* name() const override { return "i386"; }
    const char* description() const override {
        return "32-bit x86 PC: a Multiboot ELF guest on the ISS with the Pentium timing model, through the x86 MMU "
               "with 32-bit paging";
    }
    void declare_params(config::Registry& reg) const override { params().declare(reg); }
    void check_params(const config::Registry& reg) const override { read_config(reg); }

    RunResult run(const config::Registry& reg, const std::string& program, stats::Registry& stats,
                  std::FILE* console) const override {
        const X86Config config = read_config(reg);
        const loader::ElfImage image = loader::load_elf_i386(program, config.mem_size);
        Pc pc(pc_config(config));
        for (const auto& s : image.segments) pc.load(s.paddr, s.bytes.data(), s.bytes.size(), s.memsz);
        pc.boot_multiboot(image.entry);

        const auto t0 = std::chrono::steady_clock::now();
        const uint64_t max_instructions = config.sim.max_instructions, max_cycles = config.sim.max_cycles;
        const uint64_t chunk = max_cycles ? 65536 : ~uint64_t{0};
        size_t printed = 0;
        RunResult r;
        Pc::Result result;
        for (;;) {
            const uint64_t done = pc.cpu().instructions();
            uint64_t n = chunk;
            if (max_instructions) n = std::min(n, max_instructions > done ? max_instructions - done : 0);
            result = n ? pc.run(n) : Pc::Result{};
            const std::string& text = pc.console();
            if (text.size() > printed) {
                std::fwrite(text.data() + printed, 1, text.size() - printed, console);
                printed = text.size();
            }
            if (result.kind != Pc::Result::Limit) break;
            if (max_instructions && pc.cpu().instructions() >= max_instructions) {
                r.outcome = Outcome::InstructionLimit;
                r.message = fmt::format("the guest did not exit within {} instructions (sim.max_instructions)",
                                        max_instructions);
                break;
            }
            if (max_cycles && pc.cpu().cycles() >= max_cycles) {
                r.outcome = Outcome::CycleLimit;
                r.message = fmt::format("the guest did not exit within {} cycles (sim.max_cycles; at {})", max_cycles,
                                        pc.cpu().cycles());
                break;
            }
        }
        std::fflush(console);
        const auto t1 = std::chrono::steady_clock::now();
        if (result.kind == Pc::Result::Exit) {
            r.outcome = Outcome::Exited;
            r.exit_code = result.exit_value;
        } else if (result.kind != Pc::Result::Limit) {
            r.outcome = Outcome::GuestError;
            r.message = result.message;
        }

        I386Summary s;
        s.outcome = r.outcome;
        s.exit_code = r.exit_code;
        s.instructions = pc.cpu().instructions();
        s.cycles = pc.cpu().cycles();
        s.interrupts = pc.cpu().interrupts();
        s.causes = pc.timing().stats().cycles;
        s.timing = pc.timing().stats().list();
        s.mmu = pc.mmu().stats().list();
        s.caches = pc.caches().stats().list();
        for (auto& [id, totals] : x86::pc::sum_regions(pc.regions())) s.regions.emplace(std::to_string(id), totals);
        s.clock_mhz = config.clock_mhz;
        s.host_seconds = std::chrono::duration<double>(t1 - t0).count();
        record(stats, s);
        return r;
    }

    const std::vector<CycleCategory>& cycle_breakdown() const override {
        static const std::vector<CycleCategory> c = [] {
            std::vector<CycleCategory> v;
            for (const Cause& x : causes()) v.push_back({x.name, x.description});
            return v;
        }();
        return c;
    }
    // The timing model does not split cycles by privilege level.
    const std::vector<CycleCategory>& cycle_modes() const override {
        static const std::vector<CycleCategory> none;
        return none;
    }

    void describe_stats(stats::Registry& stats) const override {
        I386Summary s;
        s.timing = x86::iss::PentiumStats{}.list();
        s.mmu = x86::MmuStats{}.list();
        s.caches = common::CacheHierarchyStats{}.list();
        s.regions.emplace("N", x86::pc::RegionTotal{});
        record(stats, s);
    }
};

}  // namespace

const Target& i386_target() {
    static const I386Target target;
    return target;
}

PcConfig i386_pc_config(const std::vector<std::string>& overrides) {
    std::vector<std::string> with_target = {"target=i386"};
    with_target.insert(with_target.end(), overrides.begin(), overrides.end());
    return pc_config(read_config(configure({}, with_target).params));
}

}  // namespace vmsim::platform
