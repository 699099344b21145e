// Write-buffer timing model: the FIFO between the write-through D-cache and memory (the
// DECstation 3100's four R2020 chips form a four-entry buffer that stalls the CPU only when full).
// Cycle domain, plain C++, header-only; O(1) per call, deterministic.
//
// The model:
//  - Every store (cached or not) enters the buffer at the cycle it issues. A store that finds the
//    buffer full waits until the oldest entry has retired; that wait is its stall.
//  - Entries retire in order, one at a time. Each occupies the memory for drain_cycles, starting
//    when the memory is free: an entry that starts at cycle s frees its slot at cycle s + drain.
//  - Reads (cache-miss fills and uncached loads, instruction or data) use the same memory and
//    are answered by drain_for_read, which returns how long the read waits before it starts:
//      ReadPolicy::Bypass: the read waits only for the write already on its way to memory, then
//        goes ahead of the queued writes, which resume after it. This is the R2000/R2020
//        arrangement: the MIPS wbflush(3) manual page asks software to spin until the R2020
//        buffers are empty when a write to one location can change what a read of another
//        returns (device registers), which is needed only because reads overtake buffered
//        writes. (Linux's DECstation code does that spin, on bc0f, for the DS3100.)
//      ReadPolicy::Drain: the read waits until every buffered write has retired (a simpler
//        memory controller; kept for sensitivity runs).
//    A read does not look for a buffered write to its own address (the R2020 resolves such a
//    conflict); with a one-word write-allocating D-cache it happens only after a partial-word
//    store miss, and the model ignores it.
//  - depth 0 means no buffer: each store waits until its own write has finished.
//  - drain_cycles 0 means writes cost the memory nothing: no store ever stalls.
// Byte gathering (the R2020 can merge adjacent partial-word stores into one entry) is not
// modelled: every store is one entry.
//
// Calls must come in non-decreasing `now`, which is what a CPU that adds each stall to its cycle
// count produces.
#pragma once
#include <algorithm>
#include <cstdint>

#include "models/common/stat_list.hpp"

namespace vmsim::r3000 {

enum class ReadPolicy {
    Bypass,  // a read waits for the write in progress only, then overtakes the queued writes
    Drain,   // a read waits until the buffer is empty
};

struct WriteBufferConfig {
    unsigned depth = 4;          // entries (DECstation 3100: four R2020 stages)
    unsigned drain_cycles = 5;   // memory cycles per retired entry (see configs/machines/dec3100.cfg)
    ReadPolicy read_policy = ReadPolicy::Bypass;
};

struct WriteBufferStats {
    uint64_t writes = 0;
    uint64_t full_stalls = 0;          // stores that waited for a free entry
    uint64_t write_stall_cycles = 0;   // cycles those stores waited
    uint64_t reads = 0;
    uint64_t delayed_reads = 0;        // reads that waited for buffered writes
    uint64_t read_wait_cycles = 0;     // cycles those reads waited

    // As statistics ("wbuf." prefix); the wait cycles are in the CPU's cycle breakdown.
    common::StatList list() const {
        return {{"writes", "stores through the write buffer", writes},
                {"full_stalls", "stores that found the write buffer full", full_stalls},
                {"delayed_reads", "reads that waited for buffered writes", delayed_reads}};
    }
};

class WriteBuffer {
public:
    explicit WriteBuffer(const WriteBufferConfig& config) : config_(config) {}

    // A store issued at cycle `now` (cached or uncached; the cache is write-through). Returns the
    // stall cycles: 0 unless the buffer is full.
    uint64_t write(uint64_t now) {
        ++stats_.writes;
        const uint64_t drain = config_.drain_cycles;
        if (drain == 0) return 0;
        retire(now);
        uint64_t stall = 0;
        if (config_.depth == 0) {  // unbuffered: wait for this write itself
            const uint64_t done = std::max(now, mem_free_) + drain;
            stall = done - now;
            mem_free_ = done;
        } else if (count_ == 0) {
            head_done_ = std::max(now, mem_free_) + drain;
            count_ = 1;
        } else if (count_ < config_.depth) {
            ++count_;
        } else {
            // Full: the store waits for the oldest entry to retire and takes its slot. The next
            // entry was already queued, so it starts at once.
            stall = head_done_ - now;
            head_done_ += drain;
        }
        if (stall) {
            ++stats_.full_stalls;
            stats_.write_stall_cycles += stall;
        }
        return stall;
    }

    // A read that must go to memory (a cache miss or an uncached load) issued at cycle `now`,
    // which then keeps the memory busy for `read_cycles`. Returns the cycles it waits before it
    // starts; the caller's stall is that wait plus read_cycles.
    uint64_t drain_for_read(uint64_t now, uint64_t read_cycles) {
        ++stats_.reads;
        retire(now);
        const uint64_t drain = config_.drain_cycles;
        uint64_t start = std::max(now, mem_free_);
        if (count_ > 0) {
            if (config_.read_policy == ReadPolicy::Drain) {
                start = std::max(start, last_done());
                count_ = 0;
            } else {
                // An entry whose start cycle has not passed yet loses to the read (read priority).
                if (now > head_done_ - drain) {
                    start = std::max(start, head_done_);
                    --count_;
                }
                if (count_ > 0) head_done_ = start + read_cycles + drain;
            }
        }
        mem_free_ = start + read_cycles;
        const uint64_t wait = start - now;
        if (wait) {
            ++stats_.delayed_reads;
            stats_.read_wait_cycles += wait;
        }
        return wait;
    }

    // Entries still buffered at cycle `now` (>= the last call's). No side effects.
    unsigned occupancy(uint64_t now) const {
        if (count_ == 0 || now < head_done_) return count_;
        const uint64_t retired = 1 + (now - head_done_) / config_.drain_cycles;
        return retired >= count_ ? 0 : count_ - static_cast<unsigned>(retired);
    }
    bool empty(uint64_t now) const { return occupancy(now) == 0; }
    // The cycle from which the buffer is empty (what a wbflush spin waits for), assuming no read
    // overtakes the buffered writes first.
    uint64_t empty_at() const { return count_ == 0 ? 0 : last_done(); }

    void reset() {
        count_ = 0;
        head_done_ = mem_free_ = 0;
        stats_ = WriteBufferStats{};
    }
    const WriteBufferConfig& config() const { return config_; }
    const WriteBufferStats& stats() const { return stats_; }

private:
    // Drops the entries that have retired by `now`. The buffered entries retire at head_done_,
    // head_done_ + drain, ... (a read that overtakes them moves the whole schedule).
    void retire(uint64_t now) {
        if (count_ == 0 || now < head_done_) return;
        const uint64_t retired = 1 + (now - head_done_) / config_.drain_cycles;
        if (retired >= count_) {
            count_ = 0;
            return;
        }
        count_ -= static_cast<unsigned>(retired);
        head_done_ += retired * config_.drain_cycles;
    }

    uint64_t last_done() const { return head_done_ + static_cast<uint64_t>(count_ - 1) * config_.drain_cycles; }

    WriteBufferConfig config_;
    unsigned count_ = 0;      // buffered entries as of the last call (never more than depth)
    uint64_t head_done_ = 0;  // cycle the oldest of them retires (when count_ > 0)
    uint64_t mem_free_ = 0;   // cycle the memory finishes the last read or unbuffered write
    WriteBufferStats stats_;
};

}  // namespace vmsim::r3000
