// The x86 MMU: TLBs, paging-structure caches and the hardware page walker, with the control
// registers that steer them. One interface for every driver — an instruction-set simulator, a
// workload compiled for the host, a trace reader:
//
//     Translation t = mmu.translate(linear_address, Access::Write, Privilege::User);
//     if (t.ok()) use t.pa, charge t.cycles; else deliver t.fault (#PF: t.error_code, t.cr2)
//
// Plain C++17 (no SystemC). Section numbers refer to the Intel SDM, Volume 3A (paging.hpp).
//
// What a translation does, in order:
//  1. L1 TLB of the access's side (I-TLB for fetches, D-TLB otherwise), all page sizes. A hit whose
//     cached rights allow the access is the answer (l1_hit_cycles). A hit whose rights forbid it is
//     a #PF from the cached rights, as on hardware. A write that hits an entry filled while the
//     page's D bit was 0 walks again, so that the walker sets D in memory (4.8): a TLB entry
//     remembers whether it was filled dirty.
//  2. On an L1 miss, the second level (stlb_hit_cycles): a hit fills the L1 and is the answer.
//  3. Otherwise a walk. It starts from the deepest paging-structure cache that hits (PDE, then PDPTE,
//     then PML4E, PML5E: 4.10.3.2), else from CR3, and reads one entry per remaining level from
//     physical memory, each read costing what the data-cache hierarchy says (the walk's latency is
//     the sum). At each level: P = 0 ends the walk with a not-present #PF; a reserved bit set ends it
//     with a RSVD #PF (4.7); the rights are ANDed (R/W, U/S) and XD ORed (4.6); a table entry gets
//     A set (4.8) and enters its paging-structure cache. At the leaf the access rights are checked,
//     then A (and D for a write) are set, and the translation fills the second level and the L1.
//  4. A #PF sets CR2 and drops the TLB entries for the page and the paging-structure-cache entries
//     that would translate the address (4.10.4.1, "page faults invalidate"), so a retry walks.
//
// A and D on a faulting walk: table entries the walk used have A set even if a later level faults
// — a paging-structure-cache entry may be created from them before any translation exists, and A is
// set before it is (4.10.3.1) — while the leaf gets A and D only when the access is allowed. (For a
// protection fault the SDM leaves the leaf's A model-specific: Vol. 3A 6.15, "Interrupt 14".)
//
// Walkers. translate() models a core that blocks on each translation: a walk starts when the
// previous access has finished, so every walker is free and their number does not change any
// latency; walker statistics stay at 0. translate_at() is told the cycle the access issues; a
// core that issues several accesses before the first completes (an out-of-order window, a model of
// memory-level parallelism) has its walks overlap up to `walkers` at once, and a walk that finds
// every walker busy waits for the first to finish (the wait is in the latency, walker.waits and
// walker.wait_cycles count it). TLB and cache state change in call order, not in time order.
//
// Not modelled: PAE paging (register values that would select it are refused), SMEP, SMAP,
// protection keys, INVPCID, memory types (PWT/PCD/PAT), VMX/EPT, accesses that span two pages (the
// caller translates each page), and the Pentium's lack of PAT beyond the `pat` feature flag.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "models/common/cache_hierarchy.hpp"
#include "models/common/set_assoc.hpp"
#include "models/x86_64/config.hpp"
#include "models/x86_64/paging.hpp"
#include "models/x86_64/phys_mem.hpp"
#include "models/x86_64/stats.hpp"

namespace vmsim::x86 {

enum class Fault : uint8_t {
    None,
    Page,          // #PF: error_code, cr2
    NonCanonical,  // #GP(0), or #SS(0) for a stack reference: the caller knows which (SDM 3.3.7.1)
    Bus,           // a paging-structure entry lies where no memory answers (pa: its address)
};

struct Translation {
    uint64_t pa = 0;         // the physical address; with Fault::Bus, the entry's address
    uint64_t cr2 = 0;        // Fault::Page: the faulting linear address (CR2 holds it too)
    uint32_t cycles = 0;     // latency the translation added, faults included
    Fault fault = Fault::None;
    uint8_t error_code = 0;  // Fault::Page: kPfP | kPfW | kPfU | kPfRsvd | kPfI
    PageSize page_size = PageSize::k4K;  // Fault::None: the size of the page that maps the address
    bool ok() const { return fault == Fault::None; }
};

class Mmu {
    struct TlbEntry;

public:
    static constexpr uint64_t kUntimed = ~uint64_t{0};

