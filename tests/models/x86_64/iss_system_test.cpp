// The ISS's system architecture, one rule per test (models/x86_64/iss_system.cpp): IDT frames at
// the same and at an inner privilege with and without an error code, the TSS stack switch, IRET to
// CPL 3, #GP(8n + 2) for INT through a gate of lower DPL, #GP(0) for privileged instructions at
// CPL 3, #DF and triple fault, the STI shadow, segment loads and their faults, far transfers, and
// CR3 writes and INVLPG through the Mmu. Expected values come from the SDM's rules, not from runs.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "models/x86_64/iss.hpp"
#include "models/x86_64/pentium_timing.hpp"
#include "tests/models/x86_64/p5_config.hpp"
#include "tests/models/x86_64/machine.hpp"

namespace vmsim::x86::iss {
namespace {

using Bytes = std::vector<uint8_t>;

// Selectors of the test GDT.
constexpr uint16_t kKcode = 0x08, kKdata = 0x10, kUcode = 0x1b, kUdata = 0x23, kTss = 0x28, kAbsent = 0x30;
constexpr uint16_t kBased = 0x38, kGdtLimit = 8 * 8 - 1;

uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    return (limit & 0xffff) | (uint64_t{base & 0xffffff} << 16) | (uint64_t{access} << 40) |
           (uint64_t{(limit >> 16) & 0xf} << 48) | (uint64_t{flags & 0xfu} << 52) | (uint64_t{base >> 24} << 56);
}
uint64_t gate(uint32_t offset, uint16_t selector, unsigned type, unsigned dpl, bool present = true) {
    return (offset & 0xffff) | (uint64_t{selector} << 16) |
           (uint64_t{(present ? 0x80u : 0u) | (dpl << 5) | type} << 40) | (uint64_t{offset >> 16} << 48);
}

// Paging off, 1 MB of RAM, IDT delivery on. GDT at kGdt, IDT at kIdt (every vector an interrupt
// gate to a handler that is a HLT at kHandlers + 16 * vector), a 32-bit TSS at kTssBase with SS0:ESP0
// = kKdata:kKernelStack and no I/O bitmap. Tests start at CPL 0 on kKernelStack - 0x100, or at CPL 3 with enter_user().
template <typename Memory>
struct SystemMachine {
    static constexpr uint32_t kGdt = 0x1000, kIdt = 0x2000, kTssBase = 0x3000, kCode = 0x4000;
    static constexpr uint32_t kHandlers = 0x10000, kKernelStack = 0x9000, kUserStack = 0x7000;

    explicit SystemMachine(Memory& m) : cpu(m) {}

    void build(uint8_t* ram) {
        mem = ram;
        const uint64_t gdt[8] = {0,
                                 seg_desc(0, 0xfffff, 0x9a, 0xc),
                                 seg_desc(0, 0xfffff, 0x92, 0xc),
                                 seg_desc(0, 0xfffff, 0xfa, 0xc),
                                 seg_desc(0, 0xfffff, 0xf2, 0xc),
                                 seg_desc(kTssBase, 0x67, 0x89, 0),
                                 seg_desc(0, 0xfffff, 0x12, 0xc),  // data, not present
                                 seg_desc(0x1000, 0xfffff, 0x92, 0xc)};  // base 0x1000: not flat
        std::memcpy(mem + kGdt, gdt, sizeof gdt);
        for (unsigned v = 0; v < 256; ++v) {
            set_gate(v, gate(kHandlers + 16 * v, kKcode, 0xe, 0));
            mem[kHandlers + 16 * v] = 0xf4;  // hlt
        }
        set_word(kTssBase + 4, kKernelStack);
        set_word(kTssBase + 8, kKdata);
        set_word(kTssBase + 0x64, 0x68u << 16);  // I/O bitmap offset past the limit: no bitmap
        // lgdt [0x500]; lidt [0x506]; mov ax, 0x28; ltr ax
        const uint16_t gl = kGdtLimit, il = 256 * 8 - 1;
        std::memcpy(mem + 0x500, &gl, 2);
        set_word(0x502, kGdt);
        std::memcpy(mem + 0x506, &il, 2);
        set_word(0x508, kIdt);
        code({0x0f, 0x01, 0x15, 0x00, 0x05, 0x00, 0x00, 0x0f, 0x01, 0x1d, 0x06, 0x05, 0x00, 0x00,
              0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8});
        cpu.set_idt_delivery(true);
        cpu.set_segment(kCs, Segment{kKcode, 0, 0xffffffff, 0x1b, 0, true});
        cpu.set_segment(kSs, Segment{kKdata, 0, 0xffffffff, 0x13, 0, true});
        cpu.set_segment(kDs, Segment{kKdata, 0, 0xffffffff, 0x13, 0, true});
        cpu.set_reg(kEsp, kKernelStack - 0x100);
        for (int i = 0; i < 4; ++i) EXPECT_EQ(cpu.step().stop, Stop::None) << "set-up instruction " << i;
    }
    void set_gate(unsigned v, uint64_t g) { std::memcpy(mem + kIdt + 8 * v, &g, 8); }
    void code(const Bytes& b, uint32_t at = kCode) {
        std::memcpy(mem + at, b.data(), b.size());
        cpu.decode_cache().invalidate(at, b.size());
        cpu.set_eip(at);
    }
    uint32_t word(uint32_t a) const {
        uint32_t v;
        std::memcpy(&v, mem + a, 4);
        return v;
    }
    void set_word(uint32_t a, uint32_t v) { std::memcpy(mem + a, &v, 4); }
    // Continues at CPL 3 on kUserStack with DS = ES = the user data segment.
    void enter_user(uint32_t eflags = kFlagsFixed) {
        cpu.set_segment(kCs, Segment{kUcode, 0, 0xffffffff, 0x1b, 3, true});
        cpu.set_segment(kSs, Segment{kUdata, 0, 0xffffffff, 0x13, 3, true});
        cpu.set_segment(kDs, Segment{kUdata, 0, 0xffffffff, 0x13, 3, true});
        cpu.set_reg(kEsp, kUserStack);
        cpu.set_eflags(eflags);
    }
    // Runs until the handler of `vector` halts; the frame is at ESP.
    void run_to_handler(unsigned vector) {
        const StepResult r = cpu.run(100);
        ASSERT_EQ(r.stop, Stop::Halt);
        ASSERT_EQ(cpu.eip(), kHandlers + 16 * vector + 1) << "another handler ran";
    }
    uint32_t frame(unsigned i) const { return word(cpu.reg(kEsp) + 4 * i); }
    void steps(unsigned n) {
        for (unsigned i = 0; i < n; ++i) ASSERT_EQ(cpu.step().stop, Stop::None) << "instruction " << i;
    }

