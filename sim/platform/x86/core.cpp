#include "sim/platform/x86/core.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "sim/platform/dmi.hpp"
#include "sim/platform/x86/replay.hpp"
#include "workloads/x86/gups.hpp"

namespace vmsim::platform {

namespace {

constexpr uint64_t kFreeBase = 1 << 20;  // the guest software's memory starts above the first megabyte
constexpr unsigned kMaxFaultsPerAccess = 8;

}  // namespace

// The RAM as the page walker and the pager see it: little-endian words through the DMI pointer.
class X86Core::RamMemory final : public x86::PhysicalMemory {
public:
    explicit RamMemory(const RamWindow& ram) : ram_(ram) { set_direct(ram.host, ram.size); }
    bool read32(uint64_t pa, uint32_t& v) override { return copy_out(pa, v); }
    bool read64(uint64_t pa, uint64_t& v) override { return copy_out(pa, v); }
    bool write32(uint64_t pa, uint32_t v) override { return copy_in(pa, v); }
    bool write64(uint64_t pa, uint64_t v) override { return copy_in(pa, v); }
    void prefetch(uint64_t pa) override {
        if (pa < ram_.size) __builtin_prefetch(ram_.host + pa);
    }
    // The host address of [pa, pa + bytes), or null when it is not all RAM.
    uint8_t* at(uint64_t pa, unsigned bytes) const {
        return pa <= ram_.size && ram_.size - pa >= bytes ? ram_.host + pa : nullptr;
    }
    uint64_t size() const { return ram_.size; }

private:
    template <typename T>
    bool copy_out(uint64_t pa, T& v) const {
        const uint8_t* p = at(pa, sizeof v);
        if (p) std::memcpy(&v, p, sizeof v);
        return p != nullptr;
    }
    template <typename T>
    bool copy_in(uint64_t pa, T v) {
        uint8_t* p = at(pa, sizeof v);
        if (p) std::memcpy(p, &v, sizeof v);
        return p != nullptr;
    }
    RamWindow ram_;
};

X86Core::X86Core(sc_core::sc_module_name name, const X86CoreParams& params, x86::Workload& workload)
    : sc_module(name),
      downstream_socket("downstream_socket"),
      params_(params),
      workload_(workload),
      caches_(params.caches) {
    downstream_socket.register_invalidate_direct_mem_ptr(this, &X86Core::invalidate_direct_mem_ptr);
    SC_HAS_PROCESS(X86Core);
    SC_THREAD(thread);
}

X86Core::~X86Core() = default;

void X86Core::start_of_simulation() {
    memory_ = std::make_unique<RamMemory>(request_ram_dmi(downstream_socket, name()));
    mmu_ = std::make_unique<x86::Mmu>(params_.mmu, *memory_, caches_);
}

void X86Core::invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) {
    SC_REPORT_FATAL(name(), "DMI to RAM was invalidated; this core keeps its RAM pointer for the whole run");
}

x86::PhysicalMemory& X86Core::physical_memory() { return *memory_; }

x86::PhysRange X86Core::free_memory() const { return {kFreeBase, memory_->size()}; }

// Paging on in the configured mode (replay.hpp: boot_paging); CR3 is the pager's to load.
void X86Core::boot() { boot_paging(*mmu_, params_.mmu, params_.paging); }

void X86Core::guest_error(std::string what) {
    result_.outcome = Outcome::GuestError;
    result_.error = std::move(what);
    throw Stop{};
}

sc_core::sc_time X86Core::local_time() const {
    return params_.clock_period * static_cast<double>(stats_.cycles() - synced_cycles_);
}

