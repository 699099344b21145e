// The i386 guest platform of /work/notes/i386-platform.md (the contract shared with the L4 kernel,
// SawMill and qemu-system-i386 -cpu pentium, the oracle): the ISS with IDT delivery on, RAM at
// physical 0, the x86 Mmu with the Pentium's structures, and the devices on the I/O bus:
//
//   0x3F8-0x3FF  16550 COM1: THR prints (not while LCR.DLAB selects the divisor latch), LSR (0x3FD)
//                reads 0x60, the rest accepted and ignored
//   0xF4-0xF7    isa-debug-exit: OUT of v ends the run with "guest exit v" (qemu: status 2v+1)
//   0x40-0x43    8254 PIT: channel 0 in mode 0, 2 or 3 drives IRQ 0 (channels 1, 2 accepted, idle)
//   0x20, 0x21   8259A master PIC (ICW1-ICW4, OCW1 mask, OCW2 EOI, OCW3 IRR/ISR read)
//   0xA0, 0xA1   8259A slave: initialised by the guest, no device behind it
//   0x80         POST delay: writes ignored
//   0x700, 0x704 sim-control: OUT id begins / ends measured region id (recorded in regions())
//   elsewhere    reads all ones, writes ignored (as QEMU's unassigned ports)
//
// Time: one clock, Cpu::cycles() (instructions, plus the cycles spent halted until the timing
// model supplies cycles), read as a `clock_mhz` CPU: the PIT's 1,193,182 Hz input advances
// 1193182 / (clock_mhz * 10^6) ticks per cycle. A halted CPU (HLT with IF = 1) jumps to the next
// timer edge.
//
//     Pc pc(Pc::Config{});
//     pc.load(paddr, bytes, size, memsz);   // each PT_LOAD (sim/loader's load_elf_i386)
//     pc.boot_multiboot(entry);             // the contract's entry state
//     Pc::Result r = pc.run(max_instructions);
//     r.kind == Pc::Result::Exit: r.exit_value; pc.console() has what COM1 printed
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/iss.hpp"
#include "models/x86_64/mmu.hpp"
#include "models/x86_64/pentium_timing.hpp"
#include "models/x86_64/phys_mem.hpp"

