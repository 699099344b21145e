// The 64-entry TLB and the exceptions it raises (reference sheet, "Translation and
// exception selection"): refill vs general vector, V, D, ASID vs G, kseg2, the
// BadVAddr/Context/EntryHi side effects, tlbr/tlbwi/tlbwr/tlbp, Random, duplicates.
#include <algorithm>
#include <cctype>
#include <set>

#include <gtest/gtest.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

constexpr uint32_t kMappedVa = 0x00600000u;  // kuseg page used by most tests
constexpr uint32_t kFramePa = 0x00030000u;   // its physical frame
constexpr uint32_t kFrame2Pa = 0x00031000u;
constexpr uint32_t kV = kEntryLoV, kD = kEntryLoD, kG = kEntryLoG;

uint32_t context_badvpn(uint32_t va) { return ((va >> 12) & 0x7ffffu) << 2; }

TEST(TlbRefill, UtlbMissInBranchDelaySlotSetsBdAndEpcToBranch) {
    Machine m;
    Asm a(kCodeVa);
    Asm::Label target = a.new_label();
    a.li(t1, 0x00500000);
    uint32_t branch = a.here();
    a.b(target);
    a(enc::lw(t0, 0x10, t1));  // delay slot: no TLB entry for 0x00500000
    a(enc::nop());
    a.bind(target);
    ASSERT_TRUE(RunsTo(m, a, kStopUtlb));
    EXPECT_EQ(m.exc(), kExcTLBL);
    EXPECT_EQ(m.epc(), branch);
    EXPECT_NE(m.cause() & kCauseBD, 0u);
    EXPECT_EQ(m.badvaddr(), 0x00500010u);
    EXPECT_EQ(m.cpu.stats().utlb_refills, 1u);
}

TEST(TlbRefill, UtlbMissOnStoreIsTlbs) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t1, 0x00500000);
    uint32_t pc = a.here();
    a(enc::sw(t0, 4, t1));
    ASSERT_TRUE(RunsTo(m, a, kStopUtlb));
    EXPECT_EQ(m.exc(), kExcTLBS);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cause() & kCauseBD, 0u);
    EXPECT_EQ(m.badvaddr(), 0x00500004u);
}

TEST(TlbRefill, UtlbMissOnFetchIsTlblAtTheTarget) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t1, 0x00500000);
    a(enc::jr(t1));
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopUtlb));
    EXPECT_EQ(m.exc(), kExcTLBL);
    EXPECT_EQ(m.epc(), 0x00500000u);
    EXPECT_EQ(m.badvaddr(), 0x00500000u);
}

