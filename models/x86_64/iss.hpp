// The 32-bit x86 instruction-set simulator: the integer core of protected mode with flat segments
// (what GCC emits for -m32 -march=pentium -O2 -ffreestanding code) and the system architecture a
// small kernel needs (iss_system.cpp: descriptor tables, CRn, IDT delivery with privilege change,
// #DF, INTR, I/O), executed one instruction at a time with exact EFLAGS. Counts instructions; a
// Pentium timing model attaches through the memory type (pentium_timing.hpp, TimedMemory).
//
//     iss::FlatMemory mem(16 << 20);            // paging off; or iss::MmuMemory over an Mmu and FlatRam
//     iss::Cpu<iss::FlatMemory> cpu(mem);
//     cpu.set_eip(entry);
//     iss::StepResult r = cpu.run(1000000);      // until HLT, an exception, or the count
//
// Every fetch and data reference goes through the memory interface: a linear address, an access kind
// and a privilege give a physical address or a fault (Translation, mmu.hpp), and a physical address
// gives a host pointer to its 4 KB page. A reference to the page of the previous one of its kind
// (fetch, read, write) repeats that translation without the lookup when the memory says that is
// exact, with the same results and statistics (Mmu::repeat, set_repeat_translations). FlatMemory is the identity with paging off; MmuMemory asks
// the x86 Mmu (TLBs, walker, #PF with CR2 and error code).
//
// Without IDT delivery (the default) an exception stops step() with the vector (and error code),
// the registers and EIP as they were before the instruction (faults are restartable), and CR2 set
// for #PF. With set_idt_delivery(true) (a platform: pc.hpp) exceptions, INT n and interrupts go
// through the IDT. A REP string instruction that faults keeps the iterations it completed, with
// ECX, ESI and EDI as they were after the last one (SDM Vol. 2, REP/REPE/REPZ/REPNE/REPNZ).
// Decoded instructions are cached by physical address (DecodeCache). README.md, "ISS", has the
// rules and the deviations.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "models/x86_64/iss_decode.hpp"
#include "models/x86_64/mmu.hpp"
#include "models/x86_64/paging.hpp"
#include "models/x86_64/phys_mem.hpp"

