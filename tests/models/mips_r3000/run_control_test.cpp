// run() limits and stop reasons, reset state, and code modification (stores to
// code and invalidate_code() take effect on the next execution).
#include <gtest/gtest.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

TEST(RunControl, InstructionLimitStopsAfterExactlyThatManyInstructions) {
    Machine m;
    Asm a(kCodeVa);
    a.nops(100);
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    EXPECT_EQ(m.cpu.run(kNoLimit, 7), StopReason::InstructionLimit);
    EXPECT_EQ(m.cpu.instructions(), 7u);
    EXPECT_EQ(m.cpu.pc(), kCodeVa + 28);
    EXPECT_EQ(m.cpu.run(kNoLimit, 10), StopReason::InstructionLimit);
    EXPECT_EQ(m.cpu.instructions(), 10u);
    EXPECT_EQ(m.cpu.pc(), kCodeVa + 40);
}

TEST(RunControl, LimitAlreadyReachedRunsNothing) {
    Machine m;
    Asm a(kCodeVa);
    a.nops(10);
    m.load(a);
    m.reset(kCodeVa);
    ASSERT_EQ(m.cpu.run(kNoLimit, 3), StopReason::InstructionLimit);
    EXPECT_EQ(m.cpu.run(kNoLimit, 3), StopReason::InstructionLimit);
    EXPECT_EQ(m.cpu.instructions(), 3u);
    EXPECT_EQ(m.cpu.pc(), kCodeVa + 12);
}

TEST(RunControl, CycleLimitStopsAtTheFirstInstructionBoundaryPastIt) {
    Machine m;
    Asm a(kCodeVa);
    a.nops(100);
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    EXPECT_EQ(m.cpu.run(50, kNoLimit), StopReason::CycleLimit);
    EXPECT_GE(m.cpu.cycles(), 50u);
    EXPECT_LT(m.cpu.cycles(), 55u) << "nops are not that slow";
    EXPECT_GT(m.cpu.instructions(), 0u);
    EXPECT_LE(m.cpu.instructions(), 50u);
    EXPECT_EQ(m.cpu.pc(), kCodeVa + 4 * m.cpu.instructions());
}

// Stopping and resuming at any instruction boundary gives the same result as one run.
TEST(RunControl, ResumingInSmallStepsMatchesOneRun) {
    auto program = [] {
        // Exercises state that lives between instructions: the branch delay slot,
        // a pending load (exact mode) and a multiply in flight.
        Asm a(kCodeVa);
        a.li(t0, 20);
        a.li(a0, kDataVa);
        Asm::Label loop = a.bind_new();
        a(enc::addu(t1, t1, t0));
        a(enc::mult(t1, t0));
        a(enc::sw(t1, 0, a0));
        a(enc::lw(t5, 0, a0));
        a(enc::addu(t6, t6, t5));  // load delay slot: previous t5
        a(enc::addu(t7, t7, t5));
        a(enc::addiu(t0, t0, -1));
        a(enc::mflo(t2));
        a(enc::xor_(t3, t3, t2));
        a.bne(t0, zero, loop);
        a(enc::addiu(t4, t4, 1));
        emit_stop(a, kStopEnd);
        return a;
    };
    Machine once;
    Asm a1 = program();
    ASSERT_TRUE(Stopped(once, once.run_program(a1), kStopEnd));

    Machine steps;
    Asm a2 = program();
    steps.load(a2);
    steps.reset(kCodeVa);
    StopReason r = StopReason::InstructionLimit;
    for (int i = 0; i < 10000 && r == StopReason::InstructionLimit; ++i) r = steps.run(i % 3 + 1);
    ASSERT_TRUE(Stopped(steps, r, kStopEnd));
    for (unsigned reg = 1; reg < 32; ++reg) EXPECT_EQ(steps.cpu.gpr(reg), once.cpu.gpr(reg)) << "r" << reg;
    EXPECT_EQ(steps.cpu.hi(), once.cpu.hi());
    EXPECT_EQ(steps.cpu.lo(), once.cpu.lo());
    EXPECT_EQ(steps.cpu.instructions(), once.cpu.instructions());
    EXPECT_EQ(steps.cpu.cycles(), once.cpu.cycles());
}

