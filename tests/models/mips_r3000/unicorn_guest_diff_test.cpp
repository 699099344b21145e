// Differential test on the compiled guest programs (workloads/tests: crc32, qsort,
// strings, hello): each ELF is loaded into our ISS and into Unicorn (QEMU's MIPS32,
// little-endian) and both run in lockstep, block by block. After every block all
// GPRs, HI/LO and the PC must agree; the program image (.text/.data/.bss, one PT_LOAD
// segment) and the top 256 KiB of RAM (the stack) are compared every
// kDataCompareBlocks blocks, the whole RAM every kFullCompareBlocks blocks and at the
// end. Every device access (console bytes, counter reads, exit, region markers) must
// be the same access in the same order on both sides, both must exit with the same
// code, and the console output must be what the program is expected to print
// (tests/workloads/expected.hpp, as the guest-on-simulator tests check it).
//
// The machine both sides see: 24 MiB of RAM at physical 0 (the guests run in kseg0,
// sp = top of RAM, as `vmsim run` sets it), the console and sim-control windows of
// vmsim/memmap.h (reached through kseg1). Unicorn 2's MIPS32 translates kseg0/kseg1
// like the hardware (unmapped segments, top three bits stripped), so its RAM is mapped
// at physical 0 (uc_mem_map_ptr over a host buffer, compared in place) and the device
// windows with uc_mmio_map at their physical addresses. No other device exists: an
// access elsewhere is a bus error on the ISS and an unmapped access on Unicorn.
//
// Where MIPS32 and the R3000 differ:
// - CP0: crt0 writes Status = 0 and Cause = 0 with mtc0. Both sides execute them (on
//   both it means kernel mode, interrupts off); CP0 is never compared.
// - Load delay: Unicorn has none. The ISS runs in exact mode (the R3000, the default):
//   gcc -march=r3000 output never depends on the delay, so any difference is a
//   finding. Each guest also runs with interlocked loads (the ISS's other run loop).
// - Counter reads (cycles, instructions): the ISS answers from its counters and the
//   Unicorn side replays the values the ISS returned, checking address and size.
// - Exceptions: these guests take none; one on either side is a failure.
//
// Blocks: the ISS is stepped one instruction at a time until it has executed at least
// kBlockInsns and the last one was neither a branch/jump nor a load/mfc0, so no delay
// slot is pending at a block boundary (in exact mode a load's register is written
// only after the next instruction; and Unicorn cannot stop between a branch and its
// delay slot). Unicorn then runs the same count: uc_emu_start(count = n). On any
// difference the guest is re-run from the start to the last block boundary where
// everything (the whole RAM included) agreed, then both sides are single-stepped from
// there (a branch or load together with its delay slot) to the first step after which
// the state differs, and the failure names the guest, that instruction count, the
// last instructions executed and both register files. The UnicornGuestDifferential-
// Harness tests plant faults in the ISS to show that this finds and reports them.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <unicorn/unicorn.h>

#include "expected.hpp"
#include "machine.hpp"
#include "models/mips_r3000/cpu.hpp"
#include "sim/loader/elf_loader.hpp"
#include "vmsim/memmap.h"