namespace vmsim::x86::iss {

enum Reg : uint8_t { kEax, kEcx, kEdx, kEbx, kEsp, kEbp, kEsi, kEdi };

// EFLAGS bits (SDM Vol. 1, 3.4.3).
inline constexpr uint32_t kCf = 1u << 0, kPf = 1u << 2, kAf = 1u << 4, kZf = 1u << 6, kSf = 1u << 7;
inline constexpr uint32_t kTf = 1u << 8, kIf = 1u << 9, kDf = 1u << 10, kOf = 1u << 11;
inline constexpr uint32_t kIopl = 3u << 12, kNt = 1u << 14, kRf = 1u << 16, kVm = 1u << 17;
inline constexpr uint32_t kAc = 1u << 18, kId = 1u << 21;
inline constexpr uint32_t kFlagsFixed = 1u << 1;  // reads as 1
inline constexpr uint32_t kArithFlags = kCf | kPf | kAf | kZf | kSf | kOf;

// Exception vectors (SDM Vol. 3A, Table 6-1).
inline constexpr uint8_t kVecDe = 0, kVecBp = 3, kVecOf = 4, kVecUd = 6, kVecDf = 8, kVecTs = 10, kVecNp = 11;
inline constexpr uint8_t kVecSs = 12, kVecGp = 13, kVecPf = 14, kVecAc = 17;

// CR0 bits (SDM Vol. 3A, 2.5) beyond those paging.hpp names.
inline constexpr uint32_t kCr0Pe = 1u << 0, kCr0Ts = 1u << 3, kCr0Et = 1u << 4, kCr0Nw = 1u << 29, kCr0Cd = 1u << 30;
// CR4 bits the CPU accepts: TSD DE PSE MCE (a Pentium also has VME and PVI, but QEMU's -cpu pentium,
// the oracle, reports no VME in CPUID, and virtual-8086 mode is not modelled: they are #GP). Only
// TSD and PSE change what the ISS does.
inline constexpr uint32_t kCr4Tsd = 1u << 2, kCr4Pentium = 0x5c;

enum class Stop : uint8_t {
    None,         // the instruction completed (or the instruction budget of run() ran out)
    Halt,         // HLT at CPL 0: EIP is past it
    Exception,    // without IDT delivery: vector, error_code (when the vector has one), EIP at the
                  // faulting instruction
    Bus,          // a reference where no memory answers: bus_pa
    TripleFault,  // with IDT delivery: a fault while delivering #DF; `triple` names the three
    Unsupported,  // the guest asked for what the ISS does not model: Cpu::guest_error() says what
};

struct StepResult {
    Stop stop = Stop::None;
    uint8_t vector = 0;
    bool has_error_code = false;
    uint32_t error_code = 0;
    uint64_t bus_pa = 0;
    uint8_t triple[3] = {};  // Stop::TripleFault: the two exceptions that made #DF, then the third
};

// What the CPU sees outside memory: the I/O address space and the interrupt controller's INTA
// cycle. A platform implements it (models/x86_64/pc.hpp); without one, IN reads all ones and OUT
// goes nowhere, as on a bus where no device decodes the port.
class IoBus {
public:
    virtual ~IoBus() = default;
    virtual uint32_t in(uint16_t port, unsigned size) = 0;
    virtual void out(uint16_t port, unsigned size, uint32_t value) = 0;
    // INTA: the vector of the interrupt the controller now puts in service (called only while the
    // CPU's INTR line is high and it accepts the interrupt).
    virtual uint8_t acknowledge() = 0;
};

// A segment register: the visible selector and the hidden part loaded from the descriptor.
struct Segment {
    uint16_t selector = 0;
    uint32_t base = 0;
    uint32_t limit = 0xffffffff;
    uint8_t type = 0;   // descriptor type (bits 3:0 of byte 5), with S in bit 4
    uint8_t dpl = 0;
    bool present = true;
};

// GDTR/IDTR.
struct TableRegister {
    uint32_t base = 0;
    uint16_t limit = 0xffff;
};

// Paging off: the physical address is the linear address; RAM at physical [0, size).
class FlatMemory {
public:
    explicit FlatMemory(size_t bytes) : bytes_((bytes + 0xfff) & ~size_t{0xfff}, 0) {}
    Translation translate(uint32_t la, Access, Privilege) const {
        Translation t;
        t.pa = la;
        return t;
    }
    // The byte at `pa` in host memory (the rest of its 4 KB page follows), or null.
    uint8_t* host(uint64_t pa) { return pa < bytes_.size() ? bytes_.data() + pa : nullptr; }
    uint8_t* data() { return bytes_.data(); }
    size_t size() const { return bytes_.size(); }

    // Control registers (MOV CRn): kept, but there is no paging, so CR0.PG = 1 is refused (#GP).
    uint32_t cr(unsigned n) const { return cr_[n]; }
    bool write_cr(unsigned n, uint32_t value) {
        if (n == 0 && (value & kCr0Pg)) return false;
        cr_[n] = value;
        return true;
    }
    void invlpg(uint32_t) {}

