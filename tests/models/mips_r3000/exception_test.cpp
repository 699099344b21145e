// CP0 and exceptions that do not involve the TLB: the KU/IE stack on entry and
// rfe, user-mode address and coprocessor checks, interrupts, BEV vectors, PRId.
// Rules from the reference sheet, "CP0 registers", "Address space" and
// "Exception entry and return".
#include <gtest/gtest.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

constexpr uint32_t kUserCodeVa = 0x00400000u, kUserCodePa = 0x00004000u;

uint32_t im(unsigned ip) { return 1u << (kStatusIMShift + ip); }
uint32_t ip_bit(unsigned ip) { return 1u << (kCauseIPShift + ip); }

// Kernel code at kCodeVa that maps one global user page and drops to user mode
// there; `user` is loaded at its physical page. Status gets `extra_status` too.
void run_user(Machine& m, const Asm& user, uint32_t extra_status = 0) {
    Asm k(kCodeVa);
    emit_tlb_write(k, 8, entry_hi(kUserCodeVa, 0), entry_lo(kUserCodePa, kEntryLoV | kEntryLoD | kEntryLoG));
    emit_enter_user(k, kUserCodeVa, extra_status);
    m.load(k);
    m.load_at_pa(user, kUserCodePa);
    m.reset(kCodeVa);
}

TEST(ExceptionEntry, PushesTheKuIeStack) {
    Machine m;
    Asm a(kCodeVa);
    // IM all set, KUo=1 IEo=0 KUp=0 IEp=1 KUc=0 IEc=1 (nothing is pending)
    a.li(t0, 0x0000ff25);
    a(enc::mtc0(t0, kCp0Status));
    a(enc::nop());
    a(enc::syscall());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcSys);
    // (0x25 << 2) & 0x3c = 0x14: old KUo dropped, p -> o, c -> p, c = 0
    EXPECT_EQ(m.status() & 0x3fu, 0x14u);
    EXPECT_EQ(m.status() & kStatusIMMask, 0xff00u) << "IM is not part of the stack";
}

struct RfeCase {
    const char* name;
    uint32_t before, after;  // Status[5:0]; KUc stays 0 so we can keep running in kseg0
    friend void PrintTo(const RfeCase& c, std::ostream* os) { *os << c.name; }
};

class Rfe : public ::testing::TestWithParam<RfeCase> {};

// rfe pops: c <- p, p <- o, and o is KEPT (sys161, VMIPS, DuckStation).
TEST_P(Rfe, PopsTheStackAndKeepsOld) {
    const RfeCase& c = GetParam();
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, c.before);
    a(enc::mtc0(t0, kCp0Status));
    a(enc::nop());
    a(enc::rfe());
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.status() & 0x3fu, c.after);
}

INSTANTIATE_TEST_SUITE_P(
    Patterns, Rfe,
    ::testing::Values(
        // KUo IEo | KUp IEp | KUc IEc
        RfeCase{"OldSetPrevKernelEnabled", 0x34 /*11 01 00*/, 0x3d /*11 11 01*/},
        RfeCase{"OldUserOnly", 0x24 /*10 01 00*/, 0x29 /*10 10 01*/},
        RfeCase{"AllClear", 0x00, 0x00},
        RfeCase{"OldEnableOnly", 0x10 /*01 00 00*/, 0x14 /*01 01 00*/}),
    [](const ::testing::TestParamInfo<RfeCase>& i) { return std::string(i.param.name); });

TEST(UserMode, RunsMappedCodeAndSyscallPushesUserModeOntoTheStack) {
    Machine m;
    Asm u(kUserCodeVa);
    u(enc::addiu(s0, zero, 77));
    uint32_t pc = u.here();
    u(enc::syscall());
    run_user(m, u);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcSys);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cpu.gpr(s0), 77u);
    // In user mode KUc=1 IEc=0 (from KUp=1 IEp=0); after entry: KUp=1, KUc=0.
    EXPECT_EQ(m.status() & 0x3fu, static_cast<uint32_t>(kStatusKUp));
    EXPECT_FALSE(m.cpu.user_mode());
}

struct UserAddrCase {
    const char* name;
    uint32_t insn;  // through t1
    uint32_t addr;
    uint32_t exc;
    friend void PrintTo(const UserAddrCase& c, std::ostream* os) { *os << c.name; }
};

class UserAddressError : public ::testing::TestWithParam<UserAddrCase> {};

