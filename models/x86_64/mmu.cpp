// The MMU's slow paths: the walk, the TLB fills and lookups past the L1 4 KB hit, invalidation
// and the control registers. The rules are in mmu.hpp; each is cited where it is applied.
#include "models/x86_64/mmu.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vmsim::x86 {

namespace {

const MmuConfig& checked(const MmuConfig& config) {
    if (std::string problem = config.check(); !problem.empty()) throw std::invalid_argument(problem);
    return config;
}

// Bits hi..lo set.
constexpr uint64_t bits(unsigned hi, unsigned lo) {
    return hi < lo ? 0 : ((hi == 63 ? ~uint64_t{0} : (uint64_t{1} << (hi + 1)) - 1) & ~((uint64_t{1} << lo) - 1));
}

}  // namespace

Mmu::Mmu(const MmuConfig& config, PhysicalMemory& memory, common::CacheHierarchy& caches)
    : config_(checked(config)), memory_(memory), caches_(caches), walker_free_(config.walkers, 0) {
    const TlbConfig* l1[2][kClasses] = {{&config.dtlb_4k, &config.dtlb_2m, &config.dtlb_1g},
                                        {&config.itlb_4k, &config.itlb_2m, &config.itlb_1g}};
    tlbs_.reserve(kTlbs);
    for (unsigned side : {kData, kInstruction})
        for (unsigned cls = 0; cls < kClasses; ++cls)
            tlbs_.push_back(Tlb{common::SetAssoc<uint64_t, TlbEntry>(l1[side][cls]->tag_store()),
                                l1[side][cls]->present(), static_cast<uint8_t>(1u << cls)});
    const uint8_t stlb_classes = static_cast<uint8_t>((config.stlb_holds_4k ? 1 : 0) | (config.stlb_holds_2m ? 2 : 0) |
                                                      (config.stlb_holds_1g ? 4 : 0));
    tlbs_.push_back(Tlb{common::SetAssoc<uint64_t, TlbEntry>(config.stlb.tag_store()),
                        config.stlb.present() && stlb_classes != 0, stlb_classes});
    tlbs_.push_back(Tlb{common::SetAssoc<uint64_t, TlbEntry>(config.stlb_1g.tag_store()), config.stlb_1g.present(), 4});
    second_level_ = tlbs_[kStlb].present || tlbs_[kStlb1g].present;

    const TlbConfig* psc[kMaxLevels + 1] = {nullptr, nullptr, &config.psc_pde, &config.psc_pdpte, &config.psc_pml4e,
                                            &config.psc_pml5e};
    psc_.reserve(kMaxLevels + 1);
    for (unsigned level = 0; level <= kMaxLevels; ++level) {
        const TlbConfig absent{};
        const TlbConfig& c = psc[level] ? *psc[level] : absent;
        psc_.push_back(Psc{common::SetAssoc<uint64_t, PscEntry>(c.tag_store()), c.present()});
    }
    using G = SkylakeGeometry;
    auto packed = [](const auto& structure, unsigned ways) { return structure.present && structure.set.packed_ways() == ways; };
    fixed_geometry_ = config.compiled_paths && packed(tlbs_[kData * kClasses], G::kDtlb) && packed(tlbs_[kInstruction * kClasses], G::kItlb) &&
                      packed(tlbs_[kStlb], G::kStlb) && (tlbs_[kStlb].classes & 1) && packed(psc_[2], G::kPde) &&
                      packed(psc_[3], G::kPdpte) && packed(psc_[4], G::kPml4e);
    if (fixed_geometry_) {
        // The compiled miss path reaches the STLB and the PDE cache past a miss in the L1 (or in
        // every TLB), and with a large working set they mostly miss: they keep no entry in way 0
        // in particular (SetAssocConfig::front), so that a fill writes the victim's way instead
        // of moving way 0's entry there. The same hits, misses and victims either way; besides
        // the compiled path, lookup(), insert(), fill() and the invalidations use them, and the
        // front compares (translate_at, repeatable) are the 4 KB L1s'. Not for the generic
        // presets: their STLB serves 2 MB pages, which hit first in order, one compare in front.
        common::SetAssocConfig stlb_store = tlbs_[kStlb].set.config(), pde_store = psc_[2].set.config();
        stlb_store.front = pde_store.front = false;
        tlbs_[kStlb].set = common::SetAssoc<uint64_t, TlbEntry>(stlb_store);
        psc_[2].set = common::SetAssoc<uint64_t, PscEntry>(pde_store);
    }
    derive();  // paging off: nothing to flush
}

// ---- translation ---------------------------------------------------------------------------------

template <class G, Access A, Privilege P>
Translation Mmu::translate_fixed(uint64_t la, uint64_t now) {
    constexpr Access access = A;
    constexpr Privilege privilege = P;
    // The 4 KB L1's lookup, compiled for its ways (translate_at() has compared the front way).
    const unsigned side = access == Access::Fetch ? kInstruction : kData;
    Tlb* const l1 = &tlbs_[side * kClasses];
    // The L1 and the STLB key a 4 KB page alike: one hash serves their lookups and fills.
    const TlbSet::Hashed h = TlbSet::hash(key4k(la));
    TlbEntry* const e = side == kData ? l1->set.template lookup_fixed<G::kDtlb>(h)
                                      : l1->set.template lookup_fixed<G::kItlb>(h);
    if (e) {
        if (allows(*e, access, privilege)) return l1_hit(*e, side, la);
        return translate_generic(la, access, privilege, now, e);
    }
    // The case most misses of a large 4 KB working set are: the 4 KB L1 missed, and no structure but
    // the STLB's 4 KB entries can hold the page (fixed_miss_). With the structures the geometry has,
    // what follows does what translate_generic() would, in the same order, with their set
    // operations inlined.
    const uint32_t cycles = config_.l1_hit_cycles + config_.stlb_hit_cycles;
    bool second_missed = true;
    if (Tlb& stlb = tlbs_[kStlb]; stlb.filled & 1) {  // find(): an empty class needs no lookup
        if (TlbEntry* e2 = stlb.set.template lookup_fixed_no_front<G::kStlb>(h)) {
            Translation t;
            if (second_level_hit<G>(la, access, privilege, Hit{e2, 0, false}, cycles, t)) return t;
            second_missed = false;
        }
    }
    // The walk touches the paging-structure caches and the cache model, never a TLB: after a miss
    // the fills of the STLB and the L1 can take the set and fingerprint of their lookups (h).
    return after_walk<G>(la, access, now, cycles, true, second_missed, walk_fixed<G>(la, access, privilege), &h);
}
// translate_at(), in the header, calls it.
#define VMSIM_TRANSLATE_FIXED(A, P) \
    template Translation Mmu::translate_fixed<Mmu::SkylakeGeometry, Access::A, Privilege::P>(uint64_t, uint64_t);
