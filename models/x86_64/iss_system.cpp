// The ISS's system architecture: segment registers and descriptor tables (flat model), control
// registers, far transfers, the IDT (interrupt and trap gates, privilege change through the TSS),
// #DF and triple fault, external interrupts, I/O, CPUID and RDTSC.
//
// Sources: Intel SDM Vol. 3A chapters 3 (segments, descriptors), 5 (privilege checks), 6
// (interrupts and exceptions: 6.12 procedure and stack switch, 6.13 error code, 6.15 Table 6-5 for
// #DF), 7.2.1 (32-bit TSS); Vol. 2 for each instruction's pseudocode and fault list (INT n, IRET,
// JMP, RET, MOV Sreg, LTR, MOV CRn, CLI/STI, IN/OUT). Choices the SDM leaves open follow QEMU 7.2
// (the full-system oracle) and are named where they are made; README.md, "ISS", lists the limits.
#include <cstdio>

#include "models/x86_64/iss.hpp"
#include "models/x86_64/pentium_timing.hpp"

namespace vmsim::x86::iss {

namespace {

// CR0 bits a Pentium implements (SDM Vol. 3A 2.5): PE MP EM TS ET NE WP AM NW CD PG. Writes to the
// others are ignored, as QEMU does.
constexpr uint32_t kCr0Bits = 0xe005003f;

// CPUID as `qemu-system-i386 -cpu pentium` (QEMU 7.2) answers it, so that a guest prints the same
// on both (read by tests/models/x86_64/sys_program): maximum basic leaf 1, "GenuineIntel", family 5
// model 4 stepping 3; leaf 1 EDX = FPU DE PSE TSC MSR MCE CX8 APIC MMX (0x008003bd), ECX = the
// hypervisor bit (QEMU sets it), EBX = 0. The ISS models neither x87, MMX nor an APIC (README.md).
// Leaves above 1 (extended ones included) answer as leaf 1, QEMU's rule for an unknown leaf.
constexpr uint32_t kCpuidVendor[3] = {0x756e6547, 0x49656e69, 0x6c65746e};  // EBX EDX ECX: GenuineIntel
constexpr uint32_t kCpuidSignature = 0x543;
constexpr uint32_t kCpuidFeatures = 0x008003bd;
constexpr uint32_t kCpuidFeaturesEcx = 0x80000000;

// #DF classes (SDM Vol. 3A Table 6-4): benign, contributory, page fault.
enum Class { kBenign, kContributory, kPageFault };
Class class_of(uint8_t v) {
    if (v == kVecPf) return kPageFault;
    if (v == kVecDe || (v >= kVecTs && v <= kVecGp)) return kContributory;
    return kBenign;
}
// Table 6-5: whether a fault while delivering `first` makes a double fault.
bool makes_double_fault(uint8_t first, uint8_t second) {
    const Class a = class_of(first), b = class_of(second);
    return (a == kContributory && b == kContributory) || (a == kPageFault && b != kBenign);
}

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%#x", v);
    return buf;
}

}  // namespace

// A segment descriptor or gate (SDM Vol. 3A Figure 3-8 and Figure 6-2), as two words.
template <typename Memory>
struct Cpu<Memory>::Descriptor {
    uint32_t lo = 0, hi = 0;
    uint32_t base() const { return (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u); }
    uint32_t limit() const {
        const uint32_t l = (lo & 0xffff) | (hi & 0xf0000);
        return (hi & (1u << 23)) ? (l << 12) | 0xfff : l;
    }
    uint8_t type() const { return (hi >> 8) & 0xf; }
    bool s() const { return hi & (1u << 12); }
    unsigned dpl() const { return (hi >> 13) & 3; }
    bool present() const { return hi & (1u << 15); }
    bool big() const { return hi & (1u << 22); }
    bool code() const { return s() && (type() & 8); }
    bool conforming() const { return code() && (type() & 4); }
    bool writable_data() const { return s() && !(type() & 8) && (type() & 2); }
    bool readable() const { return s() && (!(type() & 8) || (type() & 2)); }
    uint16_t gate_selector() const { return static_cast<uint16_t>(lo >> 16); }
    uint32_t gate_offset() const { return (lo & 0xffff) | (hi & 0xffff0000u); }
};

