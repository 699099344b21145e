// R3000 ISS. Architecture facts and the choices made where sources disagree are
// recorded in docs/r3000.md.
#include "models/mips_r3000/cpu.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace vmsim::r3000 {

#if defined(__GNUC__)
#define VMSIM_LIKELY(x) __builtin_expect(!!(x), 1)
#define VMSIM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define VMSIM_LIKELY(x) (x)
#define VMSIM_UNLIKELY(x) (x)
#endif

namespace {

constexpr uint32_t kKseg0 = 0x80000000u, kKseg1 = 0xa0000000u, kKseg2 = 0xc0000000u;

std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

inline uint32_t sign_extend8(uint32_t v) { return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(v))); }
inline uint32_t sign_extend16(uint32_t v) {
    return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(v)));
}

// Bytes a partial-word store (SWL/SWR) writes, from the mask of bytes it keeps.
inline unsigned merged_bytes(uint32_t keep) {
    return 4u - static_cast<unsigned>(__builtin_popcount(keep)) / 8u;
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

}  // namespace

Cpu::Cpu(const CpuConfig& config, uint8_t* ram, uint32_t ram_size, Bus* bus)
    : config_(config), ram_(ram), ram_size_(ram_size), bus_(bus),
      pages_((static_cast<uint64_t>(ram_size) + kPageSize - 1) / kPageSize) {
    if (config_.memory == MemoryModel::Cached) {
        timed_ = true;
        icache_ = std::make_unique<Cache>(config_.icache);  // throws std::invalid_argument on bad geometry
        dcache_ = std::make_unique<Cache>(config_.dcache);
        wbuf_ = std::make_unique<WriteBuffer>(config_.wbuf);
    }
    reset(kVecReset);
}

Cpu::~Cpu() = default;

void Cpu::reset(uint32_t entry_pc) {
    regs_.fill(0);
    hi_ = lo_ = 0;
    hilo_ready_ = 0;
    pc_ = entry_pc;
    npc_ = entry_pc + 4;
    cur_pc_ = entry_pc;
    in_delay_ = next_in_delay_ = false;
    dl_reg_ = pending_reg_ = kNoReg;
    index_ = entrylo_ = context_ = badvaddr_ = entryhi_ = 0;
    status_ = 0;  // kernel mode, interrupts off, BEV = 0 (the simulator boots past the ROM)
    cause_ = epc_ = 0;
    hw_ip_ = 0;
    // The chip's TLB is undefined at reset and a boot ROM flushes it. We start from
    // the state such a flush leaves: distinct kseg0 VPNs, which never match because
    // kseg0 is unmapped, and V = 0.
    for (unsigned i = 0; i < kTlbEntries; ++i) tlb_.write(i, kKseg0 + (i << kPageShift), 0);
    cycles_ = non_insn_cycles_ = 0;
    stats_ = CpuStats{};
    for (auto& p : pages_) p.reset();
    if (timed_) {
        icache_->flush();
        icache_->reset_stats();
        dcache_->flush();
        dcache_->reset_stats();
        wbuf_->reset();
    }
    acct_user_ = false;
    acct_since_ = 0;
    kernel_entry_ = kEntryOther;
    error_flag_ = break_ = false;
    error_.clear();
    tc_flush();
    mode_changed();
}

void Cpu::set_pc(uint32_t pc) {
    pc_ = pc;
    npc_ = pc + 4;
    next_in_delay_ = false;
    cur_vbase_ = kTcInvalid;
}

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

