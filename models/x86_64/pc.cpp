#include "models/x86_64/pc.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace vmsim::x86::pc {

namespace {

constexpr uint64_t kPitHz = 1193182;  // the 8254's input clock on a PC (i386-platform.md)

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

std::string vector_name(uint8_t vector) {
    static const char* const kNames[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", nullptr,
                                         "#TS", "#NP", "#SS", "#GP", "#PF", nullptr, "#MF", "#AC", "#MC"};
    if (vector < sizeof kNames / sizeof kNames[0] && kNames[vector]) return kNames[vector];
    return "vector " + std::to_string(vector);
}

MmuConfig pentium_mmu() {
    MmuConfig c;
    c.max_phys_addr_bits = 32;
    c.pages_1g = c.la57 = c.nx = c.pge = c.pcid = c.pat = false;
    c.itlb_4k = TlbConfig{32, 4};
    c.itlb_2m = c.itlb_1g = c.dtlb_1g = TlbConfig{};
    c.dtlb_4k = TlbConfig{64, 4};
    c.dtlb_2m = TlbConfig{8, 4};
    c.stlb = c.stlb_1g = TlbConfig{};
    c.psc_pde = c.psc_pdpte = c.psc_pml4e = c.psc_pml5e = TlbConfig{};
    c.walkers = 1;
    c.l1_hit_cycles = 0;
    c.stlb_hit_cycles = 0;
    return c;
}

common::CacheHierarchyConfig pentium_caches() {
    common::CacheHierarchyConfig c;
    c.line = 32;
    c.l1d = {8 * 1024, 2, 1};
    c.l2 = {256 * 1024, 1, 6};
    c.l3 = {0, 1, 0};
    c.memory_cycles = 14;
    return c;
}

uint8_t CodeBuckets::bucket_of(uint32_t eip) const {
    const auto after = std::upper_bound(ranges.begin(), ranges.end(), eip,
                                        [](uint32_t e, const Range& r) { return e < r.begin; });
    return after == ranges.begin() ? below : std::prev(after)->bucket;
}

std::map<uint32_t, RegionTotal> sum_regions(const std::vector<RegionMark>& marks) {
    std::map<uint32_t, RegionTotal> out;
    std::map<uint32_t, const RegionMark*> open;
    for (const RegionMark& m : marks) {
        if (m.begin) {
            open[m.id] = &m;
            continue;
        }
        const auto it = open.find(m.id);
        if (it == open.end()) continue;
        const RegionMark& b = *it->second;
        RegionTotal& t = out[m.id];
        ++t.entries;
        t.cycles += m.cycle - b.cycle;
        t.instructions += m.instructions - b.instructions;
        t.itlb_misses += m.itlb_misses - b.itlb_misses;
        t.dtlb_misses += m.dtlb_misses - b.dtlb_misses;
        t.walks += m.walks - b.walks;
        t.causes += m.causes - b.causes;
        for (unsigned i = 0; i < CodeBuckets::kMax; ++i) {
            t.bucket_cycles[i] += m.bucket_cycles[i] - b.bucket_cycles[i];
            t.bucket_instructions[i] += m.bucket_instructions[i] - b.bucket_instructions[i];
        }
        open.erase(it);
    }
    return out;
}

// ---- 8259A --------------------------------------------------------------------------------------

void Pic::write(unsigned a0, uint8_t value) {
    if (a0 == 0) {
        if (value & 0x10) {  // ICW1: clears IMR and ISR, IRQ 7 lowest priority (datasheet, "Initialization")
            irr_ = isr_ = imr_ = 0;
            need_icw4_ = value & 1;
            single_ = value & 2;
            auto_eoi_ = read_isr_ = false;
            init_step_ = 2;
        } else if (value & 0x08) {  // OCW3
            if (value & 2) read_isr_ = value & 1;
        } else {  // OCW2
            const unsigned cmd = value >> 5;
            if (cmd == 1) {  // non-specific EOI: the highest-priority bit in service
                for (unsigned i = 0; i < 8; ++i)
                    if (isr_ & (1u << i)) {
                        isr_ = static_cast<uint8_t>(isr_ & ~(1u << i));
                        break;
                    }
            } else if (cmd == 3) {  // specific EOI
                isr_ = static_cast<uint8_t>(isr_ & ~(1u << (value & 7)));
            }
            // Rotation commands are not modelled (fully nested mode only).
        }
        return;
    }
    switch (init_step_) {
    case 2:
        base_ = value & 0xf8;
        init_step_ = single_ ? (need_icw4_ ? 4 : 0) : 3;
        break;
    case 3: init_step_ = need_icw4_ ? 4 : 0; break;  // ICW3: cascade wiring, nothing to model
    case 4:
        auto_eoi_ = value & 2;
        init_step_ = 0;
        break;
    default: imr_ = value; break;  // OCW1
    }
}

uint8_t Pic::read(unsigned a0) const { return a0 ? imr_ : read_isr_ ? isr_ : irr_; }

int Pic::pending() const {
    const uint8_t req = irr_ & static_cast<uint8_t>(~imr_);
    for (unsigned i = 0; i < 8; ++i) {
        if (isr_ & (1u << i)) return -1;  // a request of equal or lower priority waits for its EOI
        if (req & (1u << i)) return static_cast<int>(i);
    }
    return -1;
}

uint8_t Pic::acknowledge() {
    const int irq = pending();
    if (irq < 0) return static_cast<uint8_t>(base_ | 7);  // spurious IRQ 7 (datasheet)
    irr_ = static_cast<uint8_t>(irr_ & ~(1u << irq));
    if (!auto_eoi_) isr_ = static_cast<uint8_t>(isr_ | (1u << irq));
    return static_cast<uint8_t>(base_ + irq);
}

// ---- 8254 ---------------------------------------------------------------------------------------

void Pit::write(unsigned port, uint8_t value, uint64_t tick) {
    if (port == 3) {
        if ((value >> 6) != 0) return;  // channels 1 and 2, and the read-back command: not wired
        const unsigned rw = (value >> 4) & 3;
        if (rw == 0) {  // counter latch
            latched_ = true;
            latch_ = count_at(tick);
            read_high_ = false;
            return;
        }
        rw_ = rw;
        mode_ = (value >> 1) & 7;
        if (mode_ >= 6) mode_ -= 4;  // 6 and 7 are 2 and 3 (datasheet)
        start_ = kNever;             // a control word stops the counter until a count is written
        low_written_ = read_high_ = false;
        return;
    }
    if (port != 0) return;
    uint32_t count;
    if (rw_ == 1) {
        count = value;
    } else if (rw_ == 2) {
        count = uint32_t{value} << 8;
    } else if (!low_written_) {
        low_ = value;
        low_written_ = true;
        return;
    } else {
        count = low_ | uint32_t{value} << 8;
        low_written_ = false;
    }
    reload_ = count ? count : 65536;
    start_ = tick + 1;
}

uint16_t Pit::count_at(uint64_t tick) const {
    if (start_ == kNever || tick < start_) return static_cast<uint16_t>(reload_);
    const uint64_t elapsed = tick - start_;
    if (mode_ == 0) return static_cast<uint16_t>(reload_ - elapsed);  // wraps past 0 as the counter does
    return static_cast<uint16_t>(reload_ - elapsed % reload_);
}

uint8_t Pit::read(unsigned port, uint64_t tick) {
    if (port != 0) return 0xff;
    const uint16_t c = latched_ ? latch_ : count_at(tick);
    uint8_t v;
    if (rw_ == 1) v = static_cast<uint8_t>(c);
    else if (rw_ == 2) v = static_cast<uint8_t>(c >> 8);
    else v = read_high_ ? static_cast<uint8_t>(c >> 8) : static_cast<uint8_t>(c);
    const bool done = rw_ != 3 || read_high_;
    if (rw_ == 3) read_high_ = !read_high_;
    if (done) latched_ = false;
    return v;
}

uint64_t Pit::next_edge(uint64_t tick) const {
    if (start_ == kNever) return kNever;
    const uint64_t first = start_ + reload_;
    if (mode_ == 0) return first > tick ? first : kNever;
    if (mode_ != 2 && mode_ != 3) return kNever;
    if (tick < first) return first;
    return start_ + ((tick - start_) / reload_ + 1) * reload_;
}

// ---- the machine --------------------------------------------------------------------------------

Pc::Pc(const Config& config)
    : config_(config),
      ram_(config.ram_bytes),
      caches_(config.caches),
      mmu_(config.mmu, ram_, caches_),
      untimed_(mmu_, ram_),
      timing_(config.timing, caches_),
      memory_(untimed_, timing_),
      cpu_(memory_) {
    cpu_.set_io(this);
    cpu_.set_idt_delivery(true);
}

bool Pc::load(uint32_t paddr, const uint8_t* bytes, size_t size, size_t memsz) {
    if (memsz < size || paddr + uint64_t{memsz} > ram_.size()) return false;
    if (size) std::memcpy(ram_.data() + paddr, bytes, size);  // a bss-only segment has no bytes (and may pass null)
    std::memset(ram_.data() + paddr + size, 0, memsz - size);
    cpu_.decode_cache().invalidate(paddr, memsz);
    return true;
}

void Pc::boot_multiboot(uint32_t entry) {
    mmu_.write_cr4(0);
    mmu_.write_cr0(iss::kCr0Pe | iss::kCr0Et);
    // flags, KB below 1 MB, KB above 1 MB: what QEMU 7.2 reports (its firmware keeps the top 128 KB
    // of RAM, so -m 32 gives 31616).
    const uint32_t info[3] = {1, 640, static_cast<uint32_t>((ram_.size() >> 10) - 1024 - 128)};
    std::memcpy(ram_.data() + kMultibootInfo, info, sizeof info);
    for (unsigned r = 0; r < 8; ++r) cpu_.set_reg(r, 0);
    cpu_.set_reg(iss::kEax, 0x2badb002);
    cpu_.set_reg(iss::kEbx, kMultibootInfo);
    // Flat 4 GB segments, accessed; the selectors are those of QEMU's multiboot ROM.
    const iss::Segment code{0x08, 0, 0xffffffff, 0x1b, 0, true}, data{0x10, 0, 0xffffffff, 0x13, 0, true};
    cpu_.set_segment(iss::kCs, code);
    for (unsigned s : {iss::kDs, iss::kEs, iss::kSs, iss::kFs, iss::kGs}) cpu_.set_segment(s, data);
    cpu_.set_eflags(0);
    cpu_.set_eip(entry);
}

uint64_t Pc::tick() const {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(cpu_.cycles()) * kPitHz /
                                 (uint64_t{config_.clock_mhz} * 1000000));
}