    uint8_t* mem = nullptr;
    Cpu<Memory> cpu;
};

struct FlatSystem : ::testing::Test {
    FlatSystem() : ram(1 << 20), m(ram) { m.build(ram.data()); }
    FlatMemory ram;
    SystemMachine<FlatMemory> m;
    using M = SystemMachine<FlatMemory>;
};

// ---- frames -------------------------------------------------------------------------------------

TEST_F(FlatSystem, SamePrivilegeInterruptGatePushesEflagsCsEipAndClearsIf) {
    m.code({0xcd, 0x40});  // int 0x40
    m.cpu.set_eflags(kIf | kCf);
    const uint32_t sp = m.cpu.reg(kEsp);
    m.run_to_handler(0x40);
    EXPECT_EQ(m.cpu.reg(kEsp), sp - 12);  // no stack switch, no error code
    EXPECT_EQ(m.frame(0), M::kCode + 2);  // INT n is a trap: EIP after it
    EXPECT_EQ(m.frame(1), kKcode);
    EXPECT_EQ(m.frame(2), kIf | kCf | kFlagsFixed);
    EXPECT_FALSE(m.cpu.eflags() & kIf);
    EXPECT_EQ(m.cpu.cpl(), 0u);
}

TEST_F(FlatSystem, TrapGateLeavesIfSet) {
    m.set_gate(0x40, gate(M::kHandlers + 16 * 0x40, kKcode, 0xf, 0));
    m.code({0xcd, 0x40});
    m.cpu.set_eflags(kIf);
    m.run_to_handler(0x40);
    EXPECT_TRUE(m.cpu.eflags() & kIf);
}

TEST_F(FlatSystem, FaultWithErrorCodePushesItBelowTheFaultingEip) {
    m.code({0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8});  // mov ax, 0x30; mov ds, ax (not present)
    const uint32_t sp = m.cpu.reg(kEsp);
    m.run_to_handler(kVecNp);
    EXPECT_EQ(m.cpu.reg(kEsp), sp - 16);
    EXPECT_EQ(m.frame(0), kAbsent);       // #NP(selector)
    EXPECT_EQ(m.frame(1), M::kCode + 4);  // a fault: EIP at the MOV
    EXPECT_EQ(m.frame(2), kKcode);
}

TEST_F(FlatSystem, InterruptFromCpl3SwitchesToSs0Esp0AndPushesTheOldStack) {
    m.set_gate(0x30, gate(M::kHandlers + 16 * 0x30, kKcode, 0xf, 3));
    m.code({0xcd, 0x30});
    m.enter_user(kFlagsFixed | kIf);
    m.run_to_handler(0x30);
    EXPECT_EQ(m.cpu.cpl(), 0u);
    EXPECT_EQ(m.cpu.segment(kSs).selector, kKdata);
    EXPECT_EQ(m.cpu.reg(kEsp), M::kKernelStack - 20);
    EXPECT_EQ(m.frame(0), M::kCode + 2);
    EXPECT_EQ(m.frame(1), kUcode);
    EXPECT_EQ(m.frame(2), kIf | kFlagsFixed);
    EXPECT_EQ(m.frame(3), M::kUserStack);
    EXPECT_EQ(m.frame(4), kUdata);
}

TEST_F(FlatSystem, FaultAtCpl3WithErrorCodeBuildsASixWordFrame) {
    m.code({0xfa});  // cli at CPL 3, IOPL 0: #GP(0)
    m.enter_user();
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.cpu.reg(kEsp), M::kKernelStack - 24);
    EXPECT_EQ(m.frame(0), 0u);
    EXPECT_EQ(m.frame(1), M::kCode);
    EXPECT_EQ(m.frame(2), kUcode);
    EXPECT_EQ(m.frame(4), M::kUserStack);
    EXPECT_EQ(m.frame(5), kUdata);
}

