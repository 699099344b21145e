// Branches and jumps (the delay slot always executes; links are pc + 8), syscall,
// break, and encodings from later ISA revisions that must raise RI on the R3000.
#include <gtest/gtest.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

enum class Cond { Beq, Bne, Blez, Bgtz, Bltz, Bgez, Bltzal, Bgezal };

struct BranchCase {
    const char* name;
    Cond cond;
    uint32_t rs, rt;
    bool taken;
    friend void PrintTo(const BranchCase& c, std::ostream* os) { *os << c.name; }
};

class Branch : public ::testing::TestWithParam<BranchCase> {};

// s0 counts the delay slot, s1 the fall-through path, s2 the target path.
TEST_P(Branch, DelaySlotAlwaysExecutesAndConditionPicksThePath) {
    const BranchCase& c = GetParam();
    Machine m;
    Asm a(kCodeVa);
    Asm::Label target = a.new_label(), done = a.new_label();
    a.li(t0, c.rs);
    a.li(t1, c.rt);
    switch (c.cond) {
    case Cond::Beq: a.beq(t0, t1, target); break;
    case Cond::Bne: a.bne(t0, t1, target); break;
    case Cond::Blez: a.blez(t0, target); break;
    case Cond::Bgtz: a.bgtz(t0, target); break;
    case Cond::Bltz: a.bltz(t0, target); break;
    case Cond::Bgez: a.bgez(t0, target); break;
    case Cond::Bltzal: a.bltzal(t0, target); break;
    case Cond::Bgezal: a.bgezal(t0, target); break;
    }
    a(enc::addiu(s0, s0, 1));  // delay slot
    a(enc::addiu(s1, s1, 1));
    a.b(done);
    a(enc::nop());
    a.bind(target);
    a(enc::addiu(s2, s2, 1));
    a.bind(done);
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), 1u) << "delay slot";
    EXPECT_EQ(m.cpu.gpr(s1), c.taken ? 0u : 1u) << "fall-through path";
    EXPECT_EQ(m.cpu.gpr(s2), c.taken ? 1u : 0u) << "target path";
}

INSTANTIATE_TEST_SUITE_P(
    Conditions, Branch,
    ::testing::Values(
        BranchCase{"BeqEqual", Cond::Beq, 5, 5, true},
        BranchCase{"BeqDifferent", Cond::Beq, 5, 6, false},
        BranchCase{"BneDifferent", Cond::Bne, 5, 6, true},
        BranchCase{"BneEqual", Cond::Bne, 7, 7, false},
        BranchCase{"BlezZero", Cond::Blez, 0, 0, true},
        BranchCase{"BlezNegative", Cond::Blez, 0x80000000, 0, true},
        BranchCase{"BlezPositive", Cond::Blez, 1, 0, false},
        BranchCase{"BgtzPositive", Cond::Bgtz, 0x7fffffff, 0, true},
        BranchCase{"BgtzZero", Cond::Bgtz, 0, 0, false},
        BranchCase{"BgtzNegative", Cond::Bgtz, 0xffffffff, 0, false},
        BranchCase{"BltzNegative", Cond::Bltz, 0xffffffff, 0, true},
        BranchCase{"BltzZero", Cond::Bltz, 0, 0, false},
        BranchCase{"BgezZero", Cond::Bgez, 0, 0, true},
        BranchCase{"BgezNegative", Cond::Bgez, 0x80000000, 0, false},
        BranchCase{"BltzalNegative", Cond::Bltzal, 0xfffffff0, 0, true},
        BranchCase{"BltzalPositive", Cond::Bltzal, 16, 0, false},
        BranchCase{"BgezalPositive", Cond::Bgezal, 16, 0, true},
        BranchCase{"BgezalNegative", Cond::Bgezal, 0xfffffff0, 0, false}),
    [](const ::testing::TestParamInfo<BranchCase>& i) { return std::string(i.param.name); });

// BLTZAL/BGEZAL write ra = pc + 8 whether or not the branch is taken.
TEST(Branches, BltzalAndBgezalLinkEvenWhenNotTaken) {
    for (bool use_bgezal : {false, true}) {
        Machine m;
        Asm a(kCodeVa);
        a.li(t0, use_bgezal ? 0xffffffff : 1);  // not taken either way
        a.li(ra, 0);
        uint32_t pc = a.here();
        a(use_bgezal ? enc::bgezal(t0, 10) : enc::bltzal(t0, 10));
        a(enc::nop());
        ASSERT_TRUE(RunsToEnd(m, a));
        EXPECT_EQ(m.cpu.gpr(ra), pc + 8) << (use_bgezal ? "bgezal" : "bltzal");
    }
}

TEST(Branches, BgezalTakenLinksPcPlus8) {
    Machine m;
    Asm a(kCodeVa);
    Asm::Label target = a.new_label();
    uint32_t pc = a.here();
    a.bgezal(zero, target);
    a(enc::nop());
    a(enc::break_());  // skipped
    a.bind(target);
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(ra), pc + 8);
}

TEST(Branches, BackwardBranchLoops) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 5);
    Asm::Label loop = a.bind_new();
    a(enc::addiu(t1, t1, 3));
    a(enc::addiu(t0, t0, -1));
    a.bne(t0, zero, loop);
    a(enc::addiu(t2, t2, 1));  // delay slot: runs on every iteration
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t1), 15u);
    EXPECT_EQ(m.cpu.gpr(t2), 5u);
    EXPECT_EQ(m.cpu.gpr(t0), 0u);
}

