// Test bench for the R3000 ISS: 1 MiB of RAM at physical 0, a fake bus with a few
// device windows, and helpers to load a program, run it and look at the result.
//
// Physical map seen by the core:
//   0x00000000-0x000fffff  RAM (kseg0 0x80000000.., kseg1 0xa0000000..)
//   0x1f000000-0x1f000fff  scratch device: reads return dev_value, accesses are logged
//   0x1fc00000-0x1fc00fff  boot ROM (holds the BEV=1 vectors; contents set by the test)
//   0x1fd00000-0x1fd00fff  stop device: a store makes run() return StopReason::Break,
//                          and the offset written says who stopped (see Stop below)
//   anything else          bus error
//
// Programs end with a store to the stop device, and every exception vector holds a
// two-instruction stub that stores to it too. A test therefore runs until Break
// and then asks which stub stopped the run: the program end, or which vector. That
// works whatever the ISS counts as an instruction, and never executes past a vector.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "asm.hpp"
#include "models/mips_r3000/cpu.hpp"

namespace vmsim::r3000::test {

// Where tests put things (virtual, kseg0 unless said otherwise).
inline constexpr uint32_t kCodeVa = 0x80001000u;   // main test program
inline constexpr uint32_t kDataVa = 0x80010000u;   // data area
inline constexpr uint32_t kRamSize = 1u << 20;
inline constexpr uint32_t kDevPa = 0x1f000000u, kDevVa = 0xbf000000u;  // kseg1
inline constexpr uint32_t kRomPa = 0x1fc00000u;
inline constexpr uint32_t kStopPa = 0x1fd00000u, kStopVa = 0xbfd00000u;
inline constexpr uint32_t kWindowSize = 0x1000u;
inline constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

// Offsets written to the stop device: which stub stopped the run.
enum Stop : uint32_t {
    kStopNone = 0xffffffffu,
    kStopUtlb = 0x000,        // stub at 0x80000000
    kStopGeneral = 0x080,     // stub at 0x80000080
    kStopUtlbBev = 0x100,     // stub at 0xbfc00100
    kStopGeneralBev = 0x180,  // stub at 0xbfc00180
    kStopEnd = 0xf00,         // end of the test program
};

inline const char* stop_name(uint32_t s) {
    switch (s) {
    case kStopNone: return "no stop";
    case kStopUtlb: return "UTLB vector";
    case kStopGeneral: return "general vector";
    case kStopUtlbBev: return "BEV UTLB vector";
    case kStopGeneralBev: return "BEV general vector";
    case kStopEnd: return "program end";
    default: return "unknown stop offset";
    }
}

inline uint32_t exc_code(uint32_t cause) { return (cause >> 2) & 0x1fu; }

class FakeBus : public Bus {
public:
    struct Access {
        bool write;
        uint32_t pa;
        unsigned size;
        uint32_t value;
    };

    Cpu* cpu = nullptr;
    std::vector<Access> log;        // every access that reached the bus
    uint32_t stop = kStopNone;      // offset of the last store to the stop device
    uint32_t dev_value = 0xdeadbeefu;
    int irq_on_dev_read = -1;       // if 2..7: a device read raises that interrupt line
    std::vector<uint8_t> rom = std::vector<uint8_t>(kWindowSize, 0);

    bool read(uint32_t pa, unsigned size, uint32_t& value) override {
        log.push_back({false, pa, size, 0});
        if (in(pa, size, kDevPa)) {
            value = dev_value;
            log.back().value = value;
            if (irq_on_dev_read >= 0 && cpu) cpu->set_interrupt(static_cast<unsigned>(irq_on_dev_read), true);
            return true;
        }
        if (in(pa, size, kRomPa)) {
            value = 0;
            for (unsigned i = 0; i < size; ++i) value |= uint32_t{rom[pa - kRomPa + i]} << (8 * i);
            log.back().value = value;
            return true;
        }
        if (in(pa, size, kStopPa)) {
            value = 0;
            return true;
        }
        return false;
    }