TEST_F(FlatSystem, IretToCpl3PopsEspAndSsAndNullsKernelDataSegments) {
    // The frame an interrupt from user mode leaves: EIP, CS, EFLAGS, ESP, SS.
    const uint32_t sp = M::kKernelStack - 20;
    const uint32_t frame[5] = {0x5000, kUcode, kFlagsFixed | kIf, 0x6ff0, kUdata};
    std::memcpy(m.mem + sp, frame, sizeof frame);
    m.cpu.set_reg(kEsp, sp);
    m.code({0xcf});  // iret (DS is the kernel's, DPL 0)
    ASSERT_EQ(m.cpu.step().stop, Stop::None);
    EXPECT_EQ(m.cpu.cpl(), 3u);
    EXPECT_EQ(m.cpu.eip(), 0x5000u);
    EXPECT_EQ(m.cpu.reg(kEsp), 0x6ff0u);
    EXPECT_EQ(m.cpu.segment(kSs).selector, kUdata);
    EXPECT_EQ(m.cpu.segment(kCs).selector, kUcode);
    EXPECT_TRUE(m.cpu.eflags() & kIf);
    EXPECT_EQ(m.cpu.segment(kDs).selector, 0u);  // DPL 0 < CPL 3
}

TEST_F(FlatSystem, IretAtCpl3CannotRaiseIoplOrSetIfAboveIopl) {
    m.enter_user();
    const uint32_t frame[3] = {0x5000, kUcode, kFlagsFixed | kIf | kIopl | kCf};
    std::memcpy(m.mem + M::kUserStack, frame, sizeof frame);
    m.code({0xcf});
    ASSERT_EQ(m.cpu.step().stop, Stop::None);
    EXPECT_EQ(m.cpu.eflags(), kFlagsFixed | kCf);
}

TEST_F(FlatSystem, IretToAMorePrivilegedLevelIsGp) {
    m.enter_user();
    const uint32_t frame[3] = {0x5000, kKcode, kFlagsFixed};
    std::memcpy(m.mem + M::kUserStack, frame, sizeof frame);
    m.code({0xcf});
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(0), kKcode);  // RPL 0 < CPL 3: #GP(selector)
}

// ---- software interrupts and privileged instructions --------------------------------------------

TEST_F(FlatSystem, IntThroughADpl0GateFromCpl3IsGpWithErrorEightNPlusTwo) {
    m.code({0xcd, 0x31});
    m.enter_user();
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(0), 0x31u * 8 + 2);
    EXPECT_EQ(m.frame(1), M::kCode);  // the #GP is a fault of the INT instruction
}

TEST_F(FlatSystem, IntBeyondTheIdtLimitIsGp) {
    const uint16_t il = 0x40 * 8 - 1;  // vectors 0..0x3f
    std::memcpy(m.mem + 0x506, &il, 2);
    m.code({0x0f, 0x01, 0x1d, 0x06, 0x05, 0x00, 0x00, 0xcd, 0x40});  // lidt [0x506]; int 0x40
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(0), 0x40u * 8 + 2);
}

TEST_F(FlatSystem, Int3AndIntoAreTrapsAndIntoOnlyWithOf) {
    m.code({0xce, 0xcc});  // into (OF = 0: nothing); int3
    m.run_to_handler(kVecBp);
    EXPECT_EQ(m.frame(0), M::kCode + 2);
    m.code({0xce});
    m.cpu.set_eflags(kOf);
    m.run_to_handler(kVecOf);
    EXPECT_EQ(m.frame(0), M::kCode + 1);
}

