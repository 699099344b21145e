// MULT/MULTU/DIV/DIVU, MFHI/MFLO/MTHI/MTLO, and the HI/LO interlock timing
// (reference sheet, "Timing facts": 12 cycles for multiply, 35 for divide).
#include <gtest/gtest.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

struct MulDivCase {
    const char* name;
    uint32_t (*insn)(unsigned, unsigned);
    uint32_t rs, rt;
    uint32_t hi, lo;
    friend void PrintTo(const MulDivCase& c, std::ostream* os) { *os << c.name; }
};

class MulDiv : public ::testing::TestWithParam<MulDivCase> {};

// The result is checked both through mfhi/mflo and the hi()/lo() accessors.
TEST_P(MulDiv, SetsHiAndLo) {
    const MulDivCase& c = GetParam();
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, c.rs);
    a.li(t1, c.rt);
    a(c.insn(t0, t1));
    a(enc::mfhi(t2));
    a(enc::mflo(t3));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t2), c.hi);
    EXPECT_EQ(m.cpu.gpr(t3), c.lo);
    EXPECT_EQ(m.cpu.hi(), c.hi);
    EXPECT_EQ(m.cpu.lo(), c.lo);
}

INSTANTIATE_TEST_SUITE_P(
    Values, MulDiv,
    ::testing::Values(
        // -3 * 5 = -15
        MulDivCase{"MultNegativeTimesPositive", enc::mult, 0xfffffffd, 5, 0xffffffff, 0xfffffff1},
        // (-2^31)^2 = 2^62
        MulDivCase{"MultMinIntSquared", enc::mult, 0x80000000, 0x80000000, 0x40000000, 0},
        // 0x7fffffff * -1 = -0x7fffffff
        MulDivCase{"MultByMinusOne", enc::mult, 0x7fffffff, 0xffffffff, 0xffffffff, 0x80000001},
        // 0x7fffffff * 0xffffffff = 0x7ffffffe_80000001
        MulDivCase{"MultuSameOperandsIsUnsigned", enc::multu, 0x7fffffff, 0xffffffff, 0x7ffffffe, 0x80000001},
        // (2^32 - 1)^2 = 0xfffffffe_00000001
        MulDivCase{"MultuAllOnesSquared", enc::multu, 0xffffffff, 0xffffffff, 0xfffffffe, 1},
        MulDivCase{"MultSmall", enc::mult, 1000, 1000, 0, 1000000},
        // Signed division truncates toward zero; the remainder has the dividend's sign.
        MulDivCase{"DivNegativeByPositive", enc::div, 0xfffffff9, 2, 0xffffffff, 0xfffffffd},   // -7/2 = -3 r -1
        MulDivCase{"DivPositiveByNegative", enc::div, 7, 0xfffffffe, 1, 0xfffffffd},            // 7/-2 = -3 r 1
        MulDivCase{"DivNegativeByNegative", enc::div, 0xfffffff9, 0xfffffffe, 0xffffffff, 3},   // -7/-2 = 3 r -1
        MulDivCase{"DivMinusOneByTwoIsZero", enc::div, 0xffffffff, 2, 0xffffffff, 0},           // -1/2 = 0 r -1
        MulDivCase{"DivuAllOnesByTwo", enc::divu, 0xffffffff, 2, 1, 0x7fffffff},
        MulDivCase{"DivuLargeDivisor", enc::divu, 0x80000005, 0x80000000, 5, 1}),
    [](const ::testing::TestParamInfo<MulDivCase>& i) { return std::string(i.param.name); });

// Division by zero leaves HI/LO undefined but never traps (MIPS-I has no divide trap).
TEST(MulDivBehaviour, DivideByZeroDoesNotTrap) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 1234);
    a(enc::div(t0, zero));
    a(enc::mflo(t2));
    a(enc::divu(t0, zero));
    a(enc::mfhi(t3));
    ASSERT_TRUE(RunsToEnd(m, a));
    for (uint64_t n : m.cpu.stats().exceptions) EXPECT_EQ(n, 0u);
}