    // Throws std::invalid_argument with config.check()'s sentence. `memory` and `caches` must
    // outlive the Mmu; the caches may be shared with the core's own data references. Starts with
    // paging off (CR0 = CR3 = CR4 = EFER = 0).
    Mmu(const MmuConfig& config, PhysicalMemory& memory, common::CacheHierarchy& caches);

    // Translates a linear address for one access (see the header comment). With paging off the
    // physical address is the linear address. With 32-bit paging or paging off the address is
    // taken modulo 2^32.
    Translation translate(uint64_t la, Access access, Privilege privilege) {
        return translate_at(la, access, privilege, kUntimed);
    }

    // The same, for an access issued at cycle `now` (kUntimed: no walker contention).
    Translation translate_at(uint64_t la, Access access, Privilege privilege, uint64_t now) {
        // The hot path: a non-global 4 KB L1 hit that the access is allowed. A miss in the front
        // way of its set (SetAssoc::lookup()'s first compare) where translate_fixed() applies
        // (fixed_miss_) is translate_fixed(), which does the rest of that lookup compiled for the
        // L1's ways; otherwise the lookup goes on here. Everything else, including a fault, a
        // non-canonical address and paging off, is translate_generic().
        la &= la_mask_;
        const TlbEntry* e = nullptr;
        if (canonical(la)) {
            const unsigned side = access == Access::Fetch ? kInstruction : kData;
            const uint64_t key = ((la >> 12) & vpn_mask_[0]) | tag_key_;
            auto& set = tlbs_[side * kClasses].set;
            if (set.front_tag(key) == key) {  // lookup()'s hit in the front way, which changes nothing
                e = set.front_payload(key);
                if (allows(*e, access, privilege)) return l1_hit(*e, side, la);
            } else if (fixed_miss_[side]) {
                return translate_fixed(la, access, privilege, now);
            } else if ((e = set.lookup(key)) && allows(*e, access, privilege)) {
                return l1_hit(*e, side, la);
            }
        }
        return translate_generic(la, access, privilege, now, e);
    }

    // Repeating an L1 hit without the lookup, for a driver that translates the same page again
    // and again (an ISS's instruction fetch). After a translate(la, access, privilege) that
    // succeeded, repeatable() remembers where that hit is: the front way of the set of the 4 KB L1
    // of the access's side, and the entry there. While no register has been written since
    // (derive()) and that way still holds the same key and entry, translate() of an address in
    // la's page with the same access and privilege would be the hot path's hit in the front way —
    // a hit that changes no replacement state (set_assoc.hpp) — with the same physical page, page
    // size, cycles and hit counter; repeat() checks exactly that and counts the hit. When it
    // returns false nothing has changed: call translate(). A translation that was not such a hit
    // (a global entry, a larger page, an entry deeper in its set) gives a Repeat that never holds.
    class Repeat {
    public:
        uint64_t frame() const { return bits_ & ~uint64_t{0xfff}; }  // the physical page
        uint32_t cycles() const { return cycles_; }                   // what translate() charges
    private:
        friend class Mmu;
        const uint64_t* tag_ = nullptr;
        const uint64_t* entry_ = nullptr;
        uint64_t* hits_ = nullptr;
        uint64_t key_ = 0, bits_ = 0;
        uint64_t derivation_ = ~uint64_t{0};
        uint32_t cycles_ = 0;
    };
    Repeat repeatable(uint64_t la, Access access, Privilege privilege) {
        Repeat r;
        la &= la_mask_;
        if (!canonical(la)) return r;
        const unsigned side = access == Access::Fetch ? kInstruction : kData;
        const auto& set = tlbs_[side * kClasses].set;
        const uint64_t key = ((la >> 12) & vpn_mask_[0]) | tag_key_;
        const TlbEntry* e = set.front_payload(key);
        if (set.front_tag(key) != key || !allows(*e, access, privilege)) return r;
        r.tag_ = set.front_tag_slot(key);
        r.entry_ = &e->bits;
        r.hits_ = &(side == kInstruction ? stats_.itlb : stats_.dtlb).hits[static_cast<unsigned>(e->page())];
        r.key_ = key;
        r.bits_ = e->bits;
        r.derivation_ = derivation_;
        r.cycles_ = config_.l1_hit_cycles;
        return r;
    }
    bool repeat(const Repeat& r) {
        if (r.derivation_ != derivation_ || *r.tag_ != r.key_ || *r.entry_ != r.bits_) return false;
        ++*r.hits_;
        return true;
    }