// break_run() from a bus callback returns after the current instruction.
TEST(RunControl, BreakRunFromTheBusReturnsAfterTheCurrentInstruction) {
    Machine m;
    Asm a(kCodeVa);
    a.nops(3);
    uint32_t store = a.here() + 4;  // emit_stop: lui, then the store
    emit_stop(a, kStopEnd);
    a(enc::addiu(s0, zero, 1));
    StopReason r = m.run_program(a);
    ASSERT_TRUE(Stopped(m, r, kStopEnd));
    EXPECT_EQ(m.cpu.pc(), store + 4);
    EXPECT_EQ(m.cpu.instructions(), 5u);
    EXPECT_EQ(m.cpu.gpr(s0), 0u);
}

TEST(RunControl, ResetRestoresTheBootState) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0x1234);
    a(enc::mthi(t0));
    a.li(t1, kStatusIEc | kStatusCU0 | 0xff00);
    a(enc::mtc0(t1, kCp0Status));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    m.cpu.reset(0x80004000);
    EXPECT_EQ(m.cpu.pc(), 0x80004000u);
    for (unsigned reg = 0; reg < 32; ++reg) EXPECT_EQ(m.cpu.gpr(reg), 0u) << "r" << reg;
    EXPECT_EQ(m.cpu.cycles(), 0u);
    EXPECT_EQ(m.cpu.instructions(), 0u);
    EXPECT_FALSE(m.cpu.user_mode());
    EXPECT_EQ(m.status() & (kStatusIEc | kStatusKUc | kStatusBEV), 0u);
}

// ---- code modification ---------------------------------------------------------

constexpr uint32_t kFuncVa = kCodeVa + 0x400;

// A function at kFuncVa: t0 += 1; return.
Asm increment_function() {
    Asm f(kFuncVa);
    f(enc::addiu(t0, t0, 1));
    f(enc::jr(ra));
    f(enc::nop());
    return f;
}

// Calls the function, patches its first instruction with `patch`, calls it again.
void run_patched_call(Machine& m, const std::vector<uint32_t>& patch) {
    m.load(increment_function());
    Asm a(kCodeVa);
    a(enc::jal(kFuncVa));
    a(enc::nop());
    for (uint32_t w : patch) a(w);
    a(enc::jal(kFuncVa));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
}

TEST(SelfModifyingCode, StoreThroughKseg0TakesEffect) {
    Machine m;
    Asm p(0);
    p.li(t1, enc::addiu(t0, t0, 0x10));
    p.li(t2, kFuncVa);
    p(enc::sw(t1, 0, t2));
    run_patched_call(m, p.words());
    EXPECT_EQ(m.cpu.gpr(t0), 0x11u);
}

TEST(SelfModifyingCode, StoreThroughKseg1AliasTakesEffect) {
    Machine m;
    Asm p(0);
    p.li(t1, enc::addiu(t0, t0, 0x20));
    p.li(t2, kFuncVa + 0x20000000);
    p(enc::sw(t1, 0, t2));
    run_patched_call(m, p.words());
    EXPECT_EQ(m.cpu.gpr(t0), 0x21u);
}

TEST(SelfModifyingCode, ByteStoreIntoAnInstructionTakesEffect) {
    Machine m;
    Asm p(0);
    p(enc::addiu(t1, zero, 0x40));
    p.li(t2, kFuncVa);
    p(enc::sb(t1, 0, t2));  // low byte of the immediate
    run_patched_call(m, p.words());
    EXPECT_EQ(m.cpu.gpr(t0), 0x41u);
}

TEST(SelfModifyingCode, InvalidateCodeAfterAHostWriteTakesEffect) {
    Machine m;
    m.load(increment_function());
    Asm a(kCodeVa);
    a(enc::jal(kFuncVa));
    a(enc::nop());
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    ASSERT_TRUE(Stopped(m, m.run(), kStopEnd));
    ASSERT_EQ(m.cpu.gpr(t0), 1u);

    m.write32(kFuncVa, enc::addiu(t0, t0, 0x100));
    m.cpu.invalidate_code(Machine::pa_of(kFuncVa), 4);
    m.cpu.set_pc(kCodeVa);
    ASSERT_TRUE(Stopped(m, m.run(), kStopEnd));
    EXPECT_EQ(m.cpu.gpr(t0), 0x101u);
}

}  // namespace
}  // namespace vmsim::r3000::test
