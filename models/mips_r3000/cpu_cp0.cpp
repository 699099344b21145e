// R3000 ISS: coprocessor 0 — its registers, the TLB instructions, exception entry,
// interrupts, and cycle accounting by privilege mode.
#include "models/mips_r3000/cpu.hpp"
#include "models/mips_r3000/cpu_inline.hpp"

#include <sstream>

namespace vmsim::r3000 {
using namespace detail;

// ---------------------------------------------------------------------------
// Exceptions

void Cpu::commit_pending_loads() {
    // The pipeline completes loads issued before the exception point. With none in
    // flight the register is the sink, so no test is needed.
    regs_[dl_reg_] = dl_val_;
    regs_[pending_reg_] = pending_val_;
    dl_reg_ = pending_reg_ = kNoReg;
}

void Cpu::exception(uint32_t code, uint32_t epc_pc, bool bd, bool utlb_vector, uint32_t ce) {
    commit_pending_loads();
    if (user_mode()) kernel_entry_ = utlb_vector ? kEntryUtlb : kEntryGeneral;
    cause_ = (cause_ & ~(kCauseBD | (3u << kCauseCEShift) | 0x7cu)) | (code << 2) | (bd ? kCauseBD : 0) |
             (ce << kCauseCEShift);
    epc_ = bd ? epc_pc - 4 : epc_pc;
    // Push the KU/IE stack: Status[5:0] = (Status[5:0] << 2) & 0x3c.
    status_ = (status_ & ~0x3fu) | ((status_ << 2) & 0x3cu);
    uint32_t vector;
    if (status_ & kStatusBEV)
        vector = utlb_vector ? kVecUtlbBev : kVecGeneralBev;
    else
        vector = utlb_vector ? kVecUtlb : kVecGeneral;
    pc_ = vector;
    npc_ = vector + 4;
    next_in_delay_ = false;
    ++stats_.exceptions[code];
    if (utlb_vector) ++stats_.utlb_refills;
    // A vector that raises its own exception again (a syscall, break or reserved
    // instruction stored at the vector) repeats forever without retiring an
    // instruction, so no instruction limit ends it: stop it as a guest error.
    if (const uint64_t retired = instructions(); retired != storm_retired_) {
        storm_retired_ = retired;
        storm_count_ = 1;
    } else if (++storm_count_ == kExceptionStormLimit) {
        guest_error("exception storm: " + std::to_string(kExceptionStormLimit) +
                    " exceptions without an instruction retiring between them (vector " + hex32(vector) +
                    ", ExcCode " + std::to_string(code) + " " + exc_code_name(code) + ", EPC " + hex32(epc_) + ")");
    }
    mode_changed();  // first, so that the entry cycles count as kernel time
    cycles_ += config_.exception_entry_cycles;
    non_insn_cycles_ += config_.exception_entry_cycles;
    stats_.exception_cycles += config_.exception_entry_cycles;
}

void Cpu::fault(uint32_t code, uint32_t ce, bool utlb_vector) {
    ++non_insn_cycles_;  // the faulting instruction does not retire
    ++stats_.faulted_cycles;
    exception(code, cur_pc_, in_delay_, utlb_vector, ce);
}

void Cpu::address_error(uint32_t code, uint32_t va) {
    badvaddr_ = va;
    fault(code);
}

void Cpu::tlb_fault_registers(uint32_t va) {
    badvaddr_ = va;
    context_ = (context_ & 0xffe00000u) | ((va >> 10) & 0x001ffffcu);  // BadVPN = VA[30:12]
    entryhi_ = (va & kEntryHiVpnMask) | (entryhi_ & kEntryHiAsidMask);  // ASID kept
}

void Cpu::tlb_exception(uint32_t code, uint32_t va, bool utlb_vector) {
    tlb_fault_registers(va);
    fault(code, 0, utlb_vector);
}

void Cpu::replay_tlb_exception(uint32_t code, uint32_t va, bool utlb_vector, uint32_t epc) {
    tlb_fault_registers(va);
    exception(code, epc, false, utlb_vector);
}

void Cpu::guest_error(const std::string& msg) {
    if (error_flag_) return;
    std::ostringstream os;
    os << msg << " (pc " << hex32(cur_pc_) << ", " << instructions() << " instructions, cycle " << cycles_ << ")";
    error_ = os.str();
    error_flag_ = true;
    cycle_limit_ = 0;
}

// Two TLB entries matched: the chip sets Status.TS; the simulator stops the run.
void Cpu::tlb_shutdown(const std::string& what) {
    status_ |= kStatusTS;
    guest_error("TLB shutdown: " + what + " (a guest bug; Status.TS set)");
}

void Cpu::set_interrupt(unsigned ip, bool level) {
    if (ip < 2 || ip > 7) return;
    const uint32_t bit = 1u << (kCauseIPShift + ip);
    hw_ip_ = level ? (hw_ip_ | bit) : (hw_ip_ & ~bit);
    request_check();
}

// ---------------------------------------------------------------------------
// Privilege mode and cycle accounting

void Cpu::mode_changed() {
    tc_cur_ = &tc_[user_mode() ? 1 : 0];
    cur_vbase_ = kTcInvalid;
    if (acct_user_ != user_mode()) account_mode();
}

// Books `span` cycles of the segment being timed into `s`: user, or kernel by the
// vector that entered it.
void Cpu::book_segment(CpuStats& s, uint64_t span) const {
    if (acct_user_) {
        s.user_cycles += span;
        return;
    }
    s.kernel_cycles += span;
    (kernel_entry_ == kEntryUtlb      ? s.kernel_utlb_cycles
     : kernel_entry_ == kEntryGeneral ? s.kernel_general_cycles
                                      : s.kernel_other_cycles) += span;
}

// Closes the accounting segment that ends now and starts one in the current mode.
void Cpu::account_mode() {
    book_segment(stats_, cycles_ - acct_since_);
    acct_since_ = cycles_;
    acct_user_ = user_mode();
}

// ---------------------------------------------------------------------------
// CP0 registers

uint32_t Cpu::cp0(unsigned reg) const { return cp0_at(reg, cycles_); }

uint32_t Cpu::cp0_at(unsigned reg, uint64_t cycles) const { return read_cp0(reg, cycles); }

void Cpu::set_cp0(unsigned reg, uint32_t v) { write_cp0(reg, v); }

void Cpu::set_entryhi(uint32_t v) {
    const uint32_t old_asid = entryhi_ & kEntryHiAsidMask;
    entryhi_ = v & (kEntryHiVpnMask | kEntryHiAsidMask);
    if ((entryhi_ & kEntryHiAsidMask) != old_asid) tc_flush();  // translations are per ASID
}

void Cpu::set_status(uint32_t v) {
    const uint32_t old = status_;
    status_ = v & kStatusWritable;
    if ((old ^ status_) & kStatusKUc) mode_changed();
    request_check();  // IEc or IM may have unmasked a pending interrupt
}

void Cpu::write_cp0(unsigned reg, uint32_t v) {
    switch (reg) {
        case kCp0Index: index_ = v & 0x80003f00u; break;
        case kCp0EntryLo: entrylo_ = v & kEntryLoMask; break;
        case kCp0Context: context_ = (v & 0xffe00000u) | (context_ & 0x001ffffcu); break;  // BadVPN is read-only
        case kCp0EntryHi: set_entryhi(v); break;
        case kCp0Status: set_status(v); break;
        case kCp0Cause:  // only the software interrupt bits IP1:0 are writable
            cause_ = (cause_ & ~kCauseSwIPMask) | (v & kCauseSwIPMask);
            request_check();
            break;
        default: break;  // Random, BadVAddr, EPC and PRId are read-only
    }
}

// ---------------------------------------------------------------------------
// TLB instructions and rfe

void Cpu::tlb_write(unsigned index) {
    const uint32_t old_vpn = tlb_.entry(index).vpn();
    tlb_.write(index, entryhi_, entrylo_);
    tc_flush_vpn(old_vpn);
    tc_flush_vpn(entryhi_ >> kPageShift);
    ++stats_.tlb_writes;
    // A refill handler writes the mapping for BadVAddr, and the faulting access is
    // retried a few instructions later: start the host's fetch of that line now.
    // (Host-side only; the guest sees nothing.)
    if ((entryhi_ ^ badvaddr_) < kPageSize && (entrylo_ & kEntryLoV)) {
        const uint32_t pa = (entrylo_ & kEntryLoPfnMask) | (badvaddr_ & (kPageSize - 1));
        if (pa < ram_size_) __builtin_prefetch(ram_ + pa);
    }
}

void Cpu::exec_cop0(const DecodedInsn& d) {
    switch (d.op) {
        case Op::MTC0: write_cp0(d.sa, regs_[d.rt]); break;
        case Op::TLBR: {
            const TlbEntry& e = tlb_.entry((index_ >> 8) & 63);
            set_entryhi(e.hi);
            entrylo_ = e.lo;
            ++stats_.tlb_reads;
            break;
        }
        case Op::TLBWI: tlb_write((index_ >> 8) & 63); break;
        case Op::TLBWR:
            tlb_write(random_index(cycles_));
            random_skip();
            break;
        case Op::TLBP: {
            ++stats_.tlb_probes;
            const int i = tlb_.lookup(entryhi_ >> kPageShift, (entryhi_ & kEntryHiAsidMask) >> kEntryHiAsidShift);
            if (i == Tlb::kDuplicate) {
                tlb_shutdown("tlbp found more than one entry matching EntryHi " + hex32(entryhi_));
            } else if (i == Tlb::kMiss) {
                index_ |= 0x80000000u;
            } else {
                index_ = static_cast<uint32_t>(i) << 8;
            }
            break;
        }
        case Op::RFE: {
            // Pop the KU/IE stack: c <- p, p <- o, o kept (reference sheet, "rfe").
            const uint32_t old = status_;
            status_ = (status_ & ~0x0fu) | ((status_ >> 2) & 0x0fu);
            if ((old ^ status_) & kStatusKUc) mode_changed();
            request_check();
            break;
        }
        default: break;
    }
}

}  // namespace vmsim::r3000
