#include "sim/platform/x86/replay.hpp"

#include <fmt/format.h>

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

// Physical memory of which only written 4 KB pages exist on the host (reads elsewhere give 0):
// the page tables. Below `limit`; nothing answers above.
class X86Replay::SparseMemory final : public x86::PhysicalMemory {
public:
    explicit SparseMemory(uint64_t limit) : limit_(limit) {}
    bool read32(uint64_t pa, uint32_t& v) override { return load(pa, v); }
    bool read64(uint64_t pa, uint64_t& v) override { return load(pa, v); }
    bool write32(uint64_t pa, uint32_t v) override { return store(pa, v); }
    bool write64(uint64_t pa, uint64_t v) override { return store(pa, v); }
    uint64_t limit() const { return limit_; }

private:
    using Page = std::array<uint8_t, 4096>;
    Page* find(uint64_t pa, bool create) {
        const uint64_t n = pa >> 12;
        if (n == last_ && last_page_) return last_page_;
        auto it = index_.find(n);
        if (it == index_.end()) {
            if (!create) return nullptr;
            pages_.push_back(std::make_unique<Page>());
            pages_.back()->fill(0);
            it = index_.emplace(n, pages_.back().get()).first;
        }
        last_ = n;
        last_page_ = it->second;
        return it->second;
    }
    template <typename T>
    bool load(uint64_t pa, T& v) {
        if (pa >= limit_ || limit_ - pa < sizeof(T)) return false;
        const Page* page = find(pa, false);
        v = 0;
        if (page) std::memcpy(&v, page->data() + (pa & 0xfff), sizeof(T));
        return true;
    }
    template <typename T>
    bool store(uint64_t pa, T v) {
        if (pa >= limit_ || limit_ - pa < sizeof(T)) return false;
        std::memcpy(find(pa, true)->data() + (pa & 0xfff), &v, sizeof(T));
        return true;
    }

    uint64_t limit_;
    std::unordered_map<uint64_t, Page*> index_;
    std::vector<std::unique_ptr<Page>> pages_;
    uint64_t last_ = ~uint64_t{0};
    Page* last_page_ = nullptr;
};

X86Replay::X86Replay(const x86::MmuConfig& mmu, x86::PagingMode paging, const common::CacheHierarchyConfig& caches,
                     const X86ReplayConfig& config)
    : config_(config),
      memory_(std::make_unique<SparseMemory>(paging == x86::PagingMode::Legacy
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
    const selfpage::Rights rwx = selfpage::kRead | selfpage::kWrite | selfpage::kExecute;
    if (paging == x86::PagingMode::Legacy) {
        expect(pager_->reserve_region(0, uint64_t{1} << 32, rwx, config.page_size), "reserving the address space");
    } else {
        const uint64_t half = uint64_t{1} << 47;
        expect(pager_->reserve_region(0, half, rwx, config.page_size), "reserving the lower half");
        expect(pager_->reserve_region(~(half - 1), half, rwx, config.page_size), "reserving the upper half");
    }
    expect(pager_->activate(), "loading the page tables");
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
