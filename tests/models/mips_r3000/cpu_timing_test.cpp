// The ISS with the memory system in force (MemoryModel::Cached): fetches go through
// the I-cache, loads through the D-cache, stores through the write buffer, and every
// stall cycle is booked in exactly one category, so the categories add up to cycles().
#include <gtest/gtest.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

constexpr uint32_t kUserCodeVa = 0x00400000u, kUserCodePa = 0x00004000u;

// Latencies distinct from each other and from 1, so a wrong booking shows.
CpuConfig cached(unsigned read_latency = 7, unsigned uncached_latency = 11) {
    CpuConfig c;
    c.memory = MemoryModel::Cached;
    c.read_latency = read_latency;
    c.uncached_latency = uncached_latency;
    c.wbuf.depth = 4;
    c.wbuf.drain_cycles = 3;
    return c;
}

uint64_t breakdown_sum(const Cpu& cpu) {
    const CpuStats s = cpu.stats();
    return cpu.instructions() + s.icache_stall_cycles + s.dcache_stall_cycles + s.wbuf_stall_cycles +
           s.uncached_stall_cycles + s.muldiv_stall_cycles + s.exception_cycles + s.faulted_cycles;
}

// Straight-line code: every fetch is the first touch of its one-word line, so each
// misses once and costs the read latency; nothing else stalls (no loads, and the
// only store is the final uncached one to the stop device, into an empty buffer).
TEST(CpuTiming, EveryFirstFetchOfAWordMissesTheICache) {
    Machine m(cached());
    Asm a(kCodeVa);
    a.nops(10);
    a.li(t0, 5);
    emit_stop(a, kStopEnd);
    ASSERT_TRUE(RunsToEnd(m, a));
    const uint64_t fetched = 10 + 2 + 2;  // nops, li (lui+ori), stop stub (lui+sw)
    EXPECT_EQ(m.cpu.icache()->stats().read_misses, fetched);
    EXPECT_EQ(m.cpu.icache()->stats().read_hits, 0u);
    EXPECT_EQ(m.cpu.stats().icache_stall_cycles, fetched * 7);
    EXPECT_EQ(m.cpu.cycles(), m.cpu.instructions() + fetched * 7);
}

// A loop: the first iteration misses on each of its words, the others hit.
TEST(CpuTiming, ALoopMissesOnlyOnItsFirstIteration) {
    Machine m(cached());
    Asm a(kCodeVa);
    a.li(t0, 20);
    auto loop = a.bind_new();
    a(enc::addiu(t0, t0, -1));
    a.bne(t0, zero, loop);
    a(enc::nop());
    emit_stop(a, kStopEnd);
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.icache()->stats().read_misses, 2u + 3u + 2u);
    EXPECT_EQ(m.cpu.icache()->stats().read_hits, 19u * 3u);
    EXPECT_EQ(m.cpu.cycles(), breakdown_sum(m.cpu));
}

// Two loads of one word: the first misses (read latency), the second hits.
TEST(CpuTiming, ALoadMissCostsTheReadLatencyOnceThenHits) {
    Machine m(cached(9));
    Asm a(kCodeVa);
    a.li(t1, kDataVa);
    a(enc::lw(t2, 0, t1));
    a(enc::lw(t3, 0, t1));
    emit_stop(a, kStopEnd);
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.dcache()->stats().read_misses, 1u);
    EXPECT_EQ(m.cpu.dcache()->stats().read_hits, 1u);
    EXPECT_EQ(m.cpu.stats().dcache_stall_cycles, 9u);
}

// kseg1 is uncached: each load pays the uncached latency and the D-cache never sees it.
TEST(CpuTiming, UncachedLoadsPayTheUncachedLatencyEachTime) {
    Machine m(cached(7, 13));
    Asm a(kCodeVa);
    a.li(t1, kDataVa + 0x20000000u);  // the same data through kseg1
    a(enc::lw(t2, 0, t1));
    a(enc::lw(t3, 0, t1));
    emit_stop(a, kStopEnd);
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.stats().uncached_stall_cycles, 2u * 13u);
    EXPECT_EQ(m.cpu.dcache()->stats().read_misses + m.cpu.dcache()->stats().read_hits, 0u);
}

