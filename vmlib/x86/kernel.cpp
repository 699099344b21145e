#include "vmlib/x86/kernel.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace vmsim::selfpage {

namespace {

// Bits paging.hpp does not name. PCD: page-level cache disable (SDM Vol. 3A Table 4-19). PE:
// protected mode, which CR0.PG requires (SDM 2.5).
constexpr uint64_t kPtePcd = uint64_t{1} << 4;
constexpr uint64_t kCr0Pe = 1;

}  // namespace

Kernel::Kernel(x86::PhysicalMemory& memory, x86::Mmu& mmu, const KernelConfig& config)
    : memory_(memory), mmu_(mmu), config_(config) {
    if (config_.mode != x86::PagingMode::Long4 && config_.mode != x86::PagingMode::Legacy)
        throw std::invalid_argument("selfpage kernel: mode must be Long4 or Legacy");
    // The highest physical address an entry can hold: MAXPHYADDR in 4-level paging (SDM 4.5); 4 GB
    // with 32-bit paging, whose 4 KB entries hold 20 address bits (PSE-36 is not used).
    max_phys_ = config_.mode == x86::PagingMode::Legacy ? uint64_t{1} << 32
                                                        : uint64_t{1} << mmu_.config().max_phys_addr_bits;
}

ObjType Kernel::vnode_type(unsigned level) const {
    if (config_.mode == x86::PagingMode::Legacy) return level == 2 ? ObjType::Pd32 : ObjType::Pt32;
    static constexpr ObjType kLong[] = {ObjType::Pt, ObjType::Pt, ObjType::Pd, ObjType::Pdpt, ObjType::Pml4};
    return kLong[level];
}

Error Kernel::refuse(Error e) const {
    ++stats_.refused;
    return e;
}

// ---- capability space --------------------------------------------------------------------------

const Kernel::Cap* Kernel::cap_at(CapRef ref) const {
    if (ref.index >= caps_.size() || caps_[ref.index].object == kNone) return nullptr;
    return &caps_[ref.index];
}

Error Kernel::vnode_of(CapRef ref, Rights need, uint32_t& object) const {
    const Cap* c = cap_at(ref);
    if (!c) return Error::InvalidCap;
    if (!is_vnode(objects_[c->object].type)) return Error::WrongType;
    if ((c->rights & need) != need) return Error::NoRights;
    object = c->object;
    return Error::Ok;
}

bool Kernel::cap_available() const { return !free_caps_.empty() || caps_.size() < config_.max_caps; }

Result<CapRef> Kernel::new_cap(uint32_t object, Rights rights) {
    uint32_t index;
    if (!free_caps_.empty()) {
        index = free_caps_.back();
        free_caps_.pop_back();
    } else {
        index = static_cast<uint32_t>(caps_.size());
        caps_.push_back({});
    }
    caps_[index] = Cap{object, rights};
    ++objects_[object].caps;
    return {Error::Ok, CapRef{index}};
}

bool Kernel::overlaps(const std::map<uint64_t, uint32_t>& disjoint, const std::vector<Object>& objects,
                      uint64_t base, uint64_t bytes) {
    auto next = disjoint.lower_bound(base);
    if (next != disjoint.end() && next->first - base < bytes) return true;
    if (next == disjoint.begin()) return false;
    const Object& before = objects[std::prev(next)->second];
    return base - before.base < before.bytes;
}

uint32_t Kernel::new_object(ObjType type, uint64_t base, uint64_t bytes, uint32_t parent) {
    const uint32_t id = static_cast<uint32_t>(objects_.size());
    Object o;
    o.type = type;
    o.base = base;
    o.bytes = bytes;
    o.parent = parent;
    if (is_vnode(type)) o.entries.assign(vnode_info(type).entries, kNone);
    objects_.push_back(std::move(o));
    (parent == kNone ? roots_ : objects_[parent].children).emplace(base, id);
    return id;
}