// ---- descriptor tables --------------------------------------------------------------------------

// An implicit supervisor-mode read of a system structure (GDT, IDT, TSS) at any CPL (SDM 4.6).
template <typename Memory>
bool Cpu<Memory>::system_load(uint32_t la, uint32_t& value) {
    const unsigned cpl = cpl_;
    cpl_ = 0;
    const bool ok = load(la, 4, value);
    cpl_ = cpl;
    return ok;
}

// The GDT entry of `selector`, or the fault `vector` with error code selector | ext (SDM 6.13): a
// selector outside the GDT limit, or one in the LDT (only the null LDT exists).
template <typename Memory>
bool Cpu<Memory>::read_descriptor(uint16_t selector, Descriptor& d, uint8_t vector, uint32_t ext, uint32_t* address) {
    const uint32_t err = (selector & 0xfffcu) | ext;
    const uint32_t offset = selector & 0xfff8u;
    if ((selector & 4) || offset + 7 > gdtr_.limit) return fault(vector, true, err);
    const uint32_t at = gdtr_.base + offset;
    if (!system_load(at, d.lo) || !system_load(at + 4, d.hi)) return false;
    if (address) *address = at;
    return true;
}

// Sets the descriptor's accessed bit in the GDT, as a segment load does (SDM 3.4.5.1).
template <typename Memory>
bool Cpu<Memory>::set_accessed(const Descriptor& d, uint32_t address) {
    if (d.hi & 0x100) return true;
    const unsigned cpl = cpl_;
    cpl_ = 0;
    const bool ok = store(address + 4, 4, d.hi | 0x100);
    cpl_ = cpl;
    return ok;
}

// The flat model: every code, data and stack segment has base 0 and a 4 GB limit, code and stack
// segments are 32-bit. Anything else is a guest error rather than silently wrong addresses.
template <typename Memory>
bool Cpu<Memory>::flat(const Descriptor& d, uint16_t selector) {
    if (d.base() == 0 && d.limit() == 0xffffffff && (!d.code() || d.big())) return true;
    return unsupported("segment " + hex(selector) + " has base " + hex(d.base()) + ", limit " + hex(d.limit()) +
                       (d.big() ? "" : ", 16-bit") +
                       ": the ISS models flat 32-bit segments only (base 0, limit 4 GB)");
}

template <typename Memory>
void Cpu<Memory>::load_segment(unsigned sreg, const Descriptor& d, uint16_t selector) {
    Segment& s = seg_[sreg];
    s.selector = selector;
    s.base = d.base();
    s.limit = d.limit();
    s.type = static_cast<uint8_t>(d.type() | (d.s() ? 0x10 : 0));
    s.dpl = static_cast<uint8_t>(d.dpl());
    s.present = d.present();
}

// MOV/POP to SS, DS, ES, FS, GS (SDM Vol. 2, MOV and POP: protected-mode exceptions).
template <typename Memory>
bool Cpu<Memory>::load_data_segment(unsigned sreg, uint16_t selector) {
    const uint32_t err = selector & 0xfffcu;
    if (err == 0) {
        if (sreg == kSs) return fault(kVecGp, true, 0);
        seg_[sreg] = Segment{selector, 0, 0, 0, 0, false};  // a null selector: no access through it
        return true;
    }
    Descriptor d;
    uint32_t at = 0;
    if (!read_descriptor(selector, d, kVecGp, 0, &at)) return false;
    const unsigned rpl = selector & 3;
    if (sreg == kSs) {
        if (rpl != cpl_ || !d.writable_data() || d.dpl() != cpl_) return fault(kVecGp, true, err);
        if (!d.present()) return fault(kVecSs, true, err);
    } else {
        if (!d.readable()) return fault(kVecGp, true, err);
        if (!d.conforming() && (rpl > d.dpl() || cpl_ > d.dpl())) return fault(kVecGp, true, err);
        if (!d.present()) return fault(kVecNp, true, err);
    }
    if (!flat(d, selector) || !set_accessed(d, at)) return false;
    load_segment(sreg, d, selector);
    return true;
}

