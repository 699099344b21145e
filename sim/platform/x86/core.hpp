// The SystemC core of the x86-64 platform: one SC_THREAD that runs a host-compiled workload
// (workloads/x86/machine.hpp) with temporal decoupling (tlm_quantumkeeper) and RAM through DMI.
// There is no instruction-set simulator: the workload's loads, stores and fetches are the guest's
// memory instructions, each translated by the x86 MMU model (models/x86_64) and timed, and its own
// computation is the cost per operation it states. No sc_clock: the core counts cycles and
// annotates them as time.
//
// Timing is that of a core that blocks on each access (no overlap of misses): an access costs its
// translation's latency (0 for an L1 TLB hit, the STLB lookup, the walk's references through the
// cache model) plus, for a load or store, the latency of the cache level that holds the line. A page
// fault costs cpu.fault_cycles on top, and the access is retried after the workload's pager ran.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/mmu.hpp"
#include "sim/platform/quantum.hpp"
#include "sim/platform/target.hpp"
#include "workloads/x86/machine.hpp"

namespace vmsim::platform {

struct X86CoreParams {
    x86::MmuConfig mmu;
    x86::PagingMode paging = x86::PagingMode::Long4;
    common::CacheHierarchyConfig caches;
    sc_core::sc_time clock_period;   // one CPU cycle
    uint64_t max_operations = 0;     // 0 = no limit
    uint64_t max_cycles = 0;         // 0 = no limit
    uint32_t fault_cycles = 0;       // charged per page fault delivered to the pager
    bool sync_elision = true;        // skip quantum syncs nobody can observe
    // Host speed only: run a workload this core is compiled for (GUPS) through direct, inlined calls
    // and make a read-modify-write in one pass (X86Core::read_modify_write); off, every workload
    // goes through the virtual Machine interface and a read-modify-write is its load and store.
    bool compiled_workloads = true;
};

// What the core counts besides the MMU and the caches. The cycle categories add up to cycles().
struct X86CoreStats {
    uint64_t operations = 0, loads = 0, stores = 0, fetches = 0;
    uint64_t faults_handled = 0;  // page faults the pager resolved (the access was retried)
    uint64_t compute_cycles = 0, translation_cycles = 0, data_cycles = 0, fault_cycles = 0;
    uint64_t cycles() const { return compute_cycles + translation_cycles + data_cycles + fault_cycles; }
};

struct X86CoreResult {
    Outcome outcome = Outcome::GuestError;
    std::string error;  // GuestError: what went wrong
};

class X86Core : public sc_core::sc_module, public x86::Machine {
public:
    tlm_utils::simple_initiator_socket<X86Core> downstream_socket;

    // `workload` must outlive the core; the RAM is reached through the socket.
    X86Core(sc_core::sc_module_name name, const X86CoreParams& params, x86::Workload& workload);
    ~X86Core() override;

    // ---- x86::Machine ----
    uint64_t load(uint64_t la, unsigned bytes) override;
    void store(uint64_t la, uint64_t value, unsigned bytes) override;
    void fetch(uint64_t la) override;
    uint64_t read_modify_write(uint64_t la, unsigned bytes, Modify fn, uint64_t arg) override;
    void operation(uint32_t cycles) override;
    void host_prefetch(uint64_t la) override;
    x86::PhysicalMemory& physical_memory() override;
    x86::PhysRange free_memory() const override;
    x86::Mmu& mmu() override { return *mmu_; }
    void set_page_fault_handler(FaultHandler handler) override { fault_handler_ = std::move(handler); }