void Kernel::release_object(uint32_t id) {
    Object& o = objects_[id];
    // Its mappings as an object were made through its capabilities, all deleted by now; what is left
    // is the content of a VNode, which no walk can reach any more: no invalidation.
    for (uint32_t slot = 0; slot < o.entries.size(); ++slot)
        if (o.entries[slot] != kNone && mappings_[o.entries[slot]].slot == slot) remove_mapping(o.entries[slot]);
    o.live = false;
    o.entries = {};
    // A dead object leaves its parent's children once it has none of its own, and so up the tree.
    for (uint32_t cur = id; cur != kNone;) {
        Object& c = objects_[cur];
        if (c.live || !c.children.empty()) break;
        const uint32_t parent = c.parent;
        (parent == kNone ? roots_ : objects_[parent].children).erase(c.base);
        cur = parent;
    }
}

Result<CapRef> Kernel::grant_ram(uint64_t base, uint64_t bytes) {
    if (base % kPage4K != 0) return {refuse(Error::Misaligned)};
    if (bytes == 0 || bytes % kPage4K != 0) return {refuse(Error::BadSize)};
    if (base >= max_phys_ || bytes > max_phys_ - base) return {refuse(Error::PhysAddrTooHigh)};
    if (overlaps(roots_, objects_, base, bytes)) return {refuse(Error::Overlap)};
    if (!cap_available()) return {refuse(Error::CSpaceFull)};
    return new_cap(new_object(ObjType::Ram, base, bytes, kNone), kAllRights);
}

Result<CapRef> Kernel::retype(CapRef src, ObjType type, uint64_t offset, uint64_t bytes) {
    const Cap* c = cap_at(src);
    if (!c) return {refuse(Error::InvalidCap)};
    const uint32_t parent = c->object;
    const Rights rights = c->rights;
    const Object& s = objects_[parent];
    // RAM becomes anything of this paging mode; a Frame only smaller Frames. A Frame may be mapped
    // writable, so a VNode carved from it would be a writable page table.
    const bool known = static_cast<unsigned>(type) < kObjTypes;
    const bool mode_ok = known && (!is_vnode(type) || type == vnode_type(vnode_info(type).level));
    if (!mode_ok || !(s.type == ObjType::Ram || (s.type == ObjType::Frame && type == ObjType::Frame)))
        return {refuse(Error::WrongType)};
    if (offset % kPage4K != 0) return {refuse(Error::Misaligned)};
    if (bytes == 0 || bytes % kPage4K != 0 || (is_vnode(type) && bytes != kVNodeBytes)) return {refuse(Error::BadSize)};
    if (offset > s.bytes || bytes > s.bytes - offset) return {refuse(Error::OutOfRange)};
    const uint64_t base = s.base + offset;
    if (overlaps(s.children, objects_, base, bytes)) return {refuse(Error::Overlap)};
    if (!cap_available()) return {refuse(Error::CSpaceFull)};
    if (is_vnode(type)) {
        // A new table maps nothing: stale entries in recycled memory would map whatever they name.
        for (uint64_t off = 0; off < kVNodeBytes; off += 8)
            if (!memory_.write64(base + off, 0)) return {refuse(Error::NoMemory)};
    }
    return new_cap(new_object(type, base, bytes, parent), rights);
}

Result<CapRef> Kernel::copy(CapRef cap, Rights rights) {
    const Cap* c = cap_at(cap);
    if (!c) return {refuse(Error::InvalidCap)};
    if ((rights & ~c->rights) != 0) return {refuse(Error::NoRights)};
    if (!cap_available()) return {refuse(Error::CSpaceFull)};
    return new_cap(c->object, rights);
}

Result<CapInfo> Kernel::identify(CapRef cap) const {
    const Cap* c = cap_at(cap);
    if (!c) return {refuse(Error::InvalidCap)};
    const Object& o = objects_[c->object];
    return {Error::Ok, CapInfo{o.type, o.base, o.bytes, c->rights}};
}

