// The Pentium timing model (models/x86_64/pentium_timing.hpp): the rules of
// ../shared/reference/i386.md section 3, each checked on a short sequence whose clocks are worked
// out by hand in the comment above the expectation. Most tests feed decoded instructions to the
// model directly (physical = linear addresses); the last ones run the ISS with the model attached.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/iss.hpp"
#include "models/x86_64/pentium_timing.hpp"
#include "tests/models/x86_64/machine.hpp"
#include "tests/models/x86_64/p5_config.hpp"

namespace vmsim::x86::iss {
namespace {

using Bytes = std::vector<uint8_t>;

using x86::test::p5_caches;

// With the defaults: an L2 line fill is 6 bus clocks x 1.5 = 9 clocks, a memory one 11 x 1.5 = 16.5,
// rounded up to 17; a write buffer drains in 3 x 1.5 = 4.5, 5 clocks.
constexpr uint64_t kL2Fill = 9, kMemoryFill = 17;

struct Ref {
    uint64_t pa;
    bool write;
};
struct Step {
    Bytes bytes;
    std::vector<Ref> refs = {};
    uint32_t next = 0;  // 0: falls through; else the EIP after it (a taken branch)
};

struct Feed {
    common::CacheHierarchy caches{p5_caches()};
    PentiumTiming timing{PentiumTimingConfig{}, caches};