TEST_F(FlatSystem, PrivilegedInstructionsAtCpl3AreGpZero) {
    const Bytes cases[] = {
        {0xf4},                                      // hlt
        {0x0f, 0x01, 0x15, 0x00, 0x05, 0x00, 0x00},  // lgdt
        {0x0f, 0x01, 0x1d, 0x06, 0x05, 0x00, 0x00},  // lidt
        {0x0f, 0x00, 0xd8},                          // ltr ax
        {0x0f, 0x22, 0xd8},                          // mov cr3, eax
        {0x0f, 0x20, 0xc0},                          // mov eax, cr0
        {0x0f, 0x01, 0x38},                          // invlpg [eax]
        {0xfa},                                      // cli (IOPL 0)
        {0xfb},                                      // sti
        {0xe4, 0x60},                                // in al, 0x60
        {0xee},                                      // out dx, al
        {0x0f, 0x06},                                // clts
        {0x0f, 0x09},                                // wbinvd
    };
    for (const Bytes& c : cases) {
        m.code(c);
        m.enter_user();
        m.run_to_handler(kVecGp);
        EXPECT_EQ(m.frame(0), 0u) << "opcode " << int(c[0]) << " " << int(c[1 % c.size()]);
        EXPECT_EQ(m.frame(1), M::kCode);
    }
}

TEST_F(FlatSystem, CliAndIoAtCpl3AreAllowedWithIopl3) {
    m.code({0xfa, 0xe6, 0x80, 0xf4});  // cli; out 0x80, al; then hlt is still #GP
    m.enter_user(kFlagsFixed | kIopl | kIf);
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(1), M::kCode + 3);
    EXPECT_FALSE(m.frame(3) & kIf);  // the pushed EFLAGS: CLI took effect
}

TEST_F(FlatSystem, IoBitmapInTheTssGrantsPortsAtCpl3) {
    // Grow the TSS to hold a bitmap for ports 0-0x3ff at TSS + 0x68, every port allowed but 0x80;
    // clear the busy bit and load TR again.
    const uint32_t d = M::kGdt + 5 * 8;
    m.set_word(d, (m.word(d) & 0xffff0000u) | (0x68 + 0x80 - 1));
    m.set_word(d + 4, m.word(d + 4) & ~0x200u);
    m.mem[M::kTssBase + 0x68 + 0x80 / 8] = 0x01;
    m.code({0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8});  // mov ax, 0x28; ltr ax
    m.steps(2);
    m.code({0xe4, 0x60, 0x66, 0xe7, 0x7e, 0xe6, 0x80});  // in al, 0x60; out 0x7e, ax; out 0x80, al
    m.enter_user();
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(0), 0u);
    EXPECT_EQ(m.frame(1), M::kCode + 5);  // the first two were allowed
    // A 16-bit access to 0x7f-0x80 touches the refused port too.
    m.code({0x66, 0xe7, 0x7f});
    m.enter_user();
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(1), M::kCode);
    // Ports past the bitmap's end (beyond the TSS limit) are refused.
    m.code({0x66, 0xba, 0x00, 0x04, 0xec});  // mov dx, 0x400; in al, dx
    m.enter_user();
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(1), M::kCode + 4);
}

// ---- double and triple fault --------------------------------------------------------------------

TEST_F(FlatSystem, ContributoryFaultWhileDeliveringGpIsDoubleFault) {
    m.set_gate(kVecGp, gate(M::kHandlers + 16 * kVecGp, kKcode, 0xe, 0, false));  // #GP's gate not present
    m.code({0x66, 0xb8, 0x38, 0x01, 0x8e, 0xd8});  // mov ax, 0x138 (beyond the GDT); mov ds, ax: #GP
    m.run_to_handler(kVecDf);
    EXPECT_EQ(m.frame(0), 0u);  // #DF's error code
}

TEST_F(FlatSystem, BenignExceptionFaultingInDeliveryIsHandledSerially) {
    m.set_gate(kVecUd, gate(M::kHandlers + 16 * kVecUd, kKcode, 0xe, 0, false));
    m.code({0x0f, 0x0b});  // ud2: #UD, whose gate is not present: #NP, not #DF
    m.run_to_handler(kVecNp);
    EXPECT_EQ(m.frame(0), kVecUd * 8u + 2 + 1);  // IDT selector, EXT = 1
    EXPECT_EQ(m.frame(1), M::kCode);
}

TEST_F(FlatSystem, FaultWhileDeliveringDoubleFaultIsATripleFaultNamingAllThree) {
    m.set_gate(kVecGp, gate(0, kKcode, 0xe, 0, false));
    m.set_gate(kVecNp, gate(0, kKcode, 0xe, 0, false));
    m.set_gate(kVecDf, gate(0, kKcode, 0xe, 0, false));
    m.code({0x66, 0xb8, 0x38, 0x01, 0x8e, 0xd8});
    const StepResult r = m.cpu.run(10);
    ASSERT_EQ(r.stop, Stop::TripleFault);
    EXPECT_EQ(r.triple[0], kVecGp);
    EXPECT_EQ(r.triple[1], kVecNp);
    EXPECT_EQ(r.triple[2], kVecNp);
}