VMSIM_TRANSLATE_FIXED(Read, User)
VMSIM_TRANSLATE_FIXED(Write, User)
VMSIM_TRANSLATE_FIXED(Fetch, User)
VMSIM_TRANSLATE_FIXED(Read, Supervisor)
VMSIM_TRANSLATE_FIXED(Write, Supervisor)
VMSIM_TRANSLATE_FIXED(Fetch, Supervisor)
#undef VMSIM_TRANSLATE_FIXED

template <class G>
bool Mmu::second_level_hit(uint64_t la, Access access, Privilege privilege, const Hit& h, uint32_t cycles,
                           Translation& t) {
    const unsigned a = static_cast<unsigned>(access), p = static_cast<unsigned>(privilege);
    const unsigned side = access == Access::Fetch ? kInstruction : kData;
    TlbStats& l1_stats = side == kInstruction ? stats_.itlb : stats_.dtlb;
    const uint8_t need = need_[a][p];
    const Mapping m{h.entry->frame(), h.entry->page(), h.entry->perm(), h.global};
    if ((m.perm & need) == need) {
        ++stats_.stlb.hits[static_cast<unsigned>(m.page)];
        t.pa = m.frame | (la & ((uint64_t{1} << class_shift_[h.cls]) - 1));
        t.page_size = m.page;
        ++l1_stats.misses[static_cast<unsigned>(m.page)];
        fill_l1<G>(side, la, m, true);
        t.cycles = cycles;
        stats_.miss_cycles += cycles;
        return true;
    }
    // The rights cached with an entry are those of the walk that filled it (4.10.2.2); a hit that
    // they forbid faults without a walk, and that fault drops the entry (4.10.4.1).
    if ((m.perm & need & ~kPermD) != (need & ~kPermD)) {
        ++stats_.tlb_faults;
        ++l1_stats.misses_faulted;
        stats_.miss_cycles += cycles;
        t = page_fault(la, fault_bits_[a][p] | kPfP, cycles);
        return true;
    }
    ++stats_.dirty_rewalks;  // allowed, but cached clean: walk to set D (4.8)
    return false;
}

Translation Mmu::translate_generic(uint64_t la, Access access, Privilege privilege, uint64_t now,
                                   const TlbEntry* l1_4k) {
    Translation t;
    if (mode_ == PagingMode::Off) {
        t.pa = la;  // already taken modulo 2^32
        return t;
    }
    if (!canonical(la)) {
        // Long mode checks canonical form before paging (SDM 3.3.7.1): #GP or #SS, never #PF.
        ++stats_.non_canonical;
        t.fault = Fault::NonCanonical;
        return t;
    }
    const unsigned a = static_cast<unsigned>(access), p = static_cast<unsigned>(privilege);
    const unsigned side = access == Access::Fetch ? kInstruction : kData;
    TlbStats& l1_stats = side == kInstruction ? stats_.itlb : stats_.dtlb;
    const uint8_t need = need_[a][p];
    const uint8_t rights = need & ~kPermD;
    uint32_t cycles = config_.l1_hit_cycles;
    bool l1_missed = false, second_missed = false;

    // The rights cached with an entry are those of the walk that filled it (4.10.2.2); a hit that
    // they forbid faults without a walk, and that fault drops the entry (4.10.4.1).
    auto from_entry = [&](const Hit& h) -> bool {
        if ((h.entry->perm() & need) == need) {
            ++l1_stats.hits[static_cast<unsigned>(h.entry->page())];
            t.pa = h.entry->frame() | (la & ((uint64_t{1} << class_shift_[h.cls]) - 1));
            t.page_size = h.entry->page();
            return true;
        }
        return false;
    };

    // Past translate_at()'s own lookup, an L1 can hold the page only if an L1 of a larger size class
    // of this side has been filled or a global entry may exist (find_l1 looks up nothing else):
    // mostly not, with 4 KB pages, and then the call is skipped.
    const Tlb* l1 = &tlbs_[side * kClasses];
    const bool l1_may_hit = l1_4k || any_global_ || l1[1].filled || l1[2].filled;
    if (Hit h = l1_may_hit ? find_l1(side, la, l1_4k) : Hit{}; h.entry) {
        if (from_entry(h)) {
            t.cycles = cycles;
            return t;
        }
        if ((h.entry->perm() & rights) != rights) {
            ++stats_.tlb_faults;
            stats_.miss_cycles += cycles;
            return page_fault(la, fault_bits_[a][p] | kPfP, cycles);
        }
        ++stats_.dirty_rewalks;  // allowed, but cached clean: walk to set D (4.8)
    } else {
        l1_missed = true;
        if (second_level_) {
            cycles += config_.stlb_hit_cycles;
            if (Hit h2 = find_second_level(la); h2.entry) {
                if (second_level_hit<GenericGeometry>(la, access, privilege, h2, cycles, t)) return t;
            } else {
                second_missed = true;
            }
        }
    }

    return after_walk<GenericGeometry>(la, access, now, cycles, l1_missed, second_missed,
                                       walk(la, access, privilege), nullptr);
}