    // Retires `steps` one after the other from EIP `at`, each fetched from where the previous went.
    void run(const std::vector<Step>& steps, uint32_t at = 0x1000) {
        uint32_t eip = at;
        for (const Step& s : steps) eip = retire(s, eip);
    }
    uint32_t retire(const Step& s, uint32_t eip) {
        Insn in;
        EXPECT_EQ(decode(s.bytes.data(), s.bytes.size(), in), DecodeStatus::Ok);
        EXPECT_EQ(in.len, s.bytes.size());
        timing.translated(eip, eip, Access::Fetch, 0);
        for (const Ref& r : s.refs)
            timing.translated(static_cast<uint32_t>(r.pa), r.pa, r.write ? Access::Write : Access::Read, 0);
        const uint32_t next = s.next ? s.next : eip + in.len;
        timing.retire(in, eip, next);
        return next;
    }
    // Runs `steps` once to warm the caches, ends the last pair with a CLD (2 clocks, writes only
    // flags), clears the counters and runs them again: the clocks of the second run.
    uint64_t warm(const std::vector<Step>& steps, uint32_t at = 0x1000) {
        run(steps, at);
        run({{{0xfc}}}, at);
        timing.reset_stats();
        run(steps, at);
        return timing.cycles();
    }
};

const Bytes kMovEaxEbx = {0x89, 0xd8}, kMovEcxEdx = {0x89, 0xd1}, kMovEcxEax = {0x89, 0xc1}, kMovEaxEcx = {0x89, 0xc8};

TEST(PentiumPairing, TwoIndependentMovsPairInOneClock) {
    Feed f;
    EXPECT_EQ(f.warm({{kMovEaxEbx}, {kMovEcxEdx}}), 1u);
    EXPECT_EQ(f.timing.stats().pairs, 1u);
}

TEST(PentiumPairing, ReadAfterWriteDoesNotPair) {
    Feed f;
    // mov eax, ebx; mov ecx, eax: the second reads EAX, which the first writes: 1 + 1.
    EXPECT_EQ(f.warm({{kMovEaxEbx}, {kMovEcxEax}}), 2u);
    EXPECT_EQ(f.timing.stats().pairs, 0u);
}

TEST(PentiumPairing, WriteAfterWriteDoesNotPair) {
    Feed f;
    EXPECT_EQ(f.warm({{kMovEaxEbx}, {kMovEaxEcx}}), 2u);
}

TEST(PentiumPairing, TwoFlagWritersPairButAdcOnlyInU) {
    Feed f;
    // add eax, ebx; add ecx, edx: both write the flags, which is no dependence.
    EXPECT_EQ(f.warm({{{0x01, 0xd8}}, {{0x01, 0xd1}}}), 1u);
    Feed g;
    // add eax, ebx; adc ecx, edx: ADC reads the flags the ADD writes (and pairs only in U): 2.
    EXPECT_EQ(g.warm({{{0x01, 0xd8}}, {{0x11, 0xd1}}}), 2u);
}

TEST(PentiumPairing, CompareAndConditionalJumpPair) {
    Feed f;
    // cmp eax, ebx; jz +2 (not taken, not in the BTB: predicted right): one clock.
    EXPECT_EQ(f.warm({{{0x39, 0xd8}}, {{0x74, 0x02}}}), 1u);
    EXPECT_EQ(f.timing.stats().pairs, 1u);
    EXPECT_EQ(f.timing.stats().mispredicts, 0u);
}

TEST(PentiumPairing, PushPushAndPopPopPairButPushPopDoesNot) {
    Feed f;
    // push eax; push ebx: ESP is no dependence between two pushes. The stores miss the D-cache
    // (no write-allocate) into the two empty write buffers: no stall; banks 7 and 6 differ.
    EXPECT_EQ(f.warm({{{0x50}, {{0x7fffc, true}}}, {{0x53}, {{0x7fff8, true}}}}), 1u);
    Feed g;
    // pop ebx; pop ecx: loads that hit after the warm-up.
    EXPECT_EQ(g.warm({{{0x5b}, {{0x7fff8, false}}}, {{0x59}, {{0x7fffc, false}}}}), 1u);
    Feed h;
    // push eax; pop ebx: 1 + 1.
    EXPECT_EQ(h.warm({{{0x50}, {{0x7fffc, true}}}, {{0x5b}, {{0x7fffc, false}}}}), 2u);
}

TEST(PentiumPairing, PrefixedInstructionPairsOnlyInU) {
    const Bytes mov_ax_bx = {0x66, 0x89, 0xd8};
    Feed f;
    // mov ax, bx (66: 1 + 1 prefix clock) in U, mov ecx, edx in V: 2.
    EXPECT_EQ(f.warm({{mov_ax_bx}, {kMovEcxEdx}}), 2u);
    EXPECT_EQ(f.timing.stats().pairs, 1u);
    Feed g;
    // The other order: the prefixed one cannot go to V: 1 + 2.
    EXPECT_EQ(g.warm({{kMovEcxEdx}, {mov_ax_bx}}), 3u);
    EXPECT_EQ(g.timing.stats().pairs, 0u);
}

TEST(PentiumPairing, ShiftPairsOnlyInU) {
    const Bytes shl_eax_2 = {0xc1, 0xe0, 0x02};
    Feed f;
    EXPECT_EQ(f.warm({{shl_eax_2}, {kMovEcxEdx}}), 1u);
    Feed g;
    EXPECT_EQ(g.warm({{kMovEcxEdx}, {shl_eax_2}}), 2u);
}

TEST(PentiumPairing, DisplacementAndImmediateDoNotPair) {
    Feed f;
    // mov dword [ebx+4], 1; mov ecx, edx: the first has both: 1 + 1 (one store miss, a free buffer).
    EXPECT_EQ(f.warm({{{0xc7, 0x43, 0x04, 0x01, 0, 0, 0}, {{0x20004, true}}}, {kMovEcxEdx}}), 2u);
    Feed g;
    // mov dword [ebx], 1 has no displacement: it pairs.
    EXPECT_EQ(g.warm({{{0xc7, 0x03, 0x01, 0, 0, 0}, {{0x20000, true}}}, {kMovEcxEdx}}), 1u);
}

TEST(PentiumPairing, NothingPairsAfterABranch) {
    Feed f;
    // mov eax, ebx; jmp +0 (taken to the next instruction... encoded as a jump of 2 over two bytes of
    // padding); mov ecx, edx. The JMP pairs in V; the MOV after it starts a clock: 2, plus the
    // first JMP's misprediction in V (not yet in the BTB) on the warm-up only.
    const uint32_t at = 0x1000;
    const std::vector<Step> steps = {{kMovEaxEbx}, {{0xeb, 0x02}, {}, at + 6}, {kMovEcxEdx}};
    EXPECT_EQ(f.warm(steps, at), 2u);
    EXPECT_EQ(f.timing.stats().pairs, 1u);
    EXPECT_EQ(f.timing.stats().mispredicts, 0u);
}

TEST(PentiumAgi, AddressRegisterWrittenInThePreviousClockAddsOne) {
    const Step add_ebx_4 = {{0x83, 0xc3, 0x04}}, mov_esi_edi = {{0x89, 0xfe}}, mov_edx_ecx = {{0x89, 0xca}},
               mov_ebp_esp = {{0x89, 0xe5}}, load = {{0x8b, 0x03}, {{0x20000, false}}};
    Feed f;
    // {add ebx, 4 | mov esi, edi} then mov eax, [ebx] in the next clock: 1 + 1 + AGI 1.
    EXPECT_EQ(f.warm({add_ebx_4, mov_esi_edi, load}), 3u);
    EXPECT_EQ(f.timing.stats().agi_stalls, 1u);
    Feed g;
    // Two clocks later: {add | mov esi}, {mov edx | mov ebp}, {mov eax, [ebx]}: 3, no AGI.
    EXPECT_EQ(g.warm({add_ebx_4, mov_esi_edi, mov_edx_ecx, mov_ebp_esp, load}), 3u);
    EXPECT_EQ(g.timing.stats().agi_stalls, 0u);
}

TEST(PentiumAgi, ExplicitEspWriteStallsAPushButPushesDoNot) {
    Feed f;
    // sub esp, 8; push eax: the push reads ESP (no pair) and addresses through the ESP the SUB
    // wrote a clock before: 1 + 1 + 1.
    EXPECT_EQ(f.warm({{{0x83, 0xec, 0x08}}, {{0x50}, {{0x7fff4, true}}}}), 3u);
    EXPECT_EQ(f.timing.stats().agi_stalls, 1u);
    Feed g;
    // push eax; push ebx; push ecx: {push | push}, {push}: the pushes' own ESP updates cause no AGI.
    // The three stores miss (no write-allocate): the first two take the buffers at cycles 0 and 1,
    // free at 5 and 10; the third, at cycle 1, waits until 5: 2 + 4.
    EXPECT_EQ(g.warm({{{0x50}, {{0x7fffc, true}}}, {{0x53}, {{0x7fff8, true}}}, {{0x51}, {{0x7fff4, true}}}}), 2u + 4);
    EXPECT_EQ(g.timing.stats().agi_stalls, 0u);
    EXPECT_EQ(g.timing.stats().cycles.write_buffer, 4u);
}

TEST(PentiumClocks, ComplexInstructionsTakeTheirTableClocks) {
    struct Case {
        Bytes bytes;
        uint64_t clocks;
    };
    // [S9]: DIV r32 41, IDIV r32 46, DIV r8 17, MUL r32 10, IMUL r,r 10, MOVZX 3, SETcc 2, XCHG r,r 3,
    // SHLD 4, BSF 6, BSR 7, LEAVE 3 (its load hits after the warm-up), PUSHF 3 [S10].
    const Case cases[] = {
        {{0xf7, 0xf3}, 41},       {{0xf7, 0xfb}, 46},       {{0xf6, 0xf3}, 17}, {{0xf7, 0xe3}, 10},
        {{0x0f, 0xaf, 0xc3}, 10}, {{0x0f, 0xb6, 0xc3}, 3},  {{0x0f, 0x94, 0xc0}, 2}, {{0x87, 0xd8}, 3},
        {{0x0f, 0xa4, 0xd8, 0x03}, 4}, {{0x0f, 0xbc, 0xc3}, 6}, {{0x0f, 0xbd, 0xc3}, 7},
    };
    for (const Case& c : cases) {
        Feed f;
        EXPECT_EQ(f.warm({{c.bytes}}), c.clocks) << "opcode " << std::hex << int(c.bytes[0]) << " " << int(c.bytes[1]);
    }
    Feed leave;
    EXPECT_EQ(leave.warm({{{0xc9}, {{0x7fff0, false}}}}), 3u);
}

TEST(PentiumClocks, RepStringCostsStartUpPlusPerIteration) {
    Feed f;
    // rep stosd over 4 dwords of one line, which the warm-up does not allocate (stores): 9 + 4 x 1
    // clocks, and four store misses into two buffers draining one write per 5 clocks, timed at the
    // instruction's start (cycle 0): the first two are taken and free at 5 and 10; the third waits
    // until 5 (5 clocks), the fourth until 10 (5 more): 10 clocks of waiting.
    std::vector<Ref> refs;
    for (uint64_t a = 0x20000; a < 0x20010; a += 4) refs.push_back({a, true});
    EXPECT_EQ(f.warm({{{0xf3, 0xab}, refs}}), 9u + 4 + 10);
    EXPECT_EQ(f.timing.stats().cycles.write_buffer, 10u);
    EXPECT_EQ(f.timing.stats().write_buffer_stalls, 2u);
}

TEST(PentiumBranches, LoopBranchPredictedAfterWarmUpMispredictedOnExit) {
    Feed f;
    // A jnz at 0x1000 back to itself, taken 9 times then not: the first taken one is not in the BTB
    // (predicted not taken: mispredicted), the next 8 are predicted by the counter, the exit is
    // mispredicted. Each jnz issues alone in U: 3 clocks per misprediction.
    const Step taken = {{0x75, 0xfe}, {}, 0x1000};
    std::vector<Step> loop(9, taken);
    loop.push_back({{0x75, 0xfe}});
    f.run(loop);
    EXPECT_EQ(f.timing.stats().mispredicts, 2u);
    EXPECT_EQ(f.timing.stats().cycles.mispredict, 6u);
    EXPECT_EQ(f.timing.stats().branches, 10u);
    // Again: the entry left after the exit (state 2) predicts the first iteration; only the exit misses.
    f.timing.reset_stats();
    f.run(loop);
    EXPECT_EQ(f.timing.stats().mispredicts, 1u);
}

TEST(PentiumBranches, IndirectBranchToANewTargetIsMispredicted) {
    Feed f;
    // jmp eax at 0x1000 to 0x2000, then again to 0x2000 (predicted), then to 0x3000 (wrong target).
    const Bytes jmp_eax = {0xff, 0xe0};
    f.run({{jmp_eax, {}, 0x2000}});
    f.run({{jmp_eax, {}, 0x2000}});
    EXPECT_EQ(f.timing.stats().mispredicts, 1u);
    f.run({{jmp_eax, {}, 0x3000}});
    EXPECT_EQ(f.timing.stats().mispredicts, 2u);
}

TEST(PentiumCaches, ICacheMissesOnFirstPassThenHits) {
    Feed f;
    // 40 one-byte NOPs from 0x1000: two lines. First pass: both miss and fill from memory (the L2 is
    // empty too); second pass: both hit.
    std::vector<Step> nops(40, Step{{0x90}});
    f.run(nops);
    EXPECT_EQ(f.timing.stats().icache_misses, 2u);
    EXPECT_EQ(f.timing.stats().cycles.icache, 2 * kMemoryFill);
    f.timing.reset_stats();
    f.run(nops);
    EXPECT_EQ(f.timing.stats().icache_misses, 0u);
    EXPECT_EQ(f.timing.stats().icache_hits, 2u);
    EXPECT_EQ(f.timing.stats().cycles.icache, 0u);
}

TEST(PentiumCaches, ICacheConflictMissRefillsFromTheL2) {
    Feed f;
    // 0x1000, 0x2000, 0x3000 share an I-cache set (128 sets x 32 bytes = 4 KB apart) of 2 ways: the
    // third evicts the first, whose refill the L2 serves: 9 clocks.
    for (uint32_t a : {0x1000u, 0x2000u, 0x3000u}) f.run({{{0x90}}}, a);
    f.timing.reset_stats();
    f.run({{{0x90}}}, 0x1000);
    EXPECT_EQ(f.timing.stats().icache_misses, 1u);
    EXPECT_EQ(f.timing.stats().cycles.icache, kL2Fill);
}

TEST(PentiumCaches, LoadMissFillsTheLineAndStoreMissDoesNotAllocate) {
    Feed f;
    const Step load = {{0x8b, 0x03}, {{0x20000, false}}}, store = {{0x89, 0x03}, {{0x30000, true}}},
               load_stored = {{0x8b, 0x03}, {{0x30004, false}}};
    f.run({load});
    EXPECT_EQ(f.timing.stats().cycles.dcache, kMemoryFill);
    f.timing.reset_stats();
    f.run({load});  // the same line again: a hit
    EXPECT_EQ(f.timing.stats().dcache_load_hits, 1u);
    EXPECT_EQ(f.timing.stats().cycles.dcache, 0u);
    f.run({store, load_stored});  // the store left no line: the load of its line misses
    EXPECT_EQ(f.timing.stats().dcache_store_misses, 1u);
    EXPECT_EQ(f.timing.stats().dcache_load_misses, 1u);
    EXPECT_EQ(f.timing.stats().cycles.dcache, kMemoryFill);
}

TEST(PentiumSystem, SystemEventsCostTheirTableEntryAndEndPairing) {
    Feed f;
    f.timing.system_event(SystemEvent::IntInner);
    f.timing.system_event(SystemEvent::IretOuter);
    EXPECT_EQ(f.timing.cycles(), 48u + 27u);  // [S10]: 6 + 42 and 27
    EXPECT_EQ(f.timing.stats().system_events[static_cast<unsigned>(SystemEvent::IntInner)], 1u);
}

TEST(PentiumStats, CyclesByCauseSumToCycles) {
    Feed f;
    f.run({{kMovEaxEbx}, {{0xf7, 0xf3}}, {{0x8b, 0x03}, {{0x20000, false}}}});
    const PentiumStats s = f.timing.stats();
    uint64_t sum = 0;
    for (const common::StatEntry& e : s.list())
        if (e.name.rfind("cycles.", 0) == 0) sum += e.value;
    EXPECT_EQ(sum, f.timing.cycles());
    EXPECT_GT(s.cycles.icache, 0u);
    EXPECT_GT(s.cycles.dcache, 0u);
}

TEST(PentiumConfig, BadBtbGeometryIsRefusedNamingTheField) {
    PentiumTimingConfig c;
    c.btb_entries = 96;
    EXPECT_NE(c.check().find("btb.entries"), std::string::npos);
    common::CacheHierarchy caches{p5_caches()};
    EXPECT_THROW(PentiumTiming(c, caches), std::invalid_argument);
}

// ---- the ISS with the model attached ------------------------------------------------------------

struct TimedMachine {
    FlatMemory plain{1 << 20};
    common::CacheHierarchy caches{p5_caches()};
    PentiumTiming timing{PentiumTimingConfig{}, caches};
    TimedMemory<FlatMemory> mem{plain, timing};
    Cpu<TimedMemory<FlatMemory>> cpu{mem};
    void code(const Bytes& b, uint32_t at) {
        std::memcpy(plain.data() + at, b.data(), b.size());
        cpu.set_eip(at);
    }
};

TEST(PentiumOnIss, SmallLoopTakesTheClocksWorkedOutByHand) {
    TimedMachine m;
    m.code({
               0xb9, 0x0a, 0x00, 0x00, 0x00,  // mov ecx, 10
               0x89, 0xc2,                    // 1: mov edx, eax
               0x83, 0xc0, 0x03,              //    add eax, 3
               0x49,                          //    dec ecx
               0x75, 0xf8,                    //    jnz 1b
               0xf4,                          // hlt
           },
           0x1000);
    EXPECT_EQ(m.cpu.run(1000).stop, Stop::Halt);
    // Iteration 1: {mov ecx, 10 | mov edx, eax} (independent), {add eax, 3 | dec ecx} (add writes
    // EAX and the flags, dec reads ECX, written a clock before: no dependence), {jnz} alone in U
    // (nothing left to pair with), mispredicted (not in the BTB): 3 clocks + 3.
    // Iterations 2-10: after the branch, {mov edx, eax | add eax, 3} (a write after a read pairs),
    // {dec ecx | jnz} (flag writer + Jcc): 2 clocks each, 18; the exit's jnz, in V, mispredicted: 4.
    // HLT 4 [S9]. The 14 bytes are one I-cache line, missed once, filled from memory: 17.
    EXPECT_EQ(m.timing.cycles(), 3u + 3 + 18 + 4 + 4 + kMemoryFill);
    EXPECT_EQ(m.timing.stats().instructions, 1u + 4 * 10 + 1);
    EXPECT_EQ(m.timing.stats().pairs, 1u + 1 + 9 * 2);
    EXPECT_EQ(m.timing.stats().mispredicts, 2u);
    EXPECT_EQ(m.cpu.reg(kEax), 30u);
}

TEST(PentiumOnIss, DataReferencesAndStoresReachTheModel) {
    TimedMachine m;
    m.cpu.set_reg(kEbx, 0x20000);
    m.code({
               0x8b, 0x03,  // mov eax, [ebx]     load miss: memory fill
               0x89, 0x43, 0x40,  // mov [ebx+0x40], eax  store miss: a write buffer (and no AGI: EBX unchanged)
               0x01, 0x03,  // add [ebx], eax     read-modify-write of the loaded line: hits
               0xf4,
           },
           0x1000);
    EXPECT_EQ(m.cpu.run(100).stop, Stop::Halt);
    const PentiumStats& s = m.timing.stats();
    EXPECT_EQ(s.dcache_load_misses, 1u);
    EXPECT_EQ(s.dcache_store_misses, 1u);
    EXPECT_EQ(s.dcache_load_hits, 1u);   // the read of the ADD
    EXPECT_EQ(s.dcache_store_hits, 1u);  // its write
    // mov eax, [ebx]: 1. mov [ebx+0x40], eax reads EAX: a new clock, 1. add [ebx], eax writes no
    // register the store wrote: it pairs in V, and the pair takes its 3 clocks (+2); both pipes
    // reference bank 0 ((0x20040 >> 2) & 7 = (0x20000 >> 2) & 7) in other words: +1. hlt: 4. The
    // load's line fill from memory, 17, and the code line's, 17.
    EXPECT_EQ(m.timing.cycles(), 1u + 1 + 2 + 1 + 4 + 2 * kMemoryFill);
    EXPECT_EQ(s.pairs, 1u);
    EXPECT_EQ(s.bank_conflicts, 1u);
}

TEST(PentiumOnIss, TlbMissesCostWhatTheWalkersReferencesCost) {
    // 32-bit paging on the pentium100 structures: code at linear 0x400000 (physical 0x10000), data
    // at 0x800000 (0x20000); the page tables at 0x100000 (directory), 0x101000 and 0x102000.
    x86::test::Machine m(x86::test::p5_mmu(), x86::test::Format::Legacy, p5_caches());
    m.pt.map(0x400000, 0x10000, x86::test::K4);
    m.pt.map(0x800000, 0x20000, x86::test::K4);
    m.enable();
    const Bytes code = {0x8b, 0x03, 0xf4};  // mov eax, [ebx]; hlt
    std::memcpy(m.ram.data() + 0x10000, code.data(), code.size());
    MmuMemory plain(m.mmu, m.ram);
    PentiumTiming timing(PentiumTimingConfig{}, m.caches);
    TimedMemory<MmuMemory> mem(plain, timing);
    Cpu<TimedMemory<MmuMemory>> cpu(mem);
    cpu.set_eip(0x400000);
    cpu.set_reg(kEbx, 0x800000);
    ASSERT_EQ(cpu.run(10).stop, Stop::Halt);
    // Two walks (the fetch's, the load's), each charged what its references cost in the shared
    // hierarchy (memory 14, L1D 1): the fetch reads PDE 1 (14) and sets its A (1), reads the PTE
    // (14) and sets A (1); the load reads PDE 2, in the line the first read brought into the L1D
    // (1), sets its A (1), and reads and sets its own PTE (14 + 1). 47.
    EXPECT_EQ(m.mmu.stats().walks, 2u);
    EXPECT_EQ(timing.stats().cycles.translation, m.mmu.stats().walk_cycles);
    EXPECT_EQ(timing.stats().cycles.translation, 47u);
    // The rest: mov 1, hlt 4, the code line and the data line from memory, 17 each.
    EXPECT_EQ(timing.cycles(), 47u + 1 + 4 + 2 * kMemoryFill);
}

}  // namespace
}  // namespace vmsim::x86::iss