Error Kernel::delete_cap(CapRef cap) {
    const Cap* c = cap_at(cap);
    if (!c) return refuse(Error::InvalidCap);
    const uint32_t id = c->object;
    if (id == root_ && objects_[id].caps == 1) return refuse(Error::InUse);
    // Mappings belong to the capability that made them (Barrelfish since 2013: deleting a capability
    // removes its mappings), so no mapping outlives the authority it was made with.
    std::vector<uint32_t> mine;
    for (uint32_t m : objects_[id].mapped_at)
        if (mappings_[m].cap == cap.index) mine.push_back(m);
    Flush flush;
    for (uint32_t m : mine)
        for (uint32_t i = 0; i < mappings_[m].count; ++i) add_entry(flush, mappings_[m].vnode, mappings_[m].slot + i);
    for (uint32_t m : mine) remove_mapping(m);
    perform(flush);
    caps_[cap.index] = Cap{};
    free_caps_.push_back(cap.index);
    if (--objects_[id].caps == 0) release_object(id);
    return Error::Ok;
}

// ---- entries -----------------------------------------------------------------------------------

uint64_t Kernel::leaf_entry(const VNodeInfo& info, uint64_t pa, MapFlags flags) const {
    uint64_t e = pa | x86::kPteP | x86::kPteUs;
    if (flags & kMapWrite) e |= x86::kPteRw;
    if (flags & kMapNoCache) e |= kPtePcd;
    if (info.level > 1) e |= x86::kPtePs;
    // XD exists only in 64-bit entries with EFER.NXE, which the kernel sets when the CPU has NX.
    if (!info.legacy && mmu_.config().nx && !(flags & kMapExecute)) e |= x86::kPteXd;
    return e;
}

uint64_t Kernel::table_entry(uint64_t pa) const { return pa | x86::kPteP | x86::kPteRw | x86::kPteUs; }

uint64_t Kernel::read_entry(const VNodeInfo& info, uint64_t table, uint32_t slot) const {
    const uint64_t pa = table + uint64_t{slot} * info.entry_bytes;
    if (info.entry_bytes == 4) {
        uint32_t v = 0;
        memory_.read32(pa, v);
        return v;
    }
    uint64_t v = 0;
    memory_.read64(pa, v);
    return v;
}

void Kernel::write_entry(const VNodeInfo& info, uint64_t table, uint32_t slot, uint64_t value) {
    // The table's memory answered when the VNode was zeroed, so these writes cannot fail.
    const uint64_t pa = table + uint64_t{slot} * info.entry_bytes;
    if (info.entry_bytes == 4)
        memory_.write32(pa, static_cast<uint32_t>(value));
    else
        memory_.write64(pa, value);
    ++stats_.entries_written;
}

Error Kernel::check_page_rights(const Object& target, Rights cap_rights, MapFlags flags) const {
    if (is_vnode(target.type) && (flags & kMapWrite)) return Error::WritableTable;
    const Rights need = kRead | (flags & (kWrite | kExecute));
    return (cap_rights & need) == need ? Error::Ok : Error::NoRights;
}

uint32_t Kernel::new_mapping(const Mapping& m) {
    uint32_t id;
    if (!free_mappings_.empty()) {
        id = free_mappings_.back();
        free_mappings_.pop_back();
        mappings_[id] = m;
    } else {
        id = static_cast<uint32_t>(mappings_.size());
        mappings_.push_back(m);
    }
    Object& v = objects_[m.vnode];
    for (uint32_t i = 0; i < m.count; ++i) v.entries[m.slot + i] = id;
    objects_[m.object].mapped_at.push_back(id);
    return id;
}

void Kernel::remove_mapping(uint32_t id) {
    Mapping& m = mappings_[id];
    Object& v = objects_[m.vnode];
    const VNodeInfo& info = vnode_info(v.type);
    for (uint32_t i = 0; i < m.count; ++i) {
        write_entry(info, v.base, m.slot + i, 0);
        v.entries[m.slot + i] = kNone;
    }
    std::vector<uint32_t>& at = objects_[m.object].mapped_at;
    at.erase(std::find(at.begin(), at.end(), id));
    m.live = false;
    free_mappings_.push_back(id);
}