template <class G>
inline Translation Mmu::after_walk(uint64_t la, Access access, uint64_t now, uint32_t cycles,
                            bool l1_missed, bool second_missed, const Walk& w, const TlbSet::Hashed* h) {
    ++stats_.walks;
    stats_.walk_cycles += w.cycles;
    stats_.walk_refs += w.refs;
    ++stats_.walks_by_refs[std::min<unsigned>(w.refs, kMaxLevels)];
    if (now != kUntimed) cycles += claim_walker(now + cycles, w.cycles);
    cycles += w.cycles;
    stats_.miss_cycles += cycles;
    if constexpr (G::kFixed) {
        // What finish_walk() does with a 4 KB page, non-global, after misses in the L1 and the STLB
        // (which then hold no entry for it: filled without a search), with the fixed geometry's set
        // operations. Other
        // outcomes take finish_walk(), out of line, so that w stays in registers here.
        const Mapping& m = w.mapping;
        if (w.ok && l1_missed && second_missed && m.page == PageSize::k4K && !m.global) {
            const bool fetch = access == Access::Fetch;
            ++(fetch ? stats_.itlb : stats_.dtlb).misses[0];
            ++stats_.stlb.misses[0];
            const TlbEntry e = TlbEntry::make(m.frame, m.perm, PageSize::k4K);
            Tlb* const tlbs = tlbs_.data();
            tlbs[kStlb].filled |= 1;
            tlbs[kStlb].set.template insert_fixed_no_front<G::kStlb>(*h, e);
            if (fetch) {
                tlbs[kInstruction * kClasses].filled |= 1;
                tlbs[kInstruction * kClasses].set.template insert_fixed<G::kItlb>(*h, e);
            } else {
                tlbs[kData * kClasses].filled |= 1;
                tlbs[kData * kClasses].set.template insert_fixed<G::kDtlb>(*h, e);
            }
            Translation t;
            t.pa = m.frame | (la & 0xfff);
            t.cycles = cycles;
            return t;
        }
        return finish_walk_call(la, access, cycles, l1_missed, second_missed, w);
    } else {
        return finish_walk(la, access, cycles, l1_missed, second_missed, w);
    }
}

Translation Mmu::finish_walk_call(uint64_t la, Access access, uint32_t cycles, bool l1_missed, bool second_missed,
                                  Walk w) {
    return finish_walk(la, access, cycles, l1_missed, second_missed, w);
}

inline Translation Mmu::finish_walk(uint64_t la, Access access, uint32_t cycles, bool l1_missed, bool second_missed,
                                    const Walk& w) {
    const unsigned side = access == Access::Fetch ? kInstruction : kData;
    TlbStats& l1_stats = side == kInstruction ? stats_.itlb : stats_.dtlb;
    Translation t;
    if (!w.ok) {
        if (l1_missed) ++l1_stats.misses_faulted;
        if (second_missed) ++stats_.stlb.misses_faulted;
        if (w.bus) {
            ++stats_.bus_errors;
            t.fault = Fault::Bus;
            t.pa = w.bus_pa;
            t.cycles = cycles;
            return t;
        }
        ++stats_.walk_faults;
        return page_fault(la, w.error_code, cycles);
    }
    const Mapping& m = w.mapping;
    if (l1_missed) ++l1_stats.misses[static_cast<unsigned>(m.page)];
    if (second_missed) ++stats_.stlb.misses[static_cast<unsigned>(m.page)];
    // A structure that was looked up and missed cannot hold the page: fill without a search.
    fill_second_level(la, m, second_missed);
    fill_l1_any(side, la, m, l1_missed);
    t.pa = m.frame | (la & ((uint64_t{1} << page_shift(m.page)) - 1));
    t.page_size = m.page;
    t.cycles = cycles;
    return t;
}

Translation Mmu::page_fault(uint64_t la, uint8_t error_code, uint32_t cycles) {
    ++stats_.page_faults[error_code & 0x1f];
    cr2_ = la;
    // "A page-fault exception resulting from an attempt to use a linear address will invalidate any
    // TLB entries that are for a page number corresponding to that linear address and that are
    // associated with the current PCID. It also invalidates all entries in the paging-structure
    // caches that would be used for that linear address" (4.10.4.1): a retry walks.
    drop_page(la);
    drop_psc_for(la);
    Translation t;
    t.fault = Fault::Page;
    t.error_code = error_code;
    t.cr2 = la;
    t.cycles = cycles;
    return t;
}

uint32_t Mmu::claim_walker(uint64_t start, uint32_t walk_cycles) {
    auto w = std::min_element(walker_free_.begin(), walker_free_.end());
    const uint64_t begin = std::max(start, *w);
    const uint32_t wait = static_cast<uint32_t>(begin - start);
    if (wait > 0) {
        ++stats_.walker_waits;
        stats_.walker_wait_cycles += wait;
    }
    *w = begin + walk_cycles;
    return wait;
}

// ---- the walk --------------------------------------------------------------------------------------