// JMP/CALL ptr16:32 or m16:32 to a code segment at the same privilege (SDM Vol. 2, JMP and CALL,
// "far jump to a conforming/nonconforming code segment"). Call gates and task switches are guest
// errors.
template <typename Memory>
bool Cpu<Memory>::far_transfer(uint16_t selector, uint32_t offset, bool call, uint32_t next) {
    const uint32_t err = selector & 0xfffcu;
    if (err == 0) return fault(kVecGp, true, 0);
    Descriptor d;
    uint32_t at = 0;
    if (!read_descriptor(selector, d, kVecGp, 0, &at)) return false;
    if (!d.s()) {
        const uint8_t t = d.type();
        if (t == 4 || t == 12 || t == 5 || t == 1 || t == 9)
            return unsupported(std::string("far ") + (call ? "CALL" : "JMP") + " to " + hex(selector) +
                               ", a call gate, task gate or TSS: not modelled");
        return fault(kVecGp, true, err);
    }
    if (!d.code()) return fault(kVecGp, true, err);
    const unsigned rpl = selector & 3;
    if (d.conforming() ? d.dpl() > cpl_ : (rpl > cpl_ || d.dpl() != cpl_)) return fault(kVecGp, true, err);
    if (!d.present()) return fault(kVecNp, true, err);
    if (!flat(d, selector)) return false;
    if (call) {
        const uint32_t sp = r_[kEsp];
        if (!store(sp - 8, 4, next) || !store(sp - 4, 4, seg_[kCs].selector)) return false;
        r_[kEsp] = sp - 8;
    }
    if (!set_accessed(d, at)) return false;
    load_segment(kCs, d, static_cast<uint16_t>((selector & ~3u) | cpl_));
    eip_ = offset;
    return true;
}

// RETF (iret = false; `release` bytes of parameters) and IRET without NT (SDM Vol. 2, RET and IRET
// pseudocode: RETURN-TO-SAME-PRIVILEGE-LEVEL and RETURN-TO-OUTER-PRIVILEGE-LEVEL).
template <typename Memory>
bool Cpu<Memory>::far_return(bool iret, uint32_t release) {
    if (iret && (fl() & kNt)) return unsupported("IRET with EFLAGS.NT = 1 (a task return): not modelled");
    const uint32_t sp = r_[kEsp];
    uint32_t eip = 0, cs = 0, fl = 0;
    if (!load(sp, 4, eip) || !load(sp + 4, 4, cs) || (iret && !load(sp + 8, 4, fl))) return false;
    if (iret && (fl & kVm) && cpl_ == 0) return unsupported("IRET to virtual-8086 mode: not modelled");
    const uint16_t sel = static_cast<uint16_t>(cs);
    const uint32_t err = sel & 0xfffcu;
    const unsigned rpl = sel & 3;
    if (err == 0) return fault(kVecGp, true, 0);
    Descriptor d;
    uint32_t at = 0;
    if (!read_descriptor(sel, d, kVecGp, 0, &at)) return false;
    if (!d.code() || rpl < cpl_ || (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl)) return fault(kVecGp, true, err);
    if (!d.present()) return fault(kVecNp, true, err);
    if (!flat(d, sel)) return false;
    const uint32_t frame = (iret ? 12 : 8) + release;
    uint32_t new_sp = sp + frame;
    Descriptor ssd;
    uint16_t ss = 0;
    uint32_t ss_at = 0;
    const bool outer = rpl > cpl_;
    if (outer) {
        uint32_t ss_word = 0;
        if (!load(sp + frame, 4, new_sp) || !load(sp + frame + 4, 4, ss_word)) return false;
        ss = static_cast<uint16_t>(ss_word);
        const uint32_t ss_err = ss & 0xfffcu;
        if (ss_err == 0) return fault(kVecGp, true, 0);
        if (!read_descriptor(ss, ssd, kVecGp, 0, &ss_at)) return false;
        if ((ss & 3u) != rpl || !ssd.writable_data() || ssd.dpl() != rpl) return fault(kVecGp, true, ss_err);
        if (!ssd.present()) return fault(kVecSs, true, ss_err);
        if (!flat(ssd, ss)) return false;
        if (!iret) new_sp += release;  // RETF imm16 releases parameters on the outer stack too
    }
    if (!set_accessed(d, at) || (outer && !set_accessed(ssd, ss_at))) return false;
    if (iret) {
        // What the old CPL may change (SDM IRET: IOPL only at CPL 0, IF only at CPL <= IOPL).
        uint32_t writable = kWritableFlags;
        if (cpl_ > 0) writable &= ~kIopl;
        if (cpl_ > iopl()) writable &= ~kIf;
        this->fl() = (this->fl() & ~writable) | (fl & writable) | kFlagsFixed;
    }
    load_segment(kCs, d, sel);
    eip_ = eip;
    r_[kEsp] = new_sp;
    if constexpr (kTimesInstructions<Memory>) {
        if (iret) mem_.timing().system_event(outer ? SystemEvent::IretOuter : SystemEvent::IretSame);
    }
    if (outer) {
        cpl_ = rpl;
        load_segment(kSs, ssd, ss);
        // Data segments the new CPL may not use become null (SDM RETURN-TO-OUTER-PRIVILEGE-LEVEL).
        for (unsigned s : {kEs, kDs, kFs, kGs}) {
            const Segment& g = seg_[s];
            const bool data_or_nonconforming = (g.type & 0x10) && (!(g.type & 8) || !(g.type & 4));
            if (data_or_nonconforming && g.dpl < cpl_) seg_[s] = Segment{0, 0, 0, 0, 0, false};
        }
    }
    return true;
}