TEST_F(FlatSystem, WithoutIdtDeliveryAnExceptionStopsStep) {
    m.cpu.set_idt_delivery(false);
    m.code({0x0f, 0x0b});
    const StepResult r = m.cpu.step();
    EXPECT_EQ(r.stop, Stop::Exception);
    EXPECT_EQ(r.vector, kVecUd);
}

// ---- external interrupts ------------------------------------------------------------------------

struct CountingBus : IoBus {
    uint32_t in(uint16_t port, unsigned) override { return port; }
    void out(uint16_t port, unsigned size, uint32_t value) override {
        last_port = port;
        last_size = size;
        last_value = value;
    }
    uint8_t acknowledge() override {
        ++acks;
        return 0x20;
    }
    unsigned acks = 0, last_size = 0;
    uint32_t last_port = 0, last_value = 0;
};

TEST_F(FlatSystem, StiHoldsOffAPendingInterruptForOneInstruction) {
    CountingBus bus;
    m.cpu.set_io(&bus);
    m.code({0xfb, 0x90, 0x90});  // sti; nop; nop
    m.cpu.set_intr(true);
    ASSERT_EQ(m.cpu.step().stop, Stop::None);  // sti
    ASSERT_EQ(m.cpu.step().stop, Stop::None);  // the nop in the shadow runs
    EXPECT_EQ(bus.acks, 0u);
    EXPECT_EQ(m.cpu.eip(), M::kCode + 2);
    m.run_to_handler(0x20);
    EXPECT_EQ(bus.acks, 1u);
    EXPECT_EQ(m.frame(0), M::kCode + 2);  // EIP of the instruction not yet executed
}

TEST_F(FlatSystem, InterruptsWaitWhileIfIsClear) {
    CountingBus bus;
    m.cpu.set_io(&bus);
    m.code({0x90, 0x90, 0xf4});
    m.cpu.set_intr(true);
    EXPECT_EQ(m.cpu.run(10).stop, Stop::Halt);
    EXPECT_EQ(bus.acks, 0u);
}

TEST_F(FlatSystem, InAndOutReachTheBusWithPortAndSize) {
    CountingBus bus;
    m.cpu.set_io(&bus);
    m.code({0xe5, 0x71, 0x66, 0xba, 0x34, 0x12, 0x66, 0xef});  // in eax, 0x71; mov dx, 0x1234; out dx, ax
    m.steps(3);
    EXPECT_EQ(bus.last_port, 0x1234u);
    EXPECT_EQ(bus.last_size, 2u);
    EXPECT_EQ(bus.last_value, 0x71u);  // what IN read
}

// ---- segments -----------------------------------------------------------------------------------

TEST_F(FlatSystem, SegmentLoadFaultsFollowTheSdm) {
    struct Case {
        uint16_t selector;
        uint8_t modrm;  // 0xd8: mov ds, ax; 0xd0: mov ss, ax
        uint8_t vector;
        uint32_t error;
    } cases[] = {
        {0x138, 0xd8, kVecGp, 0x138},   // beyond the GDT limit
        {0x0c, 0xd8, kVecGp, 0x0c},     // an LDT selector: only the null LDT exists
        {kAbsent, 0xd8, kVecNp, kAbsent},
        {kAbsent, 0xd0, kVecSs, kAbsent},  // not-present stack segment: #SS
        {kTss, 0xd8, kVecGp, kTss},     // a system descriptor
        {kUdata, 0xd0, kVecGp, 0x20},   // SS: RPL 3 != CPL 0
        {kKcode, 0xd0, kVecGp, kKcode}, // SS must be writable data
        {0, 0xd0, kVecGp, 0},           // null SS
    };
    for (const Case& c : cases) {
        m.code({0x66, 0xb8, static_cast<uint8_t>(c.selector), static_cast<uint8_t>(c.selector >> 8), 0x8e, c.modrm});
        m.cpu.set_reg(kEsp, M::kKernelStack - 0x100);
        m.run_to_handler(c.vector);
        EXPECT_EQ(m.frame(0), c.error) << "selector " << c.selector;
    }
}

TEST_F(FlatSystem, DataSegmentLoadsKeepTheDescriptorAndSetItsAccessedBit) {
    m.code({0x66, 0xb8, 0x23, 0x00, 0x8e, 0xc0, 0x66, 0x31, 0xc0, 0x8e, 0xe0});  // mov es, 0x23; mov fs, 0 (null)
    m.steps(4);
    EXPECT_EQ(m.cpu.segment(kEs).selector, kUdata);
    EXPECT_EQ(m.cpu.segment(kEs).dpl, 3u);
    EXPECT_EQ(m.cpu.segment(kFs).selector, 0u);
    EXPECT_TRUE(m.word(M::kGdt + 4 * 8 + 4) & 0x100);  // the user data descriptor's A bit
}

