// A Barrelfish-style kernel interface for self-paging on the x86 model: the application holds
// capabilities to physical memory, retypes RAM into Frames and VNodes (page-table pages), builds
// its own page tables by installing capabilities into VNode entries, and receives its own page
// faults (pager.hpp). The kernel's only job is to check each call against the rules that keep the
// tables safe, write the hardware-format entry into simulated physical memory, and perform the TLB
// and paging-structure-cache invalidations the change needs. README.md describes the calls, the
// rules and the invalidation policy, with the sources.
//
// Host-compiled guest software: the "kernel" runs on the host, reads and writes page tables through
// x86::PhysicalMemory and drives the x86::Mmu through its instructions (MOV CR0/CR3/CR4, WRMSR
// EFER, INVLPG). It keeps no mappings of its own in the tables.
//
// Every call returns an Error (caps.hpp) and changes nothing when it refuses; no input crashes
// the host. Deterministic: no hashing by address, no clocks.
#pragma once
#include <cstdint>
#include <map>
#include <vector>

#include "models/x86_64/mmu.hpp"
#include "models/x86_64/paging.hpp"
#include "models/x86_64/phys_mem.hpp"
#include "vmlib/x86/caps.hpp"

namespace vmsim::selfpage {

struct KernelConfig {
    // Long4 (4-level, VNodes Pml4..Pt) or Legacy (32-bit paging, VNodes Pd32 and Pt32).
    x86::PagingMode mode = x86::PagingMode::Long4;
    // Invalidation: a change that needs up to this many INVLPGs gets them; more, and the kernel
    // reloads CR3 instead (a full non-global flush). 33 is Linux's default
    // tlb_single_page_flush_ceiling (Documentation/arch/x86/tlb.rst).
    unsigned invlpg_limit = 33;
    // Capability-space size: a call that would need more slots returns CSpaceFull.
    uint32_t max_caps = 1u << 20;
};

struct KernelStats {
    uint64_t invlpgs = 0;          // INVLPG instructions executed
    uint64_t cr3_reloads = 0;      // full flushes by writing CR3 with its own value
    uint64_t entries_written = 0;  // paging-structure entries written (zeroing a VNode excluded)
    uint64_t refused = 0;          // calls that returned an error
};

class Kernel {
public:
    // `memory` holds the page tables; `mmu` is the CPU's. Both must outlive the Kernel. Paging stays
    // as it is until the first set_root(). Throws std::invalid_argument for a mode that is neither
    // Long4 nor Legacy.
    Kernel(x86::PhysicalMemory& memory, x86::Mmu& mmu, const KernelConfig& config = KernelConfig{});

    // Boot: gives the application a RAM capability (all rights) for physical [base, base + bytes),
    // as Barrelfish's CPU driver hands init its RAM at boot. The platform decides what the
    // application owns; memory never granted cannot be named by the application at all.
    // Errors: Misaligned, BadSize, PhysAddrTooHigh, Overlap (with RAM granted before), CSpaceFull.
    Result<CapRef> grant_ram(uint64_t base, uint64_t bytes);

    // ---- capabilities ------------------------------------------------------------------------
    // Creates one object of `type` over [offset, offset + bytes) of `src`'s object and returns a
    // capability to it with `src`'s rights. RAM may become RAM, a Frame or a VNode of the kernel's
    // paging mode; a Frame may become smaller Frames (never a VNode: a Frame may be mapped
    // writable). `bytes` is a multiple of 4 KB (a VNode's is exactly 4 KB); `offset` 4 KB-aligned.
    // No live object may overlap the region other than the source and its ancestors (Overlap). A
    // VNode is zeroed, so that a new table maps nothing; a Frame is not (see README.md).
    Result<CapRef> retype(CapRef src, ObjType type, uint64_t offset, uint64_t bytes);
    // A new capability to the same object with `rights`, a subset of the source's (NoRights).
    Result<CapRef> copy(CapRef cap, Rights rights);
    // Deletes a capability: every mapping made through it is removed first (with invalidation).
    // The last capability of an object takes the object with it; the last one of the page table
    // CR3 points at is refused (InUse).
    Error delete_cap(CapRef cap);
    Result<CapInfo> identify(CapRef cap) const;

    // ---- page tables -------------------------------------------------------------------------
    // install: writes entry `slot` of `vnode` (which needs Write) to reference `cap`'s object:
    //  - a VNode of the level below (vnode_info(type).child): a table entry (P, R/W, U/S: the
    //    rights are set at the leaves, as Barrelfish does); `flags` are checked but unused;
    //  - a Frame, at a level that maps pages (Pt: 4 KB, Pd: 2 MB, Pdpt: 1 GB if the CPU has 1 GB
    //    pages, Pd32: 4 MB): its base aligned to the page size (Misaligned), its size a multiple of
    //    it (BadSize); a Frame of N pages fills entries slot .. slot + N - 1 (SlotOutOfRange);
    //  - any VNode, in a Pt or Pt32: a read-only mapping of that table page, so that the
    //    application can read its own A/D bits; with kMapWrite it is WritableTable.
    // Every entry the mapping needs must be empty (SlotInUse). Flags need the capability's rights:
    // Read always, Write and Execute when asked for (NoRights).
    Error install(CapRef vnode, uint32_t slot, CapRef cap, MapFlags flags);
    // Removes the mapping that starts at entry `slot` (all its entries) and invalidates.
    Error unmap(CapRef vnode, uint32_t slot);
    // Replaces the flags of the page mappings in entries [slot, slot + count) (each must hold a
    // page, not a table; a multi-entry mapping may be changed in part). Same rights rules as
    // install. A and D are kept. Invalidates.
    Error modify_flags(CapRef vnode, uint32_t slot, uint32_t count, MapFlags flags);
    // A and D of entry `slot` (D only in an entry that maps a page). `vnode` needs Read.
    Result<AdBits> read_ad(CapRef vnode, uint32_t slot) const;
    // Clears `bits` (kAccessed | kDirty) in entries [slot, slot + count), each present, and
    // invalidates so that the next access sets them again (SDM 4.8, 4.10.4.3).
    Error clear_ad(CapRef vnode, uint32_t slot, uint32_t count, AdBits bits);
    // Loads `vnode` (a Pml4, or a Pd32 in 32-bit paging) into CR3, turning paging on the first
    // time. Barrelfish's "switch(Capref)" of the slides.
    Error set_root(CapRef vnode);