Mmu::Walk Mmu::walk(uint64_t la, Access access, Privilege privilege, unsigned first_probe) {
    const unsigned levels = levels_;
    unsigned level = levels;
    uint64_t table = cr3_base_;
    uint8_t perm = kPermW | kPermU | kPermX;

    // The deepest paging-structure cache that holds an entry for this address skips the levels above
    // it, with the rights ANDed down to it (4.10.3.2).
    for (unsigned l = first_probe; l <= levels; ++l) {
        if (!psc_[l].present) continue;
        if (const PscEntry* e = psc_[l].set.lookup(psc_key(la, l))) {
            ++stats_.psc_hits[l];
            table = e->table();
            perm = e->perm();
            level = l - 1;
            break;
        }
        ++stats_.psc_misses[l];
    }

    Walk w;
    const unsigned a = static_cast<unsigned>(access), p = static_cast<unsigned>(privilege);
    const unsigned entry_bytes = entry_bytes_;
    const uint64_t index_mask = index_mask_;
    uint32_t& hint = host_hint_[(la >> 12) & (kHostHints - 1)].entry_line;
    for (;;) {
        const uint64_t pa = table + ((la >> level_shift_[level]) & index_mask) * entry_bytes;
        hint = (pa >> 6) >> 32 ? 0 : static_cast<uint32_t>(pa >> 6);  // the last entry read: the leaf's when the walk succeeds
        const common::CacheHierarchy::Access ref = caches_.access(pa);
        w.cycles += ref.cycles;
        ++w.refs;
        ++stats_.walk_refs_served[static_cast<unsigned>(ref.level)];
        uint64_t entry = 0;
        if (!read_entry(pa, entry_bytes, entry)) {
            w.bus = true;
            w.bus_pa = pa;
            return w;
        }
        // Not present: no reserved-bit check, and P = 0 in the error code (4.7).
        if (!(entry & kPteP)) {
            w.error_code = fault_bits_[a][p];
            return w;
        }
        const bool leaf = level == 1 || ((entry & kPtePs) && leaf_ok_[level]);
        if (entry & (leaf ? rsvd_leaf_[level] : rsvd_table_[level])) {
            w.error_code = fault_bits_[a][p] | kPfP | kPfRsvd;  // RSVD only with P (4.7)
            return w;
        }
        // Rights: R/W and U/S ANDed, XD ORed over every level (4.6).
        perm &= static_cast<uint8_t>(((entry & kPteRw) ? kPermW : 0) | ((entry & kPteUs) ? kPermU : 0) |
                                     ((entry & kPteXd) ? 0 : kPermX));
        if (!leaf) {
            if (!(entry & kPteA)) w.cycles += set_bits(pa, entry, kPteA);  // A on every level used (4.8)
            const uint64_t next = entry & table_mask_;
            // The lookups above missed every level below the one that hit (or all of them), this
            // one included, and nothing has filled a paging-structure cache since.
            if (psc_[level].present) psc_[level].set.insert(psc_key(la, level), PscEntry{next | perm});
            table = next;
            --level;
            continue;
        }
        const uint8_t rights = need_[a][p] & ~kPermD;
        if ((perm & rights) != rights) {
            w.error_code = fault_bits_[a][p] | kPfP;
            return w;
        }
        // A on the leaf; D on the first write (4.8).
        const uint64_t want = kPteA | (access == Access::Write ? kPteD : 0);
        if ((entry & want) != want) w.cycles += set_bits(pa, entry, want & ~entry);
        const PageSize page = level == 1 ? PageSize::k4K
                              : level == 3 ? PageSize::k1G
                              : mode_ == PagingMode::Legacy ? PageSize::k4M
                                                            : PageSize::k2M;
        w.ok = true;
        w.mapping = Mapping{leaf_frame(entry, level), page, static_cast<uint8_t>(perm | ((entry & kPteD) ? kPermD : 0)),
                            pge_ && (entry & kPteG) != 0};  // G only in a leaf, only with CR4.PGE (4.10.2.4)
        return w;
    }
}

// walk() for 4-level paging with 8-byte entries (Long4: the paging-structure caches' keys are the
// address's bits 47 .. 12 + 9 (L - 1) and the PCID), the probes and the last two levels unrolled.
// The geometry guarantees that every paging-structure cache exists.
template <class G>
inline Mmu::Walk Mmu::walk_fixed(uint64_t la, Access access, Privilege privilege) {
    Psc* const psc = psc_.data();
    const uint64_t tag = tag_key_;
    // The probes of walk(), deepest first (4.10.3.2), each level's set operations compiled for
    // its ways. A hit in the PDE or PDPTE cache (nearly every walk of a working set under 512 GB)
    // reads the levels below it here; otherwise walk() goes on from the PML4E cache's probe.
    // The PDE cache's key, hashed once for its lookup and, after a miss, its fill (walk_level<2>):
    // nothing in between touches that structure.
    FixedWalk s{0, 0, 0, PscSet::hash(((la >> 21) & bits(26, 0)) | tag)};
    bool from_pde;
    if (const PscEntry* e = psc[2].set.template lookup_fixed_no_front<G::kPde>(s.pde)) {
        ++stats_.psc_hits[2];
        s.table = e->table();
        s.perm = e->perm();
        from_pde = true;
    } else {
        ++stats_.psc_misses[2];
        const PscEntry* e3 = psc[3].set.template lookup_fixed<G::kPdpte>(((la >> 30) & bits(17, 0)) | tag);
        if (!e3) {
            ++stats_.psc_misses[3];
            return walk(la, access, privilege, 4);
        }
        ++stats_.psc_hits[3];
        s.table = e3->table();
        s.perm = e3->perm();
        from_pde = false;
    }
    Walk w;
    if (from_pde || walk_level<G, 2>(la, access, privilege, s, w)) walk_level<G, 1>(la, access, privilege, s, w);
    // walk() stores the hint at each read; only the last one's stays.
    host_hint_[(la >> 12) & (kHostHints - 1)].entry_line =
        (s.last_pa >> 6) >> 32 ? 0 : static_cast<uint32_t>(s.last_pa >> 6);
    return w;
}