// The first cycle at which tick() reaches `t`.
uint64_t Pc::cycle_of_tick(uint64_t t) const {
    const unsigned __int128 hz = uint64_t{config_.clock_mhz} * 1000000;
    return static_cast<uint64_t>((static_cast<unsigned __int128>(t) * hz + kPitHz - 1) / kPitHz);
}

void Pc::update_irqs() {
    const uint64_t now = tick();
    if (now > edges_seen_) {
        if (pit_.next_edge(edges_seen_) <= now) pic_.raise(0);  // edges that meet a set IRR are one
        edges_seen_ = now;
    }
    cpu_.set_intr(pic_.intr());
}

Pc::Result Pc::run(uint64_t max_instructions) {
    Result res;
    const uint64_t end = cpu_.instructions() + max_instructions;
    for (;;) {
        if (exited_) {
            res.kind = Result::Exit;
            res.exit_value = exit_value_;
            return res;
        }
        update_irqs();
        if (cpu_.instructions() >= end) return res;  // Limit
        const uint64_t edge = pit_.next_edge(tick());
        const uint64_t edge_cycle = edge == Pit::kNever ? Pit::kNever : cycle_of_tick(edge);
        // Up to the next timer edge: the CPU stops at the first instruction boundary at or after it
        // (Cpu::run's deadline), where the IRQ is raised, however the caller splits its runs.
        const uint64_t chunk = end - cpu_.instructions();
        const iss::StepResult r = bucketed_ ? run_bucketed(chunk, edge_cycle) : cpu_.run(chunk, edge_cycle);
        // Where the run stopped, for the messages that end it (not built for every chunk: near a
        // timer edge the loop runs one instruction at a time).
        const auto at = [this] { return " at EIP " + hex(cpu_.eip()) + code_bytes(cpu_.eip()); };
        switch (r.stop) {
        case iss::Stop::None: break;
        case iss::Stop::Halt:
            if (exited_) break;
            if (!(cpu_.eflags() & iss::kIf)) {
                res.kind = Result::Halted;
                res.message = "HLT with interrupts disabled (EFLAGS.IF = 0)" + at();
                return res;
            }
            update_irqs();
            if (pic_.intr()) break;  // an interrupt is already waiting: the next step takes it
            if (edge_cycle == Pit::kNever || (pic_.mask() & 1)) {
                res.kind = Result::Halted;
                res.message = "HLT with nothing to wake it (no timer running, or IRQ 0 masked)" + at();
                return res;
            }
            if (edge_cycle > cpu_.cycles()) {
                if (bucketed_) bucket_cycles_[step_bucket_] += edge_cycle - cpu_.cycles();  // the HLT's
                cpu_.add_idle_cycles(edge_cycle - cpu_.cycles());
            }
            break;
        case iss::Stop::TripleFault:
            res.kind = Result::TripleFault;
            res.message = "triple fault" + at() + ": " + vector_name(r.triple[1]) + " while delivering " +
                          vector_name(r.triple[0]) + " made #DF, then " + vector_name(r.triple[2]) +
                          " while delivering #DF";
            return res;
        case iss::Stop::Unsupported:
            res.kind = Result::GuestError;
            res.message = "guest error" + at() + ": " + cpu_.guest_error();
            return res;
        case iss::Stop::Bus:
            res.kind = Result::GuestError;
            res.message = "guest error" + at() + ": no memory at physical address " + hex(r.bus_pa);
            return res;
        case iss::Stop::Exception:  // not with IDT delivery on; kept for completeness
            res.kind = Result::GuestError;
            res.message = "guest error" + at() + ": undelivered " + vector_name(r.vector);
            return res;
        }
    }
}