    // Repeating a translation (MmuMemory's): the identity always repeats.
    struct Repeat {
        uint32_t cycles() const { return 0; }
    };
    Repeat repeatable(uint32_t, Access, Privilege) const { return {}; }
    bool repeat(const Repeat&, uint32_t la, Access, uint64_t& pa) const {
        pa = la;
        return true;
    }

private:
    std::vector<uint8_t> bytes_;
    uint32_t cr_[5] = {kCr0Pe | kCr0Et, 0, 0, 0, 0};
};

// Translation by the x86 Mmu (with its TLBs, walker and #PF), RAM in a FlatRam.
class MmuMemory {
public:
    MmuMemory(Mmu& mmu, FlatRam& ram) : mmu_(mmu), ram_(ram) {}
    Translation translate(uint32_t la, Access access, Privilege privilege) {
        return mmu_.translate(la, access, privilege);
    }
    uint8_t* host(uint64_t pa) {
        return pa - ram_.base() < ram_.size() ? ram_.data() + (pa - ram_.base()) : nullptr;
    }
    Mmu& mmu() { return mmu_; }

    // Control registers: CR0, CR3 and CR4 are the Mmu's (it flushes what a write implies).
    uint32_t cr(unsigned n) const {
        return static_cast<uint32_t>(n == 0 ? mmu_.cr0() : n == 3 ? mmu_.cr3() : n == 4 ? mmu_.cr4() : 0);
    }
    bool write_cr(unsigned n, uint32_t value) {
        return n == 0 ? mmu_.write_cr0(value) : n == 3 ? mmu_.write_cr3(value) : n == 4 ? mmu_.write_cr4(value) : false;
    }
    void invlpg(uint32_t la) { mmu_.invlpg(la); }

    // A translation of a page translated before, repeated without the Mmu's lookup when that is
    // exact (Mmu::repeat): true with its physical address, else false and nothing changed.
    using Repeat = Mmu::Repeat;
    Repeat repeatable(uint32_t la, Access access, Privilege privilege) {
        return mmu_.repeatable(la, access, privilege);
    }
    bool repeat(const Repeat& r, uint32_t la, Access, uint64_t& pa) {
        if (!mmu_.repeat(r)) return false;
        pa = r.frame() | (la & 0xfff);
        return true;
    }

private:
    Mmu& mmu_;
    FlatRam& ram_;
};

// Decoded instructions by physical address, a 4 KB page at a time (as models/mips_r3000 caches by
// physical page). A page remembers which of its bytes decoded instructions came from; a store to
// one of those bytes drops every decoded instruction of the page, so that changed code is decoded
// again. Instructions that cross a page boundary are decoded each time and never cached.
// `Note` is what the memory derives from each decoded instruction and keeps beside it (the timing
// model's Shape: TimedMemory::Note); an empty type keeps nothing.
struct NoNote {};
template <typename Note = NoNote>
class DecodeCache {
public:
    static constexpr unsigned kPageBytes = 4096;

    // The slot for the instruction starting at `pa` (len 0: not decoded yet).
    Insn& slot(uint64_t pa) {
        Page* p = page(pa >> 12);
        return p->insns[pa & 0xfff];
    }
    // The slots of pa's page, by offset in the page: valid as long as the cache (a drop only marks
    // them undecoded), so that a CPU fetching from one page again and again keeps the pointer.
    Insn* page_slots(uint64_t pa) { return page(pa >> 12)->insns; }
    // The notes of pa's page, beside its slots (by the same offset; kept with the slot's instruction).
    Note* page_notes(uint64_t pa) { return page(pa >> 12)->notes; }
    // Records that the slot at `pa` now holds an instruction of `len` bytes within the page.
    void filled(uint64_t pa, unsigned len) {
        Page* p = page(pa >> 12);
        for (unsigned b = pa & 0xfff, e = b + len; b < e; ++b) p->covered[b >> 6] |= uint64_t{1} << (b & 63);
        p->any = true;
        ++decodes_;
    }
    // A store of `bytes` at `pa` (within one page): drops the page's instructions if it overlaps one.
    void stored(uint64_t pa, unsigned bytes) {
        const uint64_t n = pa >> 12;
        if (n >= direct_.size() || !direct_[n] || !direct_[n]->any) return;
        Page* p = direct_[n];
        for (unsigned b = pa & 0xfff, e = b + bytes; b < e; ++b)
            if (p->covered[b >> 6] >> (b & 63) & 1) {
                drop(*p);
                return;
            }
    }
    // Drops decoded instructions for [pa, pa + bytes): for writers other than the CPU (a loader, DMA).
    void invalidate(uint64_t pa, uint64_t bytes) {
        for (uint64_t n = pa >> 12; bytes && n <= (pa + bytes - 1) >> 12; ++n)
            if (n < direct_.size() && direct_[n]) drop(*direct_[n]);
    }
    uint64_t decodes() const { return decodes_; }
    uint64_t invalidations() const { return invalidations_; }

private:
    struct Page {
        Insn insns[kPageBytes];
        Note notes[std::is_empty_v<Note> ? 1 : kPageBytes];
        uint64_t covered[kPageBytes / 64] = {};
        bool any = false;
    };
    Page* page(uint64_t n) {
        if (n >= direct_.size()) direct_.resize(n + 1, nullptr);
        if (!direct_[n]) {
            pages_.push_back(std::make_unique<Page>());
            direct_[n] = pages_.back().get();
        }
        return direct_[n];
    }
    // Marks every slot undecoded. Only `len` changes, so an instruction that is executing while it
    // stores into its own page keeps its operands.
    void drop(Page& p) {
        for (Insn& i : p.insns) i.len = 0;
        for (uint64_t& w : p.covered) w = 0;
        p.any = false;
        ++invalidations_;
    }

