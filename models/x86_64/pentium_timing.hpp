// The Pentium (P5, the 100 MHz P54C) timing model of the 32-bit x86 ISS: an in-order U/V dual-issue
// pipe fed one retired instruction at a time, with AGI stalls, prefix clocks, per-instruction clock
// counts, a branch target buffer, an 8 KB L1 I-cache of its own, and data references timed through
// the data-cache hierarchy that the page walker's references also go through. Plain C++17, no
// SystemC. Approximate and documented: every figure below carries a source tag of
// ../shared/reference/i386.md (section 3, [Sn]) or the preset's tags, or says "estimate".
//
// How the ISS feeds it. `TimedMemory<Inner>` wraps the ISS's memory (FlatMemory, MmuMemory): the CPU
// is instantiated as Cpu<TimedMemory<MmuMemory>>, every translate() it makes is forwarded and
// reported here (the fetch's physical address, each data reference's physical address, access and
// the translation's own cycles: TLB misses cost what the walker's references cost), and step() calls
// TimedMemory::retired() after each completed instruction with the decoded Insn, its EIP and the
// next EIP (a branch was taken when that is not EIP + length). A Cpu over a memory without
// retired() (every other instantiation) compiles no hook at all, so the untimed ISS is unchanged.
//
//     common::CacheHierarchy caches(p5_cache_config);     // the preset's [l1d], [l2], mem.read_latency
//     Mmu mmu(mmu_config, ram, caches);                    // the walker's references use `caches` too
//     PentiumTiming timing(PentiumTimingConfig{}, caches); // so the core's data references share its L1D
//     MmuMemory plain(mmu, ram);
//     TimedMemory<MmuMemory> mem(plain, timing);
//     Cpu<TimedMemory<MmuMemory>> cpu(mem);
//     cpu.run(n);  timing.cycles();  timing.stats().list();
//
// The model, per retired instruction (details at each rule in pentium_timing.cpp):
//  - Issue. The instruction goes to the V pipe beside the previous one (the pair costs the longer
//    of the two) when the previous issued alone in U and could pair there, both are "simple", no
//    RAW or WAW register dependence (flags RAW counts, except a flag-writer followed by Jcc;
//    ESP except push/push and pop/pop), neither has a displacement and an immediate, the V one has
//    no prefix, branches only in V, shifts/rotates only in U, ADC/SBB only in U [S11]. Otherwise it
//    starts a new clock in U, paying its clock count [S9][S10][S12], +1 per prefix [S12] and +1
//    for an AGI [S13]. Nothing pairs after a branch.
//  - Branches: a 256-entry 4-way BTB (estimate) of 2-bit counters keyed by EIP; a branch not in
//    the BTB is predicted not taken; a misprediction (direction, or target of a taken branch)
//    costs 3 clocks in U, 4 in V [S14].
//  - I-cache: 8 KB, 2-way, 32-byte lines, LRU [S15][P5], on the shared set-associative template; a
//    miss looks the unified levels below the L1D up (the board's L2, memory) and costs the line
//    fill on the 66 MHz bus x 1.5: L2 3-1-1-1 = 6 bus clocks = 9 core clocks [S16][S17], memory
//    5-2-2-2 EDO = 11 bus clocks = 17 core clocks ([430FX] in the preset; chipset overhead not
//    added: estimate). An instruction whose fetch missed does not pair with the one before.
//  - D-cache: the data-cache hierarchy's L1D (the preset: 8 KB 2-way 32-byte lines LRU [P5]). A load
//    (and the read of a read-modify-write) that misses fills the line and stalls for the fill as
//    above. A store that misses does not allocate (estimate, "commonly stated" [S15]) and goes to
//    one of two write buffers (estimate) that drain one write per 3 bus clocks (estimate); a store
//    that finds both busy waits for the older. Paired references to the same bank of the 8 (4-byte
//    interleave [S15]) but different words cost 1 clock (estimate).
//  - System events (INT n, exceptions, IRET, MOV CRn, INVLPG, CPUID, RDTSC, ...) cost a named table
//    (SystemCosts). retire() maps the system instructions' Ops to their SystemEvent (their
//    shape has no clocks of its own); what depends on a privilege change (INT n, IRET,
//    exception delivery) the ISS reports itself with system_event().
//
// Not modelled: the P5's pairing information kept in the I-cache (an instruction pairs on its first
// execution here), the sequencing delay of two paired read-modify-write instructions, data-
// dependent BSF/BSR/MUL clocks, misaligned-access penalties, the prefetch queue, the I-TLB's and
// D-TLB's miss handling beyond the walker's reference latencies, and L2/memory write-backs.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "models/common/cache_hierarchy.hpp"
#include "models/common/set_assoc.hpp"
#include "models/common/stat_list.hpp"
#include "models/x86_64/iss_decode.hpp"
#include "models/x86_64/mmu.hpp"