    // A hint to the host, no part of the model: an access to `la` is coming, so start bringing into
    // the host's caches the paging-structure entry that the last walk for its page read last (its
    // leaf: the tables above it are a 512th of its size and stay in the host's caches), the line
    // of `la` in the page that the driver last noted for it (note_access), and the cache model's
    // sets for both lines. A driver that knows its next address early (a trace reader, a core
    // before its own bookkeeping) calls it; results do not change.
    [[gnu::always_inline]] void prefetch_walk(uint64_t la) const {
        const HostHint h = host_hint_[(la >> 12) & (kHostHints - 1)];
        if (h.entry_line) prefetch_line(uint64_t{h.entry_line} << 6);
        if (h.page) prefetch_line((uint64_t{h.page} << 12) | (la & 0xfff));
    }
    // A hint further ahead than prefetch_walk(la): only the host's line of the hints for `la`, so
    // that prefetch_walk(la), called later, does not wait for it. No part of the model.
    [[gnu::always_inline]] void prefetch_hint(uint64_t la) const {
        __builtin_prefetch(&host_hint_[(la >> 12) & (kHostHints - 1)]);
    }
    // For prefetch_walk(): an access to `la` went to physical `pa`. No part of the model.
    void note_access(uint64_t la, uint64_t pa) {
        host_hint_[(la >> 12) & (kHostHints - 1)].page = (pa >> 12) >> 32 ? 0 : static_cast<uint32_t>(pa >> 12);
    }

    // Register writes (MOV to CR0/CR3/CR4, WRMSR to IA32_EFER), with the TLB and paging-structure-
    // cache invalidations they imply (4.10.4.1). Each returns false, changing nothing, for a value
    // the CPU would refuse with #GP (a feature the configuration lacks, CR3 bits above MAXPHYADDR
    // while CR4.PAE = 1, CR4.PCIDE set outside IA-32e mode or with CR3[11:0] != 0, LME or LA57
    // changed with paging on, PAE cleared in IA-32e mode) and for one that would select PAE paging.
    // With CR4.PAE = 0, CR3 keeps bits 31:0. EFER.LMA is derived (LME and PG) and ignored in a
    // written value.
    bool write_cr0(uint64_t value);
    bool write_cr3(uint64_t value);
    bool write_cr4(uint64_t value);
    bool write_efer(uint64_t value);

    // INVLPG: drops every TLB entry (any page size, fractured entries included) for the page of
    // `la` that belongs to the current PCID or is global, and every paging-structure-cache entry of
    // the current PCID whatever its address (4.10.4.1). A non-canonical address is a no-op.
    void invlpg(uint64_t la);

    uint64_t cr0() const { return cr0_; }
    uint64_t cr2() const { return cr2_; }
    uint64_t cr3() const { return cr3_; }
    uint64_t cr4() const { return cr4_; }
    uint64_t efer() const { return efer_; }
    PagingMode mode() const { return mode_; }
    uint16_t pcid() const { return static_cast<uint16_t>(pcid_); }

    const MmuConfig& config() const { return config_; }
    const MmuStats& stats() const { return stats_; }
    void reset_stats() { stats_ = MmuStats{}; }

private:
    static constexpr unsigned kData = 0, kInstruction = 1;
    // Size classes: what one TLB structure's entries cover. Class 1 is 2 MB in long mode, 4 MB
    // with 32-bit paging.
    static constexpr unsigned kClasses = 3;
    static constexpr unsigned kStlb = 2 * kClasses, kStlb1g = kStlb + 1, kTlbs = kStlb1g + 1;
    static constexpr unsigned kMaxLevels = 5;