    std::vector<Page*> direct_;  // by physical page number
    std::vector<std::unique_ptr<Page>> pages_;
    uint64_t decodes_ = 0, invalidations_ = 0;
};

// A Memory type that also times the instructions (pentium_timing.hpp's TimedMemory) has
// retired(insn, [note,] eip, next_eip): step() calls it after each completed instruction (with the
// instruction's note when the Memory has a Note type, below). For any other Memory the call is not
// compiled, so an untimed CPU pays nothing for the hook.
template <typename M, typename = void>
inline constexpr bool kTimesInstructions = false;
template <typename M>
inline constexpr bool kTimesInstructions<M, std::void_t<decltype(&M::retired)>> = true;

// What a Memory keeps beside each decoded instruction: its Note type (M::note(insn) computes one,
// retired() receives it), or nothing.
template <typename M, typename = void>
struct NoteOf {
    using type = NoNote;
};
template <typename M>
struct NoteOf<M, std::void_t<typename M::Note>> {
    using type = typename M::Note;
};

// The CPU. `Memory` is FlatMemory or MmuMemory (or any type with their translate() and host()), or
// TimedMemory<FlatMemory / MmuMemory> with the Pentium timing model attached.
template <typename Memory>
class Cpu {
public:
    explicit Cpu(Memory& memory) : mem_(memory) {}

    // Executes one instruction.
    StepResult step();
    // Executes until HLT, an exception or a bus error, or `max_instructions` (then Stop::None), or,
    // with a timing model, at the first instruction boundary at which cycles() >= `deadline`, after
    // one instruction at least (a device's next event: the timer edge, so that the IRQ is raised at
    // the first boundary at or after it wherever a caller splits its runs).
    StepResult run(uint64_t max_instructions, uint64_t deadline = ~uint64_t{0});

    uint32_t reg(unsigned r) const { return r_[r]; }
    void set_reg(unsigned r, uint32_t v) { r_[r] = v; }
    uint32_t eip() const { return eip_; }
    void set_eip(uint32_t v) { eip_ = v; }
    uint32_t eflags() const { return fl(); }
    void set_eflags(uint32_t v) {
        lazy_.pending = false;
        flags_ = (v & kWritableFlags) | kFlagsFixed;
    }
    uint32_t cr2() const { return cr2_; }
    unsigned cpl() const { return cpl_; }
    uint64_t instructions() const { return instructions_; }