// What Gups::run_on calls: the bodies of the virtual calls, inlined into the workload's loop.
class X86Core::Direct {
public:
    explicit Direct(X86Core& core) : core_(core) {}
    // The loop's code is one page, fetched again and again: after a fetch, Mmu::repeatable() says
    // where its L1 hit is, and while that still holds (Mmu::repeat checks it) the next fetch of the
    // page is that hit without the lookup, counted the same. Anything else takes the whole path.
    void fetch(uint64_t la) {
        if ((la >> 12) == fetch_page_ && core_.fetch_repeat(fetch_)) return;
        core_.fetch_inline(la);
        fetch_page_ = la >> 12;
        fetch_ = core_.mmu_->repeatable(la, x86::Access::Fetch, x86::Privilege::User);
    }
    // In two stages: the hints' own line for `la` at once, the rest (prefetch_walk) kStages calls
    // later, when that line has arrived.
    // (The first kStages calls hint address 0, named_'s start: a hint changes nothing simulated.)
    void host_prefetch(uint64_t la) {
        core_.mmu_->prefetch_hint(la);
        uint64_t& due = named_[count_++ % kStages];
        core_.mmu_->prefetch_walk(due);
        due = la;
    }
    uint64_t read_modify_write(uint64_t la, unsigned bytes, Modify fn, uint64_t arg) {
        return core_.read_modify_write_inline(la, bytes, fn, arg);
    }
    void operation(uint32_t cycles) { core_.operation_inline(cycles); }

private:
    static constexpr unsigned kStages = 4;
    X86Core& core_;
    uint64_t fetch_page_ = ~uint64_t{0};  // the page fetch_ was made for
    x86::Mmu::Repeat fetch_;
    uint64_t named_[kStages] = {};
    uint64_t count_ = 0;
};

void X86Core::thread() {
    qk_.reset();
    const auto cycles_in = [this](const sc_core::sc_time& t) {  // whole cycles, rounded up
        return std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(t / params_.clock_period)));
    };
    boundary_ = cycles_in(qk_.time_to_sync_point());
    try {
        boot();
        workload_.setup(*this);
        // The statistics describe the run alone (machine.hpp); setup took no simulated time.
        stats_ = X86CoreStats{};
        mmu_->reset_stats();
        caches_.reset_stats();
        next_poll_ = 0;
        workload_start_ = std::chrono::steady_clock::now();
        if (auto* gups = dynamic_cast<x86::Gups*>(&workload_); gups && params_.compiled_workloads) {
            Direct direct{*this};
            gups->run_on(direct);
        } else {
            workload_.run(*this);
        }
        result_.outcome = Outcome::Exited;
    } catch (const Stop&) {
        // result_ says why
    } catch (const std::exception& e) {
        // The pager ran out of memory, or the workload broke the interface's rules.
        result_.outcome = Outcome::GuestError;
        result_.error = e.what();
    }
    qk_.set(local_time());
    qk_.sync();
    sc_core::sc_stop();
}

void X86Core::poll() {
    const uint64_t now = stats_.cycles();
    if (at_limit_) {
        result_.outcome = Outcome::InstructionLimit;
        throw Stop{};
    }
    if (params_.max_cycles && now >= params_.max_cycles) {
        result_.outcome = Outcome::CycleLimit;
        throw Stop{};
    }
    if (now >= boundary_) {
        // The quantum is used up. With no other process pending a sync would change nothing
        // observable (the R3000 core's reasoning, r3000/core.cpp); this platform has no devices that
        // could create activity later, so once elided it stays elided.
        if (params_.sync_elision && !sc_core::sc_pending_activity()) {
            ++elided_;
            boundary_ = ~uint64_t{0};
        } else {
            qk_.set(local_time());
            qk_.sync();
            synced_cycles_ = now;
            ++syncs_;
            boundary_ = now + std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(qk_.time_to_sync_point() /
                                                                                   params_.clock_period)));
        }
    }
    next_poll_ = std::min(boundary_, params_.max_cycles ? params_.max_cycles : ~uint64_t{0});
}