TEST(TlbTranslation, HitTranslatesLoadsAndStores) {
    Machine m;
    m.write32(kFramePa + 0x20, 0x5eed1234);
    Asm a(kCodeVa);
    emit_tlb_write(a, 8, entry_hi(kMappedVa, 0), entry_lo(kFramePa, kV | kD));
    a.li(t1, kMappedVa);
    a(enc::lw(t0, 0x20, t1));
    a.li(t2, 0xabcdef01);
    a(enc::sw(t2, 0x10, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x5eed1234u);
    EXPECT_EQ(m.read32(kFramePa + 0x10), 0xabcdef01u);
}

TEST(TlbTranslation, MatchWithValidClearIsTlblAtTheGeneralVector) {
    Machine m;
    Asm a(kCodeVa);
    emit_tlb_write(a, 9, entry_hi(kMappedVa, 0), entry_lo(kFramePa, kD));
    a.li(t1, kMappedVa);
    uint32_t pc = a.here();
    a(enc::lw(t0, 0x44, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcTLBL);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.badvaddr(), kMappedVa + 0x44);
    EXPECT_EQ(m.cpu.stats().utlb_refills, 0u);
}

TEST(TlbTranslation, StoreToMatchWithValidClearIsTlbsAtTheGeneralVector) {
    Machine m;
    Asm a(kCodeVa);
    emit_tlb_write(a, 9, entry_hi(kMappedVa, 0), entry_lo(kFramePa, kD | kG));
    a.li(t1, kMappedVa);
    a(enc::sw(t0, 0x48, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcTLBS);
    EXPECT_EQ(m.badvaddr(), kMappedVa + 0x48);
}

// D=0 is write protection: loads work, stores raise Mod (general vector) and load
// BadVAddr, Context.BadVPN and EntryHi.VPN like the other TLB exceptions.
TEST(TlbTranslation, StoreToPageWithDirtyClearRaisesMod) {
    Machine m;
    m.write32(kFramePa + 0x80, 0x0badc0de);
    Asm a(kCodeVa);
    emit_tlb_write(a, 12, entry_hi(kMappedVa, 7), entry_lo(kFramePa, kV));
    a.li(t3, 0x80200000);
    a(enc::mtc0(t3, kCp0Context));
    a.li(t1, kMappedVa + 0x80);
    a(enc::lw(t0, 0, t1));
    a.li(t2, 0x11112222);
    uint32_t pc = a.here();
    a(enc::sw(t2, 0, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcMod);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cpu.gpr(t0), 0x0badc0deu);
    EXPECT_EQ(m.read32(kFramePa + 0x80), 0x0badc0deu);
    EXPECT_EQ(m.badvaddr(), kMappedVa + 0x80);
    EXPECT_EQ(m.cpu.cp0(kCp0Context), 0x80200000u | context_badvpn(kMappedVa));
    EXPECT_EQ(m.cpu.cp0(kCp0EntryHi), entry_hi(kMappedVa, 7));
    EXPECT_EQ(m.cpu.stats().exceptions[kExcMod], 1u);
}

TEST(TlbTranslation, Kseg2MissGoesToTheGeneralVector) {
    Machine m;
    Asm a(kCodeVa);
    emit_set_entryhi(a, entry_hi(0x7f000000, 9));
    a.li(t1, 0xc0001234);
    uint32_t pc = a.here();
    a(enc::lw(t0, 0, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcTLBL);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.badvaddr(), 0xc0001234u);
    EXPECT_EQ(m.cpu.cp0(kCp0Context) & 0x001ffffcu, context_badvpn(0xc0001234));
    EXPECT_EQ(m.cpu.cp0(kCp0EntryHi), entry_hi(0xc0001000, 9));
    EXPECT_EQ(m.cpu.stats().utlb_refills, 0u);
}

TEST(TlbTranslation, Kseg2HitTranslatesInKernelMode) {
    Machine m;
    m.write32(kFrame2Pa + 8, 0x6b736567);
    Asm a(kCodeVa);
    emit_tlb_write(a, 20, entry_hi(0xc0002000, 0), entry_lo(kFrame2Pa, kV | kD | kG));
    a.li(t1, 0xc0002000);
    a(enc::lw(t0, 8, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x6b736567u);
}

// Rule 6: TLB exceptions load BadVAddr, Context.BadVPN = VA[30:12] and EntryHi.VPN;
// Context.PTEBase and EntryHi.ASID are kept.
TEST(TlbSideEffects, RefillLoadsBadVAddrContextAndEntryHiKeepingAsid) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t3, 0x80200000);
    a(enc::mtc0(t3, kCp0Context));
    emit_set_entryhi(a, entry_hi(0x7f000000, 5));
    a.li(t1, 0x00403abc);
    a(enc::lbu(t0, 0, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopUtlb));
    EXPECT_EQ(m.exc(), kExcTLBL);
    EXPECT_EQ(m.badvaddr(), 0x00403abcu);
    EXPECT_EQ(m.cpu.cp0(kCp0Context), 0x8020100cu);
    EXPECT_EQ(m.cpu.cp0(kCp0EntryHi), 0x00403000u | (5u << kEntryHiAsidShift));
}

TEST(TlbSideEffects, AddressErrorLoadsBadVAddrButNotContextOrEntryHi) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t3, 0x80200000);
    a(enc::mtc0(t3, kCp0Context));
    emit_set_entryhi(a, entry_hi(0x7f000000, 5));
    a.li(t1, 0x00403abd);
    a(enc::lh(t0, 0, t1));  // misaligned
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcAdEL);
    EXPECT_EQ(m.badvaddr(), 0x00403abdu);
    EXPECT_EQ(m.cpu.cp0(kCp0Context), 0x80200000u);
    EXPECT_EQ(m.cpu.cp0(kCp0EntryHi), entry_hi(0x7f000000, 5));
}