namespace vmsim::r3000::test {
namespace {

using workloads_test::format;

constexpr uint32_t kRamBytes = VMSIM_RAM_DEFAULT_SIZE;      // 24 MiB, as `vmsim run`
constexpr uint32_t kInitialSp = VMSIM_KSEG0(kRamBytes);     // top of RAM, as the platform
constexpr uint32_t kStackCompareBytes = 256u * 1024u;       // top of RAM, compared with the image
constexpr uint64_t kBlockInsns = 32;                         // registers compared after each
constexpr unsigned kDataCompareBlocks = 32;                  // image and stack every 32 blocks
constexpr unsigned kFullCompareBlocks = 3000;                // the whole RAM every 3000 blocks
constexpr uint64_t kMaxInsns = 50'000'000;                   // runaway guard
constexpr uint32_t kDevPage = 0x1000;                        // uc_mmio_map granularity

const char* const kRegNames[32] = {
    "zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
    "s0",   "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "fp", "ra",
};

std::string hex(uint64_t v, int width = 8) {
    std::ostringstream o;
    o << "0x" << std::hex << std::setw(width) << std::setfill('0') << v;
    return o.str();
}

// Branches and jumps (MIPS-I, plus the coprocessor branches): the next instruction
// is their delay slot.
bool has_delay_slot(uint32_t w) {
    const uint32_t op = w >> 26;
    if (op == enc::kSpecial) return (w & 63u) == enc::kJr || (w & 63u) == enc::kJalr;
    if (op == enc::kRegimm || (op >= enc::kJ && op <= enc::kBgtz)) return true;
    return op >= 0x10 && op <= 0x13 && ((w >> 21) & 31u) == 8;  // BCzF/BCzT
}

// Loads and mfc0: in exact mode the ISS writes the register only after the next
// instruction (gpr() does not show it before), Unicorn at once.
bool has_load_delay(uint32_t w) {
    const uint32_t op = w >> 26;
    return (op >= enc::kLb && op <= enc::kLwr) || (op == enc::kCop0 && ((w >> 21) & 31u) == 0);
}

bool is_store(uint32_t w) {
    const uint32_t op = w >> 26;
    return op == enc::kSb || op == enc::kSh || op == enc::kSwl || op == enc::kSw || op == enc::kSwr;
}

// One device access, as the ISS made it; the Unicorn side must make the same one.
struct DevAccess {
    bool write;
    uint32_t pa;
    unsigned size;
    uint32_t value;  // the value written, or the value the ISS read
};

std::string describe(const DevAccess& a) {
    return std::string(a.write ? "write " : "read ") + hex(a.value) + " size " + std::to_string(a.size) +
           " at pa " + hex(a.pa);
}

bool in_window(uint32_t pa, unsigned size, uint32_t base, uint32_t window) {
    return pa >= base && pa + size <= base + window;
}

// The ISS side of the devices (what sim/platform/devices.cpp does, without SystemC).
class GuestBus : public Bus {
public:
    Cpu* cpu = nullptr;
    std::string console;
    bool exited = false;
    uint32_t exit_code = 0;
    std::deque<DevAccess> accesses;  // this block's, consumed by the Unicorn side

    bool read(uint32_t pa, unsigned size, uint32_t& value) override {
        if (in_window(pa, size, VMSIM_CONSOLE_BASE, VMSIM_CONSOLE_SIZE)) {
            value = 0;
        } else if (in_window(pa, size, VMSIM_SIMCTL_BASE, VMSIM_SIMCTL_SIZE) && size == 4) {
            const uint32_t off = pa - VMSIM_SIMCTL_BASE;
            const uint64_t c = cpu->cycles(), i = cpu->instructions();
            switch (off) {
            case VMSIM_SIMCTL_CYCLES_LO: value = static_cast<uint32_t>(c); break;
            case VMSIM_SIMCTL_CYCLES_HI: value = static_cast<uint32_t>(c >> 32); break;
            case VMSIM_SIMCTL_INSNS_LO: value = static_cast<uint32_t>(i); break;
            case VMSIM_SIMCTL_INSNS_HI: value = static_cast<uint32_t>(i >> 32); break;
            default: value = 0; break;
            }
        } else {
            return false;  // bus error: the ISS raises DBE, which the test reports
        }
        accesses.push_back({false, pa, size, value});
        return true;
    }

    bool write(uint32_t pa, unsigned size, uint32_t value) override {
        if (in_window(pa, size, VMSIM_CONSOLE_BASE, VMSIM_CONSOLE_SIZE)) {
            if (pa == VMSIM_CONSOLE_BASE + VMSIM_CONSOLE_PUTC) console += static_cast<char>(value & 0xff);
        } else if (in_window(pa, size, VMSIM_SIMCTL_BASE, VMSIM_SIMCTL_SIZE) && size == 4) {
            if (pa == VMSIM_SIMCTL_BASE + VMSIM_SIMCTL_EXIT) {
                exited = true;
                exit_code = value;
                cpu->break_run();
            }
        } else {
            return false;
        }
        accesses.push_back({true, pa, size, value});
        return true;
    }
};

// The Unicorn side of the devices: replays the ISS's accesses in order.
struct UcDevices {
    std::deque<DevAccess>* expected = nullptr;
    std::string console;
    bool exited = false;
    uint32_t exit_code = 0;
    std::string error;  // first access that did not match

