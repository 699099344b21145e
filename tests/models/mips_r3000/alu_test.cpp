// MIPS-I integer ALU: add/sub with and without the overflow trap, logic, shifts,
// set-on-less-than and lui. Expected values are worked out by hand from the
// instruction definitions.
#include <gtest/gtest.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

TEST(Alu, AdduWrapsWithoutTrapping) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0x7fffffff);
    a.li(t1, 1);
    a(enc::addu(t2, t0, t1));
    a.li(t3, 0xffffffff);
    a(enc::addu(t4, t3, t3));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t2), 0x80000000u);
    EXPECT_EQ(m.cpu.gpr(t4), 0xfffffffeu);
    EXPECT_EQ(m.cpu.stats().exceptions[kExcOv], 0u);
}

TEST(Alu, AddWithoutOverflowWritesSum) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, static_cast<uint32_t>(-5));
    a.li(t1, 3);
    a(enc::add(t2, t0, t1));
    a.li(t3, 0x40000000);
    a.li(t5, 0x3fffffff);
    a(enc::add(t6, t3, t5));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t2), static_cast<uint32_t>(-2));
    EXPECT_EQ(m.cpu.gpr(t6), 0x7fffffffu);
}

struct OvCase {
    const char* name;
    uint32_t insn;  // writes t2 from t0, t1
    uint32_t t0v, t1v;
    friend void PrintTo(const OvCase& c, std::ostream* os) { *os << c.name; }
};

class AluOverflow : public ::testing::TestWithParam<OvCase> {};

// Ov is taken before rd is written: t2 keeps its old value, EPC is the instruction.
TEST_P(AluOverflow, TrapsOvAndLeavesRdUnchanged) {
    const OvCase& c = GetParam();
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, c.t0v);
    a.li(t1, c.t1v);
    a.li(t2, 0x12345678);
    uint32_t trap_pc = a.here();
    a(c.insn);
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcOv);
    EXPECT_EQ(m.epc(), trap_pc);
    EXPECT_EQ(m.cause() & kCauseBD, 0u);
    EXPECT_EQ(m.cpu.gpr(t2), 0x12345678u);
    EXPECT_EQ(m.cpu.stats().exceptions[kExcOv], 1u);
}

INSTANTIATE_TEST_SUITE_P(
    AddAddiSub, AluOverflow,
    ::testing::Values(
        OvCase{"AddPositive", enc::add(t2, t0, t1), 0x7fffffff, 1},
        OvCase{"AddNegative", enc::add(t2, t0, t1), 0x80000000, 0xffffffff},
        OvCase{"AddiPositive", enc::addi(t2, t0, 1), 0x7fffffff, 0},
        OvCase{"AddiNegativeImmediate", enc::addi(t2, t0, -1), 0x80000000, 0},
        OvCase{"SubPositiveMinusNegative", enc::sub(t2, t0, t1), 0x7fffffff, 0xffffffff},
        OvCase{"SubNegativeMinusPositive", enc::sub(t2, t0, t1), 0x80000000, 1}),
    [](const ::testing::TestParamInfo<OvCase>& i) { return std::string(i.param.name); });

TEST(Alu, AddiSignExtendsImmediate) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 10);
    a(enc::addi(t1, t0, -3));
    a(enc::addiu(t2, t0, -11));
    a.li(t3, 0x7fffffff);
    a(enc::addiu(t4, t3, 1));  // addiu never traps
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t1), 7u);
    EXPECT_EQ(m.cpu.gpr(t2), 0xffffffffu);
    EXPECT_EQ(m.cpu.gpr(t4), 0x80000000u);
}

TEST(Alu, SubuWrapsWithoutTrapping) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0);
    a.li(t1, 1);
    a(enc::subu(t2, t0, t1));
    a.li(t3, 0x80000000);
    a(enc::subu(t4, t3, t1));
    a(enc::sub(t5, t1, t1));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t2), 0xffffffffu);
    EXPECT_EQ(m.cpu.gpr(t4), 0x7fffffffu);
    EXPECT_EQ(m.cpu.gpr(t5), 0u);
}

TEST(Alu, LogicOpsOnRegisters) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0xff00ff00);
    a.li(t1, 0x0ff00ff0);
    a(enc::and_(t2, t0, t1));
    a(enc::or_(t3, t0, t1));
    a(enc::xor_(t4, t0, t1));
    a(enc::nor(t5, t0, t1));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t2), 0x0f000f00u);
    EXPECT_EQ(m.cpu.gpr(t3), 0xfff0fff0u);
    EXPECT_EQ(m.cpu.gpr(t4), 0xf0f0f0f0u);
    EXPECT_EQ(m.cpu.gpr(t5), 0x000f000fu);
}

TEST(Alu, LogicImmediatesAreZeroExtended) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0xffffffff);
    a(enc::andi(t1, t0, 0x8001));
    a(enc::ori(t2, zero, 0x8000));
    a(enc::xori(t3, t0, 0x8000));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t1), 0x00008001u);
    EXPECT_EQ(m.cpu.gpr(t2), 0x00008000u);
    EXPECT_EQ(m.cpu.gpr(t3), 0xffff7fffu);
}