// Every store, cached or not, goes through the write buffer; the cache sees the cached ones.
TEST(CpuTiming, StoresGoThroughTheWriteBuffer) {
    Machine m(cached());
    Asm a(kCodeVa);
    a.li(t1, kDataVa);
    for (int i = 0; i < 6; ++i) a(enc::sw(t1, 4 * i, t1));
    a(enc::sb(t1, 0, t1));
    emit_stop(a, kStopEnd);  // one more (uncached) store
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.write_buffer()->stats().writes, 6u + 1u + 1u);
    EXPECT_EQ(m.cpu.dcache()->stats().write_hits + m.cpu.dcache()->stats().write_misses, 7u);
    EXPECT_EQ(m.cpu.cycles(), breakdown_sum(m.cpu));
}

// With a slow memory, back-to-back stores fill the 4-entry buffer and the CPU stalls;
// with a buffer deep enough for all of them it never stalls on a write. The stores
// run twice: on the first pass each one's fetch misses and waits for the write in
// progress (reads bypass queued writes only), so only the second pass, with the
// I-cache warm, issues them back to back.
TEST(CpuTiming, BackToBackStoresStallOnlyWhenTheBufferIsFull) {
    auto write_stalls = [](unsigned depth) {
        CpuConfig c = cached();
        c.wbuf.depth = depth;
        c.wbuf.drain_cycles = 200;
        Machine m(c);
        Asm a(kCodeVa);
        a.li(t1, kDataVa);
        a.li(t0, 2);
        auto loop = a.bind_new();
        for (int i = 0; i < 8; ++i) a(enc::sw(t1, 4 * i, t1));
        a(enc::addiu(t0, t0, -1));
        a.bne(t0, zero, loop);
        a(enc::nop());
        emit_stop(a, kStopEnd);
        EXPECT_TRUE(RunsToEnd(m, a));
        EXPECT_EQ(m.cpu.cycles(), breakdown_sum(m.cpu));
        return m.cpu.write_buffer()->stats().full_stalls;
    };
    EXPECT_GT(write_stalls(4), 0u);
    EXPECT_EQ(write_stalls(64), 0u);
}

// Without the memory system nothing stalls: one cycle per instruction.
TEST(CpuTiming, IdealMemoryHasNoMemoryStalls) {
    Machine m;  // MemoryModel::Ideal
    Asm a(kCodeVa);
    a.li(t1, kDataVa);
    a(enc::lw(t2, 0, t1));
    a(enc::sw(t2, 4, t1));
    emit_stop(a, kStopEnd);
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.icache(), nullptr);
    EXPECT_EQ(m.cpu.cycles(), m.cpu.instructions());
}

// Cycles split by mode: user code that takes a UTLB miss books its user time as
// user and the refill handler's as kernel time entered through the UTLB vector.
TEST(CpuTiming, CyclesSplitByModeAndByTheVectorThatEnteredTheKernel) {
    Machine m(cached());
    Asm user(kUserCodeVa);
    user.nops(3);
    user.li(t1, 0x00800000u);  // unmapped kuseg page: UTLB miss
    user(enc::lw(t2, 0, t1));
    Asm k(kCodeVa);
    emit_tlb_write(k, 8, entry_hi(kUserCodeVa, 0), entry_lo(kUserCodePa, kEntryLoV | kEntryLoD | kEntryLoG));
    emit_enter_user(k, kUserCodeVa);
    m.load(k);
    m.load_at_pa(user, kUserCodePa);
    m.reset(kCodeVa);
    m.run();
    ASSERT_EQ(m.stop(), kStopUtlb);
    const CpuStats s = m.cpu.stats();
    EXPECT_GT(s.user_cycles, 0u);
    EXPECT_GT(s.kernel_utlb_cycles, 0u) << "the UTLB vector's stub ran in the kernel";
    EXPECT_GT(s.kernel_other_cycles, 0u) << "the boot code never came from user mode";
    EXPECT_EQ(s.kernel_general_cycles, 0u);
    EXPECT_EQ(s.user_cycles + s.kernel_cycles, m.cpu.cycles());
    EXPECT_EQ(s.kernel_utlb_cycles + s.kernel_general_cycles + s.kernel_other_cycles, s.kernel_cycles);
    EXPECT_EQ(m.cpu.cycles(), breakdown_sum(m.cpu));
}

// A bad cache geometry is refused when the CPU is built.
TEST(CpuTiming, BadCacheGeometryIsRefused) {
    CpuConfig c = cached();
    c.icache.size = 3000;
    std::vector<uint8_t> ram(4096);
    EXPECT_THROW(Cpu(c, ram.data(), 4096, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace vmsim::r3000::test