// User mode may not touch VA bit 31 set: AdEL/AdES with BadVAddr.
TEST_P(UserAddressError, RaisesAddressErrorWithBadVAddr) {
    const UserAddrCase& c = GetParam();
    Machine m;
    m.write32(kDataVa, 0x11111111);
    Asm u(kUserCodeVa);
    u.li(t1, c.addr);
    u.li(t0, 0x2222);
    uint32_t pc = u.here();
    u(c.insn);
    u(enc::nop());
    u(enc::syscall());
    run_user(m, u);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), c.exc);
    EXPECT_EQ(m.badvaddr(), c.addr);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cpu.gpr(t0), 0x2222u);
    EXPECT_EQ(m.read32(kDataVa), 0x11111111u);
}

INSTANTIATE_TEST_SUITE_P(
    Kseg, UserAddressError,
    ::testing::Values(
        UserAddrCase{"LoadFromKseg0", enc::lw(t0, 0, t1), kDataVa, kExcAdEL},
        UserAddrCase{"ByteLoadFromKseg1", enc::lbu(t0, 0, t1), kDataVa + 0x20000001u, kExcAdEL},
        UserAddrCase{"LoadFromKseg2", enc::lw(t0, 0, t1), 0xc0000000u, kExcAdEL},
        UserAddrCase{"StoreToKseg0", enc::sw(t0, 0, t1), kDataVa, kExcAdES}),
    [](const ::testing::TestParamInfo<UserAddrCase>& i) { return std::string(i.param.name); });

TEST(UserMode, FetchFromKseg0IsAdELAtTheTarget) {
    Machine m;
    Asm u(kUserCodeVa);
    u.li(t0, kCodeVa);
    u(enc::jr(t0));
    u(enc::nop());
    run_user(m, u);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcAdEL);
    EXPECT_EQ(m.badvaddr(), kCodeVa);
    EXPECT_EQ(m.epc(), kCodeVa);
}

struct CpuCase {
    const char* name;
    uint32_t insn;
    friend void PrintTo(const CpuCase& c, std::ostream* os) { *os << c.name; }
};

class UserCp0 : public ::testing::TestWithParam<CpuCase> {};

// CP0 instructions in user mode raise CpU (Cause.CE = 0) unless CU0 is set.
TEST_P(UserCp0, RaisesCoprocessorUnusable) {
    Machine m;
    Asm u(kUserCodeVa);
    u.li(t0, 0x3333);
    uint32_t pc = u.here();
    u(GetParam().insn);
    u(enc::nop());
    u(enc::syscall());
    run_user(m, u);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcCpU);
    EXPECT_EQ((m.cause() >> kCauseCEShift) & 3u, 0u);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cpu.gpr(t0), 0x3333u);
    EXPECT_EQ(m.status() & kStatusKUp, kStatusKUp) << "taken from user mode";
}

INSTANTIATE_TEST_SUITE_P(
    Cp0Ops, UserCp0,
    ::testing::Values(CpuCase{"Mfc0", enc::mfc0(t0, kCp0Status)},
                      CpuCase{"Mtc0", enc::mtc0(zero, kCp0EntryHi)},
                      CpuCase{"Tlbwi", enc::tlbwi()},
                      CpuCase{"Tlbp", enc::tlbp()},
                      CpuCase{"Rfe", enc::rfe()}),
    [](const ::testing::TestParamInfo<CpuCase>& i) { return std::string(i.param.name); });

TEST(UserMode, Cu0AllowsCp0Access) {
    Machine m;
    Asm u(kUserCodeVa);
    u(enc::mfc0(t0, kCp0Status));
    u(enc::nop());
    u.li(t1, 0x00012000);
    u(enc::mtc0(t1, kCp0EntryHi));
    u(enc::syscall());
    run_user(m, u, kStatusCU0);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcSys);
    EXPECT_EQ(m.cpu.gpr(t0) & (kStatusCU0 | kStatusKUc), kStatusCU0 | kStatusKUc);
    EXPECT_EQ(m.cpu.cp0(kCp0EntryHi), 0x00012000u);
}

// ---- interrupts ------------------------------------------------------------------

TEST(Interrupts, HardwareInterruptTakenWhenIpImAndIecAreSet) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, im(2) | kStatusIEc);
    a(enc::mtc0(t0, kCp0Status));
    uint32_t next = a.here();
    a(enc::addiu(s0, zero, 1));  // never runs: the interrupt comes first
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    m.cpu.set_interrupt(2, true);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcInt);
    EXPECT_EQ(m.epc(), next);
    EXPECT_EQ(m.cause() & (0xffu << kCauseIPShift), ip_bit(2));
    EXPECT_EQ(m.cause() & kCauseBD, 0u);
    EXPECT_EQ(m.cpu.gpr(s0), 0u);
    EXPECT_EQ(m.status() & 0x3fu, static_cast<uint32_t>(kStatusIEp)) << "IEc pushed to IEp";
    EXPECT_EQ(m.cpu.stats().exceptions[kExcInt], 1u);
}