template <class G, unsigned L>
inline bool Mmu::walk_level(uint64_t la, Access access, Privilege privilege, FixedWalk& s, Walk& w) {
    const unsigned a = static_cast<unsigned>(access), p = static_cast<unsigned>(privilege);
    constexpr unsigned kShift = 12 + 9 * (L - 1);
    const uint64_t pa = s.table + ((la >> kShift) & 0x1ff) * 8;
    s.last_pa = pa;
    const common::CacheHierarchy::Access ref = caches_lru_8_4_16_ ? caches_.access_lru_8_4_16(pa) : caches_.access(pa);
    w.cycles += ref.cycles;
    ++w.refs;
    ++stats_.walk_refs_served[static_cast<unsigned>(ref.level)];
    uint64_t entry;
    if (pa < ram_limit8_) {  // memory_.direct(pa, 8)
        std::memcpy(&entry, ram_ + pa, 8);
    } else if (uint64_t e = 0; read_entry(pa, 8, e)) {  // e, not entry: entry's address is not taken
        entry = e;
    } else {
        w.bus = true;
        w.bus_pa = pa;
        return false;
    }
    if (!(entry & kPteP)) {
        w.error_code = fault_bits_[a][p];
        return false;
    }
    const bool leaf = L == 1 || ((entry & kPtePs) && leaf_ok_[L]);
    if (entry & (leaf ? rsvd_leaf_[L] : rsvd_table_[L])) {
        w.error_code = fault_bits_[a][p] | kPfP | kPfRsvd;
        return false;
    }
    // walk()'s rights, without branches: R/W (bit 1) and U/S (bit 2) one place down are
    // kPermW and kPermU; XD (bit 63) clear is kPermX.
    static_assert(kPteRw >> 1 == kPermW && kPteUs >> 1 == kPermU && kPermX == 4 && kPteXd == uint64_t{1} << 63);
    s.perm &= static_cast<uint8_t>(((entry >> 1) & (kPermW | kPermU)) | ((~entry >> 61) & kPermX));
    if constexpr (L == 2) {
        if (!leaf) {
            if (!(entry & kPteA)) w.cycles += set_bits(pa, entry, kPteA);
            const uint64_t next = entry & table_mask_;
            psc_[2].set.template insert_fixed_no_front<G::kPde>(s.pde, PscEntry{next | s.perm});
            s.table = next;
            return true;
        }
    }
    const uint8_t rights = need_[a][p] & ~kPermD;
    if ((s.perm & rights) != rights) {
        w.error_code = fault_bits_[a][p] | kPfP;
        return false;
    }
    const uint64_t want = kPteA | (access == Access::Write ? kPteD : 0);
    if ((entry & want) != want) w.cycles += set_bits(pa, entry, want & ~entry);
    w.ok = true;
    w.mapping = Mapping{entry & table_mask_ & ~((uint64_t{1} << kShift) - 1), L == 1 ? PageSize::k4K : PageSize::k2M,
                        static_cast<uint8_t>(s.perm | ((entry & kPteD) ? kPermD : 0)), pge_ && (entry & kPteG) != 0};
    return false;
}

// Sets A and/or D in an entry the walk has just read. The write goes through the data caches like
// the read (the line is normally still in L1D), and its latency is part of the walk's.
uint32_t Mmu::set_bits(uint64_t pa, uint64_t& entry, uint64_t set) {
    entry |= set;
    if (uint8_t* p = memory_.direct(pa, entry_bytes_)) {
        const uint32_t e32 = static_cast<uint32_t>(entry);
        if (entry_bytes_ == 8)
            std::memcpy(p, &entry, 8);
        else
            std::memcpy(p, &e32, 4);
    } else if (entry_bytes_ == 8)
        memory_.write64(pa, entry);
    else
        memory_.write32(pa, static_cast<uint32_t>(entry));
    ++stats_.entry_writes;
    if (set & kPteA) ++stats_.a_set;
    if (set & kPteD) ++stats_.d_set;
    return caches_.access(pa).cycles;
}

uint64_t Mmu::leaf_frame(uint64_t entry, unsigned level) const {
    if (mode_ == PagingMode::Legacy && level == 2) {
        // 4 MB page: bits 31:22 from the PDE, bits 39:32 from PDE bits 20:13 (PSE-36; Table 4-4).
        // Bits beyond MAXPHYADDR are reserved and were checked to be 0.
        return (entry & bits(31, 22)) | (((entry >> 13) & 0xff) << 32);
    }
    const unsigned shift = level == 1 ? 12 : level_shift_[level];
    return entry & table_mask_ & ~((uint64_t{1} << shift) - 1);
}

// ---- TLB lookups and fills ---------------------------------------------------------------------------

// `own`: whether to look up the entry of the current PCID too (the caller may have already).
Mmu::Hit Mmu::find(Tlb& tlb, unsigned cls, uint64_t la, bool own) {
    if (!(tlb.filled & (1u << cls))) return Hit{};  // a lookup in an empty structure would miss
    if (own)
        if (TlbEntry* e = tlb.set.lookup(key(la, cls, pcid_))) return Hit{e, cls, false};
    if (any_global_)
        if (TlbEntry* e = tlb.set.lookup(key(la, cls, kGlobalTag))) return Hit{e, cls, true};
    return Hit{};
}

// The hardware looks all page sizes up at once; the model looks them up in size order and takes the
// first entry found. More than one can match only after software changed a page's size without
// invalidating, and then the SDM lets any of them be used (4.10.2.3).
Mmu::Hit Mmu::find_l1(unsigned side, uint64_t la, const TlbEntry* l1_4k) {
    if (l1_4k) return Hit{l1_4k, 0, false};
    const Lookups& order = l1_lookups_[side];
    for (unsigned n = 0; n < order.count; ++n) {
        const unsigned cls = order.cls[n];
        if (Hit h = find(tlbs_[order.tlb[n]], cls, la, cls != 0); h.entry) return h;  // translate_at looked class 0 up
    }
    return Hit{};
}

Mmu::Hit Mmu::find_second_level(uint64_t la) {
    for (unsigned n = 0; n < second_lookups_.count; ++n)
        if (Hit h = find(tlbs_[second_lookups_.tlb[n]], second_lookups_.cls[n], la, true); h.entry) return h;
    return Hit{};
}

