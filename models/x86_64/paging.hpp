// x86 paging as the architecture defines it: control-register bits, paging-structure entry bits,
// #PF error-code bits, page sizes and paging modes. Section numbers are those of the Intel 64 and
// IA-32 Architectures Software Developer's Manual, Volume 3A, chapter 4 ("Paging"); "SDM" below.
#pragma once
#include <cstdint>

namespace vmsim::x86 {

// Control registers and IA32_EFER (SDM 2.5 and 2.2.1; only the bits paging reads).
constexpr uint64_t kCr0Wp = uint64_t{1} << 16;     // supervisor writes honour R/W (4.6)
constexpr uint64_t kCr0Pg = uint64_t{1} << 31;     // paging on (4.1.1)
constexpr uint64_t kCr4Pse = uint64_t{1} << 4;     // 4 MB pages with 32-bit paging (4.3)
constexpr uint64_t kCr4Pae = uint64_t{1} << 5;     // 64-bit entries; with EFER.LME, 4-level paging
constexpr uint64_t kCr4Pge = uint64_t{1} << 7;     // global pages (4.10.2.4)
constexpr uint64_t kCr4La57 = uint64_t{1} << 12;   // 5-level paging (4.1.1)
constexpr uint64_t kCr4Pcide = uint64_t{1} << 17;  // process-context identifiers (4.10.1)
constexpr uint64_t kEferLme = uint64_t{1} << 8;    // IA-32e mode enable
constexpr uint64_t kEferLma = uint64_t{1} << 10;   // IA-32e mode active (LME and PG; read-only)
constexpr uint64_t kEferNxe = uint64_t{1} << 11;   // execute-disable bit (4.1.3)
constexpr uint64_t kCr3NoFlush = uint64_t{1} << 63;  // MOV to CR3 with CR4.PCIDE = 1 (4.10.4.1)
constexpr uint64_t kCr3PcidMask = 0xfff;

// Paging-structure entry bits (SDM 4.3 Tables 4-4 to 4-6, 4.5 Tables 4-14 to 4-20). Bit 7 is PS
// in an entry that may map a page and PAT in a PTE.
constexpr uint64_t kPteP = uint64_t{1} << 0;
constexpr uint64_t kPteRw = uint64_t{1} << 1;
constexpr uint64_t kPteUs = uint64_t{1} << 2;
constexpr uint64_t kPteA = uint64_t{1} << 5;
constexpr uint64_t kPteD = uint64_t{1} << 6;
constexpr uint64_t kPtePs = uint64_t{1} << 7;
constexpr uint64_t kPtePatPte = uint64_t{1} << 7;     // PAT in a PTE
constexpr uint64_t kPteG = uint64_t{1} << 8;
constexpr uint64_t kPtePatLarge = uint64_t{1} << 12;  // PAT in an entry with PS = 1
constexpr uint64_t kPteXd = uint64_t{1} << 63;

// #PF error code (SDM 4.7, Figure 4-12).
constexpr uint8_t kPfP = 1 << 0;     // 0: not present; 1: protection (or reserved bit) violation
constexpr uint8_t kPfW = 1 << 1;     // the access was a write
constexpr uint8_t kPfU = 1 << 2;     // the access was a user-mode access
constexpr uint8_t kPfRsvd = 1 << 3;  // a reserved bit was set in a paging-structure entry
constexpr uint8_t kPfI = 1 << 4;     // instruction fetch (only with PAE-format paging and NXE)

enum class Access : uint8_t { Read, Write, Fetch };

// User-mode accesses are those made at CPL 3; supervisor-mode ones at CPL 0-2, and the implicit
// supervisor accesses (descriptor tables and the like) at any CPL (SDM 4.6).
enum class Privilege : uint8_t { Supervisor, User };

// The size of the page a translation maps; indexes the per-size statistics.
enum class PageSize : uint8_t { k4K, k2M, k4M, k1G };
constexpr unsigned kPageSizes = 4;

inline unsigned page_shift(PageSize size) {
    static constexpr unsigned kShift[kPageSizes] = {12, 21, 22, 30};
    return kShift[static_cast<unsigned>(size)];
}

inline const char* page_size_name(PageSize size) {
    static constexpr const char* kNames[kPageSizes] = {"4k", "2m", "4m", "1g"};
    return kNames[static_cast<unsigned>(size)];
}

// Which paging mode CR0.PG, CR4.PAE, CR4.LA57 and EFER.LME select (SDM 4.1.1, Table 4-1).
// PAE paging (PAE = 1 without LME) is not modelled: Mmu refuses register values that select it.
enum class PagingMode : uint8_t {
    Off,     // CR0.PG = 0: linear address = physical address
    Legacy,  // 32-bit paging: 2 levels of 1024 4-byte entries, 4 MB pages with CR4.PSE
    Long4,   // 4-level paging: 4 levels of 512 8-byte entries, 2 MB and 1 GB pages
    Long5,   // 5-level paging (CR4.LA57)
};

}  // namespace vmsim::x86