    using Note = typename NoteOf<Memory>::type;
    DecodeCache<Note>& decode_cache() { return code_; }
    // On (the default), a fetch from the page of the previous fetch, and a read or write to the
    // page of the previous read or write, repeats that translation without the memory's lookup when
    // that is exact (Mmu::repeat); off, every reference translates. Results, statistics and cycles
    // are the same either way (tests/models/x86_64/iss_repeat_test.cpp).
    void set_repeat_translations(bool on) {
        repeat_ = on;
        fetch_tag_ = data_[0].tag = data_[1].tag = 0xfff;
    }
    Memory& memory() { return mem_; }

    // ---- System architecture (iss_system.cpp) ---------------------------------------------------
    // IDT delivery: off (the default, and the first slice's behaviour that the per-instruction
    // tests rely on), an exception stops step() with Stop::Exception. On (a platform), exceptions,
    // INT n and interrupts go through the IDT with the SDM's checks, #DF and triple fault.
    void set_idt_delivery(bool on) { deliver_ = on; }
    void set_io(IoBus* bus) { io_ = bus; }
    // The INTR pin (level): while high and EFLAGS.IF = 1, outside an STI / MOV SS shadow, the next
    // step() acknowledges the interrupt (IoBus::acknowledge) and delivers it instead of executing.
    void set_intr(bool level) { intr_ = level; }
    // Ends run() after the current instruction (a device whose next event moved calls it).
    void end_run() { budget_ = 0; }
    // The time base of RDTSC and of the devices: for now instructions plus the cycles the
    // platform spent halted (add_idle_cycles); the timing model will make it cycles.
    uint64_t cycles() const {
        if constexpr (kTimesInstructions<Memory>) return mem_.timing().cycles() + idle_cycles_;
        else return instructions_ + idle_cycles_;
    }
    void add_idle_cycles(uint64_t n) { idle_cycles_ += n; }
    uint64_t interrupts() const { return interrupts_; }  // events delivered through the IDT

    const Segment& segment(unsigned sreg) const { return seg_[sreg]; }
    // For a loader's entry state; CS's RPL sets the CPL.
    void set_segment(unsigned sreg, const Segment& s) {
        seg_[sreg] = s;
        if (sreg == kCs) cpl_ = s.selector & 3;
    }
    const TableRegister& gdtr() const { return gdtr_; }
    const TableRegister& idtr() const { return idtr_; }
    const Segment& tr() const { return tr_; }
    uint32_t cr(unsigned n) const { return n == 2 ? cr2_ : n == 0 ? mem_.cr(0) | kCr0Pe | kCr0Et : mem_.cr(n); }
    // Stop::Unsupported: one sentence on what the guest asked for.
    const std::string& guest_error() const { return guest_error_; }

    // Flags a CPL-0 POPF may change (SDM Vol. 2, POPF; VIP, VIF and VM are never written by it).
    static constexpr uint32_t kWritableFlags = kArithFlags | kTf | kIf | kDf | kIopl | kNt | kAc | kId;

private:
    enum class Source : uint8_t { Exception, Software, External };
    struct Descriptor;

    void advance();
    bool execute(const Insn& in, uint32_t next);
    [[gnu::noinline]] bool execute_rest(const Insn& in, uint32_t next, uint32_t la);
    bool execute_system(const Insn& in, uint32_t next);
    [[gnu::noinline]] StepResult exception(uint32_t eip);
    [[gnu::noinline]] void interrupt();
    void raise(uint32_t return_eip);
    bool deliver(uint8_t vector, Source source, bool has_error, uint32_t error, uint32_t return_eip);
    bool read_descriptor(uint16_t selector, Descriptor& d, uint8_t vector, uint32_t ext, uint32_t* address = nullptr);
    bool load_data_segment(unsigned sreg, uint16_t selector);
    bool far_transfer(uint16_t selector, uint32_t offset, bool call, uint32_t next);
    bool far_return(bool iret, uint32_t release);
    bool flat(const Descriptor& d, uint16_t selector);
    bool set_accessed(const Descriptor& d, uint32_t address);
    void load_segment(unsigned sreg, const Descriptor& d, uint16_t selector);
    bool system_load(uint32_t la, uint32_t& value);
    bool io_permitted(uint16_t port, unsigned size);
    bool unsupported(const std::string& what) {
        result_ = StepResult{};
        result_.stop = Stop::Unsupported;
        guest_error_ = what;
        return false;
    }
    unsigned iopl() const { return (flags_ & kIopl) >> 12; }  // IOPL: never pending

