// The load delay slot (reference sheet, "Delay slots"). Exact mode: loads and mfc0
// are not interlocked, the next instruction sees the old value; a write to the
// same register in the slot cancels the load; two back-to-back loads to the same
// register drop the first. Interlocked mode: the next instruction sees the new value.
#include <gtest/gtest.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

constexpr uint32_t kOld = 0x55, kA = 0xaaaa0001, kB = 0xbbbb0002, kC = 0xcccc0003;

CpuConfig exact() {
    CpuConfig c;
    c.load_delay = LoadDelay::Exact;
    return c;
}
CpuConfig interlocked() {
    CpuConfig c;
    c.load_delay = LoadDelay::Interlocked;
    return c;
}

// Data kA, kB at kDataVa, kDataVa + 4; a0 = kDataVa; t0 = t1 = kOld.
Asm prologue(Machine& m) {
    m.write32(kDataVa, kA);
    m.write32(kDataVa + 4, kB);
    Asm a(kCodeVa);
    a.li(a0, kDataVa);
    a.li(t0, kOld);
    a.li(t1, kOld);
    return a;
}

TEST(LoadDelayExact, NextInstructionSeesTheOldValue) {
    Machine m(exact());
    Asm a = prologue(m);
    a(enc::lw(t0, 0, a0));
    a(enc::addu(s0, t0, zero));  // load delay slot
    a(enc::addu(s1, t0, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), kOld);
    EXPECT_EQ(m.cpu.gpr(s1), kA);
    EXPECT_EQ(m.cpu.gpr(t0), kA);
}

TEST(LoadDelayExact, SlotStoreWritesTheOldValue) {
    Machine m(exact());
    Asm a = prologue(m);
    a(enc::lw(t0, 0, a0));
    a(enc::sw(t0, 8, a0));
    a(enc::sw(t0, 12, a0));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.read32(kDataVa + 8), kOld);
    EXPECT_EQ(m.read32(kDataVa + 12), kA);
}

TEST(LoadDelayExact, WriteToTheSameRegisterInTheSlotCancelsTheLoad) {
    Machine m(exact());
    Asm a = prologue(m);
    a(enc::lw(t0, 0, a0));
    a(enc::addiu(t0, zero, 7));  // slot writes t0: the load never lands
    a(enc::addu(s0, t0, zero));
    a.nops(2);
    a(enc::addu(s1, t0, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), 7u);
    EXPECT_EQ(m.cpu.gpr(s1), 7u);
    EXPECT_EQ(m.cpu.gpr(t0), 7u);
}

TEST(LoadDelayExact, BackToBackLoadsToTheSameRegisterDropTheFirst) {
    Machine m(exact());
    Asm a = prologue(m);
    a(enc::lw(t0, 0, a0));       // kA: dropped
    a(enc::lw(t0, 4, a0));       // kB
    a(enc::addu(s0, t0, zero));  // second load's slot: neither value yet
    a(enc::addu(s1, t0, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), kOld);
    EXPECT_EQ(m.cpu.gpr(s1), kB);
    EXPECT_EQ(m.cpu.gpr(t0), kB);
}

TEST(LoadDelayExact, BackToBackLoadsToDifferentRegistersBothLand) {
    Machine m(exact());
    Asm a = prologue(m);
    a(enc::lw(t0, 0, a0));
    a(enc::lw(t1, 4, a0));       // slot of the t0 load
    a(enc::addu(s0, t0, zero));  // slot of the t1 load: t0 has landed
    a(enc::addu(s1, t1, zero));  // t1 has landed
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), kA);
    EXPECT_EQ(m.cpu.gpr(s1), kB);
    EXPECT_EQ(m.cpu.gpr(t0), kA);
    EXPECT_EQ(m.cpu.gpr(t1), kB);
}

TEST(LoadDelayExact, SlotOfTheSecondLoadSeesOnlyTheFirst) {
    Machine m(exact());
    Asm a = prologue(m);
    a(enc::lw(t0, 0, a0));
    a(enc::lw(t1, 4, a0));
    a(enc::addu(s0, t1, zero));  // slot of the t1 load: old t1
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), kOld);
    EXPECT_EQ(m.cpu.gpr(t1), kB);
}

TEST(LoadDelayExact, LoadInABranchDelaySlotIsNotVisibleAtTheTarget) {
    Machine m(exact());
    Asm a = prologue(m);
    Asm::Label target = a.new_label();
    a.b(target);
    a(enc::lw(t0, 0, a0));
    a(enc::break_());
    a.bind(target);
    a(enc::addu(s0, t0, zero));
    a(enc::addu(s1, t0, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), kOld);
    EXPECT_EQ(m.cpu.gpr(s1), kA);
}

TEST(LoadDelayExact, LoadToZeroIsDiscarded) {
    Machine m(exact());
    Asm a = prologue(m);
    a(enc::lw(zero, 0, a0));
    a(enc::nop());
    a(enc::addu(s0, zero, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(zero), 0u);
    EXPECT_EQ(m.cpu.gpr(s0), 0u);
}

// The load is older than the trapping slot instruction, so it completes: after
// the handler returns to EPC, the slot instruction must see the loaded value.
TEST(LoadDelayExact, LoadCompletesWhenTheSlotInstructionTraps) {
    Machine m(exact());
    Asm a = prologue(m);
    a(enc::lw(t0, 0, a0));
    uint32_t pc = a.here();
    a(enc::syscall());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cpu.gpr(t0), kA);
}

// Replaces the stub at `vector` with: addu s0, t0, zero; then the stop stub.
void handler_copies_t0(Machine& m, uint32_t vector, Stop stop) {
    Asm h(vector);
    h(enc::addu(s0, t0, zero));
    emit_stop(h, stop);
    m.load(h);
}