TEST(Alu, LuiLoadsUpperHalfAndClearsLowerHalf) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0xffffffff);
    a(enc::lui(t0, 0x8765));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x87650000u);
}

TEST(Alu, ImmediateShifts) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0x80000001);
    a(enc::sll(t1, t0, 4));
    a(enc::srl(t2, t0, 31));
    a(enc::sra(t3, t0, 4));
    a(enc::srl(t4, t0, 4));
    a.li(t5, 0x40000000);
    a(enc::sra(t6, t5, 30));
    a(enc::sll(t7, t0, 0));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t1), 0x00000010u);
    EXPECT_EQ(m.cpu.gpr(t2), 1u);
    EXPECT_EQ(m.cpu.gpr(t3), 0xf8000000u);
    EXPECT_EQ(m.cpu.gpr(t4), 0x08000000u);
    EXPECT_EQ(m.cpu.gpr(t6), 1u);
    EXPECT_EQ(m.cpu.gpr(t7), 0x80000001u);
}

// Variable shifts use only the low five bits of rs.
TEST(Alu, VariableShiftsUseLowFiveBitsOfRs) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0x80000003);
    a.li(s0, 33);       // shift by 1
    a.li(s1, 0x20);     // shift by 0
    a.li(s2, 0xffffffe4);  // shift by 4
    a(enc::sllv(t1, t0, s0));
    a(enc::srlv(t2, t0, s0));
    a(enc::srav(t3, t0, s0));
    a(enc::srlv(t4, t0, s1));
    a(enc::srav(t5, t0, s2));
    a.li(t6, static_cast<uint32_t>(-16));
    a.li(s3, 2);
    a(enc::srav(t7, t6, s3));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t1), 0x00000006u);
    EXPECT_EQ(m.cpu.gpr(t2), 0x40000001u);
    EXPECT_EQ(m.cpu.gpr(t3), 0xc0000001u);
    EXPECT_EQ(m.cpu.gpr(t4), 0x80000003u);
    EXPECT_EQ(m.cpu.gpr(t5), 0xf8000000u);
    EXPECT_EQ(m.cpu.gpr(t7), static_cast<uint32_t>(-4));
}

TEST(Alu, SltIsSignedAndSltuIsUnsigned) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0xffffffff);  // -1
    a.li(t1, 1);
    a(enc::slt(t2, t0, t1));   // -1 < 1
    a(enc::sltu(t3, t0, t1));  // 0xffffffff < 1 is false
    a(enc::slt(t4, t1, t0));
    a(enc::sltu(t5, t1, t0));
    a(enc::slt(t6, t1, t1));   // equal: 0
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t2), 1u);
    EXPECT_EQ(m.cpu.gpr(t3), 0u);
    EXPECT_EQ(m.cpu.gpr(t4), 0u);
    EXPECT_EQ(m.cpu.gpr(t5), 1u);
    EXPECT_EQ(m.cpu.gpr(t6), 0u);
}

TEST(Alu, SltiComparesWithSignExtendedImmediate) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, static_cast<uint32_t>(-5));
    a(enc::slti(t1, t0, -4));  // -5 < -4
    a(enc::slti(t2, t0, -5));  // -5 < -5 is false
    a.li(t3, 0x7fff);
    a(enc::slti(t4, t3, 0x8000 - 0x10000));  // 0x7fff < -32768 is false
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t1), 1u);
    EXPECT_EQ(m.cpu.gpr(t2), 0u);
    EXPECT_EQ(m.cpu.gpr(t4), 0u);
}

// sltiu sign-extends its immediate, then compares unsigned: imm 0x8000 is 0xffff8000.
TEST(Alu, SltiuSignExtendsImmediateThenComparesUnsigned) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0x9000);
    a(enc::sltiu(t1, t0, 0x8000 - 0x10000));  // 0x9000 < 0xffff8000: 1 (0 if zero-extended)
    a.li(t2, 0xfffffffe);
    a(enc::sltiu(t3, t2, -1));  // 0xfffffffe < 0xffffffff
    a(enc::sltiu(t4, zero, 0)); // 0 < 0 is false
    a(enc::sltiu(t5, zero, 1)); // the "seqz" idiom
    a.li(t6, 0xffff8000);
    a(enc::sltiu(t7, t6, 0x8000 - 0x10000));  // equal: 0
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t1), 1u);
    EXPECT_EQ(m.cpu.gpr(t3), 1u);
    EXPECT_EQ(m.cpu.gpr(t4), 0u);
    EXPECT_EQ(m.cpu.gpr(t5), 1u);
    EXPECT_EQ(m.cpu.gpr(t7), 0u);
}

TEST(Alu, WritesToZeroRegisterAreDiscarded) {
    Machine m;
    Asm a(kCodeVa);
    a(enc::addiu(zero, zero, 5));
    a(enc::addu(t0, zero, zero));
    a(enc::lui(zero, 0x1234));
    a(enc::or_(t1, zero, zero));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(zero), 0u);
    EXPECT_EQ(m.cpu.gpr(t0), 0u);
    EXPECT_EQ(m.cpu.gpr(t1), 0u);
}

}  // namespace
}  // namespace vmsim::r3000::test