TEST(TlbSideEffects, SyscallLeavesBadVAddrContextAndEntryHi) {
    Machine m;
    Asm a(kCodeVa);
    // Context and EntryHi are set by the program, BadVAddr is whatever reset left.
    a.li(t3, 0x80200000);
    a(enc::mtc0(t3, kCp0Context));
    emit_set_entryhi(a, entry_hi(0x7f000000, 5));
    a(enc::syscall());
    m.load(a);
    m.reset(kCodeVa);
    uint32_t badvaddr_before = m.badvaddr();
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcSys);
    EXPECT_EQ(m.badvaddr(), badvaddr_before);
    EXPECT_EQ(m.cpu.cp0(kCp0Context), 0x80200000u);
    EXPECT_EQ(m.cpu.cp0(kCp0EntryHi), entry_hi(0x7f000000, 5));
}

// Rule 1: VPN must match, and ASID too unless G is set.
TEST(TlbMatching, NonGlobalEntryNeedsTheCurrentAsid) {
    for (uint32_t current : {3u, 4u}) {
        Machine m;
        m.write32(kFramePa, 0xa51d0003);
        Asm a(kCodeVa);
        emit_tlb_write(a, 30, entry_hi(kMappedVa, 3), entry_lo(kFramePa, kV | kD));
        emit_set_entryhi(a, entry_hi(0x7f000000, current));
        a.li(t1, kMappedVa);
        a(enc::lw(t0, 0, t1));
        a(enc::nop());
        if (current == 3) {
            ASSERT_TRUE(RunsToEnd(m, a));
            EXPECT_EQ(m.cpu.gpr(t0), 0xa51d0003u);
        } else {
            ASSERT_TRUE(RunsTo(m, a, kStopUtlb));
            EXPECT_EQ(m.exc(), kExcTLBL);
            EXPECT_EQ(m.cpu.cp0(kCp0EntryHi), entry_hi(kMappedVa, 4));
        }
    }
}