// The physical address of `la` for one access, the page faults on the way delivered to the pager.
inline uint64_t X86Core::translate(uint64_t la, x86::Access access) {
    for (unsigned faults = 0;; ++faults) {
        const x86::Translation t = mmu_->translate(la, access, x86::Privilege::User);
        stats_.translation_cycles += t.cycles;
        if (t.ok()) return t.pa;
        if (t.fault == x86::Fault::Page && fault_handler_ && faults < kMaxFaultsPerAccess) {
            stats_.fault_cycles += params_.fault_cycles;
            if (fault_handler_(t.cr2, t.error_code)) {
                ++stats_.faults_handled;
                continue;
            }
        }
        translation_error(la, access, t, faults);
    }
}

// Out of line, so that translate() keeps few registers to save on its hot path.
void X86Core::translation_error(uint64_t la, x86::Access access, const x86::Translation& t, unsigned faults) {
    const char* kind = access == x86::Access::Fetch ? "fetch" : access == x86::Access::Write ? "store" : "load";
    switch (t.fault) {
        case x86::Fault::Page:
            if (faults >= kMaxFaultsPerAccess)
                guest_error(fmt::format("{} at 0x{:x}: {} page faults in a row, the pager resolved each but the "
                                        "access still faults (error code 0x{:02x})",
                                        kind, la, faults, t.error_code));
            guest_error(fmt::format("{} at 0x{:x}: page fault (error code 0x{:02x}) {}", kind, la, t.error_code,
                                    fault_handler_ ? "the pager did not resolve" : "with no pager to deliver it to"));
        case x86::Fault::NonCanonical:
            guest_error(fmt::format("{} at 0x{:x}: non-canonical address (#GP)", kind, la));
        case x86::Fault::Bus:
            guest_error(fmt::format("{} at 0x{:x}: the page walk read an entry at physical 0x{:x}, outside RAM", kind,
                                    la, t.pa));
        case x86::Fault::None:
            break;
    }
    throw std::logic_error("x86 core: a translation neither succeeded nor faulted");
}

inline uint8_t* X86Core::data(uint64_t la, unsigned bytes, x86::Access access, uint64_t& pa) {
    if ((bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) || (la & (bytes - 1))) bad_access(la, bytes);
    pa = translate(la, access);
    mmu_->note_access(la, pa);
    uint8_t* host = memory_->at(pa, bytes);
    if (!host) outside_ram(la, pa, access);
    // The host's own miss on a random line of a large guest table costs as much as the cache model's
    // lookups: start it first, so that it overlaps them. (The model's own sets for the line are
    // hinted only ahead, by host_prefetch(): issued here, right before the lookups, their prefetch
    // cost more instructions than it saved; docs/performance.md.)
    __builtin_prefetch(host, 1);  // for writing: a load of a word is mostly followed by its store
    stats_.data_cycles +=
        (caches_.compiled_lru_8_4_16() ? caches_.access_lru_8_4_16(pa) : caches_.access(pa)).cycles;
    return host;
}

inline uint8_t* X86Core::data_at(uint64_t la, unsigned bytes, x86::Access access, uint64_t pa, uint8_t* host) {
    // The word was checked for size and alignment, and its host address found, for the access
    // before; the translation may still differ (a store that had to set D re-walks, and in the
    // model another walk may map elsewhere): then it is a new address, as data() treats it.
    const uint64_t now = translate(la, access);
    if (now != pa) {
        mmu_->note_access(la, now);
        host = memory_->at(now, bytes);
        if (!host) outside_ram(la, now, access);
        pa = now;
    }
    stats_.data_cycles += caches_.access(pa).cycles;
    return host;
}
void X86Core::bad_access(uint64_t la, unsigned bytes) {
    throw std::logic_error(fmt::format("x86 core: the workload made a {}-byte access at 0x{:x} (accesses are "
                                       "naturally aligned 1, 2, 4 or 8 bytes)",
                                       bytes, la));
}