namespace vmsim::x86::iss {

// Costs of system events in core clocks, Pentium in protected mode. Sources are the sheet's
// (../shared/reference/i386.md section 3); "estimate" where it has none.
struct SystemCosts {
    uint32_t int_same = 31;             // INT n to the same privilege: 6 + 25 [S10]
    uint32_t int_inner = 48;            // INT n to an inner privilege (TSS stack switch): 6 + 42 [S10]
    uint32_t exception_same = 25;       // exception through a gate, same privilege: the gate without the 6 [S10]
    uint32_t exception_inner = 42;      // the same to an inner privilege [S10]
    uint32_t iret_same = 10;            // [S10]
    uint32_t iret_outer = 27;           // IRET to an outer privilege [S10]
    uint32_t mov_cr3 = 4;               // MOV CR3,r [S9] (looks 486-derived); the TLB refill after it is simulated
    uint32_t mov_cr0 = 16;              // MOV CR0,r [S9]
    uint32_t mov_cr_other = 4;          // MOV CR2/CR4,r [S9] (CR4: estimate, as CR2)
    uint32_t mov_from_cr = 4;           // MOV r,CRx [S9]
    uint32_t invlpg = 25;               // estimate: the sheet's ~25 for P5 (12 on a 486 with a TLB hit [S28])
    uint32_t cpuid = 14;                // [S9]
    uint32_t rdtsc = 20;                // [S9] MAME (86Box says 1: the sources disagree)
    uint32_t cli_sti = 7;               // [S9]
    uint32_t lgdt_lidt = 6;             // [S9]
    uint32_t ltr = 10;                  // [S9]
    uint32_t in = 19;                   // IN, protected mode [S9]
    uint32_t out = 24;                  // OUT, protected mode [S9]
    uint32_t hlt = 4;                   // [S9]; the cycles spent halted are the platform's
};

// Keys of SystemCosts, for PentiumTiming::system_event(). The ISS's Ops for these instructions map
// onto them where it executes them.
enum class SystemEvent : uint8_t {
    IntSame, IntInner, ExceptionSame, ExceptionInner, IretSame, IretOuter,
    MovCr3, MovCr0, MovCrOther, MovFromCr, Invlpg, Cpuid, Rdtsc, CliSti, LgdtLidt, Ltr, In, Out, Hlt,
};
inline constexpr unsigned kSystemEvents = static_cast<unsigned>(SystemEvent::Hlt) + 1;
const char* system_event_name(SystemEvent e);

struct PentiumTimingConfig {
    // Core clocks per bus clock: the P100 is a 66 MHz bus x 1.5 [S16].
    double bus_ratio = 1.5;
    // A 32-byte line fill is 4 x 8-byte transfers. From the board's L2 (pipeline-burst SRAM) 3-1-1-1
    // = 6 bus clocks [S17]; from EDO DRAM 5-2-2-2 = 11 ([430FX] in the preset; the chipset's
    // address and tag cycles not added: estimate).
    uint32_t l2_fill_bus_clocks = 6;
    uint32_t memory_fill_bus_clocks = 11;
    // Store misses (no write-allocate: estimate) go through write buffers; each drains in
    // write_bus_clocks (estimate: a single non-burst write of the P5 bus, 2 clocks, plus one for
    // the L2 or the chipset). Two buffers, one per pipe: estimate.
    uint32_t write_bus_clocks = 3;
    uint32_t write_buffers = 2;
    // The BTB: 256 entries, 4-way (estimate: the size is unsourced in the sheet), 2-bit counters.
    uint32_t btb_entries = 256;
    uint32_t btb_ways = 4;
    // Misprediction penalty by the pipe the branch executed in: 3 (U) / 4 (V) [S14] (the split is
    // commonly stated, unsourced).
    uint32_t mispredict_u = 3;
    uint32_t mispredict_v = 4;
    // The L1 I-cache: 8 KB, 2-way, LRU [S15][P5]; its line is the data hierarchy's (32 bytes on the preset).
    uint32_t icache_size = 8 * 1024;
    uint32_t icache_ways = 2;
    SystemCosts system;