TEST(TlbMatching, GlobalEntryMatchesAnyAsid) {
    Machine m;
    m.write32(kFramePa, 0x610ba1);
    Asm a(kCodeVa);
    emit_tlb_write(a, 31, entry_hi(kMappedVa, 3), entry_lo(kFramePa, kV | kD | kG));
    emit_set_entryhi(a, entry_hi(0x7f000000, 60));
    a.li(t1, kMappedVa);
    a(enc::lw(t0, 0, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x610ba1u);
}

// Same VPN, two ASIDs, two frames: changing EntryHi.ASID switches address space
// (any host-side translation cache must follow).
TEST(TlbMatching, ChangingAsidSwitchesBetweenEntriesForTheSameVpn) {
    Machine m;
    m.write32(kFramePa, 0x1111);
    m.write32(kFrame2Pa, 0x2222);
    Asm a(kCodeVa);
    emit_tlb_write(a, 40, entry_hi(kMappedVa, 1), entry_lo(kFramePa, kV | kD));
    emit_tlb_write(a, 41, entry_hi(kMappedVa, 2), entry_lo(kFrame2Pa, kV | kD));
    a.li(t1, kMappedVa);
    emit_set_entryhi(a, entry_hi(0, 1));
    a(enc::lw(t0, 0, t1));
    a(enc::nop());
    emit_set_entryhi(a, entry_hi(0, 2));
    a(enc::lw(t2, 0, t1));
    a(enc::nop());
    emit_set_entryhi(a, entry_hi(0, 1));
    a(enc::lw(t3, 0, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x1111u);
    EXPECT_EQ(m.cpu.gpr(t2), 0x2222u);
    EXPECT_EQ(m.cpu.gpr(t3), 0x1111u);
}

// Overwriting an entry takes effect for the next access.
TEST(TlbMatching, RewritingAnEntryRemapsThePage) {
    Machine m;
    m.write32(kFramePa, 0xaaaa);
    m.write32(kFrame2Pa, 0xbbbb);
    Asm a(kCodeVa);
    a.li(t1, kMappedVa);
    emit_tlb_write(a, 50, entry_hi(kMappedVa, 0), entry_lo(kFramePa, kV | kD | kG));
    a(enc::lw(t0, 0, t1));
    a(enc::sw(t1, 4, t1));
    emit_tlb_write(a, 50, entry_hi(kMappedVa, 0), entry_lo(kFrame2Pa, kV | kD | kG));
    a(enc::lw(t2, 0, t1));
    a(enc::sw(t1, 8, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0xaaaau);
    EXPECT_EQ(m.cpu.gpr(t2), 0xbbbbu);
    EXPECT_EQ(m.read32(kFramePa + 4), kMappedVa);
    EXPECT_EQ(m.read32(kFrame2Pa + 8), kMappedVa);
    EXPECT_EQ(m.read32(kFramePa + 8), 0u);
}

// Rewriting the TLB entry of the page being executed (user mode with CU0) takes
// effect for the following fetches (after a few nops: the R3000 has CP0 hazards).
TEST(TlbMatching, RemappingTheCurrentCodePageSwitchesFetchesToTheNewFrame) {
    constexpr uint32_t kUserVa = 0x00400000u, kOldPa = 0x00004000u, kNewPa = 0x00005000u;
    Machine m;
    Asm u(kUserVa);
    emit_tlb_write(u, 8, entry_hi(kUserVa, 0), entry_lo(kNewPa, kV | kD | kG));
    u.nops(4);
    uint32_t marker = u.here();
    u(enc::addiu(s0, zero, 1));
    u(enc::syscall());
    m.load_at_pa(u, kOldPa);
    // The new frame: same code up to the marker, which differs.
    std::vector<uint32_t> w = u.words();
    w[(marker - kUserVa) / 4] = enc::addiu(s0, zero, 2);
    m.write_words(kNewPa, w);

    Asm k(kCodeVa);
    emit_tlb_write(k, 8, entry_hi(kUserVa, 0), entry_lo(kOldPa, kV | kD | kG));
    emit_enter_user(k, kUserVa, kStatusCU0);
    m.load(k);
    m.reset(kCodeVa);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcSys);
    EXPECT_EQ(m.cpu.gpr(s0), 2u);
}

// Rule 7: two matching entries set Status.TS and stop the run with a message.
TEST(TlbMatching, DuplicateMatchStopsWithGuestError) {
    Machine m;
    Asm a(kCodeVa);
    emit_tlb_write(a, 10, entry_hi(kMappedVa, 0), entry_lo(kFramePa, kV | kD | kG));
    emit_tlb_write(a, 11, entry_hi(kMappedVa, 0), entry_lo(kFrame2Pa, kV | kD));
    a.li(t1, kMappedVa);
    a(enc::lw(t0, 0, t1));
    a(enc::nop());
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    StopReason r = m.run();
    EXPECT_EQ(r, StopReason::GuestError) << describe(m);
    std::string msg = m.cpu.error();
    EXPECT_FALSE(msg.empty());
    std::transform(msg.begin(), msg.end(), msg.begin(), [](unsigned char ch) { return std::tolower(ch); });
    EXPECT_NE(msg.find("tlb"), std::string::npos) << m.cpu.error();
    EXPECT_NE(m.status() & kStatusTS, 0u);
}

// ---- tlbr / tlbwi / tlbp ---------------------------------------------------------

TEST(TlbOps, TlbwiWritesTheIndexedEntry) {
    Machine m;
    Asm a(kCodeVa);
    emit_tlb_write(a, 33, entry_hi(0x12345000, 17), entry_lo(0x00054000, kV | kD | kEntryLoN));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.tlb().entry(33).hi, 0x12345000u | (17u << kEntryHiAsidShift));
    EXPECT_EQ(m.cpu.tlb().entry(33).lo, 0x00054000u | kV | kD | kEntryLoN);
    EXPECT_EQ(m.cpu.stats().tlb_writes, 1u);
}

TEST(TlbOps, TlbrReadsTheIndexedEntryIntoEntryHiAndEntryLo) {
    Machine m;
    Asm a(kCodeVa);
    emit_tlb_write(a, 33, entry_hi(0x12345000, 17), entry_lo(0x00054000, kV | kG));
    emit_tlb_write(a, 34, entry_hi(0x23456000, 18), entry_lo(0x00055000, kD));
    emit_set_entryhi(a, entry_hi(0x7f000000, 1));
    a(enc::mtc0(zero, kCp0EntryLo));
    a.li(t0, 33u << 8);
    a(enc::mtc0(t0, kCp0Index));
    a(enc::tlbr());
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.cp0(kCp0EntryHi), 0x12345000u | (17u << kEntryHiAsidShift));
    EXPECT_EQ(m.cpu.cp0(kCp0EntryLo), 0x00054000u | kV | kG);
    EXPECT_EQ(m.cpu.stats().tlb_reads, 1u);
}