void Pc::set_code_buckets(CodeBuckets buckets) {
    bool ok = buckets.below < CodeBuckets::kMax && buckets.delivery < CodeBuckets::kMax;
    for (size_t i = 0; i < buckets.ranges.size(); ++i)
        ok = ok && buckets.ranges[i].bucket < CodeBuckets::kMax &&
             (i == 0 || buckets.ranges[i - 1].begin < buckets.ranges[i].begin);
    if (!ok)
        throw std::invalid_argument("code buckets: a bucket beyond CodeBuckets::kMax, or ranges not sorted by begin");
    buckets_ = std::move(buckets);
    bucketed_ = true;
    bucket_cycles_ = {};
    bucket_instructions_ = {};
}

void Pc::end_chunk() {
    chunk_end_ = true;
    cpu_.end_run();
}

uint64_t Pc::gate_cycles() const {
    using iss::SystemEvent;
    const auto& n = timing_.stats().system_events;
    const iss::SystemCosts& c = config_.timing.system;
    const auto count = [&](SystemEvent e) { return n[static_cast<unsigned>(e)]; };
    return count(SystemEvent::IntSame) * c.int_same + count(SystemEvent::IntInner) * c.int_inner +
           count(SystemEvent::ExceptionSame) * c.exception_same +
           count(SystemEvent::ExceptionInner) * c.exception_inner + count(SystemEvent::IretSame) * c.iret_same +
           count(SystemEvent::IretOuter) * c.iret_outer;
}