TEST_F(FlatSystem, NonFlatSegmentIsAGuestErrorNotSilentlyWrongAddresses) {
    m.code({0x66, 0xb8, 0x38, 0x00, 0x8e, 0xd8});
    const StepResult r = m.cpu.run(10);
    ASSERT_EQ(r.stop, Stop::Unsupported);
    EXPECT_NE(m.cpu.guest_error().find("base 0x1000"), std::string::npos) << m.cpu.guest_error();
}

TEST_F(FlatSystem, PushAndPopOfSegmentRegisters) {
    m.code({0x1e, 0x07, 0x0e, 0x58});  // push ds; pop es; push cs; pop eax
    m.steps(4);
    EXPECT_EQ(m.cpu.segment(kEs).selector, kKdata);
    EXPECT_EQ(m.cpu.reg(kEax), kKcode);
}

TEST_F(FlatSystem, MovFromSregZeroExtendsIntoARegisterAndStoresSixteenBits) {
    m.set_word(0x600, 0xffffffff);
    m.cpu.set_reg(kEbx, 0xffffffff);
    m.code({0x8c, 0xcb, 0x8c, 0x1d, 0x00, 0x06, 0x00, 0x00});  // mov ebx, cs; mov [0x600], ds
    m.steps(2);
    EXPECT_EQ(m.cpu.reg(kEbx), kKcode);
    EXPECT_EQ(m.word(0x600), 0xffff0000u | kKdata);
}

TEST_F(FlatSystem, LtrLoadsTheTssAndMarksItBusySoASecondLtrIsGp) {
    EXPECT_EQ(m.cpu.tr().selector, kTss);
    EXPECT_EQ(m.cpu.tr().base, M::kTssBase);
    EXPECT_EQ((m.word(M::kGdt + 5 * 8 + 4) >> 8) & 0xf, 0xbu);
    m.code({0x0f, 0x00, 0xd8});  // ltr ax (ax = 0x28, busy now)
    m.cpu.set_reg(kEax, kTss);
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(0), kTss);
}

TEST_F(FlatSystem, SgdtAndStrReportWhatWasLoaded) {
    m.code({0x0f, 0x01, 0x05, 0x00, 0x06, 0x00, 0x00, 0x0f, 0x00, 0xcb});  // sgdt [0x600]; str ebx
    m.steps(2);
    EXPECT_EQ(m.word(0x600) & 0xffff, kGdtLimit);
    EXPECT_EQ(m.word(0x602), M::kGdt);
    EXPECT_EQ(m.cpu.reg(kEbx), kTss);
}

TEST_F(FlatSystem, FarJumpAndFarReturnAtTheSamePrivilege) {
    m.code({0xea, 0x00, 0x50, 0x00, 0x00, 0x08, 0x00});  // jmp 0x08:0x5000
    m.steps(1);
    EXPECT_EQ(m.cpu.eip(), 0x5000u);
    EXPECT_EQ(m.cpu.segment(kCs).selector, kKcode);
    // retf 4 with the frame EIP, CS and 4 bytes of parameters.
    const uint32_t sp = m.cpu.reg(kEsp) - 12;
    m.set_word(sp, 0x5100);
    m.set_word(sp + 4, kKcode);
    m.cpu.set_reg(kEsp, sp);
    m.code({0xca, 0x04, 0x00}, 0x5000);
    m.steps(1);
    EXPECT_EQ(m.cpu.eip(), 0x5100u);
    EXPECT_EQ(m.cpu.reg(kEsp), sp + 12);
}

TEST_F(FlatSystem, FarJumpToAMorePrivilegedNonconformingSegmentIsGp) {
    m.code({0xea, 0x00, 0x50, 0x00, 0x00, 0x08, 0x00});
    m.enter_user();
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(0), kKcode);
}

TEST_F(FlatSystem, MovSsHoldsOffInterruptsForOneInstruction) {
    CountingBus bus;
    m.cpu.set_io(&bus);
    m.cpu.set_eflags(kIf);
    m.code({0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0x90, 0x90});  // mov ax, 0x10; mov ss, ax; nop; nop
    m.steps(2);
    m.cpu.set_intr(true);
    ASSERT_EQ(m.cpu.step().stop, Stop::None);
    EXPECT_EQ(bus.acks, 0u);
    EXPECT_EQ(m.cpu.eip(), M::kCode + 7);
}

// ---- CPUID, RDTSC, control registers ------------------------------------------------------------