void X86Core::outside_ram(uint64_t la, uint64_t pa, x86::Access access) {
    guest_error(fmt::format("{} at 0x{:x}: physical address 0x{:x} is outside RAM",
                            access == x86::Access::Write ? "store" : "load", la, pa));
}

void X86Core::host_prefetch(uint64_t la) { mmu_->prefetch_walk(la); }

inline uint64_t X86Core::read_word(const uint8_t* p, unsigned bytes) {
    // Little-endian host = guest order. A copy of constant size is a plain load, not a call.
    switch (bytes) {
        case 8: { uint64_t v; std::memcpy(&v, p, 8); return v; }
        case 4: { uint32_t v; std::memcpy(&v, p, 4); return v; }
        case 2: { uint16_t v; std::memcpy(&v, p, 2); return v; }
        default: return *p;
    }
}

inline void X86Core::write_word(uint8_t* p, uint64_t value, unsigned bytes) {
    switch (bytes) {
        case 8: std::memcpy(p, &value, 8); break;
        case 4: { const uint32_t v = static_cast<uint32_t>(value); std::memcpy(p, &v, 4); break; }
        case 2: { const uint16_t v = static_cast<uint16_t>(value); std::memcpy(p, &v, 2); break; }
        default: *p = static_cast<uint8_t>(value); break;
    }
}

uint64_t X86Core::load(uint64_t la, unsigned bytes) {
    if (poll_due()) poll();
    ++stats_.loads;
    uint64_t pa;
    return read_word(data(la, bytes, x86::Access::Read, pa), bytes);
}

void X86Core::store(uint64_t la, uint64_t value, unsigned bytes) {
    if (poll_due()) poll();
    ++stats_.stores;
    uint64_t pa;
    write_word(data(la, bytes, x86::Access::Write, pa), value, bytes);
}

// load() then store() of the same word, in one call: the store's checks of size and alignment, its
// search for the host address and its host hints are the load's (only `fn` ran in between, which
// touches nothing simulated); its translation and cache-model access are made as store() makes
// them, so that every statistic and every TLB and cache state is that of the two calls.
uint64_t X86Core::read_modify_write(uint64_t la, unsigned bytes, Modify fn, uint64_t arg) {
    if (!params_.compiled_workloads) return Machine::read_modify_write(la, bytes, fn, arg);
    return read_modify_write_inline(la, bytes, fn, arg);
}

inline uint64_t X86Core::read_modify_write_inline(uint64_t la, unsigned bytes, Modify fn, uint64_t arg) {
    if (poll_due()) poll();
    ++stats_.loads;
    uint64_t pa;
    uint8_t* host = data(la, bytes, x86::Access::Read, pa);
    const uint64_t old = read_word(host, bytes);
    if (poll_due()) poll();
    ++stats_.stores;
    write_word(data_at(la, bytes, x86::Access::Write, pa, host), fn(old, arg), bytes);
    return old;
}

void X86Core::fetch(uint64_t la) { fetch_inline(la); }

// fetch_inline() of the page `r` was made for, when its translation repeats: false, with nothing
// changed, when it does not or when poll() is due (fetch_inline() polls first).
inline bool X86Core::fetch_repeat(const x86::Mmu::Repeat& r) {
    if (poll_due() || !mmu_->repeat(r)) return false;
    ++stats_.fetches;
    stats_.translation_cycles += r.cycles();
    return true;
}

inline void X86Core::fetch_inline(uint64_t la) {
    if (poll_due()) poll();
    ++stats_.fetches;
    translate(la, x86::Access::Fetch);
}

void X86Core::operation(uint32_t cycles) { operation_inline(cycles); }

inline void X86Core::operation_inline(uint32_t cycles) {
    if (poll_due()) poll();
    ++stats_.operations;
    stats_.compute_cycles += cycles;
    if (params_.max_operations && stats_.operations >= params_.max_operations) {
        at_limit_ = true;  // stop at the next access or operation; a workload that ends here exited
        next_poll_ = 0;
    }
}
}  // namespace vmsim::platform