    uint32_t access(bool write, uint32_t pa, unsigned size, uint32_t value) {
        const DevAccess got{write, pa, size, value};
        if (!error.empty()) return 0;
        if (expected->empty()) {
            error = "Unicorn made a device access the ISS did not: " + describe(got);
            return 0;
        }
        const DevAccess want = expected->front();
        expected->pop_front();
        if (want.write != write || want.pa != pa || want.size != size || (write && want.value != value)) {
            error = "device access differs: ISS " + describe(want) + ", Unicorn " + describe(got);
            return 0;
        }
        if (write && pa == VMSIM_CONSOLE_BASE + VMSIM_CONSOLE_PUTC) console += static_cast<char>(value & 0xff);
        if (write && pa == VMSIM_SIMCTL_BASE + VMSIM_SIMCTL_EXIT) {
            exited = true;
            exit_code = value;
        }
        return want.value;
    }
};

template <uint32_t kBase>
uint64_t uc_dev_read(uc_engine*, uint64_t offset, unsigned size, void* user) {
    return static_cast<UcDevices*>(user)->access(false, kBase + static_cast<uint32_t>(offset), size, 0);
}
template <uint32_t kBase>
void uc_dev_write(uc_engine*, uint64_t offset, unsigned size, uint64_t value, void* user) {
    static_cast<UcDevices*>(user)->access(true, kBase + static_cast<uint32_t>(offset), size,
                                          static_cast<uint32_t>(value));
}

struct UcInterrupt {
    bool taken = false;
    uint32_t intno = 0;
};

void uc_on_interrupt(uc_engine* uc, uint32_t intno, void* user) {
    auto* i = static_cast<UcInterrupt*>(user);
    if (!i->taken) {
        i->taken = true;
        i->intno = intno;
    }
    uc_emu_stop(uc);
}

// A deliberate fault in the ISS's state, for the harness's own test: after the ISS
// has executed `at` instructions, XOR `mask` into GPR `reg` (if reg != 0) or into
// the RAM word at physical `ram_pa` (if reg == 0).
struct Fault {
    uint64_t at = 0;  // 0: no fault
    unsigned reg = 0;
    uint32_t ram_pa = 0;
    uint32_t mask = 0;
};

struct Options {
    LoadDelay load_delay = LoadDelay::Exact;
    Fault fault;
};

struct Regs {
    std::array<uint32_t, 32> gpr{};
    uint32_t hi = 0, lo = 0, pc = 0;
};

// Both machines, loaded with one guest and driven in lockstep.
class Lockstep {
public:
    Lockstep(const loader::ElfImage& image, const Options& options)
        : image_(image), fault_(options.fault), iss_ram_(kRamBytes, 0), uc_ram_(kRamBytes, 0),
          cpu_(config(options), iss_ram_.data(), kRamBytes, &bus_) {
        bus_.cpu = &cpu_;
        uc_dev_.expected = &bus_.accesses;
        for (const loader::Segment& s : image.segments) {
            std::memcpy(&iss_ram_[s.paddr], s.bytes.data(), s.bytes.size());
            std::memcpy(&uc_ram_[s.paddr], s.bytes.data(), s.bytes.size());
        }
        cpu_.reset(image.entry);
        cpu_.set_gpr(sp, kInitialSp);

        uc_engine* uc = nullptr;
        uc_err e = uc_open(UC_ARCH_MIPS, static_cast<uc_mode>(UC_MODE_MIPS32 | UC_MODE_LITTLE_ENDIAN), &uc);
        if (e != UC_ERR_OK) {
            setup_error_ = std::string("uc_open: ") + uc_strerror(e);
            return;
        }
        uc_.reset(uc);
        auto check = [&](uc_err err, const char* what) {
            if (err != UC_ERR_OK && setup_error_.empty()) setup_error_ = std::string(what) + ": " + uc_strerror(err);
        };
        check(uc_mem_map_ptr(uc, 0, kRamBytes, UC_PROT_ALL, uc_ram_.data()), "map RAM");
        check(uc_mmio_map(uc, VMSIM_CONSOLE_BASE, kDevPage, uc_dev_read<VMSIM_CONSOLE_BASE>, &uc_dev_,
                          uc_dev_write<VMSIM_CONSOLE_BASE>, &uc_dev_),
              "map console");
        check(uc_mmio_map(uc, VMSIM_SIMCTL_BASE, kDevPage, uc_dev_read<VMSIM_SIMCTL_BASE>, &uc_dev_,
                          uc_dev_write<VMSIM_SIMCTL_BASE>, &uc_dev_),
              "map sim-control");
        uc_hook hook;
        void (*cb)(uc_engine*, uint32_t, void*) = uc_on_interrupt;
        check(uc_hook_add(uc, &hook, UC_HOOK_INTR, reinterpret_cast<void*>(cb), &uc_int_, 1, 0), "hook");
        for (unsigned r = 0; r < 32; ++r) {
            uint32_t v = r == sp ? kInitialSp : 0;
            check(uc_reg_write(uc, UC_MIPS_REG_0 + static_cast<int>(r), &v), "write GPR");
        }
        uint32_t zero_value = 0, entry = image.entry;
        check(uc_reg_write(uc, UC_MIPS_REG_HI, &zero_value), "write HI");
        check(uc_reg_write(uc, UC_MIPS_REG_LO, &zero_value), "write LO");
        check(uc_reg_write(uc, UC_MIPS_REG_PC, &entry), "write PC");
    }