TEST(TlbOps, TlbpHitSetsIndexAndClearsP) {
    Machine m;
    Asm a(kCodeVa);
    emit_tlb_write(a, 9, entry_hi(0x00700000, 2), entry_lo(kFramePa, kV));
    emit_tlb_write(a, 20, entry_hi(0x00701000, 2), entry_lo(kFramePa, kV));
    emit_tlb_write(a, 41, entry_hi(0x00702000, 2), entry_lo(kFramePa, kV));
    a.li(t0, 0x80000000u);
    a(enc::mtc0(t0, kCp0Index));  // P set beforehand: a hit must clear it
    emit_set_entryhi(a, entry_hi(0x00701000, 2));
    a(enc::tlbp());
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.cp0(kCp0Index), 20u << 8);
    EXPECT_EQ(m.cpu.stats().tlb_probes, 1u);
}

TEST(TlbOps, TlbpMissSetsP) {
    Machine m;
    Asm a(kCodeVa);
    emit_tlb_write(a, 20, entry_hi(0x00701000, 2), entry_lo(kFramePa, kV));
    emit_set_entryhi(a, entry_hi(0x00703000, 2));
    a(enc::tlbp());
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_NE(m.cpu.cp0(kCp0Index) & 0x80000000u, 0u);
}

// tlbp matches like a translation: a non-global entry for another ASID is a miss,
// a global one is a hit.
TEST(TlbOps, TlbpHonoursAsidAndGlobal) {
    Machine m;
    Asm a(kCodeVa);
    emit_tlb_write(a, 20, entry_hi(0x00701000, 2), entry_lo(kFramePa, kV));
    emit_tlb_write(a, 21, entry_hi(0x00702000, 2), entry_lo(kFramePa, kV | kG));
    emit_set_entryhi(a, entry_hi(0x00701000, 3));
    a(enc::tlbp());
    a(enc::nop());
    a(enc::mfc0(s0, kCp0Index));
    emit_set_entryhi(a, entry_hi(0x00702000, 3));
    a(enc::tlbp());
    a(enc::nop());
    a(enc::mfc0(s1, kCp0Index));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_NE(m.cpu.gpr(s0) & 0x80000000u, 0u) << "ASID 3 must not match ASID 2";
    EXPECT_EQ(m.cpu.gpr(s1), 21u << 8);
}