// ---- interrupts and exceptions ------------------------------------------------------------------

// Delivers one event through a 32-bit interrupt or trap gate (SDM 6.12.1; INT n pseudocode). On a
// fault it changes no register (memory of a partly pushed frame may have changed) and leaves the
// fault in result_.
template <typename Memory>
bool Cpu<Memory>::deliver(uint8_t vector, Source source, bool has_error, uint32_t error, uint32_t return_eip) {
    // EXT (error-code bit 0, SDM 6.13): the event was not caused by the program (QEMU 7.2 never
    // sets it; the SDM does, and so do we).
    const uint32_t ext = source == Source::Software ? 0 : 1;
    const uint32_t idt_err = vector * 8u + 2 + ext;
    if (vector * 8u + 7 > idtr_.limit) return fault(kVecGp, true, idt_err);
    Descriptor g;
    if (!system_load(idtr_.base + vector * 8u, g.lo) || !system_load(idtr_.base + vector * 8u + 4, g.hi)) return false;
    const uint8_t type = g.type();
    if (g.s() || (type != 0xe && type != 0xf)) {
        if (!g.s() && (type == 5 || type == 6 || type == 7))
            return unsupported("IDT vector " + std::to_string(vector) + " is a task gate or a 16-bit gate: not modelled");
        return fault(kVecGp, true, idt_err);
    }
    if (source == Source::Software && g.dpl() < cpl_) return fault(kVecGp, true, vector * 8u + 2);
    if (!g.present()) return fault(kVecNp, true, idt_err);
    const uint16_t sel = g.gate_selector();
    const uint32_t sel_err = (sel & 0xfffcu) | ext;
    if ((sel & 0xfffc) == 0) return fault(kVecGp, true, ext);
    Descriptor d;
    uint32_t at = 0;
    if (!read_descriptor(sel, d, kVecGp, ext, &at)) return false;
    if (!d.code() || d.dpl() > cpl_) return fault(kVecGp, true, sel_err);
    if (!d.present()) return fault(kVecNp, true, sel_err);
    if (!flat(d, sel)) return false;
    const unsigned new_cpl = d.conforming() ? cpl_ : d.dpl();
    const bool inner = new_cpl < cpl_;
    uint32_t sp = r_[kEsp];
    Descriptor ssd;
    uint16_t ss = 0;
    uint32_t ss_at = 0;
    if (inner) {
        // The inner stack from the 32-bit TSS: ESP0 at +4, SS0 at +8 (SDM 7.2.1, Figure 7-2).
        const uint32_t tss_err = (tr_.selector & 0xfffcu) | ext;
        if (!tr_.present || tr_.limit < 8u * new_cpl + 9) return fault(kVecTs, true, tss_err);
        uint32_t ss_word = 0;
        if (!system_load(tr_.base + 4 + 8 * new_cpl, sp) || !system_load(tr_.base + 8 + 8 * new_cpl, ss_word))
            return false;
        ss = static_cast<uint16_t>(ss_word);
        const uint32_t ss_err = (ss & 0xfffcu) | ext;
        if ((ss & 0xfffc) == 0) return fault(kVecTs, true, ext);
        if (!read_descriptor(ss, ssd, kVecTs, ext, &ss_at)) return false;
        if ((ss & 3u) != new_cpl || !ssd.writable_data() || ssd.dpl() != new_cpl) return fault(kVecTs, true, ss_err);
        if (!ssd.present()) return fault(kVecSs, true, ss_err);
        if (!flat(ssd, ss)) return false;
    }
    // The frame, from the highest address down: [SS, ESP,] EFLAGS, CS, EIP[, error code].
    uint32_t words[6];
    unsigned n = 0;
    if (inner) {
        words[n++] = seg_[kSs].selector;
        words[n++] = r_[kEsp];
    }
    words[n++] = fl() & ~kRf;
    words[n++] = seg_[kCs].selector;
    words[n++] = return_eip;
    if (has_error) words[n++] = error;
    const unsigned old_cpl = cpl_;
    cpl_ = new_cpl;  // the pushes are accesses at the handler's privilege
    for (unsigned i = 0; i < n; ++i)
        if (!store(sp - 4 * (i + 1), 4, words[i])) {
            cpl_ = old_cpl;
            return false;
        }
    cpl_ = old_cpl;
    if (!set_accessed(d, at) || (inner && !set_accessed(ssd, ss_at))) return false;
    cpl_ = new_cpl;
    if (inner) load_segment(kSs, ssd, ss);
    r_[kEsp] = sp - 4 * n;
    load_segment(kCs, d, static_cast<uint16_t>((sel & ~3u) | new_cpl));
    eip_ = g.gate_offset();
    fl() &= ~(kTf | kNt | kVm | kRf);
    if (type == 0xe) fl() &= ~kIf;  // an interrupt gate; a trap gate leaves IF
    ++interrupts_;
    // The gate's cost depends on the privilege change: INT n pays the instruction's own clocks on
    // top of the delivery; exceptions and interrupts pay the delivery only (i386.md section 3).
    if constexpr (kTimesInstructions<Memory>) {
        if (source == Source::Software) mem_.timing().system_event(inner ? SystemEvent::IntInner : SystemEvent::IntSame);
        else mem_.timing().system_event(inner ? SystemEvent::ExceptionInner : SystemEvent::ExceptionSame);
    }
    return true;
}

