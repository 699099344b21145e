// Internal to the R3000 ISS (cpu*.cpp only): the helpers and inline members that
// more than one of its files uses. The run loop's hit paths (translation-cache
// hits, cache and write-buffer timing, mfc0) live here so that GCC can inline them
// into it: it cannot across translation units (the build has no LTO).
#pragma once
#include <cstdio>
#include <cstring>
#include <string>

#include "models/mips_r3000/cpu.hpp"

#if defined(__GNUC__)
#define VMSIM_LIKELY(x) __builtin_expect(!!(x), 1)
#define VMSIM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define VMSIM_LIKELY(x) (x)
#define VMSIM_UNLIKELY(x) (x)
#endif

namespace vmsim::r3000 {
namespace detail {

inline constexpr uint32_t kKseg0 = 0x80000000u, kKseg1 = 0xa0000000u, kKseg2 = 0xc0000000u;

inline std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

inline uint32_t read_ram(const uint8_t* p, unsigned size) {
    switch (size) {
        case 1: return *p;
        case 2: { uint16_t v; std::memcpy(&v, p, 2); return v; }
        default: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    }
}

inline void write_ram(uint8_t* p, unsigned size, uint32_t v) {
    switch (size) {
        case 1: *p = static_cast<uint8_t>(v); break;
        case 2: { uint16_t h = static_cast<uint16_t>(v); std::memcpy(p, &h, 2); break; }
        default: std::memcpy(p, &v, 4); break;
    }
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Memory-system timing (MemoryModel::Cached)

// A read from memory (a cache-miss fill or an uncached access) taking `latency`
// cycles: it first waits for the write buffer as its read policy says.
inline uint64_t Cpu::memory_read(uint64_t now, unsigned latency, uint64_t& stall_counter) {
    const uint64_t wait = wbuf_->drain_for_read(now, latency);
    stats_.wbuf_stall_cycles += wait;
    stall_counter += latency;
    non_insn_cycles_ += wait + latency;
    return wait + latency;
}

inline uint64_t Cpu::read_miss(uint64_t now, uint64_t& stall_counter) {
    return memory_read(now, config_.read_latency, stall_counter);
}

inline uint64_t Cpu::uncached_read(uint64_t now) {
    return memory_read(now, config_.uncached_latency, stats_.uncached_stall_cycles);
}

inline uint64_t Cpu::buffered_write(uint64_t now) {
    const uint64_t stall = wbuf_->write(now);
    stats_.wbuf_stall_cycles += stall;
    non_insn_cycles_ += stall;
    return stall;
}

inline uint64_t Cpu::data_read(uint32_t pa, uint64_t now) {
    return dcache_->access(pa) ? 0 : read_miss(now, stats_.dcache_stall_cycles);
}

// The D-cache is write-through: every store also goes to memory through the buffer.
inline uint64_t Cpu::data_write(uint32_t pa, unsigned size, uint64_t now) {
    dcache_->write(pa, size);
    return buffered_write(now);
}

// ---------------------------------------------------------------------------
// Translation caches: the hit paths and the flush after a TLB write

template <bool Timed, typename Slow>
inline bool Cpu::load_fast(const TcSet* tc, uint32_t va, unsigned size, uint32_t& value, uint64_t& cycles,
                           Slow&& slow) {
    const TcEntry& e = tc->read[(va >> kPageShift) % kTcSize];
    if (VMSIM_LIKELY(e.tag == (va >> kPageShift) && (va & (size - 1)) == 0)) {
        value = detail::read_ram(reinterpret_cast<const uint8_t*>(static_cast<uintptr_t>(va) + e.delta), size);
        if (Timed) cycles += data_read(va + e.pa_off, cycles);
        return true;
    }
    return slow(va, size, value);
}

template <bool Timed, typename Slow>
inline bool Cpu::store_fast(const TcSet* tc, uint32_t va, unsigned size, uint32_t value, uint64_t& cycles,
                            Slow&& slow) {
    const TcEntry& e = tc->write[(va >> kPageShift) % kTcSize];
    if (VMSIM_LIKELY(e.tag == (va >> kPageShift) && (va & (size - 1)) == 0)) {
        detail::write_ram(reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(va) + e.delta), size, value);
        if (Timed) cycles += data_write(va + e.pa_off, size, cycles);
        return true;
    }
    return slow(va, size, value);
}

inline void Cpu::tc_flush_vpn(uint32_t vpn) {
    const unsigned slot = vpn % kTcSize;
    for (auto& set : tc_) {
        if (set.read[slot].tag == vpn) set.read[slot].tag = kTcInvalid;
        if (set.write[slot].tag == vpn) set.write[slot].tag = kTcInvalid;
        if (set.fetch[slot].tag == vpn) set.fetch[slot].tag = kTcInvalid;
    }
    cur_vbase_ = kTcInvalid;
}

// ---------------------------------------------------------------------------
// CP0 and exceptions

inline uint32_t Cpu::random_index(uint64_t cycles) const {
    // Random counts down from 63 to 8 once per cycle and wraps (reference sheet);
    // derived from the cycle count so that runs repeat exactly, offset by the
    // phase (CpuConfig::random_seed: the seed's, plus the skips after each tlbwr).
    return 63u - static_cast<uint32_t>((cycles + random_phase_) % (kTlbEntries - kTlbWired));
}

// After a tlbwr under a non-zero random_seed: Random skips ahead 0..55 steps
// (CpuConfig::random_seed says why). splitmix64 (Steele, Lea, Flood, OOPSLA 2014).
inline void Cpu::random_skip() {
    if (config_.random_seed == 0) return;
    uint64_t z = (random_state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    constexpr uint32_t kValues = kTlbEntries - kTlbWired;
    random_phase_ = (random_phase_ + static_cast<uint32_t>(z % kValues)) % kValues;
}

// As mfc0 reads `reg` at cycle `cycles` (Random depends on it).
inline uint32_t Cpu::read_cp0(unsigned reg, uint64_t cycles) const {
    switch (reg) {
        case kCp0Index: return index_;
        case kCp0Random: return random_index(cycles) << 8;
        case kCp0EntryLo: return entrylo_;
        case kCp0Context: return context_;
        case kCp0BadVAddr: return badvaddr_;
        case kCp0EntryHi: return entryhi_;
        case kCp0Status: return status_;
        case kCp0Cause: return cause_ | hw_ip_;
        case kCp0EPC: return epc_;
        case kCp0PRId: return config_.prid;
        default: return 0;  // unimplemented registers read as zero
    }
}

inline void Cpu::request_check() {
    check_ = true;
    cycle_limit_ = 0;
}

}  // namespace vmsim::r3000