    bool write(uint32_t pa, unsigned size, uint32_t value) override {
        log.push_back({true, pa, size, value});
        if (in(pa, size, kDevPa)) return true;
        if (in(pa, size, kStopPa)) {
            stop = pa - kStopPa;
            if (cpu) cpu->break_run();
            return true;
        }
        return false;
    }

    void set_rom32(uint32_t pa, uint32_t word) {
        for (unsigned i = 0; i < 4; ++i) rom.at(pa - kRomPa + i) = static_cast<uint8_t>(word >> (8 * i));
    }

private:
    static bool in(uint32_t pa, unsigned size, uint32_t base) {
        return pa >= base && pa + size <= base + kWindowSize;
    }
};

// The two instructions that end a program or a vector: store to the stop device.
inline void emit_stop(Asm& a, Stop s) {
    a.emit(enc::lui(k0, kStopVa >> 16));
    a.emit(enc::sw(zero, static_cast<int32_t>(s), k0));
}

class Machine {
public:
    explicit Machine(const CpuConfig& config = CpuConfig{})
        : ram_(kRamSize, 0), cpu(config, ram_.data(), kRamSize, &bus) {
        bus.cpu = &cpu;
        install_vectors();
    }
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    FakeBus bus;  // declared before cpu: the Cpu keeps a pointer to it

private:
    std::vector<uint8_t> ram_;

public:
    Cpu cpu;

    static uint32_t pa_of(uint32_t kseg01_va) { return kseg01_va & 0x1fffffffu; }

    // Host-side memory access by kseg0/kseg1 address (or physical, below 0x20000000).
    uint8_t& byte(uint32_t va) { return ram_.at(pa_of(va)); }
    uint32_t read32(uint32_t va) {
        uint32_t v = 0;
        for (unsigned i = 0; i < 4; ++i) v |= uint32_t{byte(va + i)} << (8 * i);
        return v;
    }
    void write32(uint32_t va, uint32_t v) {
        for (unsigned i = 0; i < 4; ++i) byte(va + i) = static_cast<uint8_t>(v >> (8 * i));
    }
    void write_words(uint32_t va, const std::vector<uint32_t>& words) {
        for (size_t i = 0; i < words.size(); ++i) write32(va + 4u * static_cast<uint32_t>(i), words[i]);
    }

    // Copies a program into RAM at its own (kseg0/kseg1) address, or at `pa`.
    void load(const Asm& a) { write_words(a.base(), a.words()); }
    void load_at_pa(const Asm& a, uint32_t pa) { write_words(pa, a.words()); }

    // Stop stubs at the four exception vectors (BEV=0 in RAM, BEV=1 in the boot ROM).
    void install_vectors() {
        Asm utlb(kVecUtlb), general(kVecGeneral);
        emit_stop(utlb, kStopUtlb);
        emit_stop(general, kStopGeneral);
        load(utlb);
        load(general);
        Asm utlb_bev(kVecUtlbBev), general_bev(kVecGeneralBev);
        emit_stop(utlb_bev, kStopUtlbBev);
        emit_stop(general_bev, kStopGeneralBev);
        auto put_rom = [&](const Asm& a) {
            auto w = a.words();
            for (size_t i = 0; i < w.size(); ++i)
                bus.set_rom32(pa_of(a.base()) + 4u * static_cast<uint32_t>(i), w[i]);
        };
        put_rom(utlb_bev);
        put_rom(general_bev);
    }

    void reset(uint32_t entry = kCodeVa) {
        cpu.reset(entry);
        bus.stop = kStopNone;
        bus.log.clear();
    }

    // Runs at most `max_insns` more instructions.
    StopReason run(uint64_t max_insns = 100000) {
        bus.stop = kStopNone;
        return cpu.run(kNoLimit, cpu.instructions() + max_insns);
    }

    // Load, reset to the program's start and run: the common case.
    StopReason run_program(const Asm& a, uint64_t max_insns = 100000) {
        load(a);
        reset(a.base());
        return run(max_insns);
    }