void Cpu::tc_flush_vpn(uint32_t vpn) {
    const unsigned slot = vpn % kTcSize;
    for (auto& set : tc_) {
        if (set.read[slot].tag == vpn) set.read[slot].tag = kTcInvalid;
        if (set.write[slot].tag == vpn) set.write[slot].tag = kTcInvalid;
        if (set.fetch[slot].tag == vpn) set.fetch[slot].tag = kTcInvalid;
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

void Cpu::mode_changed() {
    tc_cur_ = &tc_[user_mode() ? 1 : 0];
    cur_vbase_ = kTcInvalid;
    if (acct_user_ != user_mode()) account_mode();
}

// Books `span` cycles of the segment being timed into `s`: user, or kernel by the
// vector that entered it.
void Cpu::book_segment(CpuStats& s, uint64_t span) const {
    if (acct_user_) {
        s.user_cycles += span;
        return;
    }
    s.kernel_cycles += span;
    (kernel_entry_ == kEntryUtlb      ? s.kernel_utlb_cycles
     : kernel_entry_ == kEntryGeneral ? s.kernel_general_cycles
                                      : s.kernel_other_cycles) += span;
}

// Closes the accounting segment that ends now and starts one in the current mode.
void Cpu::account_mode() {
    book_segment(stats_, cycles_ - acct_since_);
    acct_since_ = cycles_;
    acct_user_ = user_mode();
}

CpuStats Cpu::stats() const {
    CpuStats s = stats_;
    book_segment(s, cycles_ - acct_since_);  // the segment still open
    return s;
}

// ---------------------------------------------------------------------------
// Memory-system timing (MemoryModel::Cached)

// A read from memory (a cache-miss fill or an uncached access) taking `latency`
// cycles: it first waits for the write buffer as its read policy says.
uint64_t Cpu::memory_read(uint64_t now, unsigned latency, uint64_t& stall_counter) {
    const uint64_t wait = wbuf_->drain_for_read(now, latency);
    stats_.wbuf_stall_cycles += wait;
    stall_counter += latency;
    non_insn_cycles_ += wait + latency;
    return wait + latency;
}

uint64_t Cpu::read_miss(uint64_t now, uint64_t& stall_counter) {
    return memory_read(now, config_.read_latency, stall_counter);
}

uint64_t Cpu::uncached_read(uint64_t now) {
    return memory_read(now, config_.uncached_latency, stats_.uncached_stall_cycles);
}

uint64_t Cpu::buffered_write(uint64_t now) {
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
// Exceptions

void Cpu::commit_pending_loads() {
    // The pipeline completes loads issued before the exception point. With none in
    // flight the register is the sink, so no test is needed.
    regs_[dl_reg_] = dl_val_;
    regs_[pending_reg_] = pending_val_;
    dl_reg_ = pending_reg_ = kNoReg;
}

void Cpu::exception(uint32_t code, uint32_t epc_pc, bool bd, bool utlb_vector, uint32_t ce) {
    commit_pending_loads();
    if (user_mode()) kernel_entry_ = utlb_vector ? kEntryUtlb : kEntryGeneral;
    cause_ = (cause_ & ~(kCauseBD | (3u << kCauseCEShift) | 0x7cu)) | (code << 2) | (bd ? kCauseBD : 0) |
             (ce << kCauseCEShift);
    epc_ = bd ? epc_pc - 4 : epc_pc;
    // Push the KU/IE stack: Status[5:0] = (Status[5:0] << 2) & 0x3c.
    status_ = (status_ & ~0x3fu) | ((status_ << 2) & 0x3cu);
    uint32_t vector;
    if (status_ & kStatusBEV)
        vector = utlb_vector ? kVecUtlbBev : kVecGeneralBev;
    else
        vector = utlb_vector ? kVecUtlb : kVecGeneral;
    pc_ = vector;
    npc_ = vector + 4;
    next_in_delay_ = false;
    ++stats_.exceptions[code];
    if (utlb_vector) ++stats_.utlb_refills;
    mode_changed();  // first, so that the entry cycles count as kernel time
    cycles_ += config_.exception_entry_cycles;
    non_insn_cycles_ += config_.exception_entry_cycles;
    stats_.exception_cycles += config_.exception_entry_cycles;
}

void Cpu::fault(uint32_t code, uint32_t ce, bool utlb_vector) {
    ++non_insn_cycles_;  // the faulting instruction does not retire
    ++stats_.faulted_cycles;
    exception(code, cur_pc_, in_delay_, utlb_vector, ce);
}

void Cpu::address_error(uint32_t code, uint32_t va) {
    badvaddr_ = va;
    fault(code);
}

void Cpu::tlb_exception(uint32_t code, uint32_t va, bool utlb_vector) {
    badvaddr_ = va;
    context_ = (context_ & 0xffe00000u) | ((va >> 10) & 0x001ffffcu);  // BadVPN = VA[30:12]
    entryhi_ = (va & kEntryHiVpnMask) | (entryhi_ & kEntryHiAsidMask);  // ASID kept
    fault(code, 0, utlb_vector);
}

void Cpu::guest_error(const std::string& msg) {
    if (error_flag_) return;
    std::ostringstream os;
    os << msg << " (pc " << hex32(cur_pc_) << ", " << instructions() << " instructions, cycle " << cycles_ << ")";
    error_ = os.str();
    error_flag_ = true;
    cycle_limit_ = 0;
}

// Two TLB entries matched: the chip sets Status.TS; the simulator stops the run.
void Cpu::tlb_shutdown(const std::string& what) {
    status_ |= kStatusTS;
    guest_error("TLB shutdown: " + what + " (a guest bug; Status.TS set)");
}

void Cpu::request_check() {
    check_ = true;
    cycle_limit_ = 0;
}

void Cpu::break_run() {
    break_ = true;
    cycle_limit_ = 0;
}

bool Cpu::interrupt_pending() const {
    if (!(status_ & kStatusIEc)) return false;
    return ((cause_ | hw_ip_) & status_ & kStatusIMMask) != 0;
}

void Cpu::set_interrupt(unsigned ip, bool level) {
    if (ip < 2 || ip > 7) return;
    const uint32_t bit = 1u << (kCauseIPShift + ip);
    hw_ip_ = level ? (hw_ip_ | bit) : (hw_ip_ & ~bit);
    request_check();
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

template <bool Timed, typename Slow>
inline bool Cpu::load_fast(const TcSet* tc, uint32_t va, unsigned size, uint32_t& value, uint64_t& cycles,
                           Slow&& slow) {
    const TcEntry& e = tc->read[(va >> kPageShift) % kTcSize];
    if (VMSIM_LIKELY(e.tag == (va >> kPageShift) && (va & (size - 1)) == 0)) {
        value = read_ram(reinterpret_cast<const uint8_t*>(static_cast<uintptr_t>(va) + e.delta), size);
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
        write_ram(reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(va) + e.delta), size, value);
        if (Timed) cycles += data_write(va + e.pa_off, size, cycles);
        return true;
    }
    return slow(va, size, value);
}

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

// ---------------------------------------------------------------------------
// CP0

uint32_t Cpu::random_index(uint64_t cycles) const {
    // Random counts down from 63 to 8 once per cycle and wraps (reference sheet);
    // derived from the cycle count so that runs repeat exactly.
    return 63u - static_cast<uint32_t>(cycles % (kTlbEntries - kTlbWired));
}

uint32_t Cpu::cp0(unsigned reg) const { return cp0_at(reg, cycles_); }

uint32_t Cpu::cp0_at(unsigned reg, uint64_t cycles) const {
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

void Cpu::set_cp0(unsigned reg, uint32_t v) { write_cp0(reg, v); }

void Cpu::set_entryhi(uint32_t v) {
    const uint32_t old_asid = entryhi_ & kEntryHiAsidMask;
    entryhi_ = v & (kEntryHiVpnMask | kEntryHiAsidMask);
    if ((entryhi_ & kEntryHiAsidMask) != old_asid) tc_flush();  // translations are per ASID
}

void Cpu::set_status(uint32_t v) {
    const uint32_t old = status_;
    status_ = v & kStatusWritable;
    if ((old ^ status_) & kStatusKUc) mode_changed();
    request_check();  // IEc or IM may have unmasked a pending interrupt
}

void Cpu::write_cp0(unsigned reg, uint32_t v) {
    switch (reg) {
        case kCp0Index: index_ = v & 0x80003f00u; break;
        case kCp0EntryLo: entrylo_ = v & kEntryLoMask; break;
        case kCp0Context: context_ = (v & 0xffe00000u) | (context_ & 0x001ffffcu); break;  // BadVPN is read-only
        case kCp0EntryHi: set_entryhi(v); break;
        case kCp0Status: set_status(v); break;
        case kCp0Cause:  // only the software interrupt bits IP1:0 are writable
            cause_ = (cause_ & ~kCauseSwIPMask) | (v & kCauseSwIPMask);
            request_check();
            break;
        default: break;  // Random, BadVAddr, EPC and PRId are read-only
    }
}

void Cpu::tlb_write(unsigned index) {
    const uint32_t old_vpn = tlb_.entry(index).vpn();
    tlb_.write(index, entryhi_, entrylo_);
    tc_flush_vpn(old_vpn);
    tc_flush_vpn(entryhi_ >> kPageShift);
    ++stats_.tlb_writes;
    // A refill handler writes the mapping for BadVAddr, and the faulting access is
    // retried a few instructions later: start the host's fetch of that line now.
    // (Host-side only; the guest sees nothing.)
    if ((entryhi_ ^ badvaddr_) < kPageSize && (entrylo_ & kEntryLoV)) {
        const uint32_t pa = (entrylo_ & kEntryLoPfnMask) | (badvaddr_ & (kPageSize - 1));
        if (pa < ram_size_) __builtin_prefetch(ram_ + pa);
    }
}

void Cpu::exec_cop0(const DecodedInsn& d) {
    switch (d.op) {
        case Op::MTC0: write_cp0(d.sa, regs_[d.rt]); break;
        case Op::TLBR: {
            const TlbEntry& e = tlb_.entry((index_ >> 8) & 63);
            set_entryhi(e.hi);
            entrylo_ = e.lo;
            ++stats_.tlb_reads;
            break;
        }
        case Op::TLBWI: tlb_write((index_ >> 8) & 63); break;
        case Op::TLBWR: tlb_write(random_index(cycles_)); break;
        case Op::TLBP: {
            ++stats_.tlb_probes;
            const int i = tlb_.lookup(entryhi_ >> kPageShift, (entryhi_ & kEntryHiAsidMask) >> kEntryHiAsidShift);
            if (i == Tlb::kDuplicate) {
                tlb_shutdown("tlbp found more than one entry matching EntryHi " + hex32(entryhi_));
            } else if (i == Tlb::kMiss) {
                index_ |= 0x80000000u;
            } else {
                index_ = static_cast<uint32_t>(i) << 8;
            }
            break;
        }
        case Op::RFE: {
            // Pop the KU/IE stack: c <- p, p <- o, o kept (reference sheet, "rfe").
            const uint32_t old = status_;
            status_ = (status_ & ~0x0fu) | ((status_ >> 2) & 0x0fu);
            if ((old ^ status_) & kStatusKUc) mode_changed();
            request_check();
            break;
        }
        default: break;
    }
}

// ---------------------------------------------------------------------------
// The run loop

StopReason Cpu::run(uint64_t cycle_limit, uint64_t insn_limit) {
    run_cycle_limit_ = cycle_limit;
    insn_limit_ = insn_limit;
    request_check();  // take a pending interrupt before the first instruction
    const bool exact = config_.load_delay == LoadDelay::Exact;
    if (timed_) return exact ? run_loop<true, true>() : run_loop<false, true>();
    return exact ? run_loop<true, false>() : run_loop<false, false>();
}

// The run loop keeps the state carried from one instruction to the next in locals
// (registers) and writes it back to the members only around calls that read or
// change it: SAVE before, LOAD after. Few enough values are carried that they fit
// the host's registers; the rest is stored to members, which costs no reloads.
// A load in flight is packed as (register << 32 | value); kNoLoad names the sink.
template <bool Exact, bool Timed>
StopReason Cpu::run_loop() {
    constexpr uint64_t kNoLoad = uint64_t{kNoReg} << 32;
    uint32_t* const __restrict r = regs_.data();
    uint32_t pc, npc;
    bool nid;
    uint64_t cycles, climit, dl = kNoLoad, pend = kNoLoad;
    TcSet* tc;
    uint32_t vbase, page_pa = 0;
    bool fetch_cached = true;
    const DecodedInsn* page;

    // climit folds the instruction limit in: cycles advance at least as fast as
    // instructions, so the loop cannot pass either limit unseen.
    const auto effective_limit = [this] {
        const uint64_t done = instructions();
        const uint64_t left = insn_limit_ > done ? insn_limit_ - done : 0;
        return std::min(cycle_limit_, cycles_ + left < cycles_ ? ~uint64_t{0} : cycles_ + left);
    };
#define SAVE()                                                                            \
    (pc_ = pc, npc_ = npc, next_in_delay_ = nid, cycles_ = cycles,                        \
     cur_pc_ = cur, in_delay_ = in_delay,                                                  \
     dl_reg_ = static_cast<unsigned>(dl >> 32), dl_val_ = static_cast<uint32_t>(dl),      \
     pending_reg_ = static_cast<unsigned>(pend >> 32), pending_val_ = static_cast<uint32_t>(pend))
#define LOAD()                                                                            \
    (pc = pc_, npc = npc_, nid = next_in_delay_, cycles = cycles_, climit = effective_limit(), \
     dl = (uint64_t{dl_reg_} << 32) | dl_val_, pend = (uint64_t{pending_reg_} << 32) | pending_val_, \
     tc = tc_cur_, vbase = cur_vbase_, page = cur_page_ ? cur_page_->insns.data() : nullptr, \
     page_pa = cur_page_pa_, fetch_cached = cur_fetch_cached_)
#define SLOW(call) (SAVE(), (call), LOAD())
#define LOAD_RESULT(dest, v)                                      \
    do {                                                          \
        if (Exact)                                                \
            pend = (uint64_t{dest} << 32) | static_cast<uint32_t>(v); \
        else                                                      \
            r[(dest)] = (v);                                      \
    } while (0)
    // Inline translation-cache hit, else the slow path (which may raise).
#define LOAD_MEM(va_, size_, out_) load_fast<Timed>(tc, (va_), (size_), (out_), cycles, [&](uint32_t va2, unsigned sz, uint32_t& o) { \
        bool ok_; SAVE(); ok_ = load_slow(va2, sz, o); LOAD(); return ok_; })
#define STORE_MEM(va_, size_, v_) store_fast<Timed>(tc, (va_), (size_), (v_), cycles, [&](uint32_t va2, unsigned sz, uint32_t val) { \
        bool ok_; SAVE(); ok_ = store_slow(va2, sz, val, 0); LOAD(); return ok_; })
#define STORE_MERGE(va_, bits_, keep_) SLOW(store_merge((va_), (bits_), (keep_)))

    // Dispatch through a table of label addresses (GCC computed goto) instead of a
    // switch: no bounds check, and the handlers return to one fetch-and-dispatch
    // point. (Giving every handler its own copy of the indirect jump was measured
    // on the project machine and was no faster: its predictor uses global history.)
    // One handler L_<name> per line of insn_list.def, in Op order: a missing handler
    // is an undefined label, a handler not in the list an unused one (-Wall).
    static const void* const kHandlers[] = {
#define R3000_INSN(name, ...) &&L_##name,
#include "models/mips_r3000/insn_list.def"
    };
    static_assert(sizeof(kHandlers) / sizeof(kHandlers[0]) == kNumOps);
    const DecodedInsn* d = nullptr;
#define DISPATCH()                                                              \
    do {                                                                        \
        if (Exact) {                                                            \
            /* The previous instruction's load lands now, unless this one wrote \
               the same register (it wins) or loaded it again (the first is     \
               dropped). With no load in flight dl names the sink register. */  \
            const unsigned dreg_ = static_cast<unsigned>(dl >> 32);             \
            if (d->dest != dreg_) r[dreg_] = static_cast<uint32_t>(dl);         \
        }                                                                       \
        goto next;                                                              \
    } while (0)
#define FETCH_AND_JUMP()                                                        \
    do {                                                                        \
        if (VMSIM_UNLIKELY(cycles >= climit)) goto slow_top;                    \
        /* One compare covers both a page change and a misaligned pc. */        \
        if (VMSIM_UNLIKELY((pc & ~(kPageSize - 4)) != vbase)) goto slow_fetch;  \
        d = &page[(pc >> 2) & (kInsnsPerPage - 1)];                             \
        if (Timed) {                                                            \
            if (!fetch_cached)                                                  \
                cycles += uncached_read(cycles);                                \
            else if (!icache_->access(page_pa | (pc & (kPageSize - 4))))        \
                cycles += read_miss(cycles, stats_.icache_stall_cycles);        \
        }                                                                       \
        cur = pc; /* SAVE() hands cur and in_delay to the exception paths */   \
        in_delay = nid;                                                         \
        nid = false;                                                            \
        pc = npc;                                                               \
        npc += 4;                                                               \
        ++cycles;                                                               \
        if (Exact) {                                                            \
            dl = pend;                                                          \
            pend = kNoLoad;                                                     \
        }                                                                       \
        goto* kHandlers[static_cast<unsigned>(d->op)];                          \
    } while (0)

    uint32_t cur = cur_pc_;
    bool in_delay = in_delay_;
    LOAD();
    goto slow_top;

next:
    FETCH_AND_JUMP();

slow_top:
    if (cycles >= climit) {
        SAVE();
        if (error_flag_) return StopReason::GuestError;
        if (break_) {
            break_ = false;
            cycle_limit_ = run_cycle_limit_;
            return StopReason::Break;
        }
        if (instructions() >= insn_limit_) return StopReason::InstructionLimit;
        if (check_) {
            check_ = false;
            cycle_limit_ = run_cycle_limit_;
            if (interrupt_pending()) exception(kExcInt, pc_, next_in_delay_);
            LOAD();
            goto slow_top;
        }
        if (cycles_ >= run_cycle_limit_) return StopReason::CycleLimit;
        LOAD();
    }
slow_fetch:
    if ((pc & ~(kPageSize - 4)) != vbase) {
        bool ok;
        SAVE();
        ok = enter_code_page();
        LOAD();
        if (!ok) goto slow_top;
    }
    FETCH_AND_JUMP();

            L_NOP: DISPATCH();
            L_SLL: r[d->dest] = r[d->rt] << d->sa; DISPATCH();
            L_SRL: r[d->dest] = r[d->rt] >> d->sa; DISPATCH();
            L_SRA: r[d->dest] = static_cast<uint32_t>(static_cast<int32_t>(r[d->rt]) >> d->sa); DISPATCH();
            L_SLLV: r[d->dest] = r[d->rt] << (r[d->rs] & 31); DISPATCH();
            L_SRLV: r[d->dest] = r[d->rt] >> (r[d->rs] & 31); DISPATCH();
            L_SRAV: r[d->dest] = static_cast<uint32_t>(static_cast<int32_t>(r[d->rt]) >> (r[d->rs] & 31)); DISPATCH();
            L_JR: npc = r[d->rs]; nid = true; DISPATCH();
            L_JALR: {
                const uint32_t target = r[d->rs];
                r[d->dest] = cur + 8;
                npc = target;
                nid = true;
                DISPATCH();
            }
            L_SYSCALL: SLOW(fault(kExcSys)); DISPATCH();
            L_BREAK: SLOW(fault(kExcBp)); DISPATCH();
            L_MFHI: L_MFLO:
                if (cycles < hilo_ready_) {  // interlock until the multiply/divide unit is done
                    stats_.muldiv_stall_cycles += hilo_ready_ - cycles;
                    non_insn_cycles_ += hilo_ready_ - cycles;
                    cycles = hilo_ready_;
                }
                r[d->dest] = d->op == Op::MFHI ? hi_ : lo_;
                DISPATCH();
            L_MTHI: hi_ = r[d->rs]; DISPATCH();
            L_MTLO: lo_ = r[d->rs]; DISPATCH();
            L_MULT: {
                const int64_t p = static_cast<int64_t>(static_cast<int32_t>(r[d->rs])) *
                                  static_cast<int64_t>(static_cast<int32_t>(r[d->rt]));
                lo_ = static_cast<uint32_t>(p);
                hi_ = static_cast<uint32_t>(static_cast<uint64_t>(p) >> 32);
                hilo_ready_ = cycles + config_.mult_latency;
                DISPATCH();
            }
            L_MULTU: {
                const uint64_t p = static_cast<uint64_t>(r[d->rs]) * r[d->rt];
                lo_ = static_cast<uint32_t>(p);
                hi_ = static_cast<uint32_t>(p >> 32);
                hilo_ready_ = cycles + config_.mult_latency;
                DISPATCH();
            }
            L_DIV: {
                const int32_t a = static_cast<int32_t>(r[d->rs]), b = static_cast<int32_t>(r[d->rt]);
                if (b == 0) {
                    // Undefined result, no trap. Value as the R3000 divider leaves it.
                    lo_ = a >= 0 ? 0xffffffffu : 1u;
                    hi_ = static_cast<uint32_t>(a);
                } else if (a == INT32_MIN && b == -1) {
                    lo_ = static_cast<uint32_t>(INT32_MIN);
                    hi_ = 0;
                } else {
                    lo_ = static_cast<uint32_t>(a / b);
                    hi_ = static_cast<uint32_t>(a % b);
                }
                hilo_ready_ = cycles + config_.div_latency;
                DISPATCH();
            }
            L_DIVU: {
                const uint32_t a = r[d->rs], b = r[d->rt];
                if (b == 0) {
                    lo_ = 0xffffffffu;
                    hi_ = a;
                } else {
                    lo_ = a / b;
                    hi_ = a % b;
                }
                hilo_ready_ = cycles + config_.div_latency;
                DISPATCH();
            }
            L_ADD: {
                int32_t res;
                if (__builtin_add_overflow(static_cast<int32_t>(r[d->rs]), static_cast<int32_t>(r[d->rt]), &res)) {
                    SLOW(fault(kExcOv));
                    DISPATCH();
                }
                r[d->dest] = static_cast<uint32_t>(res);
                DISPATCH();
            }
            L_ADDU: r[d->dest] = r[d->rs] + r[d->rt]; DISPATCH();
            L_SUB: {
                int32_t res;
                if (__builtin_sub_overflow(static_cast<int32_t>(r[d->rs]), static_cast<int32_t>(r[d->rt]), &res)) {
                    SLOW(fault(kExcOv));
                    DISPATCH();
                }
                r[d->dest] = static_cast<uint32_t>(res);
                DISPATCH();
            }
            L_SUBU: r[d->dest] = r[d->rs] - r[d->rt]; DISPATCH();
            L_AND: r[d->dest] = r[d->rs] & r[d->rt]; DISPATCH();
            L_OR: r[d->dest] = r[d->rs] | r[d->rt]; DISPATCH();
            L_XOR: r[d->dest] = r[d->rs] ^ r[d->rt]; DISPATCH();
            L_NOR: r[d->dest] = ~(r[d->rs] | r[d->rt]); DISPATCH();
            L_SLT: r[d->dest] = static_cast<int32_t>(r[d->rs]) < static_cast<int32_t>(r[d->rt]); DISPATCH();
            L_SLTU: r[d->dest] = r[d->rs] < r[d->rt]; DISPATCH();

            L_BLTZ:
                if (static_cast<int32_t>(r[d->rs]) < 0) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BGEZ:
                if (static_cast<int32_t>(r[d->rs]) >= 0) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BLTZAL: {
                const bool taken = static_cast<int32_t>(r[d->rs]) < 0;
                r[31] = cur + 8;
                if (taken) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            }
            L_BGEZAL: {
                const bool taken = static_cast<int32_t>(r[d->rs]) >= 0;
                r[31] = cur + 8;
                if (taken) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            }
            L_J: npc = ((cur + 4) & 0xf0000000u) | d->imm; nid = true; DISPATCH();
            L_JAL:
                r[31] = cur + 8;
                npc = ((cur + 4) & 0xf0000000u) | d->imm;
                nid = true;
                DISPATCH();
            L_BEQ:
                if (r[d->rs] == r[d->rt]) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BNE:
                if (r[d->rs] != r[d->rt]) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BLEZ:
                if (static_cast<int32_t>(r[d->rs]) <= 0) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();
            L_BGTZ:
                if (static_cast<int32_t>(r[d->rs]) > 0) npc = cur + 4 + d->imm;
                nid = true;
                DISPATCH();

            L_ADDI: {
                int32_t res;
                if (__builtin_add_overflow(static_cast<int32_t>(r[d->rs]), static_cast<int32_t>(d->imm), &res)) {
                    SLOW(fault(kExcOv));
                    DISPATCH();
                }
                r[d->dest] = static_cast<uint32_t>(res);
                DISPATCH();
            }
            L_ADDIU: r[d->dest] = r[d->rs] + d->imm; DISPATCH();
            L_SLTI: r[d->dest] = static_cast<int32_t>(r[d->rs]) < static_cast<int32_t>(d->imm); DISPATCH();
            L_SLTIU: r[d->dest] = r[d->rs] < d->imm; DISPATCH();
            L_ANDI: r[d->dest] = r[d->rs] & d->imm; DISPATCH();
            L_ORI: r[d->dest] = r[d->rs] | d->imm; DISPATCH();
            L_XORI: r[d->dest] = r[d->rs] ^ d->imm; DISPATCH();
            L_LUI: r[d->dest] = d->imm; DISPATCH();

            // CP0. Reads, and writes of registers that steer nothing the loop holds
            // (EntryLo, Index, Context), stay inline; the rest go through exec_cop0().
            // A refill handler is mostly such instructions.
            // In user mode CP0 is usable only with Status.CU0 set.
#define REQUIRE_CP0()                                     \
    if (user_mode() && !(status_ & kStatusCU0)) {         \
        SLOW(fault(kExcCpU, 0));                          \
        DISPATCH();                                       \
    }
            L_MFC0:
                REQUIRE_CP0();
                LOAD_RESULT(d->dest, cp0_at(d->sa, cycles));  // mfc0 has the load delay
                DISPATCH();
            L_MTC0:
                REQUIRE_CP0();
                if (d->sa == kCp0EntryLo || d->sa == kCp0Index || d->sa == kCp0Context)
                    write_cp0(d->sa, r[d->rt]);
                else
                    SLOW(exec_cop0(*d));
                DISPATCH();
            L_TLBR: L_TLBWI: L_TLBWR: L_TLBP:
            L_RFE:
                REQUIRE_CP0();
                SLOW(exec_cop0(*d));
                DISPATCH();
#undef REQUIRE_CP0
            L_COPz:
                // No coprocessor 1-3 is fitted: unusable (CE = its number) unless
                // enabled in Status.CU, and then reserved.
                if (status_ & (kStatusCU0 << d->sa)) SLOW(fault(kExcRI));
                else SLOW(fault(kExcCpU, d->sa));
                DISPATCH();

            // Loads: access, then the (delayed) write of the extended value.
#define LOAD_OP(size, extend)                                     \
    {                                                             \
        uint32_t v;                                               \
        if (!LOAD_MEM(r[d->rs] + d->imm, (size), v)) DISPATCH();  \
        LOAD_RESULT(d->dest, extend(v));                          \
        DISPATCH();                                               \
    }
            L_LB: LOAD_OP(1, sign_extend8)
            L_LBU: LOAD_OP(1, static_cast<uint32_t>)
            L_LH: LOAD_OP(2, sign_extend16)
            L_LHU: LOAD_OP(2, static_cast<uint32_t>)
            L_LW: LOAD_OP(4, static_cast<uint32_t>)
#undef LOAD_OP
            L_LWL: L_LWR: {
                const uint32_t va = r[d->rs] + d->imm;
                uint32_t w;
                if (!LOAD_MEM(va & ~3u, 4, w)) DISPATCH();
                // LWL/LWR merge with an in-flight load of the same register (the R3000
                // forwards it), which is what makes back-to-back lwl/lwr pairs work.
                const uint32_t old = (Exact && (dl >> 32) == d->dest) ? static_cast<uint32_t>(dl) : r[d->rt];
                const unsigned sh = (va & 3) * 8;
                uint32_t v;
                if (d->op == Op::LWL)
                    v = (old & (0x00ffffffu >> sh)) | (w << (24 - sh));
                else
                    v = (sh == 0) ? w : ((old & (0xffffffffu << (32 - sh))) | (w >> sh));
                LOAD_RESULT(d->dest, v);
                DISPATCH();
            }
            L_SB: STORE_MEM(r[d->rs] + d->imm, 1, r[d->rt]); DISPATCH();
            L_SH: STORE_MEM(r[d->rs] + d->imm, 2, r[d->rt]); DISPATCH();
            L_SW: STORE_MEM(r[d->rs] + d->imm, 4, r[d->rt]); DISPATCH();
            L_SWL: L_SWR: {
                // Little-endian partial-word stores: merge into the aligned word.
                const uint32_t va = r[d->rs] + d->imm;
                const unsigned sh = (va & 3) * 8;
                const uint32_t rt = r[d->rt];
                uint32_t bits, keep;
                if (d->op == Op::SWL) {
                    bits = rt >> (24 - sh);
                    keep = sh == 24 ? 0 : 0xffffff00u << sh;
                } else {
                    bits = rt << sh;
                    keep = sh == 0 ? 0 : 0x00ffffffu >> (24 - sh);
                }
                STORE_MERGE(va & ~3u, bits, keep);
                DISPATCH();
            }
            L_RESERVED: SLOW(fault(kExcRI)); DISPATCH();



#undef DISPATCH
#undef FETCH_AND_JUMP
#undef SAVE
#undef LOAD
#undef SLOW
#undef LOAD_RESULT
#undef LOAD_MEM
#undef STORE_MEM
#undef STORE_MERGE
}

template StopReason Cpu::run_loop<true, false>();
template StopReason Cpu::run_loop<false, false>();
template StopReason Cpu::run_loop<true, true>();
template StopReason Cpu::run_loop<false, true>();

}  // namespace vmsim::r3000
