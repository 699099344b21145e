// What software compiled for the host sees of the simulated x86 machine (the x86_64 target,
// sim/platform/x86/). Such software is the application (a workload like GUPS) and the guest
// system software it runs on (a pager that builds page tables). Plain C++17, no SystemC: the
// platform's core implements Machine, and a test can implement it over models/x86_64 directly.
//
// Two kinds of operation, as on a real machine:
//  - The application's instructions: load, store and fetch are user-mode accesses at a linear
//    address. Every one goes through the MMU (TLBs, page walk, A/D bits, #PF) and is timed: the
//    translation's latency plus, for a load or store, the data access through the cache-latency
//    model. operation() is the application's own computation, at a cost the workload states.
//  - System software's work: physical memory, the control registers, INVLPG and the page-fault
//    upcall. It is untimed (the cost of a page fault as a whole is the platform's cpu.fault_cycles).
//
// A page fault on an access is delivered to the handler set with set_page_fault_handler() (CR2
// and the error code, as the hardware pushes them); when it returns true the access is retried.
// The application never sees a fault: an unhandled one ends the run with a guest error.
#pragma once
#include <cstdint>
#include <functional>

#include "models/x86_64/mmu.hpp"
#include "models/x86_64/phys_mem.hpp"

namespace vmsim::x86 {

// Physical memory [base, end) that the platform leaves to the guest software (page tables,
// frames): everything above the first megabyte, as on a PC.
struct PhysRange {
    uint64_t base = 0, end = 0;
};

class Machine {
public:
    using FaultHandler = std::function<bool(uint64_t cr2, uint8_t error_code)>;

    virtual ~Machine() = default;

    // ---- the application: user mode, translated and timed ----
    // A naturally aligned access of 1, 2, 4 or 8 bytes (little-endian); anything else is a bug of
    // the workload (std::logic_error).
    virtual uint64_t load(uint64_t la, unsigned bytes) = 0;
    virtual void store(uint64_t la, uint64_t value, unsigned bytes) = 0;
    // An instruction fetch at `la`: the I-TLB and the walk; the fetch's own time is part of the
    // operation's stated cost (the code of a loop stays in the L1 I-cache).
    virtual void fetch(uint64_t la) = 0;
    // A read-modify-write of one word: loads it, stores fn(old, arg) back and returns the old value.
    // The same accesses, with the same effects, as load() then store() (which is what this default
    // does); a machine may make them in one call, knowing that nothing ran in between but `fn`,
    // which must be a plain computation (no call into the machine).
    using Modify = uint64_t (*)(uint64_t old, uint64_t arg);
    virtual uint64_t read_modify_write(uint64_t la, unsigned bytes, Modify fn, uint64_t arg) {
        const uint64_t old = load(la, bytes);
        store(la, fn(old, arg), bytes);
        return old;
    }
    // One operation of the workload (GUPS: one update): its own computation costs `cycles`. It
    // counts toward sim.max_instructions, the target's operation limit.
    virtual void operation(uint32_t cycles) = 0;
    // A hint to the simulator's host, not a guest instruction: the workload will access `la` soon.
    // The host may start fetching what simulating that access will touch (the guest's line in host
    // memory, the page-table entries its last walk read, the cache model's sets) so that its misses
    // overlap the accesses in between. It changes nothing that is simulated: no TLB, cache or
    // statistic sees it, and a workload's results are the same with or without it (tested).
    virtual void host_prefetch(uint64_t /*la*/) {}

    // ---- system software: untimed ----
    virtual PhysicalMemory& physical_memory() = 0;
    virtual PhysRange free_memory() const = 0;
    virtual Mmu& mmu() = 0;  // mode(), write_cr3(), invlpg()
    virtual void set_page_fault_handler(FaultHandler handler) = 0;
};

// A program compiled for the host that runs on Machine.
class Workload {
public:
    virtual ~Workload() = default;
    // Before the measured part: build the page tables, map memory. The platform resets every
    // statistic after it, so that they describe run() alone.
    virtual void setup(Machine& machine) = 0;
    virtual void run(Machine& machine) = 0;
};

}  // namespace vmsim::x86