// Delivers the exception in result_, raised by the instruction at `return_eip`: serially, or as
// #DF when a fault while delivering it makes one (Table 6-5), or a triple fault when delivering
// #DF faults (6.15, "Interrupt 8"). Each retry is a fault of a delivery, and the classes only
// escalate, so the loop ends.
template <typename Memory>
void Cpu<Memory>::raise(uint32_t return_eip) {
    uint8_t vector = result_.vector;
    bool has_error = result_.has_error_code;
    uint32_t error = result_.error_code;
    uint8_t df_first = 0, df_second = 0;
    for (;;) {
        if (deliver(vector, Source::Exception, has_error, error, return_eip)) {
            result_ = StepResult{};
            return;
        }
        if (result_.stop != Stop::Exception) return;  // a bus error or an unsupported request
        const uint8_t second = result_.vector;
        if (vector == kVecDf) {
            result_ = StepResult{};
            result_.stop = Stop::TripleFault;
            result_.triple[0] = df_first;
            result_.triple[1] = df_second;
            result_.triple[2] = second;
            return;
        }
        if (makes_double_fault(vector, second)) {
            df_first = vector;
            df_second = second;
            vector = kVecDf;
            has_error = true;
            error = 0;
        } else {
            vector = second;
            has_error = result_.has_error_code;
            error = result_.error_code;
        }
    }
}