TEST(Interrupts, PendingAtStartIsTakenBeforeTheFirstInstruction) {
    Machine m;
    Asm a(kCodeVa);
    a(enc::addiu(s0, zero, 1));
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    m.cpu.set_cp0(kCp0Status, im(7) | kStatusIEc);
    m.cpu.set_interrupt(7, true);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcInt);
    EXPECT_EQ(m.epc(), kCodeVa);
    EXPECT_EQ(m.cause() & (0xffu << kCauseIPShift), ip_bit(7));
    EXPECT_EQ(m.cpu.gpr(s0), 0u);
}

// An interrupt taken between a branch and its delay slot belongs to the slot:
// EPC = the branch, BD = 1, so that returning re-executes the branch.
TEST(Interrupts, TakenBeforeADelaySlotSetsBdAndEpcToTheBranch) {
    Machine m;
    Asm a(kCodeVa);
    Asm::Label target = a.new_label();
    a.li(t0, im(5) | kStatusIEc);
    a(enc::mtc0(t0, kCp0Status));
    uint32_t branch = a.here();
    a.b(target);                 // 4th instruction
    a(enc::addiu(s0, zero, 1));  // delay slot
    a(enc::break_());
    a.bind(target);
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    ASSERT_EQ(m.run(4), StopReason::InstructionLimit) << describe(m);
    ASSERT_EQ(m.cpu.pc(), branch + 4) << "stopped with the delay slot next";
    m.cpu.set_interrupt(5, true);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcInt);
    EXPECT_EQ(m.epc(), branch);
    EXPECT_NE(m.cause() & kCauseBD, 0u);
    EXPECT_EQ(m.cpu.gpr(s0), 0u) << "the delay slot must not have run";
}

struct MaskCase {
    const char* name;
    uint32_t status;
    friend void PrintTo(const MaskCase& c, std::ostream* os) { *os << c.name; }
};

class InterruptMasked : public ::testing::TestWithParam<MaskCase> {};

// Line 2 is asserted but IM2 or IEc is clear: no exception, Cause.IP2 still shows it.
TEST_P(InterruptMasked, IsNotTakenButShowsInCause) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, GetParam().status);
    a(enc::mtc0(t0, kCp0Status));
    a.nops(4);
    emit_stop(a, kStopEnd);
    m.load(a);
    m.reset(kCodeVa);
    m.cpu.set_interrupt(2, true);
    StopReason r = m.run();
    ASSERT_TRUE(Stopped(m, r, kStopEnd));
    EXPECT_EQ(m.cause() & ip_bit(2), ip_bit(2));
    EXPECT_EQ(m.cpu.stats().exceptions[kExcInt], 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Masks, InterruptMasked,
    ::testing::Values(MaskCase{"ImClear", 0xfb00u | kStatusIEc},
                      MaskCase{"IecClear", im(2) | kStatusIEp},
                      MaskCase{"OtherLineEnabled", im(3) | kStatusIEc}),
    [](const ::testing::TestParamInfo<MaskCase>& i) { return std::string(i.param.name); });

TEST(Interrupts, DeassertedLineClearsCauseIp) {
    Machine m;
    m.reset(kCodeVa);
    m.cpu.set_interrupt(4, true);
    EXPECT_EQ(m.cause() & ip_bit(4), ip_bit(4));
    m.cpu.set_interrupt(4, false);
    EXPECT_EQ(m.cause() & ip_bit(4), 0u);
}

class SoftwareInterrupt : public ::testing::TestWithParam<unsigned> {};

// IP1:0 are written by mtc0 Cause; with IM and IEc set the interrupt is taken at
// the next instruction boundary.
TEST_P(SoftwareInterrupt, MtcCauseRaisesInterrupt) {
    unsigned ip = GetParam();
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, im(ip) | kStatusIEc);
    a(enc::mtc0(t0, kCp0Status));
    a.li(t1, ip_bit(ip));
    a(enc::mtc0(t1, kCp0Cause));
    uint32_t next = a.here();
    a(enc::addiu(s0, zero, 1));
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcInt);
    EXPECT_EQ(m.epc(), next);
    EXPECT_EQ(m.cause() & ip_bit(ip), ip_bit(ip));
    EXPECT_EQ(m.cpu.gpr(s0), 0u);
}