    // From now on, record the (virtual) address of every store Unicorn makes.
    bool track_uc_writes() {
        uc_hook hook;
        bool (*cb)(uc_engine*, uc_mem_type, uint64_t, int, int64_t, void*) =
            [](uc_engine*, uc_mem_type, uint64_t address, int, int64_t, void* user) -> bool {
            static_cast<std::vector<uint32_t>*>(user)->push_back(static_cast<uint32_t>(address));
            return true;
        };
        return uc_hook_add(uc_.get(), &hook, UC_HOOK_MEM_WRITE, reinterpret_cast<void*>(cb), &uc_writes_, 1, 0) ==
               UC_ERR_OK;
    }
    std::vector<uint32_t>& uc_writes() { return uc_writes_; }

    const std::string& setup_error() const { return setup_error_; }
    uint64_t insns() const { return cpu_.instructions(); }
    bool exited() const { return bus_.exited; }
    uint32_t exit_code() const { return bus_.exit_code; }
    const std::string& iss_console() const { return bus_.console; }
    const std::string& uc_console() const { return uc_dev_.console; }
    bool uc_exited() const { return uc_dev_.exited; }
    uint32_t uc_exit_code() const { return uc_dev_.exit_code; }

    // One lockstep block: the ISS runs at least `want` instructions, not ending after
    // a branch or a load (so no delay slot is pending and the registers are comparable;
    // nor ever after the guest's exit), then Unicorn runs as many. `trace`
    // collects the (pc, word) of each instruction the ISS executed. Returns "" or
    // what went wrong.
    std::string block(uint64_t want, std::vector<std::pair<uint32_t, uint32_t>>* trace = nullptr) {
        const uint64_t start = cpu_.instructions();
        const uint64_t exc_before = exceptions();
        bus_.accesses.clear();
        bool in_slot = false;  // the next instruction is a branch or load delay slot
        while (!bus_.exited && (cpu_.instructions() - start < want || in_slot)) {
            const uint32_t pc = cpu_.pc();
            const uint32_t word = fetch(iss_ram_, pc);
            if (trace) trace->emplace_back(pc, word);
            StopReason r = cpu_.run(kNoLimit, cpu_.instructions() + 1);
            if (r == StopReason::GuestError) return "the ISS stopped with a guest error: " + cpu_.error();
            if (r == StopReason::CycleLimit) return "the ISS hit a cycle limit";
            if (fault_.at && cpu_.instructions() == fault_.at) inject();
            if (exceptions() != exc_before) {
                return "the ISS took an exception at pc " + hex(pc) + ": Cause " + hex(cpu_.cp0(13)) + " (" +
                       exc_code_name(exc_code(cpu_.cp0(13))) + ") EPC " + hex(cpu_.cp0(14)) + " BadVAddr " +
                       hex(cpu_.cp0(8));
            }
            in_slot = has_delay_slot(word) || has_load_delay(word);
        }
        const uint64_t n = cpu_.instructions() - start;
        if (n == 0) return "";

        uint32_t uc_pc = 0;
        uc_reg_read(uc_.get(), UC_MIPS_REG_PC, &uc_pc);
        uc_err e = uc_emu_start(uc_.get(), uc_pc, 0, 0, n);
        if (uc_int_.taken) return "Unicorn took an exception (interrupt number " + std::to_string(uc_int_.intno) + ")";
        if (e != UC_ERR_OK) return std::string("Unicorn stopped with ") + uc_strerror(e);
        if (!uc_dev_.error.empty()) return uc_dev_.error;
        if (!bus_.accesses.empty())
            return "the ISS made a device access Unicorn did not: " + describe(bus_.accesses.front());
        return "";
    }

    Regs iss_regs() const {
        Regs s;
        for (unsigned r = 0; r < 32; ++r) s.gpr[r] = cpu_.gpr(r);
        s.hi = cpu_.hi();
        s.lo = cpu_.lo();
        s.pc = cpu_.pc();
        return s;
    }

    Regs uc_regs() const {
        Regs s;
        for (unsigned r = 0; r < 32; ++r) uc_reg_read(uc_.get(), UC_MIPS_REG_0 + static_cast<int>(r), &s.gpr[r]);
        uc_reg_read(uc_.get(), UC_MIPS_REG_HI, &s.hi);
        uc_reg_read(uc_.get(), UC_MIPS_REG_LO, &s.lo);
        uc_reg_read(uc_.get(), UC_MIPS_REG_PC, &s.pc);
        return s;
    }