    // Empty when usable, else one sentence naming the bad field.
    std::string check() const;
};

// Clocks of the run by cause: their sum is cycles().
struct PentiumCycles {
    uint64_t issue = 0;         // each instruction's own clocks (a V instruction only what exceeds its U partner's)
    uint64_t prefix = 0;        // +1 per prefix
    uint64_t agi = 0;           // address-generation interlocks
    uint64_t bank = 0;          // paired references to the same D-cache bank
    uint64_t mispredict = 0;    // branch mispredictions
    uint64_t icache = 0;        // I-cache line fills
    uint64_t dcache = 0;        // D-cache line fills for loads and read-modify-writes
    uint64_t write_buffer = 0;  // stores that found every write buffer busy
    uint64_t translation = 0;   // what the MMU's translations added (TLB misses: the walker's references)
    uint64_t system = 0;        // system events (SystemCosts)
    uint64_t total() const {
        return issue + prefix + agi + bank + mispredict + icache + dcache + write_buffer + translation + system;
    }
    // Cause by cause: a region's cycles are its end's less its begin's.
    PentiumCycles& operator+=(const PentiumCycles& o);
    PentiumCycles& operator-=(const PentiumCycles& o);
    friend PentiumCycles operator-(PentiumCycles a, const PentiumCycles& b) { return a -= b; }
};

// Every cause of PentiumCycles, in its order, with the name and meaning its statistics ("cycles.NAME")
// and the platform's cycle categories give it.
struct PentiumCause {
    const char* name;
    const char* description;
    uint64_t PentiumCycles::*member;
};
inline constexpr std::array<PentiumCause, 10> kPentiumCauses = {{
    {"issue", "each instruction's own clocks (a paired V instruction: what exceeds its U partner's)",
     &PentiumCycles::issue},
    {"prefix", "one clock per instruction prefix", &PentiumCycles::prefix},
    {"agi", "address-generation interlocks", &PentiumCycles::agi},
    {"bank", "paired references to the same D-cache bank", &PentiumCycles::bank},
    {"mispredict", "branch mispredictions (cpu.mispredict_u or _v clocks each)", &PentiumCycles::mispredict},
    {"icache", "I-cache line fills (from the L2 or memory over the bus)", &PentiumCycles::icache},
    {"dcache", "D-cache line fills for loads and read-modify-writes", &PentiumCycles::dcache},
    {"write_buffer", "stores that found every write buffer busy", &PentiumCycles::write_buffer},
    {"translation", "TLB misses: the page walker's references through the caches", &PentiumCycles::translation},
    {"system", "system events: INT/IRET gates, exceptions, MOV CRn, INVLPG, I/O, ... (SystemCosts)",
     &PentiumCycles::system},
}};

inline PentiumCycles& PentiumCycles::operator+=(const PentiumCycles& o) {
    for (const PentiumCause& c : kPentiumCauses) this->*c.member += o.*c.member;
    return *this;
}
inline PentiumCycles& PentiumCycles::operator-=(const PentiumCycles& o) {
    for (const PentiumCause& c : kPentiumCauses) this->*c.member -= o.*c.member;
    return *this;
}

struct PentiumStats {
    uint64_t instructions = 0;
    uint64_t pairs = 0;          // instructions issued in V beside a U instruction
    uint64_t agi_stalls = 0;
    uint64_t bank_conflicts = 0;
    uint64_t branches = 0;       // near branches retired (jmp, call, ret, jcc, loop, jecxz)
    uint64_t taken = 0;
    uint64_t mispredicts = 0;
    uint64_t icache_hits = 0, icache_misses = 0;    // per line an instruction's bytes touch
    uint64_t dcache_load_hits = 0, dcache_load_misses = 0;
    uint64_t dcache_store_hits = 0, dcache_store_misses = 0;
    uint64_t write_buffer_stalls = 0;
    std::array<uint64_t, kSystemEvents> system_events{};
    PentiumCycles cycles;

    // As statistics with relative names ("pairs", "cycles.agi"), each saying what it counts.
    common::StatList list() const;
};

class PentiumTiming {
public:
    // `data_caches`: the hierarchy whose L1D is the Pentium's D-cache (and whose lower levels
    // serve I-cache misses); the Mmu's walker should use the same object. Both must outlive this.
    // Throws std::invalid_argument with config.check()'s sentence.
    PentiumTiming(const PentiumTimingConfig& config, common::CacheHierarchy& data_caches);