INSTANTIATE_TEST_SUITE_P(Ip0AndIp1, SoftwareInterrupt, ::testing::Values(0u, 1u));

TEST(Interrupts, MtcCauseWritesOnlyTheSoftwareIpBits) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0xffffffff);
    a(enc::mtc0(t0, kCp0Cause));  // IEc = 0: nothing taken
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cause() & (0xffu << kCauseIPShift), kCauseSwIPMask);
    EXPECT_EQ(m.cause() & kCauseBD, 0u);
}

// ---- vectors, PRId, costs --------------------------------------------------------

// With BEV=1 the vectors are in the boot ROM (kseg1 0xbfc00100/0xbfc00180). The
// reference sheet fixes the addresses, not where the ROM's code comes from: the ISS
// either runs our stub from the FakeBus ROM (and stops there), or declines to fetch
// from a device and stops with a guest error with pc at the vector. Both show the
// vector was chosen; anything else (a BEV=0 vector, no exception) fails.
::testing::AssertionResult ReachedBevVector(const Machine& m, StopReason r, uint32_t vector, uint32_t stub) {
    if (r == StopReason::Break && m.stop() == stub) return ::testing::AssertionSuccess();
    if (r == StopReason::GuestError && m.cpu.pc() == vector) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected the BEV vector " << std::hex << vector << ", run() returned "
                                         << reason_name(r) << "; " << describe(m);
}

TEST(Vectors, BevSelectsTheBootRomGeneralVector) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, kStatusBEV);
    a(enc::mtc0(t0, kCp0Status));
    uint32_t pc = a.here();
    a(enc::syscall());
    emit_stop(a, kStopEnd);
    StopReason r = m.run_program(a);
    ASSERT_TRUE(ReachedBevVector(m, r, kVecGeneralBev, kStopGeneralBev));
    EXPECT_EQ(m.exc(), kExcSys);
    EXPECT_EQ(m.epc(), pc);
}

TEST(Vectors, BevSelectsTheBootRomUtlbVector) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, kStatusBEV);
    a(enc::mtc0(t0, kCp0Status));
    a.li(t1, 0x00500000);
    uint32_t pc = a.here();
    a(enc::lw(t2, 0, t1));
    a(enc::nop());
    emit_stop(a, kStopEnd);
    StopReason r = m.run_program(a);
    ASSERT_TRUE(ReachedBevVector(m, r, kVecUtlbBev, kStopUtlbBev));
    EXPECT_EQ(m.exc(), kExcTLBL);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.badvaddr(), 0x00500000u);
}

TEST(Vectors, ResetVectorConstantMatchesTheReferenceSheet) {
    EXPECT_EQ(kVecReset, 0xbfc00000u);
    EXPECT_EQ(kVecUtlb, 0x80000000u);
    EXPECT_EQ(kVecGeneral, 0x80000080u);
    EXPECT_EQ(kVecUtlbBev, 0xbfc00100u);
    EXPECT_EQ(kVecGeneralBev, 0xbfc00180u);
}

TEST(Prid, DefaultIsR3000) {
    Machine m;
    m.reset(kCodeVa);
    EXPECT_EQ(m.cpu.cp0(kCp0PRId), 0x0220u);
}

TEST(Prid, Mfc0ReadsTheConfiguredValue) {
    CpuConfig c;
    c.prid = 0x0230;  // R3000A
    Machine m(c);
    Asm a(kCodeVa);
    a(enc::mfc0(t0, kCp0PRId));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x0230u);
}

// Exception entry costs CpuConfig::exception_entry_cycles, and the stat adds them up.
TEST(ExceptionEntry, CostsTheConfiguredCycles) {
    auto cycles = [](unsigned entry_cost, uint64_t* stat) {
        CpuConfig c;
        c.exception_entry_cycles = entry_cost;
        Machine m(c);
        Asm a(kCodeVa);
        a(enc::syscall());
        EXPECT_TRUE(RunsTo(m, a, kStopGeneral));
        *stat = m.cpu.stats().exception_cycles;
        return m.cpu.cycles();
    };
    uint64_t stat2 = 0, stat10 = 0;
    uint64_t c2 = cycles(2, &stat2), c10 = cycles(10, &stat10);
    EXPECT_EQ(c10 - c2, 8u);
    EXPECT_EQ(stat2, 2u);
    EXPECT_EQ(stat10, 10u);
}

}  // namespace
}  // namespace vmsim::r3000::test