    static constexpr bool kNotes = !std::is_empty_v<Note>;
    Note* note_at(unsigned offset) const {
        if constexpr (kNotes) return fetch_notes_ + offset;
        else return nullptr;
    }
    [[gnu::noinline]] const Insn* decode_miss(uint32_t start, uint64_t pa, const uint8_t* p, Insn& slot, Note* note);
    [[gnu::noinline]] const Insn* fetch_translated(uint32_t start);
    Privilege privilege() const { return cpl_ == 3 ? Privilege::User : Privilege::Supervisor; }

    // Memory. Each returns false after recording the fault in `fault_`.
    uint8_t* host(uint32_t la, Access access, uint64_t& pa);
    [[gnu::noinline]] uint8_t* host_translated(uint32_t la, Access access, uint64_t& pa);
    uint8_t* host_of(const Translation& t, uint32_t la);
    bool load(uint32_t la, unsigned size, uint32_t& value, Access access = Access::Read);
    bool store(uint32_t la, unsigned size, uint32_t value);
    bool access_split(uint32_t la, unsigned size, uint8_t* buf, Access access);
    bool push(unsigned size, uint32_t value);
    bool pop(unsigned size, uint32_t& value);

    // Operands.
    uint32_t ea(const Insn& in) const {
        uint32_t a = static_cast<uint32_t>(in.disp);
        if (in.base != kNoReg) a += r_[in.base];
        if (in.index != kNoReg) a += r_[in.index] << in.scale;
        return a;
    }
    uint32_t get_reg(unsigned size, unsigned r) const {
        if (size == 4) return r_[r];
        if (size == 2) return r_[r] & 0xffff;
        return r < 4 ? r_[r] & 0xff : (r_[r - 4] >> 8) & 0xff;
    }
    void set_reg(unsigned size, unsigned r, uint32_t v) {
        if (size == 4) r_[r] = v;
        else if (size == 2) r_[r] = (r_[r] & 0xffff0000u) | (v & 0xffff);
        else if (r < 4) r_[r] = (r_[r] & 0xffffff00u) | (v & 0xff);
        else r_[r - 4] = (r_[r - 4] & 0xffff00ffu) | ((v & 0xff) << 8);
    }
    // The r/m operand at a precomputed linear address `la` (ignored for a register operand).
    // Always inline (as alu() is): the register case is a few instructions, and GCC's budget for
    // execute() otherwise leaves these as calls on every operand.
    [[gnu::always_inline]] bool read_rm(const Insn& in, unsigned size, uint32_t la, uint32_t& v, Access access = Access::Read) {
        if (!in.memory()) {
            v = get_reg(size, in.rm);
            return true;
        }
        return load(la, size, v, access);
    }
    [[gnu::always_inline]] bool write_rm(const Insn& in, unsigned size, uint32_t la, uint32_t v) {
        if (!in.memory()) {
            set_reg(size, in.rm, v);
            return true;
        }
        return store(la, size, v);
    }