    // A key is [tag 59:47][size class 46:45][page number 44:0]: the page number of the linear address
    // at the structure's size (45 bits: 57-bit addresses), the size class, and the PCID — or
    // kGlobalTag for a global entry, which every PCID matches. The page number's low bits choose
    // the set, as a hardware TLB indexes by the page number of its size.
    static constexpr unsigned kClassShift = 45, kTagShift = 47;
    static constexpr uint64_t kGlobalTag = 0x1000;

    // Rights an entry grants, ANDed over the walk, plus whether the page was dirty when cached.
    static constexpr uint8_t kPermW = 1, kPermU = 2, kPermX = 4, kPermD = 8;

    // One word, so that the LRU reordering of a set moves 8 bytes per way: the physical address of
    // the start of what the entry covers (bits 63:12), the size of the page the paging structures
    // map (5:4; larger than the entry if fractured) and the rights (3:0).
    struct TlbEntry {
        uint64_t bits;
        static TlbEntry make(uint64_t frame, uint8_t perm, PageSize page) {
            return TlbEntry{frame | (uint64_t{static_cast<uint8_t>(page)} << 4) | perm};
        }
        uint64_t frame() const { return bits & ~uint64_t{0xfff}; }
        uint8_t perm() const { return static_cast<uint8_t>(bits & 0xf); }
        PageSize page() const { return static_cast<PageSize>((bits >> 4) & 3); }
    };
    using TlbSet = common::SetAssoc<uint64_t, TlbEntry>;
    struct Tlb {
        TlbSet set;
        bool present;
        uint8_t classes;          // size classes it may hold (bit per class)
        uint8_t filled = 0;       // size classes filled since it was last emptied: others need no lookup
        bool fractured = false;   // holds an entry for part of a larger page
    };
    // The physical address of the next paging structure (63:12) and the rights ANDed down to and
    // including the cached entry (3:0).
    struct PscEntry {
        uint64_t bits;
        uint64_t table() const { return bits & ~uint64_t{0xfff}; }
        uint8_t perm() const { return static_cast<uint8_t>(bits & 0xf); }
    };
    using PscSet = common::SetAssoc<uint64_t, PscEntry>;
    struct Psc {
        PscSet set;
        bool present;
    };
    // A translation as the TLBs receive it.
    struct Mapping {
        uint64_t frame;  // physical address of the page
        PageSize page;
        uint8_t perm;
        bool global;
    };
    struct Hit {
        const TlbEntry* entry = nullptr;
        unsigned cls = 0;
        bool global = false;
    };
    struct Walk {
        bool ok = false;
        bool bus = false;
        uint8_t error_code = 0;
        uint64_t bus_pa = 0;
        Mapping mapping{};
        uint32_t cycles = 0;
        unsigned refs = 0;
    };

    // Geometries the miss path is compiled for (G below): with GenericGeometry every value comes
    // from the configuration and the registers; a fixed one is 4-level paging with 4 KB L1s, an
    // STLB and paging-structure caches of packed sets with these ways (SetAssoc::lookup_fixed),
    // used when the configuration has them (fixed_geometry_) and the paging mode is long4.
    struct GenericGeometry {
        static constexpr bool kFixed = false;
        static constexpr unsigned kDtlb = 0, kItlb = 0, kStlb = 0, kPde = 0, kPdpte = 0, kPml4e = 0;
    };
    struct SkylakeGeometry {  // configs/machines/skylake.cfg
        static constexpr bool kFixed = true;
        static constexpr unsigned kDtlb = 4, kItlb = 8, kStlb = 12, kPde = 4, kPdpte = 4, kPml4e = 2;
    };