    // From TimedMemory: a translation the CPU made. Fetch: the instruction's bytes at `pa`
    // (a second fetch in one instruction is its part on the next page). Read/Write: a data
    // reference. `translation_cycles` is what the translation added (a walk, a fault's walk).
    void translated(uint32_t la, uint64_t pa, Access access, uint32_t translation_cycles) {
        charge(&PentiumCycles::translation, translation_cycles);
        if (access == Access::Fetch) {
            fetch(la, pa);
            return;
        }
        if (nrefs_ == kBufferedRefs) flush_refs();
        refs_[nrefs_++] = Ref{pa, access == Access::Write};
        ++refs_total_;
    }
    // A translation that faulted: only its cycles.
    void translation_fault(uint32_t translation_cycles) {
        charge(&PentiumCycles::translation, translation_cycles);
    }

    // The instruction `in` at `eip` completed; execution continues at `next`. Its shape() comes from
    // a table of recent instructions (the overload below takes it from the caller).
    void retire(const Insn& in, uint32_t eip, uint32_t next);

    // A system event executed (or delivered): charges its cost (SystemCosts) and ends pairing.
    void system_event(SystemEvent e);

    uint64_t cycles() const { return total_; }
    const PentiumStats& stats() const {
        stats_.cycles = cycles_;
        return stats_;
    }
    const PentiumTimingConfig& config() const { return config_; }
    // Zeroes the counters and cycles; caches, BTB and pipe state stay.
    void reset_stats() {
        stats_ = PentiumStats{};
        cycles_ = PentiumCycles{};
        total_ = 0;
        for (uint64_t& w : write_done_) w = 0;
    }

    // Clocks of a line fill served by `level` (L1: 0).
    uint32_t fill_cycles(common::CacheLevel level) const {
        return level == common::CacheLevel::L1 ? 0 : level == common::CacheLevel::Memory ? memory_fill_ : l2_fill_;
    }

    // What retire() derives from an Insn (public for the tests of the rules).
    struct Shape {
        uint16_t reads = 0, writes = 0;  // register bits 0-7, kFlagsBit
        uint16_t address = 0;            // registers address generation uses (base, index, implicit ESP/ESI/EDI)
        uint16_t clocks = 1;             // clocks when it issues (REP strings: before the iterations)
        uint8_t per_iteration = 0;       // REP strings: clocks per iteration
        uint8_t refs_per_iteration = 0;  // REP strings: data references per iteration
        uint8_t pipes = 0;               // kPairU | kPairV: where it may pair
        uint8_t prefixes = 0;            // prefixes that cost a clock
        bool branch = false;
        bool stack = false;              // moves ESP implicitly (push, pop, call, ret)
        bool stores_only = false;        // its Write references are stores (else reads of a read-modify-write)
    };
    static constexpr uint16_t kFlagsBit = 1u << 8;
    static constexpr uint8_t kPairU = 1, kPairV = 2;
    static Shape shape(const Insn& in);
    // retire() with shape(in) kept by the caller (TimedMemory: in the decoded-instruction slot).
    void retire(const Insn& in, const Shape& shape, uint32_t eip, uint32_t next);

private:
    // shape() by the instruction's bytes as decoded (an Insn has no padding: the whole of it is
    // compared), so that a hot loop's instructions are classified once.
    struct ShapeSlot {
        Insn in;
        Shape shape;
    };
    static constexpr unsigned kShapeSlotBits = 10;
    const Shape& shape_of(const Insn& in);

    struct Ref {
        uint64_t pa;
        bool write;
    };
    static constexpr unsigned kBufferedRefs = 4;

    void fetch(uint32_t la, uint64_t pa) {
        // A second fetch within an instruction (its bytes continue on the next page) has no data
        // reference before it and starts the next page.
        if (nfetch_ == 1 && nrefs_ == 0 && la == ((fetch_la_ & ~0xfffu) + 0x1000)) {
            fetch_pa_[1] = pa;
            nfetch_ = 2;
            return;
        }
        // A new instruction: references left over belong to one that faulted.
        if (nrefs_) flush_refs();
        refs_total_ = 0;
        fetch_la_ = la;
        fetch_pa_[0] = pa;
        nfetch_ = 1;
    }
    void flush_refs();                        // buffered references, by their access kind alone
    void reference(const Ref& r, bool store);  // one data reference through the D-cache
    uint32_t icache(const Insn& in);          // fill clocks of the instruction's fetch
    uint64_t branch(const Insn& in, uint32_t eip, uint32_t next, bool in_v);  // mispredict clocks