template <typename Memory>
StepResult Cpu<Memory>::exception(uint32_t eip) {
    if (deliver_ && result_.stop == Stop::Exception) raise(eip);
    return result_;
}

// INTR is high and IF = 1: INTA, then delivery with EIP at the next instruction (which has not
// started). A fault while delivering is handled as an exception of the interrupted instruction
// boundary.
template <typename Memory>
void Cpu<Memory>::interrupt() {
    const uint8_t vector = io_ ? io_->acknowledge() : 0;
    if (!deliver(vector, Source::External, false, 0, eip_)) exception(eip_);
}

// At CPL > IOPL, IN and OUT need the I/O permission bitmap of the 32-bit TSS to clear the bit of
// every port they touch (SDM Vol. 1, 19.5.2): its offset is the word at TSS + 0x66, and the two
// bytes holding the port's bits must lie within the TSS limit; otherwise #GP(0).
template <typename Memory>
bool Cpu<Memory>::io_permitted(uint16_t port, unsigned size) {
    uint32_t word = 0, bits = 0;
    if (!tr_.present || tr_.limit < 0x67) return fault(kVecGp, true, 0);
    if (!system_load(tr_.base + 0x64, word)) return false;
    const uint32_t at = (word >> 16) + port / 8u;
    if (at + 1 > tr_.limit) return fault(kVecGp, true, 0);
    const unsigned cpl = cpl_;
    cpl_ = 0;
    const bool ok = load(tr_.base + at, 2, bits);
    cpl_ = cpl;
    if (!ok) return false;
    if ((bits >> (port & 7)) & ((1u << size) - 1)) return fault(kVecGp, true, 0);
    return true;
}

// ---- the instructions ---------------------------------------------------------------------------