// ---- Random and tlbwr ----------------------------------------------------------

TEST(TlbRandom, RandomIs63AfterReset) {
    Machine m;
    m.reset(kCodeVa);
    EXPECT_EQ(m.cpu.cp0(kCp0Random), 63u << 8);
}

// Random decrements once per cycle through 63..8 and wraps from 8 to 63.
TEST(TlbRandom, RandomCountsDownThrough63To8OncePerCycle) {
    Machine m;
    Asm a(kCodeVa);
    a.nops(200);
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    uint64_t prev_cycles = m.cpu.cycles();
    uint32_t prev = m.cpu.cp0(kCp0Random);
    std::set<uint32_t> seen;
    for (int step = 0; step < 150; ++step) {
        ASSERT_EQ(m.run(1), StopReason::InstructionLimit) << describe(m);
        uint32_t r = m.cpu.cp0(kCp0Random);
        uint64_t dc = m.cpu.cycles() - prev_cycles;
        ASSERT_EQ(r & ~0x3f00u, 0u) << "only bits 13:8 exist";
        uint32_t v = r >> 8, pv = prev >> 8;
        ASSERT_GE(v, 8u);
        ASSERT_LE(v, 63u);
        uint32_t want = 8 + static_cast<uint32_t>(((pv - 8) + 56 * 1000 - dc % 56) % 56);
        ASSERT_EQ(v, want) << "step " << step << ": " << pv << " minus " << dc << " cycles";
        seen.insert(v);
        prev = r;
        prev_cycles = m.cpu.cycles();
    }
    EXPECT_EQ(seen.size(), 56u);
}

// tlbwr at many different cycle counts: entries 0-7 are never touched, and every
// write lands in 8..63.
TEST(TlbRandom, TlbwrNeverWritesEntries0To7) {
    Machine m;
    const unsigned kWrites = 150;
    Asm a(kCodeVa);
    for (unsigned k = 0; k < kWrites; ++k) {
        a.li(at, entry_hi((0x100u + k) << 12, 0));
        a(enc::mtc0(at, kCp0EntryHi));
        a.li(at, entry_lo(kFramePa, kV));
        a(enc::mtc0(at, kCp0EntryLo));
        a.nops(k % 7);
        a(enc::tlbwr());
    }
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    TlbEntry wired[kTlbWired];
    for (unsigned i = 0; i < kTlbWired; ++i) wired[i] = m.cpu.tlb().entry(i);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopEnd));
    for (unsigned i = 0; i < kTlbWired; ++i) {
        EXPECT_EQ(m.cpu.tlb().entry(i).hi, wired[i].hi) << "entry " << i;
        EXPECT_EQ(m.cpu.tlb().entry(i).lo, wired[i].lo) << "entry " << i;
    }
    unsigned written = 0;
    for (unsigned i = kTlbWired; i < kTlbEntries; ++i) {
        uint32_t vpn = m.cpu.tlb().entry(i).vpn();
        if (vpn >= 0x100 && vpn < 0x100 + kWrites) ++written;
    }
    EXPECT_GE(written, 20u) << "tlbwr should spread over many of entries 8..63";
    EXPECT_EQ(m.cpu.stats().tlb_writes, kWrites);
}

// ---- the starting phase of Random (CpuConfig::random_seed) ------------------------

CpuConfig with_random_seed(uint32_t seed) {
    CpuConfig c;
    c.random_seed = seed;
    return c;
}

// Random's value `k` steps further down its 63..8 cycle from `v` (wrapping 8 -> 63).
uint32_t random_minus(uint32_t v, uint32_t k) { return 8 + (v - 8 + 56 - k % 56) % 56; }