    uint32_t cause() const { return cpu.cp0(kCp0Cause); }
    uint32_t status() const { return cpu.cp0(kCp0Status); }
    uint32_t epc() const { return cpu.cp0(kCp0EPC); }
    uint32_t badvaddr() const { return cpu.cp0(kCp0BadVAddr); }
    uint32_t exc() const { return exc_code(cause()); }
    uint32_t stop() const { return bus.stop; }
};

// Guest code fragments used by several suites.

// Writes TLB entry `index` (tlbwi) with the given EntryHi/EntryLo. Clobbers at.
inline void emit_tlb_write(Asm& a, unsigned index, uint32_t hi, uint32_t lo) {
    a.li(at, hi);
    a.emit(enc::mtc0(at, kCp0EntryHi));
    a.li(at, lo);
    a.emit(enc::mtc0(at, kCp0EntryLo));
    a.li(at, index << 8);
    a.emit(enc::mtc0(at, kCp0Index));
    a.emit(enc::tlbwi());
}

// Sets EntryHi (the current ASID lives there). Clobbers at.
inline void emit_set_entryhi(Asm& a, uint32_t hi) {
    a.li(at, hi);
    a.emit(enc::mtc0(at, kCp0EntryHi));
}

// Drops to user mode at `user_va` the way a kernel does: KUp = 1, then `jr; rfe`.
// `extra_status` is ORed into Status (e.g. CU0). Clobbers k0, k1.
inline void emit_enter_user(Asm& a, uint32_t user_va, uint32_t extra_status = 0) {
    a.li(k1, kStatusKUp | extra_status);
    a.emit(enc::mtc0(k1, kCp0Status));
    a.li(k0, user_va);
    a.emit(enc::jr(k0));
    a.emit(enc::rfe());
}

// EntryLo for a page frame with the given flag bits.
inline uint32_t entry_lo(uint32_t pa, uint32_t flags) { return (pa & kEntryLoPfnMask) | flags; }
inline uint32_t entry_hi(uint32_t va, uint32_t asid) {
    return (va & kEntryHiVpnMask) | (asid << kEntryHiAsidShift);
}

inline const char* reason_name(StopReason r) {
    switch (r) {
    case StopReason::CycleLimit: return "CycleLimit";
    case StopReason::InstructionLimit: return "InstructionLimit";
    case StopReason::Break: return "Break";
    case StopReason::GuestError: return "GuestError";
    }
    return "?";
}

// One line of CPU state for failure messages.
inline std::string describe(const Machine& m) {
    std::ostringstream o;
    o << std::hex << "pc=0x" << m.cpu.pc() << " Cause=0x" << m.cause() << " ("
      << exc_code_name(m.exc()) << ") EPC=0x" << m.epc() << " BadVAddr=0x" << m.badvaddr()
      << " Status=0x" << m.status() << std::dec << " insns=" << m.cpu.instructions()
      << " cycles=" << m.cpu.cycles() << " stop=" << stop_name(m.stop());
    if (!m.cpu.error().empty()) o << " error='" << m.cpu.error() << "'";
    return o.str();
}

// The run ended by a store to the stop device from stub `want`.
inline ::testing::AssertionResult Stopped(const Machine& m, StopReason r, uint32_t want) {
    if (r == StopReason::Break && m.stop() == want) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected to stop at " << stop_name(want)
                                         << ", run() returned " << reason_name(r) << "; "
                                         << describe(m);
}

// Appends the end stub to `a`, loads and runs it; true when it stopped at `want`
// (kStopEnd: ran to completion; a vector: took that exception first).
inline ::testing::AssertionResult RunsTo(Machine& m, Asm& a, uint32_t want,
                                         uint64_t max_insns = 100000) {
    emit_stop(a, kStopEnd);
    StopReason r = m.run_program(a, max_insns);
    return Stopped(m, r, want);
}
inline ::testing::AssertionResult RunsToEnd(Machine& m, Asm& a) { return RunsTo(m, a, kStopEnd); }

}  // namespace vmsim::r3000::test