namespace vmsim::x86::pc {

// 8259A programmable interrupt controller, edge-triggered, fully nested (no rotation, no special
// mask, no cascade: the slave is never asked for a vector). Intel 8259A datasheet (231468).
class Pic {
public:
    void write(unsigned a0, uint8_t value);
    uint8_t read(unsigned a0) const;
    void raise(unsigned irq) { irr_ |= static_cast<uint8_t>(1u << irq); }  // a rising edge on IRQ `irq`
    bool intr() const { return pending() >= 0; }
    uint8_t acknowledge();  // INTA: puts the highest-priority request in service, returns its vector
    uint8_t mask() const { return imr_; }
    uint8_t in_service() const { return isr_; }
    uint8_t requests() const { return irr_; }

private:
    int pending() const;  // the IRQ INTA would take, or -1
    uint8_t irr_ = 0, isr_ = 0, imr_ = 0xff;
    uint8_t base_ = 0;
    unsigned init_step_ = 0;  // 0: initialised; 2, 3, 4: waiting for that ICW
    bool need_icw4_ = false, single_ = false, auto_eoi_ = false, read_isr_ = false;
};

// 8254 programmable interval timer, channel 0 (Intel 8254 datasheet 231164). Counting starts at
// the tick after the count is written; the OUT pin's rising edge, the PIC's IRQ 0, comes at
// start + k * count in modes 2 and 3 (k >= 1; count 0 means 65536) and once at start + count in
// mode 0. Modes 1, 4 and 5 need a gate or a trigger the platform does not wire: no edges.
class Pit {
public:
    static constexpr uint64_t kNever = ~uint64_t{0};
    void write(unsigned port, uint8_t value, uint64_t tick);
    uint8_t read(unsigned port, uint64_t tick);
    // The tick of the first edge after `tick` (kNever: none).
    uint64_t next_edge(uint64_t tick) const;

private:
    uint16_t count_at(uint64_t tick) const;
    unsigned mode_ = 0, rw_ = 3;
    uint32_t reload_ = 0;  // 1..65536; 0: no count written
    uint64_t start_ = kNever;
    bool low_written_ = false, read_high_ = false, latched_ = false;
    uint8_t low_ = 0;
    uint16_t latch_ = 0;
};

// Cycles and instructions by code address, for a breakdown by software component (Pc::
// set_code_buckets; off by default, and then the run loop looks at no EIP). Each step of the CPU
// is charged to a bucket: an instruction that retires, its cycles and its count to the bucket of
// its EIP, except the gate and IRET costs the timing model charges as system events (INT n,
// exception and interrupt delivery, IRET: SystemCosts' int_*, exception_*, iret_*), which go to
// `delivery` with every step that retires nothing (an exception or interrupt delivered, with the
// walk and fetch of the faulting access). Cycles spent halted go to the HLT's bucket. The buckets
// then add up to Cpu::cycles() and Cpu::instructions() since set_code_buckets.
struct CodeBuckets {
    static constexpr unsigned kMax = 8;
    struct Range {
        uint32_t begin;
        uint8_t bucket;
    };
    std::vector<Range> ranges;  // sorted by begin; each runs up to the next one's (the last to 4 GB)
    uint8_t below = 0;          // EIPs below the first range
    uint8_t delivery = 0;
    uint8_t bucket_of(uint32_t eip) const;
};

// A sim-control mark (OUT to 0x700 / 0x704), with the counters as they stood at it, so that a
// region's breakdown is its end's less its begin's: the timing model's cycles by cause (the rest of
// `cycle` is time halted), the instructions retired, the MMU's TLB misses (faulted ones included)
// and page walks, and with code buckets set, the cycles and instructions by bucket.
struct RegionMark {
    uint32_t id;
    bool begin;
    uint64_t cycle;
    iss::PentiumCycles causes{};
    uint64_t instructions = 0, itlb_misses = 0, dtlb_misses = 0, walks = 0;
    std::array<uint64_t, CodeBuckets::kMax> bucket_cycles{}, bucket_instructions{};
};

// A region's counters (each its end's less its begin's) summed over its entries.
struct RegionTotal {
    uint64_t entries = 0, cycles = 0, instructions = 0, itlb_misses = 0, dtlb_misses = 0, walks = 0;
    iss::PentiumCycles causes{};
    std::array<uint64_t, CodeBuckets::kMax> bucket_cycles{}, bucket_instructions{};
};
// The regions of a run by id: each begin paired with the next end of its id (a second begin of an
// open id starts it again; a begin without its end is dropped).
std::map<uint32_t, RegionTotal> sum_regions(const std::vector<RegionMark>& marks);

// The Pentium's MMU structures (configs/machines/pentium100.cfg, which cites them): 32-bit paging
// with PSE, code TLB 32 entries 4-way, data TLBs 64 (4 KB) and 8 (4 MB) entries 4-way, no STLB,
// no paging-structure caches, no PGE/PAT/NX.
MmuConfig pentium_mmu();
// The Pentium-100's data caches as the walker and the timing model see them (the pentium100 preset):
// 8 KB 2-way L1D with 32-byte lines, a 256 KB direct-mapped board L2 (6 cycles to first data), memory 14.
common::CacheHierarchyConfig pentium_caches();

struct PcConfig {
    uint64_t ram_bytes = 32u << 20;  // qemu -m 32
    uint32_t clock_mhz = 100;        // the Pentium-100
    MmuConfig mmu = pentium_mmu();
    common::CacheHierarchyConfig caches = pentium_caches();
    iss::PentiumTimingConfig timing{};  // the Pentium (P5) timing model: cycles, RDTSC and the PIT
};

class Pc final : public iss::IoBus {
public:
    using Config = PcConfig;
    struct Result {
        enum Kind {
            Exit,         // isa-debug-exit: exit_value
            Limit,        // max_instructions executed
            Halted,       // HLT with IF = 0, or with IF = 1 and no timer event to wait for
            TripleFault,  // message names the three exceptions
            GuestError,   // Stop::Unsupported or a bus error: message
        };
        Kind kind = Limit;
        uint32_t exit_value = 0;
        std::string message;  // one line, for every kind but Exit and Limit
    };

