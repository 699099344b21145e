// Loads and stores of every width (little-endian), sign/zero extension, the
// unaligned-access pairs LWL/LWR/SWL/SWR, address errors, kseg1 and device access.
#include <gtest/gtest.h>

#include "machine.hpp"

namespace vmsim::r3000::test {
namespace {

// Bytes at kDataVa: 80 ff 7f 01 | 11 22 33 44
void put_pattern(Machine& m) {
    const uint8_t bytes[] = {0x80, 0xff, 0x7f, 0x01, 0x11, 0x22, 0x33, 0x44};
    for (unsigned i = 0; i < sizeof bytes; ++i) m.byte(kDataVa + i) = bytes[i];
}

TEST(Memory, LoadsSignOrZeroExtendLittleEndian) {
    Machine m;
    put_pattern(m);
    Asm a(kCodeVa);
    a.li(a0, kDataVa);
    a(enc::lb(t0, 0, a0));
    a(enc::lbu(t1, 0, a0));
    a(enc::lh(t2, 0, a0));
    a(enc::lhu(t3, 0, a0));
    a(enc::lh(t4, 2, a0));
    a(enc::lw(t5, 0, a0));
    a(enc::lb(t6, 2, a0));
    a(enc::lw(t7, 4, a0));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0xffffff80u);
    EXPECT_EQ(m.cpu.gpr(t1), 0x00000080u);
    EXPECT_EQ(m.cpu.gpr(t2), 0xffffff80u);
    EXPECT_EQ(m.cpu.gpr(t3), 0x0000ff80u);
    EXPECT_EQ(m.cpu.gpr(t4), 0x0000017fu);
    EXPECT_EQ(m.cpu.gpr(t5), 0x017fff80u);
    EXPECT_EQ(m.cpu.gpr(t6), 0x0000007fu);
    EXPECT_EQ(m.cpu.gpr(t7), 0x44332211u);
}

TEST(Memory, NegativeOffsetsAddressBelowTheBase) {
    Machine m;
    put_pattern(m);
    Asm a(kCodeVa);
    a.li(a0, kDataVa + 8);
    a(enc::lw(t0, -4, a0));
    a(enc::lbu(t1, -8, a0));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x44332211u);
    EXPECT_EQ(m.cpu.gpr(t1), 0x80u);
}

TEST(Memory, StoresWriteOnlyTheirBytesLittleEndian) {
    Machine m;
    for (unsigned i = 0; i < 16; ++i) m.byte(kDataVa + i) = 0xee;
    Asm a(kCodeVa);
    a.li(a0, kDataVa);
    a.li(t0, 0xa1b2c3d4);
    a(enc::sb(t0, 1, a0));
    a(enc::sh(t0, 6, a0));
    a(enc::sw(t0, 8, a0));
    ASSERT_TRUE(RunsToEnd(m, a));
    const uint8_t want[16] = {0xee, 0xd4, 0xee, 0xee, 0xee, 0xee, 0xd4, 0xc3,
                              0xd4, 0xc3, 0xb2, 0xa1, 0xee, 0xee, 0xee, 0xee};
    for (unsigned i = 0; i < 16; ++i) EXPECT_EQ(m.byte(kDataVa + i), want[i]) << "byte " << i;
}

TEST(Memory, StoreThenLoadRoundTrips) {
    Machine m;
    Asm a(kCodeVa);
    a.li(a0, kDataVa + 0x100);
    a.li(t0, 0x8badf00d);
    a(enc::sw(t0, 0, a0));
    a(enc::lw(t1, 0, a0));
    a(enc::lh(t2, 2, a0));
    a(enc::lbu(t3, 3, a0));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t1), 0x8badf00du);
    EXPECT_EQ(m.cpu.gpr(t2), 0xffff8badu);
    EXPECT_EQ(m.cpu.gpr(t3), 0x8bu);
}

// LWL/LWR, little-endian. Memory bytes at the aligned word: 11 22 33 44 (word
// 0x44332211); register before: 0xaabbccdd. LWL at byte k fills the register's
// top k+1 bytes from memory bytes k..0; LWR at byte k fills its low 4-k bytes
// from memory bytes k..3. Values worked out by hand per byte.
struct PartialCase {
    const char* name;
    bool store;
    uint32_t (*insn)(unsigned, int32_t, unsigned);
    unsigned k;
    uint32_t want;  // register (loads) or the memory word after the store
    friend void PrintTo(const PartialCase& c, std::ostream* os) { *os << c.name; }
};

class PartialWord : public ::testing::TestWithParam<PartialCase> {};

TEST_P(PartialWord, LittleEndianMerge) {
    const PartialCase& c = GetParam();
    Machine m;
    m.write32(kDataVa, 0x44332211);
    Asm a(kCodeVa);
    a.li(a0, kDataVa);
    a.li(t0, 0xaabbccdd);
    a(c.insn(t0, static_cast<int32_t>(c.k), a0));
    a.nops(2);
    ASSERT_TRUE(RunsToEnd(m, a));
    if (c.store) {
        EXPECT_EQ(m.read32(kDataVa), c.want);
        EXPECT_EQ(m.cpu.gpr(t0), 0xaabbccddu);
    } else {
        EXPECT_EQ(m.cpu.gpr(t0), c.want);
        EXPECT_EQ(m.read32(kDataVa), 0x44332211u);
    }
}