// The structures find_l1() and find_second_level() look up, in their order: per size class that
// the paging mode has, the L1 of the side for that class, then the second-level structures that
// hold it.
void Mmu::derive_lookups() {
    for (unsigned side : {kData, kInstruction}) {
        Lookups& order = l1_lookups_[side];
        order.count = 0;
        for (unsigned cls = 0; cls < kClasses; ++cls) {
            if (!tlbs_[side * kClasses + cls].present || !(valid_classes_ & (1u << cls))) continue;
            order.tlb[order.count] = static_cast<uint8_t>(side * kClasses + cls);
            order.cls[order.count++] = static_cast<uint8_t>(cls);
        }
    }
    second_lookups_.count = 0;
    for (unsigned cls = 0; cls < kClasses; ++cls) {
        if (!(valid_classes_ & (1u << cls))) continue;
        for (unsigned i : {kStlb, kStlb1g}) {
            if (!tlbs_[i].present || !(tlbs_[i].classes & (1u << cls))) continue;
            second_lookups_.tlb[second_lookups_.count] = static_cast<uint8_t>(i);
            second_lookups_.cls[second_lookups_.count++] = static_cast<uint8_t>(cls);
        }
    }
}

// Caches `m` for the address `la` as an entry of class `cls`, no larger than the page. An entry
// smaller than the page covers the part of it that holds `la` (SDM 4.10.2.3: the upper physical
// bits come from the paging structures, the lower from the linear address).
void Mmu::fill(Tlb& tlb, unsigned cls, uint64_t la, const Mapping& m, bool absent) {
    const uint64_t page_offset = la & ((uint64_t{1} << page_shift(m.page)) - 1);
    const uint64_t frame = m.frame | (page_offset & ~((uint64_t{1} << class_shift_[cls]) - 1));
    if (cls < class_of(m.page)) tlb.fractured = true;
    tlb.filled |= static_cast<uint8_t>(1u << cls);
    if (m.global) any_global_ = true;
    if (cls != 0 || m.global) derive_fixed_miss();  // a 4 KB class does not enter it
    const uint64_t k = key(la, cls, m.global ? kGlobalTag : pcid_);
    if (absent)
        tlb.set.insert(k, TlbEntry::make(frame, m.perm, m.page));
    else
        tlb.set.fill(k, TlbEntry::make(frame, m.perm, m.page));
}

// The L1 of the side for the page's size; without one, the largest smaller size that has one.
template <class G>
inline void Mmu::fill_l1(unsigned side, uint64_t la, const Mapping& m, bool absent) {
    if (G::kFixed && absent && m.page == PageSize::k4K && !m.global) {
        // A 4 KB page in a fixed geometry: the side's 4 KB L1, as fill() would.
        Tlb& l1 = tlbs_[side * kClasses];
        l1.filled |= 1;
        const TlbEntry e = TlbEntry::make(m.frame, m.perm, m.page);
        if (side == kData)
            l1.set.template insert_fixed<G::kDtlb>(key4k(la), e);
        else
            l1.set.template insert_fixed<G::kItlb>(key4k(la), e);
        return;
    }
    fill_l1_any(side, la, m, absent);
}

void Mmu::fill_l1_any(unsigned side, uint64_t la, const Mapping& m, bool absent) {
    for (unsigned cls = class_of(m.page) + 1; cls-- > 0;) {
        Tlb& tlb = tlbs_[side * kClasses + cls];
        if (tlb.present) {
            fill(tlb, cls, la, m, absent);
            return;
        }
    }
}

// The second level holds only the sizes configured for it, whole.
void Mmu::fill_second_level(uint64_t la, const Mapping& m, bool absent) {
    const unsigned cls = class_of(m.page);
    for (unsigned i : {kStlb, kStlb1g}) {
        Tlb& tlb = tlbs_[i];
        if (tlb.present && (tlb.classes & (1u << cls))) {
            fill(tlb, cls, la, m, absent);
            return;
        }
    }
}

// ---- invalidation ----------------------------------------------------------------------------------------

void Mmu::drop_page(uint64_t la) {
    const uint64_t vpn_bits = (uint64_t{1} << kClassShift) - 1;
    for (Tlb& tlb : tlbs_) {
        if (!tlb.filled) continue;
        for (unsigned cls = 0; cls < kClasses; ++cls) {
            if (!(tlb.filled & (1u << cls))) continue;
            tlb.set.invalidate(key(la, cls, pcid_));
            tlb.set.invalidate(key(la, cls, kGlobalTag));
        }
        if (!tlb.fractured) continue;
        // Entries for other parts of a larger page that holds la: INVLPG and page faults
        // "invalidate all TLB entries corresponding to the translation specified by the paging
        // structures" (4.10.4.1, on large pages cached as smaller entries).
        tlb.set.invalidate_if([&](uint64_t k, const TlbEntry& e) {
            const uint64_t tag = k >> kTagShift;
            const unsigned cls = static_cast<unsigned>((k >> kClassShift) & 3);
            if ((tag != pcid_ && tag != kGlobalTag) || class_of(e.page()) <= cls) return false;
            const unsigned up = page_shift(e.page()) - class_shift_[cls];
            return ((k & vpn_bits) >> up) == (((la >> class_shift_[cls]) & vpn_mask_[cls]) >> up);
        });
    }
}

void Mmu::drop_psc_for(uint64_t la) {
    for (unsigned l = 2; l <= levels_; ++l)
        if (psc_[l].present) psc_[l].set.invalidate(psc_key(la, l));
}