    // Arithmetic with EFLAGS.
    uint32_t alu(unsigned op, unsigned size, uint32_t a, uint32_t b);
    uint32_t alu_flags() const;
    uint32_t carry() const;
    // EFLAGS with the pending ALU operation's flags settled in: every access to the arithmetic
    // flags goes through it (reads of IF, DF and IOPL, which no ALU operation writes, need not).
    uint32_t& fl() const {
        if (lazy_.pending) {
            flags_ = (flags_ & ~kArithFlags) | alu_flags();
            lazy_.pending = false;
        }
        return flags_;
    }
    uint32_t shift(unsigned op, unsigned size, uint32_t v, unsigned count);
    uint32_t shift_double(bool left, unsigned size, uint32_t dst, uint32_t src, unsigned count);
    void set_szp(unsigned size, uint32_t result, uint32_t keep_mask);
    void set_mul_flags(unsigned size, uint32_t lo, bool overflow);
    bool cond(unsigned c) const;
    bool string_op(const Insn& in);
    bool fault(uint8_t vector, bool has_error = false, uint32_t error = 0) {
        result_ = StepResult{};
        result_.stop = Stop::Exception;
        result_.vector = vector;
        result_.has_error_code = has_error;
        result_.error_code = error;
        return false;
    }

    void bus_error(uint64_t pa) {
        result_ = StepResult{};
        result_.stop = Stop::Bus;
        result_.bus_pa = pa;
    }

    Memory& mem_;
    DecodeCache<Note> code_;
    uint32_t r_[8] = {};
    uint32_t eip_ = 0;
    // EFLAGS. While lazy_.pending, its arithmetic flags are those of the last ALU operation (alu),
    // computed from its operands only when read (fl()): most are overwritten before anything reads them.
    mutable uint32_t flags_ = kFlagsFixed;
    struct Lazy {
        uint32_t a, b, r;   // operands and result, masked to the size
        uint8_t op, size;   // alu()'s operation (0-7) and operand size
        uint8_t carry;      // ADC/SBB: the carry in
        uint8_t kept_cf;    // INC/DEC: the CF they keep (kCf or 0); 0xff: none
        bool pending;
    };
    mutable Lazy lazy_{0, 0, 0, 0, 4, 0, 0xff, false};
    uint32_t cr2_ = 0;
    unsigned cpl_ = 0;
    uint64_t instructions_ = 0;
    uint64_t budget_ = 0;  // steps left in run()

    // System state (iss_system.cpp).
    Segment seg_[6] = {};
    Segment tr_{0, 0, 0, 0, 0, false};
    uint16_t ldtr_ = 0;  // only the null LDT
    TableRegister gdtr_, idtr_;
    IoBus* io_ = nullptr;
    bool deliver_ = false;
    bool intr_ = false;
    uint64_t shadow_ = ~uint64_t{0};  // interrupts are not accepted while instructions_ == shadow_
    uint64_t idle_cycles_ = 0, interrupts_ = 0;
    std::string guest_error_;
    StepResult result_;           // the stop the current instruction ends with
    Insn uncached_;               // an instruction that crosses a page boundary
    Note uncached_note_{};
    // The last fetch: its linear page (bits 31:12) and CPL (bits 1:0) in fetch_tag_ (0xfff: none),
    // the translation to repeat while EIP stays there and the memory says a repeat is exact
    // (Mmu::repeat), and its physical page (all ones: none yet), host bytes, decoded-instruction
    // slots and their notes: a fetch from the same physical page needs neither host() nor the
    // decoded cache's page lookup, even when it had to translate.
    uint32_t fetch_tag_ = 0xfff;
    bool repeat_ = true;
    typename Memory::Repeat fetch_repeat_{};
    uint64_t fetch_pa_ = ~uint64_t{0};
    const uint8_t* fetch_host_ = nullptr;
    Insn* fetch_slots_ = nullptr;
    Note* fetch_notes_ = nullptr;
    // The same for data references, reads [0] and writes [1]: the page's physical address and host bytes.
    struct DataPage {
        uint32_t tag = 0xfff;
        typename Memory::Repeat repeat{};
        uint64_t pa = 0;
        uint8_t* host = nullptr;
    };
    DataPage data_[2];
};

extern template class Cpu<FlatMemory>;
extern template class Cpu<MmuMemory>;

}  // namespace vmsim::x86::iss