TEST_F(FlatSystem, CpuidIsAFamilyFivePentiumFromIntel) {
    m.code({0x31, 0xc0, 0x0f, 0xa2});  // xor eax, eax; cpuid
    m.steps(2);
    char vendor[13] = {};
    const uint32_t w[3] = {m.cpu.reg(kEbx), m.cpu.reg(kEdx), m.cpu.reg(kEcx)};
    std::memcpy(vendor, w, 12);
    EXPECT_STREQ(vendor, "GenuineIntel");
    m.code({0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2});
    m.steps(2);
    EXPECT_EQ((m.cpu.reg(kEax) >> 8) & 0xf, 5u);
    EXPECT_TRUE(m.cpu.reg(kEdx) & (1u << 3));  // PSE
    EXPECT_TRUE(m.cpu.reg(kEdx) & (1u << 4));  // TSC
    EXPECT_FALSE(m.cpu.reg(kEdx) & (1u << 15));  // no CMOV
}

TEST_F(FlatSystem, RdtscCountsInstructionsForNow) {
    m.code({0x0f, 0x31, 0x89, 0xc1, 0x90, 0x90, 0x0f, 0x31});  // rdtsc; mov ecx, eax; nop; nop; rdtsc
    m.steps(5);
    EXPECT_EQ(m.cpu.reg(kEax) - m.cpu.reg(kEcx), 4u);
}

TEST_F(FlatSystem, Cr4RefusesBitsThePentiumLacks) {
    m.code({0xb8, 0x80, 0x00, 0x00, 0x00, 0x0f, 0x22, 0xe0});  // mov eax, PGE; mov cr4, eax
    m.run_to_handler(kVecGp);
    EXPECT_EQ(m.frame(0), 0u);
}

TEST_F(FlatSystem, MovToCr0WithPgButNotPeIsGp) {
    m.code({0xb8, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0});
    m.run_to_handler(kVecGp);
}

// ---- paging through the Mmu ---------------------------------------------------------------------

// Paging on (32-bit, PSE): linear [0, 1 MB) identity-mapped with 4 KB pages; linear 0x400000 maps
// a 4 KB frame the tests change.
struct PagedSystem : ::testing::Test {
    PagedSystem() : m(MmuConfig{}, x86::test::Format::Legacy), memory(m.mmu, m.ram), s(memory) {
        for (uint32_t a = 0; a < 0x100000; a += 0x1000) m.pt.map(a, a, x86::test::K4);
        m.pt.map(0x400000, 0x80000, x86::test::K4);
        m.enable();
        s.build(m.ram.data());
        s.set_word(0x80000, 0xaaaa);
        s.set_word(0x81000, 0xbbbb);
    }
    x86::test::Machine m;
    MmuMemory memory;
    SystemMachine<MmuMemory> s;
};

TEST_F(PagedSystem, MovToCr3FlushesAStaleTranslation) {
    // mov eax, [0x400000]; (PTE changed); mov ebx, [0x400000]; mov ecx, cr3; mov cr3, ecx; mov edx, [0x400000]
    s.code({0xa1, 0x00, 0x00, 0x40, 0x00});
    s.cpu.step();
    EXPECT_EQ(s.cpu.reg(kEax), 0xaaaau);
    m.pt.map(0x400000, 0x81000, x86::test::K4);
    s.code({0x8b, 0x1d, 0x00, 0x00, 0x40, 0x00, 0x0f, 0x20, 0xd9, 0x0f, 0x22, 0xd9, 0x8b, 0x15, 0x00, 0x00, 0x40, 0x00});
    for (int i = 0; i < 4; ++i) ASSERT_EQ(s.cpu.step().stop, Stop::None);
    EXPECT_EQ(s.cpu.reg(kEbx), 0xaaaau);  // the TLB still held the old frame
    EXPECT_EQ(s.cpu.reg(kEdx), 0xbbbbu);
}

TEST_F(PagedSystem, InvlpgDropsTheTranslationOfItsPage) {
    s.code({0xa1, 0x00, 0x00, 0x40, 0x00});
    s.cpu.step();
    m.pt.map(0x400000, 0x81000, x86::test::K4);
    s.code({0xb8, 0x00, 0x00, 0x40, 0x00, 0x0f, 0x01, 0x38, 0x8b, 0x15, 0x00, 0x00, 0x40, 0x00});
    for (int i = 0; i < 3; ++i) ASSERT_EQ(s.cpu.step().stop, Stop::None);
    EXPECT_EQ(s.cpu.reg(kEdx), 0xbbbbu);
}