Error Kernel::install(CapRef vnode, uint32_t slot, CapRef cap, MapFlags flags) {
    uint32_t v;
    if (Error e = vnode_of(vnode, kWrite, v); e != Error::Ok) return refuse(e);
    const Cap* c = cap_at(cap);
    if (!c) return refuse(Error::InvalidCap);
    if ((flags & ~kMapAllFlags) != 0) return refuse(Error::BadFlags);
    const VNodeInfo& info = vnode_info(objects_[v].type);
    if (slot >= info.entries) return refuse(Error::SlotOutOfRange);
    const Object& target = objects_[c->object];
    uint32_t count = 1;
    bool table = false;
    if (is_vnode(target.type) && info.has_child && target.type == info.child) {
        table = true;
    } else if (is_vnode(target.type) && info.level == 1) {
        // A page-table page mapped as a page: read-only, whatever its level (the slides' "map a
        // page table read-only into the virtual address space" to expose A/D bits).
        if (Error e = check_page_rights(target, c->rights, flags); e != Error::Ok) return refuse(e);
    } else if (target.type == ObjType::Frame && info.page_bytes != 0) {
        if (info.page_bytes == kPage1G && !mmu_.config().pages_1g) return refuse(Error::Unsupported);
        if (target.base % info.page_bytes != 0) return refuse(Error::Misaligned);
        if (target.bytes % info.page_bytes != 0) return refuse(Error::BadSize);
        if (target.bytes / info.page_bytes > info.entries - slot) return refuse(Error::SlotOutOfRange);
        count = static_cast<uint32_t>(target.bytes / info.page_bytes);
        if (Error e = check_page_rights(target, c->rights, flags); e != Error::Ok) return refuse(e);
    } else {
        return refuse(Error::WrongType);
    }
    const Object& vn = objects_[v];
    for (uint32_t i = 0; i < count; ++i)
        if (vn.entries[slot + i] != kNone) return refuse(Error::SlotInUse);

    // Every entry written here was not present: the TLBs and paging-structure caches hold nothing
    // for it (they cache present entries only), so no invalidation is needed (SDM 4.10.4.3).
    for (uint32_t i = 0; i < count; ++i) {
        const uint64_t e = table ? table_entry(target.base)
                                 : leaf_entry(info, target.base + uint64_t{i} * info.page_bytes, flags);
        write_entry(info, vn.base, slot + i, e);
    }
    new_mapping(Mapping{v, slot, count, c->object, cap.index, table, true});
    return Error::Ok;
}

Error Kernel::unmap(CapRef vnode, uint32_t slot) {
    uint32_t v;
    if (Error e = vnode_of(vnode, kWrite, v); e != Error::Ok) return refuse(e);
    const Object& vn = objects_[v];
    if (slot >= vn.entries.size()) return refuse(Error::SlotOutOfRange);
    const uint32_t id = vn.entries[slot];
    if (id == kNone || mappings_[id].slot != slot) return refuse(Error::NotMapped);
    Flush flush;
    for (uint32_t i = 0; i < mappings_[id].count; ++i) add_entry(flush, v, slot + i);
    remove_mapping(id);
    perform(flush);
    return Error::Ok;
}

Error Kernel::modify_flags(CapRef vnode, uint32_t slot, uint32_t count, MapFlags flags) {
    uint32_t v;
    if (Error e = vnode_of(vnode, kWrite, v); e != Error::Ok) return refuse(e);
    if ((flags & ~kMapAllFlags) != 0) return refuse(Error::BadFlags);
    const Object& vn = objects_[v];
    if (count == 0) return refuse(Error::BadSize);
    if (slot >= vn.entries.size() || count > vn.entries.size() - slot) return refuse(Error::SlotOutOfRange);
    for (uint32_t i = slot; i < slot + count; ++i) {
        const uint32_t id = vn.entries[i];
        if (id == kNone) return refuse(Error::NotMapped);
        const Mapping& m = mappings_[id];
        if (m.table) return refuse(Error::WrongType);
        if (Error e = check_page_rights(objects_[m.object], caps_[m.cap].rights, flags); e != Error::Ok)
            return refuse(e);
    }
    const VNodeInfo& info = vnode_info(vn.type);
    Flush flush;
    for (uint32_t i = slot; i < slot + count; ++i) {
        const Mapping& m = mappings_[vn.entries[i]];
        const uint64_t pa = objects_[m.object].base + uint64_t{i - m.slot} * info.page_bytes;
        const uint64_t old = read_entry(info, vn.base, i);
        write_entry(info, vn.base, i, leaf_entry(info, pa, flags) | (old & (x86::kPteA | x86::kPteD)));
        add_entry(flush, v, i);
    }
    perform(flush);
    return Error::Ok;
}