// What Cpu::run(n) does, a step at a time: the same steps end the chunk (a stop, or end_run from a
// device, which sets chunk_end_), so the run is the same run.
iss::StepResult Pc::run_bucketed(uint64_t n, uint64_t deadline) {
    chunk_end_ = false;
    for (uint64_t i = 0; i < n; ++i) {
        step_bucket_ = buckets_.bucket_of(cpu_.eip());
        step_cycles_ = timing_.cycles();
        step_gates_ = gate_cycles();
        const uint64_t instructions = cpu_.instructions();
        const iss::StepResult r = cpu_.step();
        const uint64_t cycles = timing_.cycles() - step_cycles_, gates = gate_cycles() - step_gates_;
        const uint64_t retired = cpu_.instructions() - instructions;
        if (retired) {
            bucket_cycles_[step_bucket_] += cycles - gates;
            bucket_cycles_[buckets_.delivery] += gates;
            bucket_instructions_[step_bucket_] += retired;
        } else {
            bucket_cycles_[buckets_.delivery] += cycles;
        }
        if (r.stop != iss::Stop::None) return r;
        if (chunk_end_ || cpu_.cycles() >= deadline) break;
    }
    return iss::StepResult{};
}

// " (bytes 0f 0b ...)": up to 8 bytes at `eip` for an error message, read after the run ended (the
// translation may fill a TLB entry; nothing runs after it). Empty where nothing is mapped.
std::string Pc::code_bytes(uint32_t eip) {
    std::string out;
    for (uint32_t i = 0; i < 8; ++i) {
        const Translation t = mmu_.translate(eip + i, Access::Fetch, Privilege::Supervisor);
        if (!t.ok() || t.pa >= ram_.size()) break;
        char b[4];
        std::snprintf(b, sizeof b, " %02x", ram_.data()[t.pa]);
        out += b;
    }
    return out.empty() ? out : " (bytes" + out + ")";
}