    // translate_at()'s answer for an entry of the 4 KB L1 of `side` that allows the access.
    [[gnu::always_inline]] Translation l1_hit(const TlbEntry& e, unsigned side, uint64_t la) {
        ++(side == kInstruction ? stats_.itlb : stats_.dtlb).hits[static_cast<unsigned>(e.page())];
        Translation t;
        t.pa = e.frame() | (la & 0xfff);
        t.cycles = config_.l1_hit_cycles;
        t.page_size = e.page();
        return t;
    }
    bool allows(const TlbEntry& e, Access access, Privilege privilege) const {
        const uint8_t need = need_[static_cast<unsigned>(access)][static_cast<unsigned>(privilege)];
        return (e.perm() & need) == need;
    }
    // `l1_4k`: what the lookup of the 4 KB L1 of the access's side for the current PCID found (null:
    // nothing, or the address is not canonical); nothing has changed since. Out of line, as is
    // translate_fixed(), so that translate_at() keeps few registers to save.
    [[gnu::noinline]] Translation translate_generic(uint64_t la, Access access, Privilege privilege, uint64_t now,
                                                    const TlbEntry* l1_4k);
    // translate_at() of a canonical address past the 4 KB L1's front compare, in a fixed geometry G
    // with 4-level paging where only the STLB's 4 KB entries can hold a page that the 4 KB L1 lacks
    // (fixed_miss_): the rest of the L1's lookup, then the miss, with the structures' set
    // operations and the walk compiled for G. Flattened: every call in it is inlined but those
    // marked noinline (the rare paths), whatever the compiler's limits on the growth of mmu.cpp,
    // which it reaches before this function's.
    //
    // One function for each access and privilege (translate_fixed_for), which are then constants
    // in the code: a caller of translate() with constant ones (a core's load, store or fetch)
    // calls its function directly, others after a test or two. (GUPS: 47 host instructions an
    // update fewer than with both as arguments, docs/performance.md.)
    [[gnu::always_inline]] Translation translate_fixed(uint64_t la, Access access, Privilege privilege, uint64_t now) {
        if (privilege == Privilege::User) return translate_fixed_for<Privilege::User>(la, access, now);
        return translate_fixed_for<Privilege::Supervisor>(la, access, now);
    }
    template <Privilege P>
    [[gnu::always_inline]] Translation translate_fixed_for(uint64_t la, Access access, uint64_t now) {
        using G = SkylakeGeometry;
        if (access == Access::Read) return translate_fixed<G, Access::Read, P>(la, now);
        if (access == Access::Write) return translate_fixed<G, Access::Write, P>(la, now);
        return translate_fixed<G, Access::Fetch, P>(la, now);
    }
    template <class G, Access A, Privilege P>
    [[gnu::noinline, gnu::flatten]] Translation translate_fixed(uint64_t la, uint64_t now);
    // An entry `h` of the second level for an access that missed the L1, `cycles` so far: true, with
    // `t` the answer, when its rights allow the access (the L1 is filled) or forbid it (a #PF); false
    // when it is allowed but cached clean, and a walk must set D.
    template <class G>
    bool second_level_hit(uint64_t la, Access access, Privilege privilege, const Hit& h, uint32_t cycles,
                          Translation& t);
    // The part of a translation after its walk: statistics and the walker's time, then
    // finish_walk(): a fault, or the fills and the answer. `cycles`: the translation's so far.
    // `h` (a fixed G): the hashed 4 KB key of la that the L1 and the STLB missed.
    template <class G>
    [[gnu::always_inline]] inline Translation after_walk(uint64_t la, Access access, uint64_t now, uint32_t cycles,
                           bool l1_missed, bool second_missed, const Walk& w, const TlbSet::Hashed* h);
    [[gnu::always_inline]] inline Translation finish_walk(uint64_t la, Access access, uint32_t cycles, bool l1_missed,
                                                          bool second_missed, const Walk& w);
    [[gnu::noinline]] Translation finish_walk_call(uint64_t la, Access access, uint32_t cycles, bool l1_missed,
                                                   bool second_missed, Walk w);
    // The walk for every paging mode and geometry: the paging-structure caches' probes from the
    // level `first_probe` up (walk_fixed() has made those below), then the reads in a loop.
    [[gnu::noinline]] Walk walk(uint64_t la, Access access, Privilege privilege, unsigned first_probe = 2);
    // The walk of a fixed geometry (4-level paging, 8-byte entries), inlined into
    // translate_fixed(): the same reads, writes, cache-model references, paging-structure-cache
    // operations and statistics as walk(), in the same order, with the probes and the reads of
    // levels 2 and 1 compiled for their level (walk_level) and the walk's state in registers.
    template <class G>
    [[gnu::always_inline]] inline Walk walk_fixed(uint64_t la, Access access, Privilege privilege);
    // The state walk_fixed() carries from level to level.
    struct FixedWalk {
        uint64_t table;    // the physical address of the table the level reads
        uint64_t last_pa;  // the entry read last
        uint8_t perm;      // rights ANDed so far
        PscSet::Hashed pde;  // the PDE cache's key for la, which the walk's lookup missed or hit
    };
    // Level L (2 or 1) of walk_fixed(): true when the entry references the next table (the walk
    // goes on), false when the walk has ended (w has its outcome).
    template <class G, unsigned L>
    [[gnu::always_inline]] inline bool walk_level(uint64_t la, Access access, Privilege privilege, FixedWalk& s,
                                                  Walk& w);
    // An entry of `bytes` (entry_bytes_) at `pa`; false when no memory answers there.
    bool read_entry(uint64_t pa, unsigned bytes, uint64_t& entry) {
        if (const uint8_t* host = memory_.direct(pa, bytes)) {
            if (bytes == 8) {
                std::memcpy(&entry, host, 8);
            } else {
                uint32_t e32;
                std::memcpy(&e32, host, 4);
                entry = e32;
            }
            return true;
        }
        if (bytes == 8) return memory_.read64(pa, entry);
        uint32_t e32 = 0;
        const bool ok = memory_.read32(pa, e32);
        entry = e32;
        return ok;
    }
    // Sets `bits` in the entry at `pa` (in memory and in `entry`); returns the write's cycles.
    [[gnu::noinline]] uint32_t set_bits(uint64_t pa, uint64_t& entry, uint64_t bits);
    uint64_t leaf_frame(uint64_t entry, unsigned level) const;
    [[gnu::noinline]] uint32_t claim_walker(uint64_t start, uint32_t walk_cycles);
    Translation page_fault(uint64_t la, uint8_t error_code, uint32_t cycles);