void Mmu::drop_tag(uint64_t tag) {
    auto of_tag = [tag](uint64_t k, const auto&) { return (k >> kTagShift) == tag; };
    for (Tlb& tlb : tlbs_)
        if (tlb.filled) tlb.set.invalidate_if(of_tag);
    for (Psc& psc : psc_)
        if (psc.present) psc.set.invalidate_if(of_tag);
}

void Mmu::flush_all() {
    for (Tlb& tlb : tlbs_) {
        tlb.set.invalidate_all();
        tlb.filled = 0;
        tlb.fractured = false;
    }
    for (Psc& psc : psc_) psc.set.invalidate_all();
    any_global_ = false;
    derive_fixed_miss();
    ++stats_.full_flushes;
}

void Mmu::derive_fixed_miss() {
    const bool second = !(tlbs_[kStlb].filled & ~1u) && !tlbs_[kStlb1g].filled;
    for (unsigned side : {kData, kInstruction}) {
        const Tlb* l1 = &tlbs_[side * kClasses];
        fixed_miss_[side] = fixed_long4_ && !any_global_ && second && !l1[1].filled && !l1[2].filled;
    }
}

void Mmu::invlpg(uint64_t la) {
    ++stats_.invlpg;
    la &= la_mask_;
    if (mode_ == PagingMode::Off || !canonical(la)) return;  // non-canonical: a no-op (INVLPG, SDM Vol. 2A)
    drop_page(la);
    // "It also invalidates all entries in all paging-structure caches associated with the current
    // PCID, regardless of the linear addresses to which they correspond" (4.10.4.1).
    auto current = [this](uint64_t k, const PscEntry&) { return (k >> kTagShift) == pcid_; };
    for (Psc& psc : psc_)
        if (psc.present) psc.set.invalidate_if(current);
}

// ---- control registers -------------------------------------------------------------------------------------

bool Mmu::write_cr0(uint64_t value) {
    const bool pg = value & kCr0Pg;
    if (pg && (cr4_ & kCr4Pae) && !(efer_ & kEferLme)) return false;  // would be PAE paging
    cr0_ = value;
    efer_ = (efer_ & ~kEferLma) | ((pg && (efer_ & kEferLme)) ? kEferLma : 0);
    // Clearing PG invalidates every entry, global ones included (4.10.4.1, MOV to CR0); so does any
    // other change of mode (derive()).
    if (derive()) flush_all();
    return true;
}

bool Mmu::write_cr3(uint64_t value) {
    bool no_flush = false;
    if (cr4_ & kCr4Pcide) {
        no_flush = value & kCr3NoFlush;  // an instruction flag, not stored in CR3
        value &= ~kCr3NoFlush;
    }
    if (cr4_ & kCr4Pae) {
        // 64-bit entries: IA-32e mode, or paging off on the way to it (a host-compiled workload may
        // place its PML4 above 4 GB, which 32-bit code could not). Bits above MAXPHYADDR are
        // reserved (SDM 2.5).
        if (value >> config_.max_phys_addr_bits) return false;
    } else {
        value &= 0xffffffff;  // 32-bit paging ignores CR3 bits 63:32 (Table 4-3)
    }
    ++stats_.cr3_writes;
    cr3_ = value;
    derive();  // the same mode: a new base and PCID
    // CR4.PCIDE = 0: all non-global TLB entries and PSC entries of PCID 000H. PCIDE = 1: those of the
    // new PCID, unless bit 63 was set (4.10.4.1, MOV to CR3). Entries of other PCIDs survive both.
    if (no_flush)
        ++stats_.cr3_no_flush;
    else
        drop_tag(pcid_);
    return true;
}

bool Mmu::write_cr4(uint64_t value) {
    if (((value & kCr4Pge) && !config_.pge) || ((value & kCr4Pcide) && !config_.pcid) ||
        ((value & kCr4La57) && !config_.la57))
        return false;
    const uint64_t changed = cr4_ ^ value;
    const bool lma = efer_ & kEferLma;
    // MOV to CR4 #GP conditions (SDM Vol. 2B, MOV—Move to/from Control Registers).
    if ((changed & kCr4Pcide) && (value & kCr4Pcide) && (!lma || (cr3_ & kCr3PcidMask))) return false;
    if ((changed & kCr4La57) && lma) return false;
    if ((changed & kCr4Pae) && !(value & kCr4Pae) && lma) return false;
    if ((cr0_ & kCr0Pg) && (value & kCr4Pae) && !(efer_ & kEferLme)) return false;  // would be PAE paging
    cr4_ = value;
    // Changing PGE, or clearing PCIDE, invalidates everything, globals and all PCIDs (4.10.4.1).
    const bool mode_changed = derive();
    if (mode_changed || (changed & kCr4Pge) || ((changed & kCr4Pcide) && !(value & kCr4Pcide))) flush_all();
    return true;
}

bool Mmu::write_efer(uint64_t value) {
    if ((value & kEferNxe) && !config_.nx) return false;
    if (((value ^ efer_) & kEferLme) && (cr0_ & kCr0Pg)) return false;
    const bool lma = (value & kEferLme) && (cr0_ & kCr0Pg);
    efer_ = (value & ~kEferLma) | (lma ? kEferLma : 0);
    if (derive()) flush_all();
    return true;
}