TEST(Jumps, JGoesToTargetAfterTheDelaySlot) {
    Machine m;
    Asm a(kCodeVa);
    Asm::Label target = a.new_label();
    a.j(target);
    a(enc::addiu(t0, zero, 1));
    a(enc::addiu(t1, zero, 1));
    a.bind(target);
    a(enc::addiu(t2, zero, 1));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 1u);
    EXPECT_EQ(m.cpu.gpr(t1), 0u);
    EXPECT_EQ(m.cpu.gpr(t2), 1u);
}

TEST(Jumps, JalLinksPcPlus8AndJrReturns) {
    Machine m;
    Asm a(kCodeVa);
    Asm::Label func = a.new_label(), done = a.new_label();
    uint32_t call = a.here();
    a.jal(func);
    a(enc::addiu(t0, t0, 1));  // delay slot
    a(enc::addiu(t1, t1, 1));  // return lands here
    a.b(done);
    a(enc::nop());
    a.bind(func);
    a(enc::addu(s0, ra, zero));
    a(enc::jr(ra));
    a(enc::addiu(t2, t2, 1));  // delay slot of jr
    a.bind(done);
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(s0), call + 8);
    EXPECT_EQ(m.cpu.gpr(t0), 1u);
    EXPECT_EQ(m.cpu.gpr(t1), 1u);
    EXPECT_EQ(m.cpu.gpr(t2), 1u);
}

TEST(Jumps, JalrLinksPcPlus8InRd) {
    Machine m;
    Asm a(kCodeVa);
    Asm::Label func = a.new_label(), done = a.new_label();
    a.li(t9, 0);  // patched below once func's address is known
    uint32_t li_at = a.size() - 2;
    uint32_t call = a.here();
    a(enc::jalr(s3, t9));
    a(enc::nop());
    a.b(done);
    a(enc::nop());
    a.bind(func);
    a(enc::jr(s3));
    a(enc::addiu(t3, zero, 9));
    a.bind(done);
    emit_stop(a, kStopEnd);
    std::vector<uint32_t> w = a.words();
    uint32_t f = a.address(func);
    w[li_at] = enc::lui(t9, f >> 16);
    w[li_at + 1] = enc::ori(t9, t9, f & 0xffff);
    m.write_words(kCodeVa, w);
    m.reset(kCodeVa);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopEnd));
    EXPECT_EQ(m.cpu.gpr(s3), call + 8);
    EXPECT_EQ(m.cpu.gpr(t3), 9u);
    EXPECT_EQ(m.cpu.gpr(ra), 0u);
}

// j keeps the top four bits of the delay slot's address.
TEST(Jumps, JTargetStaysInTheCurrent256MiBRegion) {
    Machine m;
    Asm a(kCodeVa);
    // Encoded target 0x00002000 -> 0x80002000 when executed from kseg0.
    a(enc::j(0x00002000));
    a(enc::nop());
    m.load(a);
    Asm there(0x80002000);
    there(enc::addiu(t0, zero, 42));
    emit_stop(there, kStopEnd);
    m.load(there);
    m.reset(kCodeVa);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopEnd));
    EXPECT_EQ(m.cpu.gpr(t0), 42u);
}

TEST(Traps, SyscallRaisesSysWithEpcAtTheInstruction) {
    Machine m;
    Asm a(kCodeVa);
    a.nops(1);
    uint32_t pc = a.here();
    a(enc::syscall(0x1234));
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcSys);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cause() & kCauseBD, 0u);
    EXPECT_EQ(m.cpu.stats().exceptions[kExcSys], 1u);
}

TEST(Traps, BreakRaisesBp) {
    Machine m;
    Asm a(kCodeVa);
    uint32_t pc = a.here();
    a(enc::break_(7));
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcBp);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cpu.stats().exceptions[kExcBp], 1u);
}

TEST(Traps, SyscallInDelaySlotSetsBdAndEpcToTheBranch) {
    Machine m;
    Asm a(kCodeVa);
    Asm::Label target = a.new_label();
    uint32_t branch = a.here();
    a.b(target);
    a(enc::syscall());
    a.bind(target);
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcSys);
    EXPECT_EQ(m.epc(), branch);
    EXPECT_NE(m.cause() & kCauseBD, 0u);
}

struct RiCase {
    const char* name;
    uint32_t insn;
    friend void PrintTo(const RiCase& c, std::ostream* os) { *os << c.name; }
};

class ReservedInstruction : public ::testing::TestWithParam<RiCase> {};

// Later-ISA encodings are reserved on MIPS-I: RI, nothing written.
TEST_P(ReservedInstruction, RaisesRiAndWritesNothing) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0x11111111);
    a.li(t1, 6);
    a.li(t2, 7);
    uint32_t pc = a.here();
    a(GetParam().insn);
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcRI);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cpu.gpr(t0), 0x11111111u);
}

INSTANTIATE_TEST_SUITE_P(
    LaterIsas, ReservedInstruction,
    ::testing::Values(RiCase{"Mips32Mul", enc::mul_mips32(t0, t1, t2)},
                      RiCase{"Mips32MulCanonicalWord", 0x70000002u},
                      RiCase{"Mips4Movn", enc::movn_mips4(t0, t1, t2)},
                      RiCase{"Mips4Movz", enc::movz_mips4(t0, t1, zero)},
                      RiCase{"Mips2Beql", enc::beql_mips2(t1, t1, 4)}),
    [](const ::testing::TestParamInfo<RiCase>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace vmsim::r3000::test