// ---- I/O ----------------------------------------------------------------------------------------

uint32_t Pc::in(uint16_t port, unsigned size) {
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= uint32_t{in8(static_cast<uint16_t>(port + i))} << (8 * i);
    return v;
}

void Pc::out(uint16_t port, unsigned size, uint32_t value) {
    if (port >= 0xf4 && port < 0xf8) {  // isa-debug-exit, iosize 4: the whole value
        exited_ = true;
        exit_value_ = value;
        end_chunk();
        return;
    }
    if ((port == 0x700 || port == 0x704) && size == 4) {
        const MmuStats& m = mmu_.stats();
        const auto misses = [](const TlbStats& t) {
            uint64_t n = t.misses_faulted;
            for (uint64_t x : t.misses) n += x;
            return n;
        };
        RegionMark mark{value, port == 0x700, cpu_.cycles(), timing_.stats().cycles,
                        cpu_.instructions(), misses(m.itlb), misses(m.dtlb), m.walks};
        if (bucketed_) {
            // The OUT is executing: its cycles so far are charged as run_bucketed will charge the
            // whole step (it retires), so that a region's buckets add up to its cycles.
            mark.bucket_cycles = bucket_cycles_;
            mark.bucket_instructions = bucket_instructions_;
            const uint64_t gates = gate_cycles() - step_gates_;
            mark.bucket_cycles[step_bucket_] += timing_.cycles() - step_cycles_ - gates;
            mark.bucket_cycles[buckets_.delivery] += gates;
        }
        regions_.push_back(mark);
        return;
    }
    for (unsigned i = 0; i < size; ++i) out8(static_cast<uint16_t>(port + i), static_cast<uint8_t>(value >> (8 * i)));
}

uint8_t Pc::acknowledge() {
    const uint8_t vector = pic_.acknowledge();
    cpu_.set_intr(pic_.intr());
    return vector;
}

uint8_t Pc::in8(uint16_t port) {
    switch (port) {
    case 0x20: case 0x21: return pic_.read(port & 1);
    case 0xa0: case 0xa1: return slave_.read(port & 1);
    case 0x40: case 0x41: case 0x42: return pit_.read(port - 0x40, tick());
    case 0x3f8: return uart_lcr_ & kDlab ? uart_dll_ : 0;  // the divisor latch, or RBR: no input
    case 0x3fb: return uart_lcr_;
    case 0x3fa: return 0x01;    // IIR: no interrupt pending
    case 0x3fd: return 0x60;    // LSR: transmitter empty (the contract)
    case 0x3f9: case 0x3fc: case 0x3fe: case 0x3ff: return 0;
    default: return 0xff;
    }
}

void Pc::out8(uint16_t port, uint8_t value) {
    switch (port) {
    // With LCR.DLAB set, 0x3F8 is the divisor latch's low byte, not THR (16550 data sheet, register
    // map): a guest that sets the baud rate writes it there, and QEMU prints nothing for it.
    case 0x3f8:
        if (uart_lcr_ & kDlab) uart_dll_ = value;
        else console_ += static_cast<char>(value);
        return;
    case 0x3fb: uart_lcr_ = value; return;
    case 0x20: case 0x21:
        pic_.write(port & 1, value);
        cpu_.set_intr(pic_.intr());  // an EOI or an unmask may raise INTR, a mask may lower it
        return;
    case 0xa0: case 0xa1: slave_.write(port & 1, value); return;
    case 0x40: case 0x41: case 0x42: case 0x43:
        pit_.write(port - 0x40, value, tick());
        end_chunk();  // the next timer event moved: the run loop recomputes it
        return;
    default: return;  // UART control registers, port 0x80, unassigned ports
    }
}

}  // namespace vmsim::x86::pc