template <typename Memory>
bool Cpu<Memory>::execute_system(const Insn& in, uint32_t next) {
    const unsigned size = in.size;
    const uint32_t la = in.memory() ? ea(in) : 0;
    uint32_t v = 0;
    const bool kernel = cpl_ == 0;
    switch (in.op) {
    case Op::Lgdt:
    case Op::Lidt: {
        if (!kernel) return fault(kVecGp, true, 0);
        uint32_t limit = 0, base = 0;
        if (!load(la, 2, limit) || !load(la + 2, 4, base)) return false;
        if (size == 2) base &= 0xffffff;  // a 16-bit operand loads a 24-bit base
        TableRegister& t = in.op == Op::Lgdt ? gdtr_ : idtr_;
        t.base = base;
        t.limit = static_cast<uint16_t>(limit);
        return true;
    }
    case Op::Sgdt:
    case Op::Sidt: {
        const TableRegister& t = in.op == Op::Sgdt ? gdtr_ : idtr_;
        // Any CPL (no UMIP on a Pentium). The 6-byte store translates both parts before writing.
        uint32_t probe = 0;
        if (!load(la, 2, probe, Access::Write) || !load(la + 2, 4, probe, Access::Write)) return false;
        return store(la, 2, t.limit) && store(la + 2, 4, size == 2 ? t.base & 0xffffff : t.base);
    }
    case Op::Ltr: {
        if (!kernel) return fault(kVecGp, true, 0);
        if (!read_rm(in, 2, la, v)) return false;
        const uint16_t sel = static_cast<uint16_t>(v);
        const uint32_t err = sel & 0xfffcu;
        if (err == 0) return fault(kVecGp, true, 0);
        Descriptor d;
        uint32_t at = 0;
        if (!read_descriptor(sel, d, kVecGp, 0, &at)) return false;
        if (!d.s() && d.type() == 1) return unsupported("LTR of a 16-bit TSS: not modelled");
        if (d.s() || d.type() != 9) return fault(kVecGp, true, err);  // an available 32-bit TSS
        if (!d.present()) return fault(kVecNp, true, err);
        const unsigned cpl = cpl_;
        cpl_ = 0;
        const bool ok = store(at + 4, 4, d.hi | 0x200);  // busy (SDM LTR)
        cpl_ = cpl;
        if (!ok) return false;
        tr_ = Segment{sel, d.base(), d.limit(), 0xb, static_cast<uint8_t>(d.dpl()), true};
        return true;
    }
    case Op::Lldt:
        if (!kernel) return fault(kVecGp, true, 0);
        if (!read_rm(in, 2, la, v)) return false;
        if (v & 0xfffc) return unsupported("LLDT of selector " + hex(v & 0xffff) + ": only the null LDT is modelled");
        ldtr_ = static_cast<uint16_t>(v);
        return true;
    case Op::Str:
    case Op::Sldt:
        // A register destination gets the selector zero-extended (QEMU; the Pentium leaves the
        // upper bits undefined).
        return write_rm(in, size, la, in.op == Op::Str ? tr_.selector : ldtr_);

    case Op::MovFromCr:
        if (!kernel) return fault(kVecGp, true, 0);
        r_[in.rm] = cr(in.reg);
        return true;
    case Op::MovToCr: {
        if (!kernel) return fault(kVecGp, true, 0);
        v = r_[in.rm];
        switch (in.reg) {
        case 0:
            v = (v & kCr0Bits) | kCr0Et;
            if (((v & kCr0Pg) && !(v & kCr0Pe)) || ((v & kCr0Nw) && !(v & kCr0Cd))) return fault(kVecGp, true, 0);
            if (!(v & kCr0Pe)) return unsupported("MOV to CR0 with PE = 0: real mode is not modelled");
            break;
        case 2: cr2_ = v; return true;
        case 4:
            if (v & ~kCr4Pentium) return fault(kVecGp, true, 0);
            break;
        default: break;
        }
        if (!mem_.write_cr(in.reg, v)) {
            if (in.reg == 0 && (v & kCr0Pg)) return unsupported("MOV to CR0 with PG = 1 on a CPU without an MMU model");
            return fault(kVecGp, true, 0);
        }
        return true;
    }
    case Op::Invlpg:
        if (!kernel) return fault(kVecGp, true, 0);
        mem_.invlpg(la);
        return true;
    case Op::Clts:
        if (!kernel) return fault(kVecGp, true, 0);
        mem_.write_cr(0, cr(0) & ~kCr0Ts);
        return true;
    case Op::Wbinvd:
        return kernel || fault(kVecGp, true, 0);

    case Op::MovToSreg:
        if (!read_rm(in, 2, la, v)) return false;
        if (!load_data_segment(in.reg, static_cast<uint16_t>(v))) return false;
        if (in.reg == kSs) shadow_ = instructions_ + 1;  // MOV SS holds off interrupts for one instruction
        return true;
    case Op::MovFromSreg: return write_rm(in, size, la, seg_[in.reg].selector);
    case Op::PushSreg: return push(size, seg_[in.sub].selector);
    case Op::PopSreg: {
        if (!load(r_[kEsp], size, v)) return false;
        if (!load_data_segment(in.sub, static_cast<uint16_t>(v))) return false;
        r_[kEsp] += size;
        if (in.sub == kSs) shadow_ = instructions_ + 1;
        return true;
    }

    case Op::JmpFar:
    case Op::CallFar: {
        uint32_t offset = in.imm, sel = static_cast<uint32_t>(in.disp);
        if (in.memory() && (!load(la, 4, offset) || !load(la + 4, 2, sel))) return false;
        return far_transfer(static_cast<uint16_t>(sel), offset, in.op == Op::CallFar, next);
    }
    case Op::RetFar: return far_return(false, in.imm & 0xffff);
    case Op::Iret: return far_return(true, 0);

    case Op::Int: return deliver(static_cast<uint8_t>(in.imm), Source::Software, false, 0, next);
    case Op::Int3: return deliver(kVecBp, Source::Software, false, 0, next);
    case Op::Into: return !(fl() & kOf) || deliver(kVecOf, Source::Software, false, 0, next);

    case Op::Cli:
    case Op::Sti:
        if (cpl_ > iopl()) return fault(kVecGp, true, 0);
        if (in.op == Op::Cli) {
            fl() &= ~kIf;
        } else {
            if (!(fl() & kIf)) shadow_ = instructions_ + 1;  // the STI shadow (SDM STI)
            fl() |= kIf;
        }
        return true;

    case Op::In:
    case Op::Out: {
        const uint16_t port = static_cast<uint16_t>(in.sub ? r_[kEdx] : in.imm & 0xff);
        if (cpl_ > iopl() && !io_permitted(port, size)) return false;
        if (in.op == Op::In) {
            set_reg(size, kEax, io_ ? io_->in(port, size) : 0xffffffffu);
        } else if (io_) {
            io_->out(port, size, get_reg(size, kEax));
        }
        return true;
    }

    case Op::Cpuid: {
        const uint32_t leaf = r_[kEax];
        if (leaf == 0) {
            r_[kEax] = 1;
            r_[kEbx] = kCpuidVendor[0];
            r_[kEdx] = kCpuidVendor[1];
            r_[kEcx] = kCpuidVendor[2];
        } else {
            r_[kEax] = kCpuidSignature;
            r_[kEbx] = 0;
            r_[kEcx] = kCpuidFeaturesEcx;
            r_[kEdx] = kCpuidFeatures;
        }
        return true;
    }
    case Op::Rdtsc: {
        if ((cr(4) & kCr4Tsd) && !kernel) return fault(kVecGp, true, 0);
        const uint64_t t = cycles();
        r_[kEax] = static_cast<uint32_t>(t);
        r_[kEdx] = static_cast<uint32_t>(t >> 32);
        return true;
    }
    default: break;
    }
    return fault(kVecUd);
}