TEST_F(PagedSystem, PageFaultIsDeliveredWithCr2AndTheErrorCode) {
    s.code({0xc7, 0x05, 0x00, 0x00, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00});  // mov dword [0x800000], 1
    s.run_to_handler(kVecPf);
    EXPECT_EQ(s.frame(0), uint32_t{kPfW});  // not present, write, supervisor
    EXPECT_EQ(s.frame(1), SystemMachine<MmuMemory>::kCode);
    EXPECT_EQ(s.cpu.cr(2), 0x800000u);
}

TEST_F(PagedSystem, PageFaultWhileDeliveringPageFaultIsDoubleFault) {
    // The IDT's page becomes not present: delivering the #PF faults on the IDT read.
    s.code({0xc7, 0x05, 0x00, 0x00, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00});
    m.pt.clear(m.pt.entry(0x2000, 1), x86::test::P);
    const StepResult r = s.cpu.run(10);
    // #DF's gate is in the same page: the third fault makes a triple fault.
    ASSERT_EQ(r.stop, Stop::TripleFault);
    EXPECT_EQ(r.triple[0], kVecPf);
    EXPECT_EQ(r.triple[1], kVecPf);
    EXPECT_EQ(r.triple[2], kVecPf);
}

// ---- with the Pentium timing model: gate costs by privilege change ------------------------------

// The system machine with PentiumTiming attached. Only the ISS knows whether INT n, an exception or
// IRET changed privilege, so it reports those events itself (iss_system.cpp): each must be charged
// its SystemCosts entry, by the privilege change the SDM's rules make, once.
struct TimedSystem : ::testing::Test {
    TimedSystem() : plain(1 << 20), timing(PentiumTimingConfig{}, caches), mem(plain, timing), m(mem) {
        m.build(plain.data());
        before = timing.stats().cycles.system;
    }
    uint64_t events(SystemEvent e) const { return timing.stats().system_events[static_cast<unsigned>(e)]; }
    uint64_t system_cycles() const { return timing.stats().cycles.system - before; }

    FlatMemory plain;
    common::CacheHierarchy caches{test::p5_caches()};
    PentiumTiming timing;
    TimedMemory<FlatMemory> mem;
    SystemMachine<TimedMemory<FlatMemory>> m;
    uint64_t before = 0;
    const SystemCosts costs{};
};

TEST_F(TimedSystem, IntAndIretAtTheSamePrivilegeCostTheSameLevelGateAndReturn) {
    using M = SystemMachine<TimedMemory<FlatMemory>>;
    m.code({0xcf}, M::kHandlers + 16 * 0x40);  // the handler: iret
    m.code({0xcd, 0x40, 0xf4});                // int 0x40; hlt
    const StepResult r = m.cpu.run(10);
    ASSERT_EQ(r.stop, Stop::Halt);
    EXPECT_EQ(events(SystemEvent::IntSame), 1u);
    EXPECT_EQ(events(SystemEvent::IretSame), 1u);
    EXPECT_EQ(events(SystemEvent::IntInner) + events(SystemEvent::IretOuter), 0u);
    EXPECT_EQ(system_cycles(), costs.int_same + costs.iret_same + costs.hlt);
}

TEST_F(TimedSystem, UserIntIretAndAFaultCostTheInnerGateTheOuterReturnAndTheExceptionGate) {
    using M = SystemMachine<TimedMemory<FlatMemory>>;
    m.set_gate(0x40, gate(M::kHandlers + 16 * 0x40, kKcode, 0xe, 3));  // reachable from CPL 3
    m.code({0xcf}, M::kHandlers + 16 * 0x40);                          // iret
    m.code({0xcd, 0x40, 0xfa});  // int 0x40; cli (#GP(0) at CPL 3 with IOPL 0)
    m.enter_user();
    m.run_to_handler(kVecGp);
    EXPECT_EQ(events(SystemEvent::IntInner), 1u);
    EXPECT_EQ(events(SystemEvent::IretOuter), 1u);
    EXPECT_EQ(events(SystemEvent::ExceptionInner), 1u);
    EXPECT_EQ(events(SystemEvent::CliSti), 0u) << "a CLI that faulted did not execute";
    EXPECT_EQ(system_cycles(), costs.int_inner + costs.iret_outer + costs.exception_inner + costs.hlt);
}

TEST_F(TimedSystem, SystemInstructionsCostTheirTableEntries) {
    // mov eax, cr3; mov cr3, eax; invlpg [0]; cpuid; rdtsc; cli; sti; hlt
    m.code({0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0x0f, 0x01, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0x0f, 0x31,
            0xfa, 0xfb, 0xf4});
    ASSERT_EQ(m.cpu.run(20).stop, Stop::Halt);
    EXPECT_EQ(system_cycles(), costs.mov_from_cr + costs.mov_cr3 + costs.invlpg + costs.cpuid + costs.rdtsc +
                                   2 * costs.cli_sti + costs.hlt);
}

}  // namespace
}  // namespace vmsim::x86::iss