    // "" when the register files agree, else the differing registers.
    std::string compare_regs() const {
        const Regs a = iss_regs(), b = uc_regs();
        std::ostringstream o;
        for (unsigned r = 1; r < 32; ++r)
            if (a.gpr[r] != b.gpr[r]) o << " $" << kRegNames[r] << ": iss=" << hex(a.gpr[r]) << " unicorn=" << hex(b.gpr[r]);
        if (a.hi != b.hi) o << " HI: iss=" << hex(a.hi) << " unicorn=" << hex(b.hi);
        if (a.lo != b.lo) o << " LO: iss=" << hex(a.lo) << " unicorn=" << hex(b.lo);
        if (a.pc != b.pc) o << " PC: iss=" << hex(a.pc) << " unicorn=" << hex(b.pc);
        if (bus_.console != uc_dev_.console) o << " console output differs";
        return o.str();
    }

    // "" when RAM agrees over physical [begin, end), else the first differing word.
    std::string compare_ram(uint32_t begin, uint32_t end) const {
        begin &= ~3u;
        end = std::min<uint32_t>((end + 3u) & ~3u, kRamBytes);
        if (begin >= end || std::memcmp(&iss_ram_[begin], &uc_ram_[begin], end - begin) == 0) return "";
        for (uint32_t a = begin; a < end; a += 4)
            if (std::memcmp(&iss_ram_[a], &uc_ram_[a], 4) != 0)
                return " mem[" + hex(VMSIM_KSEG0(a)) + "]: iss=" + hex(word(iss_ram_, a)) +
                       " unicorn=" + hex(word(uc_ram_, a));
        return "";
    }

    // The program image (text, data, bss) and the top of the stack.
    std::string compare_data() const {
        std::string d;
        for (const loader::Segment& s : image_.segments) d += compare_ram(s.paddr, s.paddr + s.memsz);
        return d + compare_ram(kRamBytes - kStackCompareBytes, kRamBytes);
    }

    std::string compare_all_ram() const { return compare_ram(0, kRamBytes); }

    // The word a store at the ISS's pc would write, compared on both sides after it ran:
    // the effective address is computed from the ISS's registers before the step.
    uint32_t store_address(uint32_t w) const {
        return cpu_.gpr((w >> 21) & 31u) + static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(w & 0xffffu)));
    }

    uint32_t iss_word_at(uint32_t va) const { return fetch(iss_ram_, va); }

    std::string register_files() const {
        const Regs a = iss_regs(), b = uc_regs();
        std::ostringstream o;
        o << "        " << std::setw(12) << "ISS" << std::setw(12) << "Unicorn" << "\n";
        auto line = [&](const std::string& n, uint32_t x, uint32_t y) {
            o << "  " << std::left << std::setw(6) << n << std::right << "  " << hex(x) << "  " << hex(y)
              << (x != y ? "  <-- differs" : "") << "\n";
        };
        for (unsigned r = 0; r < 32; ++r) line("$" + std::string(kRegNames[r]), a.gpr[r], b.gpr[r]);
        line("hi", a.hi, b.hi);
        line("lo", a.lo, b.lo);
        line("pc", a.pc, b.pc);
        return o.str();
    }

private:
    static uint32_t word(const std::vector<uint8_t>& ram, uint32_t pa) {
        uint32_t v;
        std::memcpy(&v, &ram[pa], 4);
        return v;
    }
    // The guests execute from kseg0/kseg1 only.
    static uint32_t fetch(const std::vector<uint8_t>& ram, uint32_t va) {
        const uint32_t pa = va & 0x1fffffffu;
        return va >= 0x80000000u && va < 0xc0000000u && pa + 4 <= kRamBytes ? word(ram, pa) : 0;
    }
    static CpuConfig config(const Options& options) {
        CpuConfig c;
        c.load_delay = options.load_delay;
        return c;
    }
    void inject() {
        if (fault_.reg) {
            cpu_.set_gpr(fault_.reg, cpu_.gpr(fault_.reg) ^ fault_.mask);
        } else {
            uint32_t v = word(iss_ram_, fault_.ram_pa) ^ fault_.mask;
            std::memcpy(&iss_ram_[fault_.ram_pa], &v, 4);
        }
    }
    uint64_t exceptions() const {
        uint64_t n = 0;
        for (uint64_t c : cpu_.stats().exceptions) n += c;
        return n;
    }

    struct UcClose {
        void operator()(uc_engine* uc) const { uc_close(uc); }
    };

