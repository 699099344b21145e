// The write-buffer timing model (models/mips_r3000/write_buffer.hpp). Expected cycles follow from
// the model's rules: an entry that starts draining at cycle s frees its slot at s + drain; entries
// start one after another as the memory becomes free; a store waits only for a free slot; a read
// waits for the write in progress (Bypass) or for all of them (Drain).
#include <gtest/gtest.h>

#include <vector>

#include "models/mips_r3000/write_buffer.hpp"

namespace vmsim::r3000 {
namespace {

WriteBufferConfig buffer(unsigned depth, unsigned drain, ReadPolicy policy = ReadPolicy::Bypass) {
    WriteBufferConfig c;
    c.depth = depth;
    c.drain_cycles = drain;
    c.read_policy = policy;
    return c;
}

TEST(WriteBufferStores, IsolatedStoreNeverStalls) {
    WriteBuffer wb(buffer(4, 10));
    EXPECT_EQ(wb.write(100), 0u);
}

TEST(WriteBufferStores, WriteBufferStallsOnlyWhenFull) {
    WriteBuffer wb(buffer(4, 10));
    // Entries written at 0..3 retire at 10, 20, 30, 40: four fit without a stall.
    for (uint64_t t = 0; t < 4; ++t) EXPECT_EQ(wb.write(t), 0u) << "store at " << t;
    // At 10 the first has retired, so a store finds a free slot.
    EXPECT_EQ(wb.write(10), 0u);
    // At 11 the buffer is full again; the oldest (written at 1) retires at 20.
    EXPECT_EQ(wb.write(11), 9u);
}

TEST(WriteBufferStores, FifthBackToBackStoreStallsUntilTheOldestEntryDrains) {
    WriteBuffer wb(buffer(4, 10));
    for (uint64_t t = 0; t < 4; ++t) wb.write(t);
    EXPECT_EQ(wb.write(4), 6u);  // the entry written at 0 frees its slot at 10
}

TEST(WriteBufferStores, WithDecstationDefaultsTheFifthStoreOfABurstWaitsOneCycle) {
    // Four entries, 5-cycle drain (the preset): stores at 0..3 fill the buffer, the first retires
    // at 5, so the store at 4 waits 1 cycle.
    WriteBuffer wb(WriteBufferConfig{});
    for (uint64_t t = 0; t < 4; ++t) EXPECT_EQ(wb.write(t), 0u);
    EXPECT_EQ(wb.write(4), 1u);
}

TEST(WriteBufferStores, SustainedBackToBackStoresRetireOnePerDrainTime) {
    // A CPU storing every cycle, adding each stall to its clock: after the buffer fills, a store
    // issues one cycle after a slot frees and waits for the next one, drain - 1 = 9 cycles.
    WriteBuffer wb(buffer(4, 10));
    uint64_t now = 0;
    std::vector<uint64_t> stalls;
    for (int i = 0; i < 20; ++i) {
        const uint64_t stall = wb.write(now);
        stalls.push_back(stall);
        now += stall + 1;
    }
    for (int i = 0; i < 4; ++i) EXPECT_EQ(stalls[i], 0u) << "store " << i;
    EXPECT_EQ(stalls[4], 6u);  // issued at 4, first slot frees at 10
    for (int i = 5; i < 20; ++i) EXPECT_EQ(stalls[i], 9u) << "store " << i;
    EXPECT_EQ(wb.stats().write_stall_cycles, 6u + 15u * 9u);
    EXPECT_EQ(wb.stats().full_stalls, 16u);
}

TEST(WriteBufferStores, StoresSpacedByTheDrainTimeNeverStallEvenWithOneEntry) {
    WriteBuffer wb(buffer(1, 10));
    for (uint64_t t = 0; t < 1000; t += 10) EXPECT_EQ(wb.write(t), 0u) << "store at " << t;
}

TEST(WriteBufferStores, OneEntryBufferChargesTheSpacingShortfall) {
    // Each store issues 9 cycles after the previous one completed; with a 10-cycle drain it waits 1.
    WriteBuffer wb(buffer(1, 10));
    uint64_t now = 0;
    EXPECT_EQ(wb.write(now), 0u);
    for (int i = 0; i < 10; ++i) {
        now += 9;
        const uint64_t stall = wb.write(now);
        EXPECT_EQ(stall, 1u) << "store " << i + 1;
        now += stall;
    }
}

TEST(WriteBufferRetire, EntriesRetireInOrderOneAtATime) {
    WriteBuffer wb(buffer(4, 10));
    wb.write(0);
    wb.write(1);  // starts when the first is done, at 10, not at 1
    wb.write(2);  // starts at 20
    EXPECT_EQ(wb.occupancy(9), 3u);
    EXPECT_EQ(wb.occupancy(10), 2u);
    EXPECT_EQ(wb.occupancy(19), 2u);
    EXPECT_EQ(wb.occupancy(20), 1u);
    EXPECT_EQ(wb.occupancy(29), 1u);
    EXPECT_EQ(wb.occupancy(30), 0u);
    EXPECT_TRUE(wb.empty(30));
    EXPECT_EQ(wb.empty_at(), 30u);
}

TEST(WriteBufferRetire, EntryWrittenToAnIdleBufferStartsAtOnce) {
    WriteBuffer wb(buffer(4, 10));
    wb.write(0);
    EXPECT_EQ(wb.empty_at(), 10u);
    wb.write(500);  // the memory has long been idle
    EXPECT_EQ(wb.occupancy(500), 1u);
    EXPECT_EQ(wb.empty_at(), 510u);
}

TEST(WriteBufferReads, ReadMissWithAnEmptyBufferDoesNotWait) {
    WriteBuffer wb(buffer(4, 10));
    EXPECT_EQ(wb.drain_for_read(50, 6), 0u);
    wb.write(60);
    EXPECT_EQ(wb.drain_for_read(70, 6), 0u);  // that entry retired at 70
}

TEST(WriteBufferReads, BypassReadWaitsOnlyForTheWriteInProgress) {
    WriteBuffer wb(buffer(4, 10, ReadPolicy::Bypass));
    wb.write(0);  // retires at 10
    wb.write(1);  // would retire at 20
    wb.write(2);  // would retire at 30
    // A 6-cycle read at 5 waits for the first write (until 10), uses the memory 10..16, and the
    // two queued writes follow: 16..26 and 26..36.
    EXPECT_EQ(wb.drain_for_read(5, 6), 5u);
    EXPECT_EQ(wb.occupancy(25), 2u);
    EXPECT_EQ(wb.occupancy(26), 1u);
    EXPECT_EQ(wb.occupancy(36), 0u);
    EXPECT_EQ(wb.empty_at(), 36u);
}

TEST(WriteBufferReads, DrainPolicyReadWaitsForTheWholeBuffer) {
    WriteBuffer wb(buffer(4, 10, ReadPolicy::Drain));
    wb.write(0);
    wb.write(1);
    wb.write(2);  // the last retires at 30
    EXPECT_EQ(wb.drain_for_read(5, 6), 25u);
    EXPECT_TRUE(wb.empty(30));
    // The read holds the memory until 36; a store issued then starts at once.
    EXPECT_EQ(wb.write(36), 0u);
    EXPECT_EQ(wb.empty_at(), 46u);
}

TEST(WriteBufferReads, ReadArrivingWhenAQueuedWriteWouldStartGoesFirst) {
    WriteBuffer wb(buffer(4, 10, ReadPolicy::Bypass));
    wb.write(0);
    wb.write(1);
    // First read at 5: waits until 10, memory busy 10..16; the second write now starts at 16.
    EXPECT_EQ(wb.drain_for_read(5, 6), 5u);
    // The CPU resumes at 16 and misses again: reads have priority, so this read starts at 16
    // and the write moves behind it, 22..32.
    EXPECT_EQ(wb.drain_for_read(16, 6), 0u);
    EXPECT_EQ(wb.empty_at(), 32u);
}

TEST(WriteBufferReads, ReadWaitsForAQueuedWriteThatHasAlreadyStarted) {
    WriteBuffer wb(buffer(4, 10, ReadPolicy::Bypass));
    wb.write(0);
    wb.write(1);
    EXPECT_EQ(wb.drain_for_read(5, 6), 5u);  // second write rescheduled to 16..26
    EXPECT_EQ(wb.drain_for_read(17, 6), 9u);  // it started at 16: wait until 26
    EXPECT_TRUE(wb.empty(26));
}

TEST(WriteBufferReads, StoreAfterAReadStartsWhenTheReadIsDone) {
    WriteBuffer wb(buffer(4, 10));
    EXPECT_EQ(wb.drain_for_read(0, 6), 0u);  // memory busy 0..6
    // The CPU resumes at 6; a store then enters the idle buffer and drains 6..16.
    EXPECT_EQ(wb.write(6), 0u);
    EXPECT_EQ(wb.empty_at(), 16u);
}

TEST(WriteBufferDegenerate, DepthZeroMakesEveryStoreWaitForItsOwnWrite) {
    WriteBuffer wb(buffer(0, 10));
    EXPECT_EQ(wb.write(0), 10u);
    EXPECT_EQ(wb.write(11), 10u);  // memory idle since 10
    EXPECT_EQ(wb.drain_for_read(21, 6), 0u);
    EXPECT_EQ(wb.occupancy(21), 0u);
}

TEST(WriteBufferDegenerate, ZeroDrainTimeNeverStalls) {
    WriteBuffer wb(buffer(4, 0));
    for (int i = 0; i < 100; ++i) EXPECT_EQ(wb.write(7), 0u);
    EXPECT_EQ(wb.drain_for_read(7, 6), 0u);
    EXPECT_TRUE(wb.empty(7));
}

TEST(WriteBufferCounters, CountersAccumulateStoreStallsAndReadWaits) {
    WriteBuffer wb(buffer(2, 10));
    wb.write(0);                            // retires at 10
    wb.write(1);                            // 10..20
    EXPECT_EQ(wb.write(2), 8u);             // full until 10; this entry drains 20..30
    EXPECT_EQ(wb.drain_for_read(11, 6), 9u);  // the write started at 10 ends at 20; read 20..26
    EXPECT_EQ(wb.drain_for_read(40, 6), 0u);  // last write drained 26..36
    const WriteBufferStats& s = wb.stats();
    EXPECT_EQ(s.writes, 3u);
    EXPECT_EQ(s.full_stalls, 1u);
    EXPECT_EQ(s.write_stall_cycles, 8u);
    EXPECT_EQ(s.reads, 2u);
    EXPECT_EQ(s.delayed_reads, 1u);
    EXPECT_EQ(s.read_wait_cycles, 9u);
}

TEST(WriteBufferCounters, ResetEmptiesTheBufferAndClearsTheCounters) {
    WriteBuffer wb(buffer(1, 10));
    wb.write(0);
    EXPECT_EQ(wb.write(1), 9u);
    wb.reset();
    EXPECT_EQ(wb.stats().writes, 0u);
    EXPECT_EQ(wb.write(0), 0u);  // time starts again, buffer empty
    EXPECT_EQ(wb.empty_at(), 10u);
}

}  // namespace
}  // namespace vmsim::r3000