INSTANTIATE_TEST_SUITE_P(
    LwlLwrSwlSwr, PartialWord,
    ::testing::Values(
        PartialCase{"Lwl0", false, enc::lwl, 0, 0x11bbccdd},
        PartialCase{"Lwl1", false, enc::lwl, 1, 0x2211ccdd},
        PartialCase{"Lwl2", false, enc::lwl, 2, 0x332211dd},
        PartialCase{"Lwl3", false, enc::lwl, 3, 0x44332211},
        PartialCase{"Lwr0", false, enc::lwr, 0, 0x44332211},
        PartialCase{"Lwr1", false, enc::lwr, 1, 0xaa443322},
        PartialCase{"Lwr2", false, enc::lwr, 2, 0xaabb4433},
        PartialCase{"Lwr3", false, enc::lwr, 3, 0xaabbcc44},
        // memory bytes after, low address first: aa 22 33 44 and so on
        PartialCase{"Swl0", true, enc::swl, 0, 0x443322aa},
        PartialCase{"Swl1", true, enc::swl, 1, 0x4433aabb},
        PartialCase{"Swl2", true, enc::swl, 2, 0x44aabbcc},
        PartialCase{"Swl3", true, enc::swl, 3, 0xaabbccdd},
        PartialCase{"Swr0", true, enc::swr, 0, 0xaabbccdd},
        PartialCase{"Swr1", true, enc::swr, 1, 0xbbccdd11},
        PartialCase{"Swr2", true, enc::swr, 2, 0xccdd2211},
        PartialCase{"Swr3", true, enc::swr, 3, 0xdd332211}),
    [](const ::testing::TestParamInfo<PartialCase>& i) { return std::string(i.param.name); });

// The little-endian unaligned-word idiom: lwl at addr+3, lwr at addr (with a nop
// between here; the back-to-back form is covered in load_delay_test.cpp).
TEST(Memory, LwlLwrPairLoadsAnUnalignedWord) {
    Machine m;
    for (unsigned i = 0; i < 8; ++i) m.byte(kDataVa + i) = static_cast<uint8_t>(0x10 + i);
    Asm a(kCodeVa);
    a.li(a0, kDataVa + 1);
    a(enc::lwl(t0, 3, a0));
    a(enc::nop());
    a(enc::lwr(t0, 0, a0));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x14131211u);
}

TEST(Memory, SwlSwrPairStoresAnUnalignedWord) {
    Machine m;
    for (unsigned i = 0; i < 8; ++i) m.byte(kDataVa + i) = 0xee;
    Asm a(kCodeVa);
    a.li(a0, kDataVa + 3);
    a.li(t0, 0x44332211);
    a(enc::swl(t0, 3, a0));
    a(enc::swr(t0, 0, a0));
    ASSERT_TRUE(RunsToEnd(m, a));
    const uint8_t want[8] = {0xee, 0xee, 0xee, 0x11, 0x22, 0x33, 0x44, 0xee};
    for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(m.byte(kDataVa + i), want[i]) << "byte " << i;
}

struct MisalignedCase {
    const char* name;
    uint32_t insn;  // accesses t1 + 0
    uint32_t offset;
    uint32_t exc;
    friend void PrintTo(const MisalignedCase& c, std::ostream* os) { *os << c.name; }
};

class Misaligned : public ::testing::TestWithParam<MisalignedCase> {};

// Address errors: general vector, AdEL/AdES, BadVAddr = the address, EPC = the
// instruction; the destination register and memory are untouched.
TEST_P(Misaligned, RaisesAddressErrorWithBadVAddr) {
    const MisalignedCase& c = GetParam();
    Machine m;
    m.write32(kDataVa, 0x11111111);
    m.write32(kDataVa + 4, 0x22222222);
    Asm a(kCodeVa);
    a.li(t1, kDataVa + c.offset);
    a.li(t0, 0x5555aaaa);
    uint32_t pc = a.here();
    a(c.insn);
    a.nops(2);
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), c.exc);
    EXPECT_EQ(m.badvaddr(), kDataVa + c.offset);
    EXPECT_EQ(m.epc(), pc);
    EXPECT_EQ(m.cpu.gpr(t0), 0x5555aaaau);
    EXPECT_EQ(m.read32(kDataVa), 0x11111111u);
    EXPECT_EQ(m.read32(kDataVa + 4), 0x22222222u);
}