TEST(TlbRandomSeed, RandomAfterResetIsTheSeedsPhase) {
    for (uint32_t seed : {0u, 1u, 20u, 55u, 56u, 57u, 0xffffffffu}) {
        Machine m(with_random_seed(seed));
        m.reset(kCodeVa);
        EXPECT_EQ(m.cpu.cp0(kCp0Random) >> 8, random_minus(63, seed)) << "seed " << seed;
    }
    Machine last(with_random_seed(55));
    last.reset(kCodeVa);
    EXPECT_EQ(last.cpu.cp0(kCp0Random), 8u << 8);  // the last of the 56 phases
}

// Random as two mfc0 read it, 12 cycles apart, under `seed`; and the cycles taken.
struct RandomReads {
    uint32_t first, second;
    uint64_t cycles;
};
RandomReads random_reads(uint32_t seed) {
    Asm a(kCodeVa);
    a.nops(37);
    a(enc::mfc0(t0, kCp0Random));
    a.nops(11);
    a(enc::mfc0(t1, kCp0Random));
    a(enc::nop());  // mfc0's load delay
    Machine m(with_random_seed(seed));
    EXPECT_TRUE(RunsToEnd(m, a)) << "seed " << seed;
    return {m.cpu.gpr(t0) >> 8, m.cpu.gpr(t1) >> 8, m.cpu.cycles()};
}

// The same program reads Random with mfc0 at the same cycles under seed 0 and seed
// k: the values differ by exactly k steps of the countdown (mod 56, wrapping 8 -> 63).
TEST(TlbRandomSeed, MfcRandomUnderSeedKReadsKStepsFurtherDown) {
    const RandomReads base = random_reads(0);
    ASSERT_EQ(base.second, random_minus(base.first, 12)) << "12 cycles between the two reads";
    for (uint32_t k : {1u, 7u, 30u, 55u, 56u + 9u}) {
        const RandomReads r = random_reads(k);
        EXPECT_EQ(r.first, random_minus(base.first, k)) << "seed " << k;
        EXPECT_EQ(r.second, random_minus(base.second, k)) << "seed " << k;
        EXPECT_EQ(r.cycles, base.cycles) << "the seed changes no timing";
    }
}

// A tlbwr program whose writes land by Random; returns the VPN of every entry after it.
std::vector<uint32_t> tlb_after_random_writes(uint32_t seed) {
    Asm a(kCodeVa);
    for (unsigned k = 0; k < 90; ++k) {
        a.li(at, entry_hi((0x100u + k) << 12, 0));
        a(enc::mtc0(at, kCp0EntryHi));
        a.nops(k % 5);
        a(enc::tlbwr());
    }
    Machine m(with_random_seed(seed));
    EXPECT_TRUE(RunsToEnd(m, a)) << "seed " << seed;
    std::vector<uint32_t> vpns;
    for (unsigned i = 0; i < kTlbEntries; ++i) vpns.push_back(m.cpu.tlb().entry(i).vpn());
    return vpns;
}

// Seed 0 is the chip: Random steps once a cycle, so the entries 90 writes fill
// follow the cycle count alone, and a run repeats exactly.
TEST(TlbRandomSeed, SeedZeroFillsTheEntriesTheCycleCountPredicts) {
    EXPECT_EQ(tlb_after_random_writes(0), tlb_after_random_writes(0));
}

// A non-zero seed skips Random ahead after each tlbwr, so the translations that
// survive 90 writes into 56 entries differ from seed to seed (a phase alone would
// keep the same ones under rotated entry numbers), while each seed repeats exactly.
TEST(TlbRandomSeed, SeedsChangeWhichTranslationsSurviveAndEachRepeats) {
    auto survivors = [](const std::vector<uint32_t>& vpns) {
        std::set<uint32_t> s;
        for (uint32_t i = kTlbWired; i < kTlbEntries; ++i)
            if (vpns[i] < (0x80000000u >> kPageShift)) s.insert(vpns[i]);  // a kuseg page: written
        return s;
    };
    std::set<std::set<uint32_t>> distinct;
    for (uint32_t k : {0u, 1u, 2u, 17u, 55u}) {
        const std::vector<uint32_t> run = tlb_after_random_writes(k);
        EXPECT_EQ(run, tlb_after_random_writes(k)) << "seed " << k << " repeats";
        distinct.insert(survivors(run));
    }
    EXPECT_GE(distinct.size(), 4u) << "five seeds, nearly always five different survivor sets";
}

