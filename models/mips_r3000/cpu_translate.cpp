// R3000 ISS: address translation and the host-side structures in front of it
// (the per-mode translation caches, decoded code pages), instruction fetch, and
// the slow paths of data access (their hit paths are in cpu_inline.hpp).
#include "models/mips_r3000/cpu.hpp"
#include "models/mips_r3000/cpu_inline.hpp"

#include <memory>

namespace vmsim::r3000 {
using namespace detail;
namespace {

// Bytes a partial-word store (SWL/SWR) writes, from the mask of bytes it keeps.
inline unsigned merged_bytes(uint32_t keep) {
    return 4u - static_cast<unsigned>(__builtin_popcount(keep)) / 8u;
}

}  // namespace

// ---------------------------------------------------------------------------
// Translation caches

void Cpu::tc_flush() {
    for (auto& set : tc_) {
        for (auto& e : set.read) e = TcEntry{kTcInvalid, 0, 0};
        for (auto& e : set.write) e = TcEntry{kTcInvalid, 0, 0};
        for (auto& e : set.fetch) e = FetchEntry{kTcInvalid, 0, nullptr, true};
    }
    cur_vbase_ = kTcInvalid;
}

// A page that now holds decoded code must take stores through the slow path, which
// keeps the decoded copy in step.
void Cpu::tc_forget_write_page(uint32_t ppn) {
    const uintptr_t host_page = reinterpret_cast<uintptr_t>(ram_) + (static_cast<uintptr_t>(ppn) << kPageShift);
    for (auto& set : tc_) {
        for (auto& e : set.write) {
            if (e.tag != kTcInvalid &&
                static_cast<uintptr_t>((static_cast<uintptr_t>(e.tag) << kPageShift) + e.delta) == host_page)
                e.tag = kTcInvalid;
        }
    }
}

// Remembers that virtual page `va` is RAM at physical `pa` (cached, this mode).
void Cpu::tc_fill(std::array<TcEntry, kTcSize>& cache, uint32_t va, uint32_t pa) {
    TcEntry& e = cache[(va >> kPageShift) % kTcSize];
    e.tag = va >> kPageShift;
    e.pa_off = pa - va;
    e.delta = reinterpret_cast<intptr_t>(ram_ + pa) - static_cast<intptr_t>(va);
}

// ---------------------------------------------------------------------------
// Translation

bool Cpu::translate(uint32_t va, Access access, uint32_t& pa, bool& cached) {
    const bool store = access == Access::Store;
    if (va >= kKseg0) {
        if (user_mode()) {
            address_error(store ? kExcAdES : kExcAdEL, va);
            return false;
        }
        if (va < kKseg1) { pa = va - kKseg0; cached = true; return true; }
        if (va < kKseg2) { pa = va - kKseg1; cached = false; return true; }
    }
    const uint32_t vpn = va >> kPageShift;
    const uint32_t asid = (entryhi_ & kEntryHiAsidMask) >> kEntryHiAsidShift;
    const int i = tlb_.lookup(vpn, asid);
    if (VMSIM_UNLIKELY(i == Tlb::kDuplicate)) {
        tlb_shutdown("more than one TLB entry matches VPN " + hex32(va & kEntryHiVpnMask) + " ASID " +
                     std::to_string(asid));
        return false;
    }
    const uint32_t miss_code = store ? kExcTLBS : kExcTLBL;
    if (i == Tlb::kMiss) {
        // kuseg misses use the UTLB-refill vector; kseg2 misses the general vector.
        tlb_exception(miss_code, va, va < kKseg0);
        return false;
    }
    const TlbEntry& e = tlb_.entry(static_cast<unsigned>(i));
    if (!(e.lo & kEntryLoV)) {
        tlb_exception(miss_code, va, false);
        return false;
    }
    if (store && !(e.lo & kEntryLoD)) {
        tlb_exception(kExcMod, va, false);
        return false;
    }
    pa = (e.lo & kEntryLoPfnMask) | (va & (kPageSize - 1));
    cached = !(e.lo & kEntryLoN);
    return true;
}

// ---------------------------------------------------------------------------
// Instruction fetch

DecodedPage* Cpu::decoded_page(uint32_t ppn) {
    auto& slot = pages_[ppn];
    if (!slot) {
        slot = std::make_unique<DecodedPage>();
        const uint8_t* base = ram_ + (static_cast<size_t>(ppn) << kPageShift);
        for (unsigned i = 0; i < kInsnsPerPage; ++i) slot->insns[i] = decode(read_ram(base + 4 * i, 4));
        tc_forget_write_page(ppn);
    }
    return slot.get();
}

bool Cpu::enter_code_page() {
    // Fetch-side faults belong to the instruction at pc_, which has not started.
    cur_pc_ = pc_;
    in_delay_ = next_in_delay_;
    const uint32_t va = pc_;
    if (VMSIM_UNLIKELY(va == stop_pc_)) {
        break_run();
        return false;
    }
    // A fetch that faults costs its cycle, like an instruction that faults.
    if (va & 3) {
        ++cycles_;
        address_error(kExcAdEL, va);
        return false;
    }
    const uint32_t vpn = va >> kPageShift;
    FetchEntry& fe = tc_cur_->fetch[vpn % kTcSize];
    if (fe.tag == vpn) {
        cur_page_ = fe.page;
        cur_vbase_ = va & ~(kPageSize - 1);
        cur_page_pa_ = fe.pa;
        cur_fetch_cached_ = fe.cached;
        return true;
    }
    uint32_t pa = 0;
    bool cached = true;
    ++cycles_;  // charged now; a translation fault marks it as not an instruction
    if (!translate(va, Access::Fetch, pa, cached)) return false;
    --cycles_;
    if (pa >= ram_size_) {
        // No memory behind the fetch address: instruction bus error. At an exception
        // vector that would repeat forever, so it is reported instead.
        if (va == kVecUtlbBev || va == kVecGeneralBev || va == kVecUtlb || va == kVecGeneral) {
            guest_error("exception vector " + hex32(va) + " has no memory behind it (physical " + hex32(pa) +
                        "); Status.BEV=" + std::to_string((status_ & kStatusBEV) ? 1 : 0) +
                        ", last ExcCode " + exc_code_name((cause_ >> 2) & 31) + ", EPC " + hex32(epc_));
            return false;
        }
        ++cycles_;
        fault(kExcIBE);
        return false;
    }
    cur_page_ = decoded_page(pa >> kPageShift);
    cur_vbase_ = va & ~(kPageSize - 1);
    cur_page_pa_ = pa & ~(kPageSize - 1);
    cur_fetch_cached_ = cached;
    fe = FetchEntry{vpn, cur_page_pa_, cur_page_, cached};
    return true;
}

void Cpu::invalidate_code(uint32_t pa, uint32_t len) {
    if (len == 0) return;
    const uint64_t end = static_cast<uint64_t>(pa) + len;
    for (uint64_t p = pa >> kPageShift; (p << kPageShift) < end && p < pages_.size(); ++p) pages_[p].reset();
    tc_flush();
}

// ---------------------------------------------------------------------------
// Data access

// Word store that keeps the bits of the old word selected by `keep` (SWL/SWR).
bool Cpu::store_merge(uint32_t va, uint32_t bits, uint32_t keep) {
    const TcEntry& e = tc_cur_->write[(va >> kPageShift) % kTcSize];
    if (e.tag == (va >> kPageShift)) {
        uint8_t* host = reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(va) + e.delta);
        write_ram(host, 4, (read_ram(host, 4) & keep) | bits);
        if (timed_) cycles_ += data_write(va + e.pa_off, merged_bytes(keep), cycles_);
        return true;
    }
    return store_slow(va, 4, bits, keep);
}