Result<AdBits> Kernel::read_ad(CapRef vnode, uint32_t slot) const {
    uint32_t v;
    if (Error e = vnode_of(vnode, kRead, v); e != Error::Ok) return {refuse(e)};
    const Object& vn = objects_[v];
    if (slot >= vn.entries.size()) return {refuse(Error::SlotOutOfRange)};
    if (vn.entries[slot] == kNone) return {refuse(Error::NotMapped)};
    const uint64_t e = read_entry(vnode_info(vn.type), vn.base, slot);
    AdBits bits = (e & x86::kPteA) ? kAccessed : 0;
    // Bit 6 of an entry that references a table is ignored by the hardware (SDM Table 4-15).
    if (!mappings_[vn.entries[slot]].table && (e & x86::kPteD)) bits |= kDirty;
    return {Error::Ok, bits};
}

Error Kernel::clear_ad(CapRef vnode, uint32_t slot, uint32_t count, AdBits bits) {
    uint32_t v;
    if (Error e = vnode_of(vnode, kWrite, v); e != Error::Ok) return refuse(e);
    if (bits == 0 || (bits & ~(kAccessed | kDirty)) != 0) return refuse(Error::BadFlags);
    const Object& vn = objects_[v];
    if (count == 0) return refuse(Error::BadSize);
    if (slot >= vn.entries.size() || count > vn.entries.size() - slot) return refuse(Error::SlotOutOfRange);
    for (uint32_t i = slot; i < slot + count; ++i)
        if (vn.entries[i] == kNone) return refuse(Error::NotMapped);
    const VNodeInfo& info = vnode_info(vn.type);
    const uint64_t clear = ((bits & kAccessed) ? x86::kPteA : 0) | ((bits & kDirty) ? x86::kPteD : 0);
    Flush flush;
    for (uint32_t i = slot; i < slot + count; ++i) {
        // A TLB entry filled dirty lets later writes through without setting D, and a cached entry
        // lets accesses through without setting A: both must go (SDM 4.8, 4.10.4.3).
        add_entry(flush, v, i);
        const uint64_t old = read_entry(info, vn.base, i);
        const uint64_t keep = mappings_[vn.entries[i]].table ? ~(clear & x86::kPteA) : ~clear;
        write_entry(info, vn.base, i, old & keep);
    }
    perform(flush);
    return Error::Ok;
}

Error Kernel::set_root(CapRef vnode) {
    uint32_t v;
    if (Error e = vnode_of(vnode, kRead, v); e != Error::Ok) return refuse(e);
    if (objects_[v].type != vnode_type(levels())) return refuse(Error::WrongType);
    const uint64_t base = objects_[v].base;
    bool ok;
    if (mmu_.mode() == config_.mode) {
        // With CR4.PCIDE = 0 (the kernel never sets it) this flushes every non-global TLB entry and
        // every paging-structure cache (SDM 4.10.4.1); the kernel makes no global mappings.
        ok = mmu_.write_cr3(base);
    } else if (config_.mode == x86::PagingMode::Legacy) {
        ok = mmu_.write_cr4(x86::kCr4Pse) && mmu_.write_cr3(base) &&
             mmu_.write_cr0(kCr0Pe | x86::kCr0Wp | x86::kCr0Pg);
    } else {
        // IA-32e mode: PAE and LME before PG (SDM 9.8.5).
        ok = mmu_.write_cr4(x86::kCr4Pae) &&
             mmu_.write_efer(x86::kEferLme | (mmu_.config().nx ? x86::kEferNxe : 0)) && mmu_.write_cr3(base) &&
             mmu_.write_cr0(kCr0Pe | x86::kCr0Wp | x86::kCr0Pg);
    }
    if (!ok) return refuse(Error::Unsupported);
    root_ = v;
    return Error::Ok;
}