    PentiumTimingConfig config_;
    common::CacheHierarchy& caches_;
    common::SetAssoc<uint64_t> icache_;
    struct Counter {
        uint32_t target;
        uint8_t state;  // 2-bit saturating counter: 2 and 3 predict taken
    };
    common::SetAssoc<uint64_t, Counter> btb_;
    uint32_t l2_fill_, memory_fill_, write_drain_;
    unsigned line_shift_;

    // The instruction being executed.
    Ref refs_[kBufferedRefs];
    unsigned nrefs_ = 0, nfetch_ = 0;
    uint32_t refs_total_ = 0;
    uint32_t fetch_la_ = 0;
    uint64_t fetch_pa_[2] = {};
    uint64_t last_iline_ = ~uint64_t{0};  // the I-cache line the previous fetch ended in
    uint64_t first_data_pa_ = ~uint64_t{0};  // this instruction's first data reference (bank conflicts)

    // The pipe: the group of the current clock and the one before.
    bool u_open_ = false;       // the last instruction issued alone in U and could take a V partner
    uint16_t u_writes_ = 0;     // registers the current clock's instructions write
    uint16_t u_agi_ = 0;        // registers the current clock's instructions write that can cause an AGI
    uint16_t prev_agi_ = 0;     // the same for the previous clock
    uint16_t u_clocks_ = 0;     // the U instruction's clocks
    uint8_t u_kind_ = 0;        // push/pop pairing exception: 1 push, 2 pop, 0 other
    bool u_flags_ = false;      // the U instruction writes flags (Jcc exception)
    uint64_t u_data_pa_ = ~uint64_t{0};

    std::array<uint64_t, 4> write_done_{};  // cycle each write buffer is free again
    std::vector<ShapeSlot> shapes_;
    mutable PentiumStats stats_;
    PentiumCycles cycles_;
    uint64_t total_ = 0;  // cycles_.total(), kept as it grows: read after every instruction (a run's deadline)
    // Charges `n` clocks to cause `c`.
    void charge(uint64_t PentiumCycles::*c, uint64_t n) {
        cycles_.*c += n;
        total_ += n;
    }
};

// The ISS's memory with the timing model attached: forwards translate() and host() to `Inner` and
// reports each translation and each retired instruction to the model (see the header comment).
template <typename Inner>
class TimedMemory {
public:
    TimedMemory(Inner& inner, PentiumTiming& timing) : inner_(inner), timing_(timing) {}

    Translation translate(uint32_t la, Access access, Privilege privilege) {
        const Translation t = inner_.translate(la, access, privilege);
        if (t.ok()) timing_.translated(la, t.pa, access, t.cycles);
        else timing_.translation_fault(t.cycles);
        return t;
    }
    uint8_t* host(uint64_t pa) { return inner_.host(pa); }
    // A translation repeated without the inner memory's lookup (iss.hpp, MmuMemory), reported as translate()'s.
    using Repeat = typename Inner::Repeat;
    Repeat repeatable(uint32_t la, Access access, Privilege privilege) {
        return inner_.repeatable(la, access, privilege);
    }
    bool repeat(const Repeat& r, uint32_t la, Access access, uint64_t& pa) {
        if (!inner_.repeat(r, la, access, pa)) return false;
        timing_.translated(la, pa, access, r.cycles());
        return true;
    }
    // The Shape of each decoded instruction is kept in its decoded-instruction slot (iss.hpp, NoteOf),
    // so that retire() need not look it up.
    using Note = PentiumTiming::Shape;
    static Note note(const Insn& in) { return PentiumTiming::shape(in); }
    void retired(const Insn& in, const Note& shape, uint32_t eip, uint32_t next) { timing_.retire(in, shape, eip, next); }
    // Control registers and INVLPG belong to the inner memory (its Mmu, or FlatMemory's copy).
    uint32_t cr(unsigned n) const { return inner_.cr(n); }
    bool write_cr(unsigned n, uint32_t value) { return inner_.write_cr(n, value); }
    void invlpg(uint32_t la) { inner_.invlpg(la); }

    // What the inner memory offers beyond translate() and host().
    template <typename I = Inner>
    auto mmu() -> decltype(std::declval<I&>().mmu()) {
        return inner_.mmu();
    }
    Inner& inner() { return inner_; }
    PentiumTiming& timing() { return timing_; }

private:
    Inner& inner_;
    PentiumTiming& timing_;
};

}  // namespace vmsim::x86::iss