// iss.hpp declares the instantiations extern, so every member defined here is instantiated here.
#define VMSIM_ISS_SYSTEM(M)                                                                            \
    template bool Cpu<M>::execute_system(const Insn&, uint32_t);                                       \
    template StepResult Cpu<M>::exception(uint32_t);                                                   \
    template void Cpu<M>::interrupt();                                                                 \
    template void Cpu<M>::raise(uint32_t);                                                             \
    template bool Cpu<M>::deliver(uint8_t, Source, bool, uint32_t, uint32_t);                          \
    template bool Cpu<M>::read_descriptor(uint16_t, Descriptor&, uint8_t, uint32_t, uint32_t*);        \
    template bool Cpu<M>::load_data_segment(unsigned, uint16_t);                                       \
    template bool Cpu<M>::far_transfer(uint16_t, uint32_t, bool, uint32_t);                            \
    template bool Cpu<M>::far_return(bool, uint32_t);                                                  \
    template bool Cpu<M>::flat(const Descriptor&, uint16_t);                                           \
    template bool Cpu<M>::set_accessed(const Descriptor&, uint32_t);                                   \
    template void Cpu<M>::load_segment(unsigned, const Descriptor&, uint16_t);                         \
    template bool Cpu<M>::system_load(uint32_t, uint32_t&);                                          \
    template bool Cpu<M>::io_permitted(uint16_t, unsigned);
VMSIM_ISS_SYSTEM(FlatMemory)
VMSIM_ISS_SYSTEM(MmuMemory)
VMSIM_ISS_SYSTEM(TimedMemory<FlatMemory>)
VMSIM_ISS_SYSTEM(TimedMemory<MmuMemory>)
#undef VMSIM_ISS_SYSTEM

}  // namespace vmsim::x86::iss