    // Valid once the run has ended.
    const X86CoreResult& result() const { return result_; }
    const X86CoreStats& stats() const { return stats_; }
    const x86::MmuStats& mmu_stats() const { return mmu_->stats(); }
    const common::CacheHierarchyStats& cache_stats() const { return caches_.stats(); }
    uint64_t quantum_syncs() const { return syncs_; }
    uint64_t elided_syncs() const { return elided_; }
    // When the workload's run began: its setup (paging booted, GUPS's table mapped) done, its first
    // operation next. Unset (the clock's epoch) when the run never got there.
    std::chrono::steady_clock::time_point workload_start() const { return workload_start_; }

private:
    class RamMemory;
    class Direct;  // the Machine's workload calls as direct ones, for Gups::run_on (core.cpp)
    struct Stop {};  // unwinds the workload when the run must end

    void start_of_simulation() override;
    void thread();
    void boot();
    [[noreturn]] void guest_error(std::string what);
    // Called before every access and operation when the cycle count reaches next_poll_: the limits
    // and the quantum.
    void poll();
    // Whether poll() is due. next_poll_ is all ones when nothing can be due (no cycle limit, the
    // quantum's syncs elided: poll()), a count no run reaches; testing for it first spares summing
    // the four cycle categories before each access in that case.
    [[gnu::always_inline]] bool poll_due() const {
        return next_poll_ != ~uint64_t{0} && stats_.cycles() >= next_poll_;
    }
    // Inlined into their callers (load, store, fetch): each call level cost a GUPS update about 15
    // host instructions of register saves and restores (docs/performance.md).
    [[gnu::always_inline]] inline uint64_t translate(uint64_t la, x86::Access access);
    [[gnu::always_inline]] inline uint8_t* data(uint64_t la, unsigned bytes, x86::Access access, uint64_t& pa);
    // data() for an access whose translation went to `pa`, the host's `host` (the access before it,
    // of the same word, had them): the cache model's access alone.
    [[gnu::always_inline]] inline uint8_t* data_at(uint64_t la, unsigned bytes, x86::Access access, uint64_t pa,
                                                   uint8_t* host);
    [[gnu::always_inline]] static inline uint64_t read_word(const uint8_t* p, unsigned bytes);
    // The bodies of the Machine calls, for the virtual ones and for Direct.
    [[gnu::always_inline]] inline void fetch_inline(uint64_t la);
    [[gnu::always_inline]] inline bool fetch_repeat(const x86::Mmu::Repeat& r);
    [[gnu::always_inline]] inline void operation_inline(uint32_t cycles);
    [[gnu::always_inline]] inline uint64_t read_modify_write_inline(uint64_t la, unsigned bytes, Modify fn,
                                                                    uint64_t arg);
    [[gnu::always_inline]] static inline void write_word(uint8_t* p, uint64_t value, unsigned bytes);
    // The errors of translate() and data(), out of their hot paths.
    [[noreturn, gnu::noinline, gnu::cold]] void translation_error(uint64_t la, x86::Access access,
                                                                   const x86::Translation& t, unsigned faults);
    [[noreturn, gnu::noinline, gnu::cold]] static void bad_access(uint64_t la, unsigned bytes);
    [[noreturn, gnu::noinline, gnu::cold]] void outside_ram(uint64_t la, uint64_t pa, x86::Access access);
    sc_core::sc_time local_time() const;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

    X86CoreParams params_;
    x86::Workload& workload_;
    common::CacheHierarchy caches_;
    std::unique_ptr<RamMemory> memory_;
    std::unique_ptr<x86::Mmu> mmu_;
    FaultHandler fault_handler_;
    QuantumKeeper qk_;
    X86CoreStats stats_;
    uint64_t next_poll_ = 0;     // the cycle count at which poll() runs next (0: at once)
    uint64_t boundary_ = 0;      // the cycle count at which the quantum is used up
    uint64_t synced_cycles_ = 0; // the cycle count at the last quantum sync
    uint64_t syncs_ = 0, elided_ = 0;
    bool at_limit_ = false;      // max_operations reached: the next access or operation stops
    X86CoreResult result_;
    std::chrono::steady_clock::time_point workload_start_{};
};

}  // namespace vmsim::platform