    Hit find(Tlb& tlb, unsigned cls, uint64_t la, bool own);
    Hit find_l1(unsigned side, uint64_t la, const TlbEntry* l1_4k);
    Hit find_second_level(uint64_t la);
    // `absent`: the caller looked the structure up for `la` (find_l1, find_second_level) and
    // missed, and nothing has filled it since: the fill needs no search for the key.
    void fill(Tlb& tlb, unsigned cls, uint64_t la, const Mapping& m, bool absent);
    template <class G = GenericGeometry>
    [[gnu::always_inline]] inline void fill_l1(unsigned side, uint64_t la, const Mapping& m, bool absent);
    void fill_l1_any(unsigned side, uint64_t la, const Mapping& m, bool absent);
    void fill_second_level(uint64_t la, const Mapping& m, bool absent);

    void drop_page(uint64_t la);     // TLB entries for la's page: current PCID and global
    void drop_psc_for(uint64_t la);  // paging-structure-cache entries that translate la
    void drop_tag(uint64_t tag);     // non-global TLB and PSC entries of one PCID
    void flush_all();
    bool derive();  // recomputes everything below from the registers; true if the paging mode changed
    void derive_lookups();

    uint64_t key(uint64_t la, unsigned cls, uint64_t tag) const {
        return ((la >> class_shift_[cls]) & vpn_mask_[cls]) | (uint64_t{cls} << kClassShift) | (tag << kTagShift);
    }
    // key(la, 0, pcid_) with 4-level paging (the fixed geometries' mode): the 4 KB page number of a
    // 48-bit address, 36 bits.
    uint64_t key4k(uint64_t la) const { return ((la >> 12) & ((uint64_t{1} << 36) - 1)) | tag_key_; }
    uint64_t psc_key(uint64_t la, unsigned level) const {
        return ((la >> level_shift_[level]) & region_mask_[level]) | (pcid_ << kTagShift);
    }
    bool canonical(uint64_t la) const {
        return static_cast<uint64_t>(static_cast<int64_t>(la << canon_shift_) >> canon_shift_) == la;
    }
    static unsigned class_of(PageSize page) { return page == PageSize::k4K ? 0 : page == PageSize::k1G ? 2 : 1; }