    explicit Pc(const Config& config = Config{});

    // Copies `bytes` to physical `paddr` and zeroes up to `memsz` (false: outside RAM).
    bool load(uint32_t paddr, const uint8_t* bytes, size_t size, size_t memsz);
    // The Multiboot v1 entry state: protected mode, paging off, IF = 0, flat CS/DS/ES/SS at CPL 0,
    // EAX = 0x2BADB002, EBX = a multiboot_info at kMultibootInfo (flags bit 0: mem_lower 640 KB,
    // mem_upper = RAM above 1 MB less 128 KB, in KB, as QEMU reports it), EIP = entry.
    void boot_multiboot(uint32_t entry);
    static constexpr uint32_t kMultibootInfo = 0x9000;

    // Runs until the guest exits, stops, or `max_instructions` more instructions have executed.
    Result run(uint64_t max_instructions);

    // Turns the breakdown by code address on (CodeBuckets; before the run: the buckets count from
    // here). It steps the CPU one instruction at a time through the same chunks, so cycles and
    // instructions are those of a run without it; the run is slower. Throws std::invalid_argument
    // for a bucket >= kMax or ranges out of order.
    void set_code_buckets(CodeBuckets buckets);

    const std::string& console() const { return console_; }
    const std::vector<RegionMark>& regions() const { return regions_; }
    iss::Cpu<iss::TimedMemory<iss::MmuMemory>>& cpu() { return cpu_; }
    iss::PentiumTiming& timing() { return timing_; }
    Mmu& mmu() { return mmu_; }
    const common::CacheHierarchy& caches() const { return caches_; }
    FlatRam& ram() { return ram_; }
    Pic& pic() { return pic_; }
    uint64_t tick() const;  // the PIT tick now

    // iss::IoBus
    uint32_t in(uint16_t port, unsigned size) override;
    void out(uint16_t port, unsigned size, uint32_t value) override;
    uint8_t acknowledge() override;

private:
    uint8_t in8(uint16_t port);
    void out8(uint16_t port, uint8_t value);
    uint64_t cycle_of_tick(uint64_t tick) const;
    std::string code_bytes(uint32_t eip);
    void update_irqs();  // PIT edges up to now into the PIC, the PIC's output onto INTR
    void end_chunk();    // the current cpu_.run() ends after this instruction
    // cpu_.run(n) one step at a time, charging each to its code bucket.
    iss::StepResult run_bucketed(uint64_t n, uint64_t deadline);
    uint64_t gate_cycles() const;  // the timing model's system cycles of delivery and IRET so far

    Config config_;
    FlatRam ram_;
    common::CacheHierarchy caches_;
    Mmu mmu_;
    iss::MmuMemory untimed_;
    iss::PentiumTiming timing_;
    iss::TimedMemory<iss::MmuMemory> memory_;
    iss::Cpu<iss::TimedMemory<iss::MmuMemory>> cpu_;
    Pic pic_, slave_;
    Pit pit_;
    uint64_t edges_seen_ = 0;  // PIT ticks up to which edges have been passed to the PIC
    std::string console_;
    static constexpr uint8_t kDlab = 0x80;  // LCR bit 7: 0x3F8/0x3F9 address the divisor latch
    uint8_t uart_lcr_ = 0, uart_dll_ = 0;
    std::vector<RegionMark> regions_;
    // Code buckets (set_code_buckets): the sums so far, and the step being executed.
    bool bucketed_ = false, chunk_end_ = false;
    CodeBuckets buckets_;
    std::array<uint64_t, CodeBuckets::kMax> bucket_cycles_{}, bucket_instructions_{};
    uint8_t step_bucket_ = 0;
    uint64_t step_cycles_ = 0, step_gates_ = 0;
    bool exited_ = false;
    uint32_t exit_value_ = 0;
};

// "#GP", "#PF", ... for a vector (SDM Table 6-1), "vector N" otherwise.
std::string vector_name(uint8_t vector);

}  // namespace vmsim::x86::pc