    const loader::ElfImage& image_;
    Fault fault_;
    std::string setup_error_;
    GuestBus bus_;  // before cpu_: the Cpu keeps a pointer to it
    std::vector<uint8_t> iss_ram_, uc_ram_;
    Cpu cpu_;
    UcDevices uc_dev_;
    UcInterrupt uc_int_;
    std::vector<uint32_t> uc_writes_;
    std::unique_ptr<uc_engine, UcClose> uc_;
};

struct GuestResult {
    bool ok = false;
    std::string console;
    uint32_t exit_code = 0;
    uint64_t insns = 0;
    uint64_t blocks = 0;
};

// Re-runs the guest to `good` (a block boundary where everything, the whole RAM
// included, agreed) and single-steps both sides from there (a branch or load together
// with its delay slot) to the first step after which they differ. After each step the
// registers are compared, and the words the step stored to; the image and the stack
// every kBlockInsns steps, and the whole RAM once the replay passes `bad` (where the
// lockstep run saw the difference), so a difference that the per-step checks miss is
// still bracketed.
// Returns whether it found the divergence, and the report.
std::pair<bool, std::string> localize(const std::string& name, const loader::ElfImage& image, const Options& options,
                                      uint64_t good, uint64_t bad) {
    Lockstep ls(image, options);
    if (!ls.setup_error().empty()) return {false, "replay: " + ls.setup_error()};
    // The same block boundaries as the first run, so `good` is reached exactly.
    while (ls.insns() < good) {
        std::string err = ls.block(kBlockInsns);
        if (!err.empty()) return {false, "replay to instruction " + std::to_string(good) + " failed: " + err};
    }
    if (ls.insns() != good) return {false, "replay overshot instruction " + std::to_string(good)};
    std::string d = ls.compare_regs() + ls.compare_all_ram();
    if (!d.empty())
        return {false, "replay: the state already differs at instruction " + std::to_string(good) + ":" + d};

    std::vector<std::pair<uint32_t, uint32_t>> trace;
    if (!ls.track_uc_writes()) return {false, "replay: cannot hook Unicorn's stores"};
    uint64_t last_data_check = good;
    bool full_checked = false;
    while (!ls.exited() && ls.insns() < kMaxInsns) {
        const uint64_t before = ls.insns();
        const size_t first = trace.size();
        // The words this step stored to: every address Unicorn stored to, and the
        // address of the ISS's first instruction if it is a store (from the ISS's
        // registers before the step), in case the two computed different ones.
        std::vector<uint32_t> stores;
        const uint32_t w = ls.iss_word_at(ls.iss_regs().pc);
        if (is_store(w)) stores.push_back(ls.store_address(w));
        ls.uc_writes().clear();
        std::string err = ls.block(1, &trace);
        stores.insert(stores.end(), ls.uc_writes().begin(), ls.uc_writes().end());
        d = ls.compare_regs();
        for (uint32_t va : stores) {
            const uint32_t pa = va & 0x1fffffffu;
            if (pa < kRamBytes) d += ls.compare_ram(pa, pa + 4);
        }
        std::string where;
        if (err.empty() && d.empty() && (ls.insns() - last_data_check >= kBlockInsns || ls.exited())) {
            d = ls.compare_data();
            if (!d.empty()) where = "between instructions " + std::to_string(last_data_check) + " and ";
            last_data_check = ls.insns();
        }
        if (err.empty() && d.empty() && !full_checked && (ls.insns() >= bad || ls.exited())) {
            d = ls.compare_all_ram();
            if (!d.empty()) where = "between instructions " + std::to_string(good) + " and ";
            full_checked = true;
        }
        if (err.empty() && d.empty()) continue;
        std::ostringstream o;
        o << name << ": first divergence " << (where.empty() ? "after instruction " : where) << ls.insns();
        if (where.empty())
            o << " (a step of " << ls.insns() - before << " instruction(s) from instruction " << before + 1 << ")";
        o << ": " << (err.empty() ? d : err + (d.empty() ? "" : ";" + d)) << "\nlast instructions (pc: word):\n";
        const size_t from = trace.size() > 12 ? trace.size() - 12 : 0;
        for (size_t i = from; i < trace.size(); ++i)
            o << "  " << hex(trace[i].first) << ": " << hex(trace[i].second)
              << (i >= first && where.empty() ? "   <-- this step" : "") << "\n";
        o << "register files after the step:\n" << ls.register_files();
        return {true, o.str()};
    }
    return {false, "replay from instruction " + std::to_string(good) + " found no divergence (nondeterminism?)"};
}