// The skips change where a tlbwr writes, never when anything happens.
TEST(TlbRandomSeed, TheSeedChangesNoTiming) {
    for (uint32_t k : {1u, 9u, 1000u}) EXPECT_EQ(random_reads(k).cycles, random_reads(0).cycles) << "seed " << k;
}

// After a tlbwr, Random has skipped: mfc0 reads the cycle count's value plus the
// phase, which moved by 0..55 steps; under seed 0 it reads the count's value.
TEST(TlbRandomSeed, RandomSkipsAheadAfterATlbwrOnlyUnderANonZeroSeed) {
    auto read_after_tlbwr = [](uint32_t seed) {
        Asm a(kCodeVa);
        a.li(at, entry_hi(0x00555000u, 0));
        a(enc::mtc0(at, kCp0EntryHi));
        a(enc::tlbwr());
        a(enc::mfc0(t0, kCp0Random));
        a(enc::nop());
        Machine m(with_random_seed(seed));
        EXPECT_TRUE(RunsToEnd(m, a)) << "seed " << seed;
        return m.cpu.gpr(t0) >> 8;
    };
    const uint32_t exact = read_after_tlbwr(0);
    std::set<uint32_t> seen;
    for (uint32_t k = 1; k <= 40; ++k) {
        const uint32_t v = read_after_tlbwr(k);
        EXPECT_GE(v, 8u);
        EXPECT_LE(v, 63u);
        seen.insert(random_minus(v, 56 - k % 56));  // undo the starting phase: the skip remains
    }
    EXPECT_GE(seen.size(), 20u) << "the skips spread over Random's values";
    EXPECT_EQ(read_after_tlbwr(0), exact);
}

// tlbwr writes entry 63 - (c + seed mod 56) mod 56, c being the cycle count with
// its own issue cycle included (the ideal memory model: one cycle). Run up to it,
// predict from the count, execute it, look.
TEST(TlbRandomSeed, TlbwrWritesTheEntryThePhasePredicts) {
    const uint32_t kVa = 0x00777000u;
    Asm a(kCodeVa);
    a.nops(23);
    a.li(at, entry_hi(kVa, 0));
    a(enc::mtc0(at, kCp0EntryHi));
    a.li(at, entry_lo(kFramePa, kV));
    a(enc::mtc0(at, kCp0EntryLo));
    const uint64_t before_tlbwr = (a.here() - kCodeVa) / 4;
    a(enc::tlbwr());
    emit_stop(a, kStopEnd);
    std::set<unsigned> written;
    for (uint32_t seed : {0u, 1u, 8u, 40u, 55u, 56u, 1000u}) {
        Machine m(with_random_seed(seed));
        m.load(a);
        m.reset(kCodeVa);
        ASSERT_EQ(m.run(before_tlbwr), StopReason::InstructionLimit) << describe(m);
        const uint64_t c = m.cpu.cycles() + 1;
        const unsigned want = 63 - static_cast<unsigned>((c + seed % 56) % 56);
        ASSERT_EQ(m.run(1), StopReason::InstructionLimit) << describe(m);
        ASSERT_EQ(m.cpu.cycles(), c);
        EXPECT_EQ(m.cpu.tlb().entry(want).vpn(), kVa >> 12) << "seed " << seed << ": entry " << want;
        written.insert(want);
    }
    EXPECT_EQ(written.size(), 6u) << "seeds 0 and 56 share a starting phase; the other five differ";
}

}  // namespace
}  // namespace vmsim::r3000::test