TEST(MulDivBehaviour, MthiMtloWriteHiLo) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0xcafef00d);
    a.li(t1, 0x12345678);
    a(enc::mthi(t0));
    a(enc::mtlo(t1));
    a.nops(2);
    a(enc::mfhi(t2));
    a(enc::mflo(t3));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.hi(), 0xcafef00du);
    EXPECT_EQ(m.cpu.lo(), 0x12345678u);
    EXPECT_EQ(m.cpu.gpr(t2), 0xcafef00du);
    EXPECT_EQ(m.cpu.gpr(t3), 0x12345678u);
}

// Cycles taken by: operands; `op` (or a nop in its place); `gap` nops; mfhi; stop.
// The difference between the two is the HI/LO interlock stall.
struct StallRun {
    uint64_t cycles;
    uint64_t stall_stat;
};
StallRun run_muldiv(const CpuConfig& config, uint32_t op, unsigned gap) {
    Machine m(config);
    Asm a(kCodeVa);
    a.li(t0, 0x12345);
    a.li(t1, 0x321);
    a(op);
    a.nops(gap);
    a(enc::mfhi(t2));
    EXPECT_TRUE(RunsToEnd(m, a));
    return {m.cpu.cycles(), m.cpu.stats().muldiv_stall_cycles};
}

// The operation issues in one cycle and HI/LO are ready `latency` cycles after
// issue, so an mfhi right behind it waits latency-1 more cycles; we also accept
// `latency` (latency counted from the next cycle). Each independent instruction
// in between hides one cycle of the wait.
void check_interlock(const CpuConfig& config, uint32_t op, unsigned latency) {
    StallRun base = run_muldiv(config, enc::nop(), 0);
    StallRun back_to_back = run_muldiv(config, op, 0);
    uint64_t stall = back_to_back.cycles - base.cycles;
    EXPECT_GE(stall, latency - 1);
    EXPECT_LE(stall, latency);
    EXPECT_EQ(base.stall_stat, 0u);
    EXPECT_EQ(back_to_back.stall_stat, stall);

    StallRun five_between = run_muldiv(config, op, 5);
    StallRun five_base = run_muldiv(config, enc::nop(), 5);
    EXPECT_EQ(five_between.cycles - five_base.cycles, stall - 5);
    EXPECT_EQ(five_between.stall_stat, stall - 5);

    StallRun far = run_muldiv(config, op, latency + 1);
    StallRun far_base = run_muldiv(config, enc::nop(), latency + 1);
    EXPECT_EQ(far.cycles, far_base.cycles);
    EXPECT_EQ(far.stall_stat, 0u);
}

TEST(MulDivTiming, MfhiRightAfterMultWaitsForTheTwelveCycleMultiply) {
    CpuConfig c;
    ASSERT_EQ(c.mult_latency, 12u);
    check_interlock(c, enc::mult(t0, t1), 12);
    check_interlock(c, enc::multu(t0, t1), 12);
}

TEST(MulDivTiming, MfhiRightAfterDivWaitsForTheThirtyFiveCycleDivide) {
    CpuConfig c;
    ASSERT_EQ(c.div_latency, 35u);
    check_interlock(c, enc::div(t0, t1), 35);
    check_interlock(c, enc::divu(t0, t1), 35);
}

TEST(MulDivTiming, LatenciesComeFromTheConfig) {
    CpuConfig c;
    c.mult_latency = 7;
    c.div_latency = 20;
    check_interlock(c, enc::mult(t0, t1), 7);
    check_interlock(c, enc::div(t0, t1), 20);
}

// mflo interlocks like mfhi.
TEST(MulDivTiming, MfloAlsoWaits) {
    auto cycles = [](uint32_t op) {
        Machine m;
        Asm a(kCodeVa);
        a.li(t0, 3);
        a.li(t1, 4);
        a(op);
        a(enc::mflo(t2));
        EXPECT_TRUE(RunsToEnd(m, a));
        EXPECT_EQ(m.cpu.gpr(t2), op == enc::nop() ? 0u : 12u);
        return m.cpu.cycles();
    };
    uint64_t stall = cycles(enc::mult(t0, t1)) - cycles(enc::nop());
    EXPECT_GE(stall, 11u);
    EXPECT_LE(stall, 12u);
}

}  // namespace
}  // namespace vmsim::r3000::test