bool Cpu::load_slow(uint32_t va, unsigned size, uint32_t& value) {
    if (va & (size - 1)) {
        address_error(kExcAdEL, va);
        return false;
    }
    uint32_t pa = 0;
    bool cached = true;
    if (!translate(va, Access::Load, pa, cached)) return false;
    if (pa < ram_size_) {
        const uint8_t* host = ram_ + pa;
        value = read_ram(host, size);
        if (cached) {
            tc_fill(tc_cur_->read, va, pa);
            if (timed_) cycles_ += data_read(pa, cycles_);
        } else {
            ++stats_.uncached_accesses;
            if (timed_) cycles_ += uncached_read(cycles_);
        }
        return true;
    }
    ++stats_.uncached_accesses;
    if (!bus_ || !bus_->read(pa, size, value)) {
        fault(kExcDBE);
        return false;
    }
    if (timed_) cycles_ += uncached_read(cycles_);
    return true;
}

bool Cpu::store_slow(uint32_t va, unsigned size, uint32_t value, uint32_t keep) {
    if (va & (size - 1)) {
        address_error(kExcAdES, va);
        return false;
    }
    uint32_t pa = 0;
    bool cached = true;
    if (!translate(va, Access::Store, pa, cached)) return false;
    if (pa < ram_size_) {
        uint8_t* host = ram_ + pa;
        if (keep) value = (read_ram(host, 4) & keep) | value;
        write_ram(host, size, value);
        if (timed_) cycles_ += cached ? data_write(pa, keep ? merged_bytes(keep) : size, cycles_) : buffered_write(cycles_);
        const uint32_t ppn = pa >> kPageShift;
        if (pages_[ppn]) {
            // Self-modifying code: re-decode the word that changed.
            const uint32_t word = pa & ~3u;
            pages_[ppn]->insns[(word & (kPageSize - 1)) >> 2] = decode(read_ram(ram_ + word, 4));
        } else if (cached) {
            tc_fill(tc_cur_->write, va, pa);
        }
        if (!cached) ++stats_.uncached_accesses;
        return true;
    }
    ++stats_.uncached_accesses;
    uint32_t old = 0;
    if (keep && bus_ && bus_->read(pa, 4, old)) value = (old & keep) | value;
    if (!bus_ || !bus_->write(pa, size, value)) {
        fault(kExcDBE);
        return false;
    }
    if (timed_) cycles_ += buffered_write(cycles_);
    return true;
}

}  // namespace vmsim::r3000
