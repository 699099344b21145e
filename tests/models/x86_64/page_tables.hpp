// Writes page tables into simulated RAM in the hardware format, for the MMU's tests and benchmark.
// The builder spells the entry bits out itself (from the SDM's tables) rather than using the
// model's constants, so that a wrong constant in the model cannot make a test agree with it.
#pragma once
#include <cstdint>
#include <stdexcept>

#include "models/x86_64/config.hpp"
#include "models/x86_64/phys_mem.hpp"

namespace vmsim::x86::test {

// Entry bits, SDM Vol. 3A Tables 4-4 to 4-6 and 4-14 to 4-20.
constexpr uint64_t P = 1, RW = 2, US = 4, A = 1 << 5, D = 1 << 6, PS = 1 << 7, G = 1 << 8;
constexpr uint64_t XD = uint64_t{1} << 63;
constexpr uint64_t K4 = 4096, M2 = 2 << 20, M4 = 4 << 20, G1 = uint64_t{1} << 30;

// Error-code bits, SDM 4.7.
constexpr uint8_t EC_P = 1, EC_W = 2, EC_U = 4, EC_RSVD = 8, EC_I = 16;

// Control-register bits, SDM 2.5.
constexpr uint64_t CR0_PE = 1, CR0_WP = 1 << 16, CR0_PG = uint64_t{1} << 31;
constexpr uint64_t CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_PGE = 1 << 7, CR4_LA57 = 1 << 12, CR4_PCIDE = 1 << 17;
constexpr uint64_t EFER_LME = 1 << 8, EFER_NXE = 1 << 11;

enum class Format { Legacy, Long4, Long5 };

class PageTables {
public:
    PageTables(FlatRam& ram, Format format, uint64_t first_table = 0x100000)
        : ram_(ram), format_(format), next_(first_table) {
        root_ = alloc();
    }

    uint64_t root() const { return root_; }
    unsigned levels() const { return format_ == Format::Legacy ? 2 : format_ == Format::Long4 ? 4 : 5; }

    // Maps the page of `page_bytes` at `la` to `pa`, with `leaf` flags on the page's entry and
    // `table` flags on every table entry it creates. Returns the leaf entry's physical address.
    uint64_t map(uint64_t la, uint64_t pa, uint64_t page_bytes, uint64_t leaf = P | RW | US,
                 uint64_t table = P | RW | US) {
        const unsigned leaf_level = level_of(page_bytes);
        uint64_t t = root_;
        for (unsigned level = levels(); level > leaf_level; --level) {
            const uint64_t e = t + index(la, level) * entry_bytes();
            uint64_t v = read(e);
            if (!(v & P)) {
                v = alloc() | table;
                write(e, v);
            }
            t = v & table_address_mask();
        }
        const uint64_t e = t + index(la, leaf_level) * entry_bytes();
        uint64_t v = leaf | (leaf_level > 1 ? PS : 0);
        if (format_ == Format::Legacy && leaf_level == 2)
            v |= (pa & 0xffc00000) | (((pa >> 32) & 0xff) << 13);  // PSE-36: PA 39:32 in bits 20:13
        else
            v |= pa;
        write(e, v);
        return e;
    }

    // The physical address of the entry at `level` (1 = PTE) on the path of `la`; the tables above
    // it must exist.
    uint64_t entry(uint64_t la, unsigned level) const {
        uint64_t t = root_;
        for (unsigned l = levels(); l > level; --l) {
            const uint64_t v = read(t + index(la, l) * entry_bytes());
            if (!(v & P)) throw std::logic_error("no table on the path");
            t = v & table_address_mask();
        }
        return t + index(la, level) * entry_bytes();
    }

    uint64_t read(uint64_t pa) const {
        if (format_ == Format::Legacy) {
            uint32_t v = 0;
            if (!ram_.read32(pa, v)) throw std::logic_error("entry outside RAM");
            return v;
        }
        uint64_t v = 0;
        if (!ram_.read64(pa, v)) throw std::logic_error("entry outside RAM");
        return v;
    }
    void write(uint64_t pa, uint64_t v) {
        const bool ok = format_ == Format::Legacy ? ram_.write32(pa, static_cast<uint32_t>(v)) : ram_.write64(pa, v);
        if (!ok) throw std::logic_error("entry outside RAM");
    }
    void set(uint64_t pa, uint64_t bits) { write(pa, read(pa) | bits); }
    void clear(uint64_t pa, uint64_t bits) { write(pa, read(pa) & ~bits); }

    // A new zeroed table.
    uint64_t alloc() {
        const uint64_t t = next_;
        next_ += K4;
        for (uint64_t i = 0; i < K4; i += 8) ram_.write64(t + i, 0);
        return t;
    }

private:
    unsigned entry_bytes() const { return format_ == Format::Legacy ? 4 : 8; }
    uint64_t table_address_mask() const {
        return format_ == Format::Legacy ? 0xfffff000 : 0x000ffffffffff000;
    }
    uint64_t index(uint64_t la, unsigned level) const {
        if (format_ == Format::Legacy) return (la >> (level == 2 ? 22 : 12)) & 0x3ff;
        return (la >> (12 + 9 * (level - 1))) & 0x1ff;
    }
    unsigned level_of(uint64_t page_bytes) const {
        if (page_bytes == K4) return 1;
        if (page_bytes == (format_ == Format::Legacy ? M4 : M2)) return 2;
        if (page_bytes == G1 && format_ != Format::Legacy) return 3;
        throw std::logic_error("no such page size in this format");
    }

    FlatRam& ram_;
    Format format_;
    uint64_t next_;
    uint64_t root_;
};

// Every TLB and paging-structure cache removed: each translation walks the tables in memory.
inline MmuConfig no_caching() {
    MmuConfig c;
    for (TlbConfig* t : {&c.itlb_4k, &c.itlb_2m, &c.itlb_1g, &c.dtlb_4k, &c.dtlb_2m, &c.dtlb_1g, &c.stlb, &c.stlb_1g,
                         &c.psc_pde, &c.psc_pdpte, &c.psc_pml4e, &c.psc_pml5e})
        *t = TlbConfig{};
    return c;
}

}  // namespace vmsim::x86::test