// Everything the walk and the lookups read from the registers, computed once per register write.
// Modes are SDM 4.1.1 Table 4-1; geometry 4.3 (32-bit) and 4.5 (4- and 5-level); reserved bits
// 4.3 Table 4-4 and 4.5's list.
bool Mmu::derive() {
    ++derivation_;
    const PagingMode old = mode_;
    const bool pg = cr0_ & kCr0Pg;
    if (!pg)
        mode_ = PagingMode::Off;
    else if (!(cr4_ & kCr4Pae))
        mode_ = PagingMode::Legacy;
    else
        mode_ = (cr4_ & kCr4La57) ? PagingMode::Long5 : PagingMode::Long4;
    const bool long_mode = mode_ == PagingMode::Long4 || mode_ == PagingMode::Long5;
    const unsigned m = config_.max_phys_addr_bits;

    leaf_ok_.fill(false);
    rsvd_table_.fill(0);
    rsvd_leaf_.fill(0);
    if (long_mode) {
        levels_ = mode_ == PagingMode::Long5 ? 5 : 4;
        entry_bytes_ = 8;
        index_mask_ = 0x1ff;
        for (unsigned l = 1; l <= levels_; ++l) level_shift_[l] = 12 + 9 * (l - 1);
        const unsigned va_bits = mode_ == PagingMode::Long5 ? 57 : 48;
        la_mask_ = ~uint64_t{0};
        canon_shift_ = 64 - va_bits;
        for (unsigned l = 2; l <= levels_; ++l) region_mask_[l] = bits(va_bits - 1 - level_shift_[l], 0);
        class_shift_ = {12, 21, 30};
        for (unsigned c = 0; c < kClasses; ++c) vpn_mask_[c] = bits(va_bits - 1 - class_shift_[c], 0);
        valid_classes_ = static_cast<uint8_t>(config_.pages_1g ? 7 : 3);
        table_mask_ = bits(m - 1, 12);
        // Reserved in every present entry: bits 51:MAXPHYADDR, and XD unless EFER.NXE.
        nxe_ = efer_ & kEferNxe;
        const uint64_t all = bits(51, m) | (nxe_ ? 0 : kPteXd);
        for (unsigned l = 1; l <= levels_; ++l) rsvd_table_[l] = rsvd_leaf_[l] = all;
        rsvd_table_[5] |= kPtePs;  // PS in a PML5E or PML4E is reserved
        rsvd_table_[4] |= kPtePs;
        if (!config_.pages_1g) rsvd_table_[3] |= kPtePs;  // no 1 GB pages: PS in a PDPTE is reserved
        leaf_ok_[3] = config_.pages_1g;
        leaf_ok_[2] = true;
        rsvd_leaf_[3] |= bits(29, 13);  // 1 GB page: bits 29:13
        rsvd_leaf_[2] |= bits(20, 13);  // 2 MB page: bits 20:13
        if (!config_.pat) {
            rsvd_leaf_[1] |= kPtePatPte;
            rsvd_leaf_[2] |= kPtePatLarge;
            rsvd_leaf_[3] |= kPtePatLarge;
        }
    } else {
        levels_ = 2;
        entry_bytes_ = 4;
        index_mask_ = 0x3ff;
        level_shift_[1] = 12;
        level_shift_[2] = 22;
        la_mask_ = 0xffffffff;
        canon_shift_ = 0;
        region_mask_[2] = 0x3ff;
        class_shift_ = {12, 22, 30};
        vpn_mask_ = {0xfffff, 0x3ff, 0x3};
        valid_classes_ = mode_ == PagingMode::Legacy ? 3 : 0;
        table_mask_ = bits(31, 12);
        nxe_ = false;  // 32-bit paging has no XD bit
        // 4 MB pages with CR4.PSE: PDE bits (M'-20):13 hold physical bits (M'-1):32, bits 21:(M'-19)
        // are reserved, M' = min(MAXPHYADDR, 40) (Table 4-4). 32-bit paging checks no other bits.
        const unsigned mp = std::min(m, 40u);
        leaf_ok_[2] = cr4_ & kCr4Pse;
        rsvd_leaf_[2] = bits(21, mp - 19);
        if (!config_.pat) {
            rsvd_leaf_[1] |= kPtePatPte;
            rsvd_leaf_[2] |= kPtePatLarge;
        }
    }
    derive_lookups();
    fixed_long4_ = fixed_geometry_ && mode_ == PagingMode::Long4;
    derive_fixed_miss();
    cr3_base_ = cr3_ & table_mask_;
    pge_ = cr4_ & kCr4Pge;
    pcid_ = (long_mode && (cr4_ & kCr4Pcide)) ? (cr3_ & kCr3PcidMask) : 0;
    tag_key_ = pcid_ << kTagShift;

    // What each access needs of the cached rights (4.6): user accesses need U/S = 1 at every level;
    // user writes need R/W = 1, and so do supervisor writes when CR0.WP = 1; fetches need XD = 0
    // when EFER.NXE = 1. Writes also need the entry cached dirty, else they walk to set D.
    const bool wp = cr0_ & kCr0Wp;
    const uint8_t x = nxe_ ? kPermX : 0;
    need_[static_cast<unsigned>(Access::Read)][0] = 0;
    need_[static_cast<unsigned>(Access::Read)][1] = kPermU;
    need_[static_cast<unsigned>(Access::Write)][0] = static_cast<uint8_t>((wp ? kPermW : 0) | kPermD);
    need_[static_cast<unsigned>(Access::Write)][1] = kPermU | kPermW | kPermD;
    need_[static_cast<unsigned>(Access::Fetch)][0] = x;
    need_[static_cast<unsigned>(Access::Fetch)][1] = static_cast<uint8_t>(kPermU | x);
    // I/D is set only for a fetch with PAE-format paging and EFER.NXE = 1 (SMEP is not modelled) (4.7).
    for (unsigned a = 0; a < 3; ++a)
        for (unsigned p = 0; p < 2; ++p)
            fault_bits_[a][p] = static_cast<uint8_t>((a == static_cast<unsigned>(Access::Write) ? kPfW : 0) |
                                                     (p == 1 ? kPfU : 0) |
                                                     (a == static_cast<unsigned>(Access::Fetch) && nxe_ ? kPfI : 0));

    // A change of paging mode (CR0.PG, CR4.PAE or CR4.LA57; each needs paging off or invalidates
    // on its own, 4.10.4.1): the caller empties every structure, so that entries keyed for one
    // geometry are never found under another.
    return mode_ != old;
}

}  // namespace vmsim::x86