    const KernelConfig& config() const { return config_; }
    const KernelStats& stats() const { return stats_; }
    x86::PagingMode mode() const { return config_.mode; }
    // The VNode type of `level` (1 = the page table) in the kernel's mode; `level` must exist.
    ObjType vnode_type(unsigned level) const;
    unsigned levels() const { return config_.mode == x86::PagingMode::Legacy ? 2 : 4; }

private:
    static constexpr uint32_t kNone = ~uint32_t{0};

    // Objects form a tree by retype: a child lies inside its parent and is disjoint from its
    // siblings. An object lives while a capability names it; a dead one stays in its parent's
    // `children` while it has children, so that memory retyped below it cannot be retyped again.
    struct Object {
        ObjType type;
        bool live = true;
        uint64_t base;
        uint64_t bytes;
        uint32_t caps = 0;                       // live capabilities naming it
        uint32_t parent = kNone;                 // kNone: granted at boot (in roots_)
        std::map<uint64_t, uint32_t> children;   // by base: disjoint, live or with live descendants
        std::vector<uint32_t> entries;           // VNode: the mapping occupying each entry, or kNone
        std::vector<uint32_t> mapped_at;         // mappings of this object (as a table or as a page)
    };
    struct Cap {
        uint32_t object = kNone;  // kNone: a free slot
        Rights rights = 0;
    };
    // One install: `count` entries of VNode `vnode` from `slot`, referencing `object` through `cap`.
    struct Mapping {
        uint32_t vnode;
        uint32_t slot;
        uint32_t count;
        uint32_t object;
        uint32_t cap;
        bool table;  // a table entry (else a page: a Frame, or a VNode read-only)
        bool live;
    };
    // The invalidations a change needs, gathered before any is performed.
    struct Flush {
        std::vector<uint64_t> pages;  // linear addresses to INVLPG
        bool full = false;            // more than invlpg_limit: reload CR3 instead
    };

    Error refuse(Error e) const;
    const Cap* cap_at(CapRef ref) const;
    // The object of a live capability of a VNode type, with `need` rights; else the error.
    Error vnode_of(CapRef ref, Rights need, uint32_t& object) const;
    static bool overlaps(const std::map<uint64_t, uint32_t>& disjoint, const std::vector<Object>& objects,
                         uint64_t base, uint64_t bytes);
    bool cap_available() const;
    uint32_t new_object(ObjType type, uint64_t base, uint64_t bytes, uint32_t parent);
    void release_object(uint32_t id);  // its last capability is gone
    Result<CapRef> new_cap(uint32_t object, Rights rights);
    uint32_t new_mapping(const Mapping& m);

    uint64_t leaf_entry(const VNodeInfo& info, uint64_t pa, MapFlags flags) const;
    uint64_t table_entry(uint64_t pa) const;
    uint64_t read_entry(const VNodeInfo& info, uint64_t table, uint32_t slot) const;
    void write_entry(const VNodeInfo& info, uint64_t table, uint32_t slot, uint64_t value);
    Error check_page_rights(const Object& target, Rights cap_rights, MapFlags flags) const;

    // Invalidation: the linear addresses at which entry `slot` of `vnode` is used under the current
    // root, and for a table entry those of every page mapped below it.
    void add_entry(Flush& flush, uint32_t vnode, uint32_t slot) const;
    void add_prefixes(Flush& flush, uint32_t vnode, std::vector<uint64_t>& out) const;
    void add_pages_below(Flush& flush, uint32_t table, uint64_t va) const;
    void add_page(Flush& flush, uint64_t va) const;
    void perform(const Flush& flush);
    uint64_t canonical(uint64_t va) const;

    void remove_mapping(uint32_t id);  // clears its entries (no invalidation) and unlinks it
    void unmap_and_flush(uint32_t id);

    x86::PhysicalMemory& memory_;
    x86::Mmu& mmu_;
    KernelConfig config_;
    uint64_t max_phys_;  // first physical address the entry format cannot hold
    std::vector<Object> objects_;           // by id; ids are never reused
    std::map<uint64_t, uint32_t> roots_;    // RAM granted at boot, by base
    std::vector<Cap> caps_;
    std::vector<uint32_t> free_caps_;  // LIFO, so that slot reuse is deterministic
    std::vector<Mapping> mappings_;
    std::vector<uint32_t> free_mappings_;
    uint32_t root_ = kNone;  // the object CR3 points at
    mutable KernelStats stats_;
};

}  // namespace vmsim::selfpage
