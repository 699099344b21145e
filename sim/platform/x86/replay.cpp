#include "sim/platform/x86/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "models/x86_64/paging.hpp"
#include "vmlib/x86/kernel.hpp"

namespace vmsim::platform {

namespace {

constexpr uint64_t kFreeBase = 1 << 20;  // the guest software's memory starts above the first megabyte
constexpr uint64_t kCr0Pe = 1;           // protection enable (SDM Vol. 3A 2.5): paging needs it
constexpr size_t kBatch = 4096;
constexpr uint64_t kProgressEvery = 1 << 20;

}  // namespace

void boot_paging(x86::Mmu& mmu, const x86::MmuConfig& config, x86::PagingMode paging) {
    using namespace x86;
    const uint64_t pge = config.pge ? kCr4Pge : 0;
    bool ok = true;
    if (paging == PagingMode::Legacy) {
        ok = mmu.write_cr4(kCr4Pse | pge);
    } else {
        ok = mmu.write_cr4(kCr4Pae | pge | (paging == PagingMode::Long5 ? kCr4La57 : 0)) &&
             mmu.write_efer(kEferLme | (config.nx ? kEferNxe : 0));
    }
    ok = ok && mmu.write_cr0(kCr0Pe | kCr0Wp | kCr0Pg);
    if (!ok || mmu.mode() != paging) throw std::logic_error("x86: the MMU refused the paging mode the target checked");
}

X86Replay::X86Replay(const x86::MmuConfig& mmu, x86::PagingMode paging, const common::CacheHierarchyConfig& caches,
                     const X86ReplayConfig& config)
    : config_(config),
      memory_(std::make_unique<x86::SparseRam>(paging == x86::PagingMode::Legacy
                                                 ? uint64_t{1} << 32
                                                 : uint64_t{1} << mmu.max_phys_addr_bits)),
      caches_(caches),
      mmu_(std::make_unique<x86::Mmu>(mmu, *memory_, caches_)) {
    const auto expect = [](selfpage::Error e, const char* what) {
        if (e != selfpage::Error::Ok)
            throw std::runtime_error(std::string("replay: ") + what + ": " + selfpage::error_name(e));
    };
    boot_paging(*mmu_, mmu, paging);
    selfpage::KernelConfig kc;
    kc.mode = paging;
    kc.max_caps = 1u << 30;  // one Frame per touched page: the default 2^20 would cap a trace at 4 GB of 4 KB pages
    kernel_ = std::make_unique<selfpage::Kernel>(*memory_, *mmu_, kc);
    const selfpage::Result<selfpage::CapRef> ram = kernel_->grant_ram(kFreeBase, memory_->limit() - kFreeBase);
    expect(ram.error, "granting physical memory");
    pager_ = std::make_unique<selfpage::Pager>(*kernel_);
    expect(pager_->add_ram(ram.value), "giving the pager its RAM");
    paging_ = paging;
    expect(pager_->activate(), "loading the page tables");
    if (plans(config.page_size)) {
        planned_ = false;  // plan_large_pages() lays the regions out
        return;
    }
    for (const auto& [base, bytes] : halves()) reserve(base, bytes, config.page_size);
}

// The address space the trace may use: 4 GB with 32-bit paging, else both canonical halves (the
// upper one for traces with kernel addresses).
std::vector<std::pair<uint64_t, uint64_t>> X86Replay::halves() const {
    if (paging_ == x86::PagingMode::Legacy) return {{0, uint64_t{1} << 32}};
    const uint64_t half = uint64_t{1} << 47;
    return {{0, half}, {~(half - 1), half}};
}

void X86Replay::reserve(uint64_t base, uint64_t bytes, x86::PageSize largest) {
    const selfpage::Rights rwx = selfpage::kRead | selfpage::kWrite | selfpage::kExecute;
    const selfpage::Error e = pager_->reserve_region(base, bytes, rwx, largest);
    if (e != selfpage::Error::Ok)
        throw std::runtime_error(fmt::format("replay: reserving 0x{:x}..0x{:x}: {}", base, base + bytes,
                                             selfpage::error_name(e)));
}

uint64_t X86Replay::plan_large_pages(trace::RefSource& source) {
    const unsigned block_shift = x86::page_shift(config_.page_size);
    const uint64_t pages_per_block = uint64_t{1} << (block_shift - 12);
    const uint64_t la_mask = paging_ == x86::PagingMode::Legacy ? 0xffffffffu : ~uint64_t{0};
    // Touched 4 KB pages of each block, as a bitmap.
    std::unordered_map<uint64_t, std::vector<uint64_t>> touched;
    auto touch = [&](uint64_t la) {
        la &= la_mask;
        std::vector<uint64_t>& bits = touched[la >> block_shift];
        if (bits.empty()) bits.assign(pages_per_block / 64, 0);
        const uint64_t page = (la >> 12) & (pages_per_block - 1);
        bits[page / 64] |= uint64_t{1} << (page % 64);
    };
    std::vector<trace::Ref> batch(kBatch);
    const uint64_t total = config_.limit ? config_.skip + config_.limit : ~uint64_t{0};
    for (uint64_t left = total; left > 0;) {
        const size_t n = source.read(batch.data(), static_cast<size_t>(std::min<uint64_t>(left, kBatch)));
        if (n == 0) break;
        for (size_t i = 0; i < n; ++i) {
            touch(batch[i].addr);
            if (config_.split_page_crossing && batch[i].size > 1) touch(batch[i].addr + batch[i].size - 1);
        }
        left -= n;
    }
    std::vector<uint64_t> whole;  // block numbers, every page touched
    for (const auto& [block, bits] : touched)
        if (std::all_of(bits.begin(), bits.end(), [](uint64_t w) { return w == ~uint64_t{0}; })) whole.push_back(block);
    std::sort(whole.begin(), whole.end());
    // Each half: 4 KB regions between the whole blocks, a large-page region for each.
    for (const auto& [base, bytes] : halves()) {
        const uint64_t end = base + bytes;  // 0 for the upper half: the top of the address space
        uint64_t at = base;
        for (uint64_t block : whole) {
            const uint64_t start = block << block_shift;
            if (start < base || (end != 0 && start >= end)) continue;
            if (start > at) reserve(at, start - at, x86::PageSize::k4K);
            reserve(start, uint64_t{1} << block_shift, config_.page_size);
            at = start + (uint64_t{1} << block_shift);
        }
        if (at != end) reserve(at, end - at, x86::PageSize::k4K);
    }
    planned_ = true;
    return whole.size();
}

X86Replay::~X86Replay() = default;

// The slow path of a translation: a page fault goes to the pager and the access is retried, as
// selfpage::translate_with_pager does; anything else is returned as it is.
x86::Translation X86Replay::resolve(uint64_t la, x86::Access access, x86::Translation t) {
    for (unsigned upcalls = 0; t.fault == x86::Fault::Page && upcalls < selfpage::kMaxPagerRetries; ++upcalls) {
        counts_.translation_cycles += t.cycles;
        const selfpage::FaultOutcome o = pager_->handle_fault(t.cr2, t.error_code);
        if (o == selfpage::FaultOutcome::Mapped) ++counts_.faults;
        else if (o != selfpage::FaultOutcome::Spurious)
            throw std::runtime_error(fmt::format("replay: reference at 0x{:x}: the pager could not map it ({}: {})", la,
                                                 selfpage::fault_outcome_name(o),
                                                 selfpage::error_name(pager_->last_error())));
        t = mmu_->translate(la, access, x86::Privilege::User);
    }
    if (t.fault == x86::Fault::NonCanonical) return t;
    if (!t.ok())
        throw std::runtime_error(fmt::format("replay: reference at 0x{:x}: translation failed after the pager mapped it "
                                             "(fault {}, error code 0x{:02x})",
                                             la, static_cast<unsigned>(t.fault), t.error_code));
    return t;
}

inline void X86Replay::access(uint64_t la, x86::Access access, uint32_t size) {
    x86::Translation t = mmu_->translate(la, access, x86::Privilege::User);
    if (__builtin_expect(!t.ok(), 0)) {
        t = resolve(la, access, t);
        if (t.fault == x86::Fault::NonCanonical) {
            ++counts_.non_canonical;  // counts_.translations is derived: see run()
            return;
        }
    }
    counts_.translation_cycles += t.cycles;
    if (config_.data_cache && access != x86::Access::Fetch) counts_.data_cycles += caches_.access(t.pa).cycles;
    if (size > 1) {
        const uint64_t page_mask = (uint64_t{1} << x86::page_shift(t.page_size)) - 1;
        if ((la & page_mask) + size - 1 > page_mask) {
            ++counts_.page_crossing;
            if (config_.split_page_crossing) {
                ++counts_.split;
                this->access(la + size - 1, access, 1);
            }
        }
    }
}

void X86Replay::replay_batch(const trace::Ref* refs, size_t n) {
    uint64_t by_kind[4] = {0, 0, 0, 0};  // in registers, not in counts_ that every access may touch
    for (size_t i = 0; i < n; ++i) {
        const trace::Ref& r = refs[i];
        ++by_kind[static_cast<unsigned>(r.kind)];
        switch (r.kind) {
            case trace::Kind::Instr: access(r.addr, x86::Access::Fetch, r.size); break;
            case trace::Kind::Load: access(r.addr, x86::Access::Read, r.size); break;
            case trace::Kind::Store: access(r.addr, x86::Access::Write, r.size); break;
            case trace::Kind::Modify:
                access(r.addr, x86::Access::Read, r.size);
                access(r.addr, x86::Access::Write, r.size);
                break;
        }
    }
    for (unsigned k = 0; k < 4; ++k) counts_.by_kind[k] += by_kind[k];
    counts_.refs += n;
}

void X86Replay::run(trace::RefSource& source, const std::function<void(uint64_t)>& progress) {
    if (!planned_) throw std::logic_error("replay: trace.page_size 2m/4m: plan_large_pages() must run first");
    std::vector<trace::Ref> batch(kBatch);
    uint64_t read = 0, next_progress = kProgressEvery;
    // The warm-up: replayed, then every statistic is reset (the page tables and TLBs stay).
    for (uint64_t left = config_.skip; left > 0;) {
        const size_t n = source.read(batch.data(), static_cast<size_t>(std::min<uint64_t>(left, kBatch)));
        if (n == 0) break;
        replay_batch(batch.data(), n);
        left -= n;
        read += n;
    }
    counts_ = X86ReplayCounts{};
    mmu_->reset_stats();
    caches_.reset_stats();
    for (uint64_t left = config_.limit ? config_.limit : ~uint64_t{0}; left > 0;) {
        const size_t n = source.read(batch.data(), static_cast<size_t>(std::min<uint64_t>(left, kBatch)));
        if (n == 0) break;
        replay_batch(batch.data(), n);
        left -= n;
        read += n;
        if (progress && read >= next_progress) {
            progress(read);
            next_progress = read + kProgressEvery;
        }
    }
    // One translation per access: a modify makes two, a split crossing one more, a non-canonical
    // reference none.
    const uint64_t modify = counts_.by_kind[static_cast<unsigned>(trace::Kind::Modify)];
    counts_.translations = counts_.refs + modify + counts_.split - counts_.non_canonical;
}

}  // namespace vmsim::platform
