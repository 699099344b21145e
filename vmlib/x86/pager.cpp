#include "vmlib/x86/pager.hpp"

#include <algorithm>
#include <iterator>

namespace vmsim::selfpage {

const char* fault_outcome_name(FaultOutcome outcome) {
    static constexpr const char* kNames[] = {"mapped", "spurious", "no region", "protection", "failed"};
    return kNames[static_cast<unsigned>(outcome)];
}

namespace {

bool long_mode(const Kernel& k) { return k.mode() == x86::PagingMode::Long4; }

// Page sizes of a mode, largest first.
struct Sizes {
    const uint64_t* first;
    const uint64_t* last;
    const uint64_t* begin() const { return first; }
    const uint64_t* end() const { return last; }
};
Sizes page_sizes(const Kernel& k) {
    static constexpr uint64_t kLong[] = {kPage1G, kPage2M, kPage4K};
    static constexpr uint64_t kLegacy[] = {kPage4M, kPage4K};
    return long_mode(k) ? Sizes{kLong, kLong + 3} : Sizes{kLegacy, kLegacy + 2};
}

uint64_t page_bytes_of(x86::PageSize size) { return uint64_t{1} << x86::page_shift(size); }

x86::PageSize page_size_of(uint64_t bytes) {
    return bytes == kPage4K ? x86::PageSize::k4K
           : bytes == kPage2M ? x86::PageSize::k2M
           : bytes == kPage4M ? x86::PageSize::k4M
                              : x86::PageSize::k1G;
}

template <typename Value, typename End>
const std::pair<const uint64_t, Value>* containing(const std::map<uint64_t, Value>& by_start, uint64_t va, End end) {
    auto it = by_start.upper_bound(va);
    if (it == by_start.begin()) return nullptr;
    --it;
    return va < end(*it) ? &*it : nullptr;
}

}  // namespace

Error Pager::fail(Error e) {
    last_error_ = e;
    return e;
}

uint64_t Pager::strip(uint64_t va) const {
    return long_mode(kernel_) ? va & ((uint64_t{1} << 48) - 1) : va & 0xffffffff;
}

unsigned Pager::level_of(uint64_t page_bytes) const {
    return page_bytes == kPage4K ? 1 : page_bytes == kPage1G ? 3 : 2;
}

uint32_t Pager::index(unsigned level, uint64_t va) const {
    const VNodeInfo& info = vnode_info(kernel_.vnode_type(level));
    return static_cast<uint32_t>((strip(va) >> info.shift) & (info.entries - 1));
}

const std::pair<const uint64_t, Pager::Region>* Pager::region_at(uint64_t va) const {
    return containing(regions_, va, [](const auto& r) { return r.second.end; });
}

const std::pair<const uint64_t, Pager::Run>* Pager::run_at(uint64_t va) const {
    return containing(runs_, va, [](const auto& r) { return r.first + r.second.bytes; });
}

// ---- physical memory ---------------------------------------------------------------------------

Error Pager::add_ram(CapRef ram) {
    const Result<CapInfo> info = kernel_.identify(ram);
    if (!info.ok()) return fail(info.error);
    if (info.value.type != ObjType::Ram) return fail(Error::WrongType);
    Pool pool{ram, info.value.base, info.value.bytes, {}};
    pool.free.emplace(0, info.value.bytes);
    pools_.push_back(std::move(pool));
    return Error::Ok;
}

Result<CapRef> Pager::allocate(ObjType type, uint64_t bytes, uint64_t align, bool high, Block& where) {
    Error error = Error::OutOfMemory;
    for (unsigned p = 0; p < pools_.size(); ++p) {
        Pool& pool = pools_[p];
        // The candidate offset in each free range: the lowest aligned one, or the highest.
        auto fit = [&](uint64_t off, uint64_t len, uint64_t& at) {
            if (len < bytes) return false;
            const uint64_t lo = pool.base + off, hi = pool.base + off + len - bytes;
            const uint64_t pa = high ? hi - hi % align : (lo + align - 1) / align * align;
            if (pa < lo || pa > hi) return false;
            at = pa - pool.base;
            return true;
        };
        uint64_t at = 0;
        bool found = false;
        if (high) {
            for (auto it = pool.free.rbegin(); !found && it != pool.free.rend(); ++it) found = fit(it->first, it->second, at);
        } else {
            for (auto it = pool.free.begin(); !found && it != pool.free.end(); ++it) found = fit(it->first, it->second, at);
        }
        if (!found) continue;
        const Result<CapRef> cap = kernel_.retype(pool.ram, type, at, bytes);
        if (!cap.ok()) {
            error = cap.error;
            if (cap.error == Error::NoMemory) continue;  // memory no table can live in: try the next pool
            break;
        }
        auto range = std::prev(pool.free.upper_bound(at));
        const uint64_t start = range->first, end = range->first + range->second;
        pool.free.erase(range);
        if (at > start) pool.free.emplace(start, at - start);
        if (end > at + bytes) pool.free.emplace(at + bytes, end - at - bytes);
        where = Block{p, at};
        return cap;
    }
    return {error};
}

void Pager::release(const Block& where, uint64_t bytes) {
    std::map<uint64_t, uint64_t>& free = pools_[where.pool].free;
    uint64_t start = where.offset, end = where.offset + bytes;
    auto next = free.lower_bound(start);
    if (next != free.end() && next->first == end) {
        end += next->second;
        next = free.erase(next);
    }
    if (next != free.begin()) {
        auto prev = std::prev(next);
        if (prev->first + prev->second == start) {
            start = prev->first;
            free.erase(prev);
        }
    }
    free.emplace(start, end - start);
}

// ---- page tables -------------------------------------------------------------------------------

Error Pager::ensure_root() {
    if (root_ != CapRef{}) return Error::Ok;
    Block where;
    const Result<CapRef> root = allocate(kernel_.vnode_type(kernel_.levels()), kVNodeBytes, kVNodeBytes, true, where);
    if (!root.ok()) return fail(root.error);
    root_ = root.value;
    ++stats_.tables;
    return Error::Ok;
}

Error Pager::activate() {
    if (Error e = ensure_root(); e != Error::Ok) return e;
    const Error e = kernel_.set_root(root_);
    return e == Error::Ok ? e : fail(e);
}

Result<CapRef> Pager::table_for(unsigned level, uint64_t va) {
    if (level == kernel_.levels()) {
        const Error e = ensure_root();
        return {e, root_};
    }
    // The table at `level` covers the range one entry of the level above maps.
    const unsigned span_shift = vnode_info(kernel_.vnode_type(level + 1)).shift;
    const uint64_t key = (uint64_t{level} << 56) | (strip(va) >> span_shift);
    if (auto it = tables_.find(key); it != tables_.end()) return {Error::Ok, it->second};
    const Result<CapRef> parent = table_for(level + 1, va);
    if (!parent.ok()) return parent;
    Block where;
    const Result<CapRef> table = allocate(kernel_.vnode_type(level), kVNodeBytes, kVNodeBytes, true, where);
    if (!table.ok()) return {fail(table.error)};
    if (Error e = kernel_.install(parent.value, index(level + 1, va), table.value, kMapRead); e != Error::Ok) {
        kernel_.delete_cap(table.value);
        release(where, kVNodeBytes);
        return {fail(e)};
    }
    tables_.emplace(key, table.value);
    ++stats_.tables;
    return table;
}

Error Pager::map_run(uint64_t va, uint64_t bytes, uint64_t page_bytes, Rights rights) {
    const unsigned level = level_of(page_bytes);
    const Result<CapRef> table = table_for(level, va);
    if (!table.ok()) return fail(table.error);
    Block where;
    const Result<CapRef> frame = allocate(ObjType::Frame, bytes, page_bytes, page_bytes == kPage4K, where);
    if (!frame.ok()) return fail(frame.error);
    const uint32_t slot = index(level, va);
    if (Error e = kernel_.install(table.value, slot, frame.value, rights); e != Error::Ok) {
        kernel_.delete_cap(frame.value);
        release(where, bytes);
        return fail(e);
    }
    const uint64_t pa = pools_[where.pool].base + where.offset;
    runs_.emplace(strip(va), Run{bytes, page_bytes, table.value, slot, frame.value, pa, where.pool});
    ++stats_.frames;
    stats_.pages[static_cast<unsigned>(page_size_of(page_bytes))] += bytes / page_bytes;
    return Error::Ok;
}

// ---- regions -----------------------------------------------------------------------------------

Error Pager::define(uint64_t va, uint64_t bytes, Rights rights, x86::PageSize largest) {
    if (va % kPage4K != 0) return fail(Error::Misaligned);
    if (bytes == 0 || bytes % kPage4K != 0) return fail(Error::BadSize);
    if ((rights & ~kAllRights) != 0) return fail(Error::BadFlags);
    if (static_cast<unsigned>(largest) >= x86::kPageSizes) return fail(Error::BadSize);
    const Sizes sizes = page_sizes(kernel_);
    const uint64_t largest_bytes = page_bytes_of(largest);
    if (std::find(sizes.begin(), sizes.end(), largest_bytes) == sizes.end()) return fail(Error::BadSize);
    // The range must lie in one half of the canonical space (4-level paging: 48-bit addresses,
    // bits 63:47 equal; SDM 3.3.7.1), or below 4 GB with 32-bit paging.
    const uint64_t start = strip(va);
    uint64_t limit;
    if (long_mode(kernel_)) {
        const bool high = start >> 47;
        if (va != (high ? start | ~((uint64_t{1} << 48) - 1) : start)) return fail(Error::OutOfRange);
        limit = uint64_t{1} << (high ? 48 : 47);
    } else {
        if (va != start) return fail(Error::OutOfRange);
        limit = uint64_t{1} << 32;
    }
    if (bytes > limit - start) return fail(Error::OutOfRange);
    auto next = regions_.lower_bound(start);
    if ((next != regions_.end() && next->first - start < bytes) ||
        (next != regions_.begin() && std::prev(next)->second.end > start))
        return fail(Error::Overlap);
    regions_.emplace(start, Region{start + bytes, static_cast<Rights>(rights | kRead), largest_bytes});
    return Error::Ok;
}

uint64_t Pager::page_for(const Region& region, uint64_t start, uint64_t va) const {
    for (uint64_t s : page_sizes(kernel_)) {
        if (s > region.largest) continue;
        const uint64_t block = va & ~(s - 1);
        if (block >= start && region.end - block >= s) return s;
    }
    return kPage4K;
}

Error Pager::map_region(uint64_t va, uint64_t bytes, Rights rights, x86::PageSize largest) {
    if (Error e = define(va, bytes, rights, largest); e != Error::Ok) return e;
    const uint64_t start = strip(va);
    const Region& region = regions_.at(start);
    for (uint64_t at = start; at < region.end;) {
        const uint64_t s = page_for(region, start, at);
        // A run: the pages of size s from `at` to the end of the table that holds them or to the
        // last whole page of the region. Within one table the size cannot change: a larger page
        // would start on the table's boundary.
        const uint64_t span = s * vnode_info(kernel_.vnode_type(level_of(s))).entries;
        const uint64_t table_end = (at | (span - 1)) + 1;
        const uint64_t run_end = std::min(table_end, at + (region.end - at) / s * s);
        Error e = map_run(at, run_end - at, s, region.rights);
        if (e == Error::OutOfMemory && run_end - at > s) {
            // No contiguous physical range for the whole run: one Frame per page.
            e = Error::Ok;
            for (uint64_t page = at; e == Error::Ok && page < run_end; page += s) e = map_run(page, s, s, region.rights);
        }
        if (e != Error::Ok) return e;
        at = run_end;
    }
    return Error::Ok;
}

Error Pager::reserve_region(uint64_t va, uint64_t bytes, Rights rights, x86::PageSize largest) {
    return define(va, bytes, rights, largest);
}

Error Pager::unmap_region(uint64_t va) {
    auto region = regions_.find(strip(va));
    if (region == regions_.end()) return fail(Error::NotMapped);
    auto run = runs_.lower_bound(region->first);
    while (run != runs_.end() && run->first < region->second.end) {
        const Run& r = run->second;
        kernel_.unmap(r.vnode, r.slot);
        kernel_.delete_cap(r.frame);
        release(Block{r.pool, r.pa - pools_[r.pool].base}, r.bytes);
        stats_.pages[static_cast<unsigned>(page_size_of(r.page_bytes))] -= r.bytes / r.page_bytes;
        run = runs_.erase(run);
    }
    regions_.erase(region);
    return Error::Ok;
}

// ---- faults ------------------------------------------------------------------------------------

FaultOutcome Pager::handle_fault(uint64_t va, uint8_t error_code) {
    ++stats_.faults;
    const uint64_t at = strip(va);
    const auto* region = region_at(at);
    if (!region) return FaultOutcome::NoRegion;
    if (error_code & x86::kPfRsvd) {
        // A malformed entry: the kernel writes none, so something else wrote the tables.
        fail(Error::BadFlags);
        return FaultOutcome::Failed;
    }
    const Rights rights = region->second.rights;
    if (((error_code & x86::kPfW) && !(rights & kWrite)) || ((error_code & x86::kPfI) && !(rights & kExecute)))
        return FaultOutcome::Protection;
    if (run_at(at)) return FaultOutcome::Spurious;
    const uint64_t s = page_for(region->second, region->first, at);
    if (map_run(at & ~(s - 1), s, s, rights) != Error::Ok) return FaultOutcome::Failed;
    ++stats_.faults_mapped;
    return FaultOutcome::Mapped;
}

x86::Translation translate_with_pager(x86::Mmu& mmu, Pager& pager, uint64_t va, x86::Access access,
                                      unsigned* faults) {
    uint32_t cycles = 0;
    unsigned upcalls = 0;
    x86::Translation t;
    for (;;) {
        t = mmu.translate(va, access, x86::Privilege::User);
        cycles += t.cycles;
        if (t.fault != x86::Fault::Page || upcalls == kMaxPagerRetries) break;
        ++upcalls;
        const FaultOutcome outcome = pager.handle_fault(t.cr2, t.error_code);
        if (outcome != FaultOutcome::Mapped && outcome != FaultOutcome::Spurious) break;
    }
    t.cycles = cycles;
    if (faults) *faults = upcalls;
    return t;
}

// ---- queries -----------------------------------------------------------------------------------

Result<PageInfo> Pager::lookup(uint64_t va) const {
    const uint64_t at = strip(va);
    const auto* run = run_at(at);
    if (!run) return {Error::NotMapped};
    const Run& r = run->second;
    const uint64_t page = (at - run->first) / r.page_bytes;
    PageInfo info;
    info.vnode = r.vnode;
    info.slot = r.slot + static_cast<uint32_t>(page);
    info.frame = r.frame;
    info.page_va = va - (at - run->first) % r.page_bytes;
    info.page_bytes = r.page_bytes;
    info.pa = r.pa + page * r.page_bytes;
    return {Error::Ok, info};
}

Result<AdBits> Pager::page_ad(uint64_t va) const {
    const Result<PageInfo> info = lookup(va);
    if (!info.ok()) return {info.error};
    return kernel_.read_ad(info.value.vnode, info.value.slot);
}

Error Pager::clear_page_ad(uint64_t va, AdBits bits) {
    const Result<PageInfo> info = lookup(va);
    if (!info.ok()) return fail(info.error);
    const Error e = kernel_.clear_ad(info.value.vnode, info.value.slot, 1, bits);
    return e == Error::Ok ? e : fail(e);
}

}  // namespace vmsim::selfpage