// Runs one guest in lockstep; failures are reported through gtest.
GuestResult run_guest(const std::string& name, const std::string& elf, const Options& options) {
    GuestResult res;
    loader::ElfImage image;
    try {
        image = loader::load_elf(elf, kRamBytes);
    } catch (const std::exception& e) {
        ADD_FAILURE() << name << ": cannot load " << elf << ": " << e.what();
        return res;
    }
    Lockstep ls(image, options);
    if (!ls.setup_error().empty()) {
        ADD_FAILURE() << name << ": Unicorn set-up: " << ls.setup_error();
        return res;
    }
    uint64_t good_all = 0;  // last block boundary where the whole RAM was compared too
    std::string problem;
    while (!ls.exited()) {
        if (ls.insns() >= kMaxInsns) {
            problem = "no exit after " + std::to_string(kMaxInsns) + " instructions";
            break;
        }
        problem = ls.block(kBlockInsns);
        ++res.blocks;
        const bool last = ls.exited();
        if (problem.empty()) problem = ls.compare_regs();
        if (problem.empty() && (res.blocks % kDataCompareBlocks == 0 || last)) problem = ls.compare_data();
        if (problem.empty() && (res.blocks % kFullCompareBlocks == 0 || last)) {
            problem = ls.compare_all_ram();
            if (problem.empty()) good_all = ls.insns();
        }
        if (!problem.empty()) break;
    }
    res.insns = ls.insns();
    res.console = ls.iss_console();
    res.exit_code = ls.exit_code();
    if (!problem.empty()) {
        const auto [found, report] = localize(name, image, options, good_all, ls.insns());
        ADD_FAILURE() << name << ": the ISS and Unicorn differ in the block ending at instruction " << ls.insns()
                      << ": " << problem << "\n"
                      << (found ? "" : "register files at the end of that block:\n" + ls.register_files() + "\n")
                      << report;
        return res;
    }
    EXPECT_TRUE(ls.uc_exited()) << name << ": Unicorn did not reach the exit store";
    EXPECT_EQ(ls.uc_exit_code(), ls.exit_code()) << name;
    EXPECT_EQ(ls.uc_console(), ls.iss_console()) << name;
    res.ok = true;
    std::printf("[ lockstep ] %s: %llu instructions in %llu blocks compared, exit code %u\n", name.c_str(),
                static_cast<unsigned long long>(res.insns), static_cast<unsigned long long>(res.blocks),
                res.exit_code);
    return res;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> lines;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

void expect_hello_output(const std::string& console) {
    const std::vector<std::string> lines = lines_of(console);
    ASSERT_EQ(lines.size(), 5u) << console;
    EXPECT_EQ(lines[0], "hello: vmsim MIPS R3000 guest running");
    unsigned sum = 0;
    for (unsigned i = 1; i <= 100; i++) sum += i;
    EXPECT_EQ(lines[1], format("hello: sum(1..100) = %u", sum));
    EXPECT_EQ(lines[2], format("hello: crc32(\"123456789\") = 0x%08x",
                               workloads_test::crc32_bitwise(reinterpret_cast<const uint8_t*>("123456789"), 9)));
    std::vector<uint8_t> buf(4096);
    crc32_fill(buf.data(), buf.size(), 1);
    const std::string prefix = format("hello: region 0 crc32(4096 bytes, seed 1) = 0x%08x cycles=",
                                      workloads_test::crc32_bitwise(buf.data(), buf.size()));
    ASSERT_EQ(lines[3].compare(0, prefix.size(), prefix), 0) << lines[3];
    unsigned long long cycles = 0, insns = 0;
    ASSERT_EQ(std::sscanf(lines[3].c_str() + prefix.size(), "%llu instructions=%llu", &cycles, &insns), 2)
        << lines[3];
    // The counters came from the ISS and were replayed to Unicorn: the region must
    // still look like a table-driven CRC of 4 KiB.
    EXPECT_GE(insns, 4096u * 4);
    EXPECT_LE(insns, 4096u * 40);
    EXPECT_GE(cycles, insns);
    EXPECT_EQ(lines[4], "hello: done");
}

struct GuestCase {
    const char* name;
    const char* elf;
    LoadDelay load_delay;
};

// Keeps test listings (and the CTest names gtest_discover_tests derives from them)
// readable and stable.
void PrintTo(const GuestCase& c, std::ostream* os) {
    *os << c.name << (c.load_delay == LoadDelay::Exact ? " exact" : " interlocked");
}

class UnicornGuestDifferential : public ::testing::TestWithParam<GuestCase> {};

// Exact mode is the R3000 and the ISS default; interlocked mode runs the ISS's other
// run loop on the same programs (which never depend on the load delay either way).
TEST_P(UnicornGuestDifferential, Lockstep) {
    const GuestCase& c = GetParam();
    const std::string name = c.name;
    const std::string label = name + (c.load_delay == LoadDelay::Exact ? "" : " (interlocked loads)");
    GuestResult r = run_guest(label, c.elf, Options{c.load_delay, Fault{}});
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.exit_code, 0u);
    if (name == "hello") {
        expect_hello_output(r.console);
    } else {
        const std::vector<std::string> expected = name == "crc32" ? workloads_test::crc32_expected()
                                                  : name == "qsort" ? workloads_test::qsort_expected()
                                                                    : workloads_test::strings_expected();
        EXPECT_EQ(lines_of(r.console), expected) << r.console;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Guests, UnicornGuestDifferential,
    ::testing::Values(GuestCase{"crc32", CRC32_ELF, LoadDelay::Exact}, GuestCase{"qsort", QSORT_ELF, LoadDelay::Exact},
                      GuestCase{"strings", STRINGS_ELF, LoadDelay::Exact},
                      GuestCase{"hello", HELLO_ELF, LoadDelay::Exact},
                      GuestCase{"crc32", CRC32_ELF, LoadDelay::Interlocked},
                      GuestCase{"qsort", QSORT_ELF, LoadDelay::Interlocked},
                      GuestCase{"strings", STRINGS_ELF, LoadDelay::Interlocked},
                      GuestCase{"hello", HELLO_ELF, LoadDelay::Interlocked}),
    [](const ::testing::TestParamInfo<GuestCase>& info) {
        return std::string(info.param.name) +
               (info.param.load_delay == LoadDelay::Exact ? "_ExactLoadDelay" : "_InterlockedLoads");
    });

// The harness itself: a fault planted in the ISS must be reported, and localized.
std::vector<std::string> failures_of(const std::string& name, const std::string& elf, const Fault& fault) {
    ::testing::TestPartResultArray results;
    {
        ::testing::ScopedFakeTestPartResultReporter reporter(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
        run_guest(name, elf, Options{LoadDelay::Exact, fault});
    }
    std::vector<std::string> messages;
    for (int i = 0; i < results.size(); ++i) messages.push_back(results.GetTestPartResult(i).message());
    return messages;
}

// The number after `key` in `text`, or 0.
uint64_t number_after(const std::string& text, const std::string& key) {
    const size_t at = text.find(key);
    return at == std::string::npos ? 0 : std::strtoull(text.c_str() + at + key.size(), nullptr, 10);
}

TEST(UnicornGuestDifferentialHarness, LocalizesARegisterFault) {
    Fault f;
    f.at = 50000;
    f.reg = s0;
    f.mask = 0x100;
    const std::vector<std::string> m = failures_of("hello", HELLO_ELF, f);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_NE(m[0].find("$s0: iss="), std::string::npos) << m[0];
    // The step holding instruction 50000 (with its delay slot, if any).
    const uint64_t n = number_after(m[0], "hello: first divergence after instruction ");
    EXPECT_GE(n, f.at) << m[0];
    EXPECT_LE(n, f.at + 2) << m[0];
    EXPECT_NE(m[0].find("register files after the step"), std::string::npos) << m[0];
}

TEST(UnicornGuestDifferentialHarness, ReportsAnException) {
    // The `fault` guest loads from an unmapped kuseg address: TLBL on the ISS.
    const std::vector<std::string> m = failures_of("fault", FAULT_ELF, Fault{});
    ASSERT_EQ(m.size(), 1u);
    EXPECT_NE(m[0].find("the ISS took an exception at pc"), std::string::npos) << m[0];
    EXPECT_NE(m[0].find("(TLBL)"), std::string::npos) << m[0];
    EXPECT_NE(m[0].find("fault: first divergence after instruction"), std::string::npos) << m[0];
}

TEST(UnicornGuestDifferentialHarness, FindsAMemoryFault) {
    // A word deep in the stack area that hello never touches: only the memory
    // comparison can see it, and it brackets the instruction.
    Fault f;
    f.at = 70000;
    f.ram_pa = kRamBytes - 200u * 1024u;
    f.mask = 1;
    const std::vector<std::string> m = failures_of("hello", HELLO_ELF, f);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_NE(m[0].find("mem[" + hex(VMSIM_KSEG0(f.ram_pa)) + "]"), std::string::npos) << m[0];
    const uint64_t from = number_after(m[0], "hello: first divergence between instructions ");
    const uint64_t to = number_after(m[0], std::to_string(from) + " and ");
    EXPECT_LE(from, f.at) << m[0];
    EXPECT_GE(to, f.at) << m[0];
    EXPECT_LE(to - from, 2 * kBlockInsns) << m[0];
}

}  // namespace
}  // namespace vmsim::r3000::test