// ---- invalidation ------------------------------------------------------------------------------

uint64_t Kernel::canonical(uint64_t va) const {
    if (config_.mode == x86::PagingMode::Legacy) return va & 0xffffffff;
    return static_cast<uint64_t>(static_cast<int64_t>(va << 16) >> 16);  // bit 47 upwards (SDM 3.3.7.1)
}

void Kernel::add_page(Flush& flush, uint64_t va) const {
    if (flush.full) return;
    if (flush.pages.size() >= config_.invlpg_limit) {
        flush.full = true;
        flush.pages.clear();
        return;
    }
    flush.pages.push_back(canonical(va));
}

void Kernel::add_prefixes(Flush& flush, uint32_t vnode, std::vector<uint64_t>& out) const {
    if (vnode == root_) {
        out.push_back(0);
        return;
    }
    for (uint32_t id : objects_[vnode].mapped_at) {
        const Mapping& m = mappings_[id];
        if (!m.table) continue;
        std::vector<uint64_t> above;
        add_prefixes(flush, m.vnode, above);
        const unsigned shift = vnode_info(objects_[m.vnode].type).shift;
        for (uint64_t p : above) out.push_back(p + (uint64_t{m.slot} << shift));
        // Each prefix costs at least one INVLPG: past the limit, the answer is a CR3 reload.
        if (out.size() > config_.invlpg_limit) {
            flush.full = true;
            return;
        }
    }
}

void Kernel::add_pages_below(Flush& flush, uint32_t table, uint64_t va) const {
    const Object& t = objects_[table];
    const unsigned shift = vnode_info(t.type).shift;
    for (uint32_t slot = 0; slot < t.entries.size() && !flush.full; ++slot) {
        const uint32_t id = t.entries[slot];
        if (id == kNone) continue;
        const uint64_t entry_va = va + (uint64_t{slot} << shift);
        if (mappings_[id].table)
            add_pages_below(flush, mappings_[id].object, entry_va);
        else
            add_page(flush, entry_va);
    }
}

void Kernel::add_entry(Flush& flush, uint32_t vnode, uint32_t slot) const {
    if (flush.full || root_ == kNone) return;
    std::vector<uint64_t> prefixes;
    add_prefixes(flush, vnode, prefixes);
    const Object& vn = objects_[vnode];
    const unsigned shift = vnode_info(vn.type).shift;
    const Mapping& m = mappings_[vn.entries[slot]];
    for (uint64_t p : prefixes) {
        const uint64_t va = p + (uint64_t{slot} << shift);
        if (!m.table) {
            add_page(flush, va);  // INVLPG drops the page whatever its size (SDM 4.10.4.1)
            continue;
        }
        // A table entry: the TLBs may hold any page mapped below it and the paging-structure caches
        // the entry itself (SDM 4.10.4.3: "the page table ... and all entries below it"). An
        // INVLPG per page below drops both, because every INVLPG also empties the paging-structure
        // caches of the current PCID (SDM 4.10.4.1); with no page below, one INVLPG for the caches.
        const size_t before = flush.pages.size();
        add_pages_below(flush, m.object, va);
        if (!flush.full && flush.pages.size() == before) add_page(flush, va);
    }
}

void Kernel::perform(const Flush& flush) {
    if (root_ == kNone) return;
    if (flush.full) {
        mmu_.write_cr3(mmu_.cr3());
        ++stats_.cr3_reloads;
        return;
    }
    for (uint64_t va : flush.pages) mmu_.invlpg(va);
    stats_.invlpgs += flush.pages.size();
}

}  // namespace vmsim::selfpage