INSTANTIATE_TEST_SUITE_P(
    Widths, Misaligned,
    ::testing::Values(MisalignedCase{"LwPlus1", enc::lw(t0, 0, t1), 1, kExcAdEL},
                      MisalignedCase{"LwPlus2", enc::lw(t0, 0, t1), 2, kExcAdEL},
                      MisalignedCase{"LhPlus1", enc::lh(t0, 0, t1), 1, kExcAdEL},
                      MisalignedCase{"LhuPlus3", enc::lhu(t0, 0, t1), 3, kExcAdEL},
                      MisalignedCase{"SwPlus3", enc::sw(t0, 0, t1), 3, kExcAdES},
                      MisalignedCase{"ShPlus1", enc::sh(t0, 0, t1), 1, kExcAdES}),
    [](const ::testing::TestParamInfo<MisalignedCase>& i) { return std::string(i.param.name); });

TEST(Memory, ByteAccessAtOddAddressIsFine) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t1, kDataVa + 3);
    a.li(t0, 0x5a);
    a(enc::sb(t0, 0, t1));
    a(enc::lbu(t2, 0, t1));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t2), 0x5au);
}

TEST(Memory, MisalignedFetchRaisesAdELWithBadVAddrAndEpcAtTheTarget) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, kCodeVa + 0x102);
    a(enc::jr(t0));
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcAdEL);
    EXPECT_EQ(m.badvaddr(), kCodeVa + 0x102);
    EXPECT_EQ(m.epc(), kCodeVa + 0x102);
}

TEST(Memory, Kseg1AliasesTheSamePhysicalMemoryAsKseg0) {
    Machine m;
    m.write32(kDataVa, 0x01020304);
    Asm a(kCodeVa);
    a.li(a0, kDataVa + 0x20000000);  // 0xa0010000
    a(enc::lw(t0, 0, a0));
    a.li(t1, 0x0a0b0c0d);
    a(enc::sw(t1, 4, a0));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x01020304u);
    EXPECT_EQ(m.read32(kDataVa + 4), 0x0a0b0c0du);
}

// Physical addresses past RAM go to the Bus with the access size and value.
TEST(Memory, DeviceAccessesGoThroughTheBus) {
    Machine m;
    m.bus.dev_value = 0x600dcafe;
    Asm a(kCodeVa);
    a.li(a0, kDevVa);
    a(enc::lw(t0, 0x10, a0));
    a.li(t1, 0x12345678);
    a(enc::sb(t1, 0x21, a0));
    a(enc::sh(t1, 0x32, a0));
    a(enc::sw(t1, 0x44, a0));
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0x600dcafeu);
    // Our four accesses, in order (the stop store goes to another window).
    std::vector<FakeBus::Access> dev;
    for (const auto& x : m.bus.log)
        if (x.pa >= kDevPa && x.pa < kDevPa + kWindowSize) dev.push_back(x);
    ASSERT_EQ(dev.size(), 4u);
    EXPECT_FALSE(dev[0].write);
    EXPECT_EQ(dev[0].pa, kDevPa + 0x10);
    EXPECT_EQ(dev[0].size, 4u);
    EXPECT_TRUE(dev[1].write);
    EXPECT_EQ(dev[1].pa, kDevPa + 0x21);
    EXPECT_EQ(dev[1].size, 1u);
    EXPECT_EQ(dev[1].value & 0xffu, 0x78u);
    EXPECT_EQ(dev[2].pa, kDevPa + 0x32);
    EXPECT_EQ(dev[2].size, 2u);
    EXPECT_EQ(dev[2].value & 0xffffu, 0x5678u);
    EXPECT_EQ(dev[3].pa, kDevPa + 0x44);
    EXPECT_EQ(dev[3].size, 4u);
    EXPECT_EQ(dev[3].value, 0x12345678u);
    EXPECT_GE(m.cpu.stats().uncached_accesses, 4u);
}

TEST(Memory, ByteLoadFromDeviceIsSignExtended) {
    Machine m;
    m.bus.dev_value = 0x000000f0;
    Asm a(kCodeVa);
    a.li(a0, kDevVa);
    a(enc::lb(t0, 0, a0));
    a(enc::nop());
    ASSERT_TRUE(RunsToEnd(m, a));
    EXPECT_EQ(m.cpu.gpr(t0), 0xfffffff0u);
}

// No device: the bus says error and the core raises DBE on the access.
TEST(Memory, LoadFromNowhereRaisesDataBusError) {
    Machine m;
    Asm a(kCodeVa);
    a.li(a0, 0xbe000000);
    uint32_t pc = a.here();
    a(enc::lw(t0, 0, a0));
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcDBE);
    EXPECT_EQ(m.epc(), pc);
}

TEST(Memory, FetchFromNowhereRaisesInstructionBusError) {
    Machine m;
    Asm a(kCodeVa);
    a.li(t0, 0xbe000000);
    a(enc::jr(t0));
    a(enc::nop());
    ASSERT_TRUE(RunsTo(m, a, kStopGeneral));
    EXPECT_EQ(m.exc(), kExcIBE);
    EXPECT_EQ(m.epc(), 0xbe000000u);
}

}  // namespace
}  // namespace vmsim::r3000::test