// An interrupt taken right after a load: the load was issued before the exception
// point, so it completes and the handler sees the new value.
TEST(LoadDelayExact, HandlerOfAnInterruptInTheSlotSeesTheLoadedValue) {
    Machine m(exact());
    m.bus.dev_value = kC;
    m.bus.irq_on_dev_read = 2;
    handler_copies_t0(m, kVecGeneral, kStopGeneral);
    Asm a = prologue(m);
    a.li(t2, (1u << (kStatusIMShift + 2)) | kStatusIEc);
    a(enc::mtc0(t2, kCp0Status));
    a.li(a1, kDevVa);
    a(enc::lw(t0, 0, a1));  // the device raises line 2 during this read
    uint32_t next = a.here();
    a(enc::addu(s1, t0, zero));
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcInt);
    EXPECT_EQ(m.epc(), next);
    EXPECT_EQ(m.cpu.gpr(s0), kC);
    EXPECT_EQ(m.cpu.gpr(s1), 0u) << "the interrupted instruction must not have run";
}

// A load in a jump's delay slot, then a TLB miss fetching the target: the load
// completes before the refill handler runs.
TEST(LoadDelayExact, HandlerOfAFetchFaultAfterTheSlotSeesTheLoadedValue) {
    Machine m(exact());
    handler_copies_t0(m, kVecUtlb, kStopUtlb);
    Asm a = prologue(m);
    a.li(t1, 0x00500000);  // unmapped
    a(enc::jr(t1));
    a(enc::lw(t0, 0, a0));
    ASSERT_TRUE(RunsTo(m, a, kStopUtlb));
    EXPECT_EQ(m.exc(), kExcTLBL);
    EXPECT_EQ(m.epc(), 0x00500000u);
    EXPECT_EQ(m.cpu.gpr(s0), kA);
}

TEST(LoadDelayExact, Mfc0HasTheSameDelay) {
    Machine m(exact());
    Asm a = prologue(m);
    a.li(t3, 0x00012000);
    a(enc::mtc0(t3, kCp0EntryHi));
    a(enc::nop());
    a(enc::mfc0(t0, kCp0EntryHi));
    a(enc::addu(s0, t0, zero));
    a(enc::addu(s1, t0, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), kOld);
    EXPECT_EQ(m.cpu.gpr(s1), 0x00012000u);
}

// MIPS-I bypasses the register into LWL/LWR so that `lwl rt; lwr rt` needs no nop
// between them (MIPS R-series ISA description of LWL/LWR; gas emits the `ulw`
// macro this way). The reference sheet's "drop the first" rule does not cover
// this case; the hardware merges.
TEST(LoadDelayExact, LwlLwrBackToBackMergeWithoutANop) {
    Machine m(exact());
    for (unsigned i = 0; i < 8; ++i) m.byte(kDataVa + 0x40 + i) = static_cast<uint8_t>(0x10 + i);
    Asm a(kCodeVa);
    a.li(a0, kDataVa + 0x41);
    a(enc::lwl(t0, 3, a0));
    a(enc::lwr(t0, 0, a0));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x14131211u);
}

// The same bypass after any load: `lw rt; lwl rt` merges into the loaded word.
TEST(LoadDelayExact, LwlRightAfterLwMergesIntoTheLoadedValue) {
    Machine m(exact());
    Asm a = prologue(m);
    m.write32(kDataVa + 8, 0x44332211);
    a(enc::lw(t0, 0, a0));       // kA = 0xaaaa0001
    a(enc::lwl(t0, 9, a0));      // byte 1 of the word at +8: top two bytes = 22 11
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x22110001u);
}

TEST(LoadDelayInterlocked, NextInstructionSeesTheNewValue) {
    Machine m(interlocked());
    Asm a = prologue(m);
    a(enc::lw(t0, 0, a0));
    a(enc::addu(s0, t0, zero));
    a(enc::lw(t1, 4, a0));
    a(enc::sw(t1, 8, a0));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), kA);
    EXPECT_EQ(m.read32(kDataVa + 8), kB);
}

TEST(LoadDelayInterlocked, BackToBackLoadsToTheSameRegisterKeepTheSecond) {
    Machine m(interlocked());
    Asm a = prologue(m);
    a(enc::lw(t0, 0, a0));
    a(enc::addu(s0, t0, zero));
    a(enc::lw(t0, 4, a0));
    a(enc::addu(s1, t0, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), kA);
    EXPECT_EQ(m.cpu.gpr(s1), kB);
}

TEST(LoadDelayInterlocked, Mfc0IsVisibleToTheNextInstruction) {
    Machine m(interlocked());
    Asm a = prologue(m);
    a.li(t3, 0x00034000);
    a(enc::mtc0(t3, kCp0EntryHi));
    a(enc::nop());
    a(enc::mfc0(t0, kCp0EntryHi));
    a(enc::addu(s0, t0, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), 0x00034000u);
}

TEST(LoadDelayInterlocked, LwlLwrPairWithoutANop) {
    Machine m(interlocked());
    m.write32(kDataVa, kC);
    for (unsigned i = 0; i < 8; ++i) m.byte(kDataVa + 0x40 + i) = static_cast<uint8_t>(0x20 + i);
    Asm a(kCodeVa);
    a.li(a0, kDataVa + 0x42);
    a(enc::lwl(t0, 3, a0));
    a(enc::lwr(t0, 0, a0));
    a(enc::addu(s0, t0, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), 0x25242322u);
}

}  // namespace
}  // namespace vmsim::r3000::test