    MmuConfig config_;
    PhysicalMemory& memory_;
    common::CacheHierarchy& caches_;
    // Copies of memory_'s direct window and of what caches_.prefetch() uses, for the walk's reads
    // (walk_level) and the host hints (prefetch_line), which are then reached without loading them
    // through the references (12 host instructions a GUPS update). Neither changes after
    // construction. ram_limit8_: an 8-byte entry at pa is in the window when pa < ram_limit8_.
    const uint8_t* ram_ = memory_.direct_base();
    uint64_t ram_size_ = memory_.direct_size();
    uint64_t ram_limit8_ = ram_size_ >= 8 ? ram_size_ - 7 : 0;
    common::CacheHierarchy::HostHints host_hints_ = caches_.host_hints();
    bool caches_lru_8_4_16_ = caches_.compiled_lru_8_4_16();
    std::vector<Tlb> tlbs_;  // [side * kClasses + class] for the L1s, then kStlb, kStlb1g
    std::vector<Psc> psc_;   // [level]; levels 0 and 1 never exist
    std::vector<uint64_t> walker_free_;  // cycle at which each walker finishes its walk
    bool second_level_ = false;          // an STLB or a 1 GB STLB exists
    bool fixed_geometry_ = false;        // the structures are SkylakeGeometry's
    bool fixed_long4_ = false;           // fixed_geometry_ with 4-level paging: translate_fixed applies
    bool any_global_ = false;            // a global entry may be cached
    // [side]: fixed_long4_, and no structure but the STLB's 4 KB entries can hold a page that the
    // side's 4 KB L1 lacks (no global entry, no larger page cached on the side or in the second
    // level): translate_fixed() applies. Recomputed (derive_fixed_miss) wherever those change: a
    // fill(), flush_all(), derive().
    std::array<bool, 2> fixed_miss_{};
    void derive_fixed_miss();

    uint64_t cr0_ = 0, cr2_ = 0, cr3_ = 0, cr4_ = 0, efer_ = 0;

    // Derived from the registers by derive().
    PagingMode mode_ = PagingMode::Off;
    uint64_t la_mask_ = 0xffffffff;
    unsigned canon_shift_ = 0;  // 64 - linear-address width in long mode; 0 when all are canonical
    std::array<unsigned, kClasses> class_shift_{};
    std::array<uint64_t, kClasses> vpn_mask_{};
    uint8_t valid_classes_ = 0;  // size classes a translation can have in this mode
    // Structures to look up, in order (derive_lookups): tlbs_ index and size class.
    struct Lookups {
        unsigned count = 0;
        std::array<uint8_t, 2 * kClasses> tlb{}, cls{};
    };
    std::array<Lookups, 2> l1_lookups_{};  // [side]
    Lookups second_lookups_{};
    unsigned levels_ = 0, entry_bytes_ = 4;
    uint64_t index_mask_ = 0;
    std::array<unsigned, kMaxLevels + 1> level_shift_{};
    std::array<uint64_t, kMaxLevels + 1> region_mask_{};
    std::array<uint64_t, kMaxLevels + 1> rsvd_table_{}, rsvd_leaf_{};
    std::array<bool, kMaxLevels + 1> leaf_ok_{};  // PS = 1 maps a page at this level
    uint64_t table_mask_ = 0;                      // address bits of an entry that references a table
    uint64_t cr3_base_ = 0;
    uint64_t pcid_ = 0, tag_key_ = 0;
    uint64_t derivation_ = 0;  // derive() calls: a Repeat made before the last one is stale
    bool nxe_ = false, pge_ = false;
    uint8_t need_[3][2] = {};      // [access][privilege]: perm bits the access needs (kPermD: write)
    uint8_t fault_bits_[3][2] = {};  // [access][privilege]: W/R, U/S and I/D bits of its #PF

    MmuStats stats_;

    // Host-side hints for prefetch_walk(): per linear page (direct-mapped by page number), the
    // physical line (address / 64) of the last entry its last walk read and the physical page
    // (address / 4 KB) of its last noted access; 0: none, or too far up to fit. One 8-byte slot, so
    // that a hint costs the host one line of a 512 KB table. Stale hints cost a useless prefetch;
    // nothing else reads them.
    struct HostHint {
        uint32_t entry_line = 0;
        uint32_t page = 0;
    };
    static constexpr size_t kHostHints = size_t{1} << 16;
    std::vector<HostHint> host_hint_ = std::vector<HostHint>(kHostHints);
    [[gnu::always_inline]] void prefetch_line(uint64_t pa) const {
        if (pa < ram_size_)  // memory_.direct(pa, 1)
            __builtin_prefetch(ram_ + pa);
        else
            memory_.prefetch(pa);
        host_hints_.prefetch(pa);  // caches_.prefetch(pa)
    }
};

}  // namespace vmsim::x86
