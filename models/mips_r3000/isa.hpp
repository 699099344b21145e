// MIPS-I / R3000 architectural constants (see docs/r3000.md for sources).
#pragma once
#include <cstdint>

namespace vmsim::r3000 {

// Cause.ExcCode values.
enum ExcCode : uint32_t {
    kExcInt = 0, kExcMod = 1, kExcTLBL = 2, kExcTLBS = 3, kExcAdEL = 4, kExcAdES = 5,
    kExcIBE = 6, kExcDBE = 7, kExcSys = 8, kExcBp = 9, kExcRI = 10, kExcCpU = 11, kExcOv = 12,
};
inline constexpr unsigned kNumExcCodes = 16;
const char* exc_code_name(uint32_t code);  // "Int", "Mod", ... ; "Exc13".. for reserved

// CP0 register numbers.
enum Cp0Reg : unsigned {
    kCp0Index = 0, kCp0Random = 1, kCp0EntryLo = 2, kCp0Context = 4, kCp0BadVAddr = 8,
    kCp0EntryHi = 10, kCp0Status = 12, kCp0Cause = 13, kCp0EPC = 14, kCp0PRId = 15,
};

// Status bits.
inline constexpr uint32_t kStatusIEc = 1u << 0, kStatusKUc = 1u << 1;
inline constexpr uint32_t kStatusIEp = 1u << 2, kStatusKUp = 1u << 3;
inline constexpr uint32_t kStatusIEo = 1u << 4, kStatusKUo = 1u << 5;
inline constexpr uint32_t kStatusIMShift = 8, kStatusIMMask = 0xffu << 8;
inline constexpr uint32_t kStatusTS = 1u << 21, kStatusBEV = 1u << 22;
inline constexpr uint32_t kStatusCU0 = 1u << 28;
// Bits that exist on the R3000 Status register (others read as zero).
inline constexpr uint32_t kStatusWritable = 0xf0000000u | (1u << 22) | (1u << 21) |
                                            (0x3fu << 16) | kStatusIMMask | 0x3fu;

// Cause bits.
inline constexpr uint32_t kCauseBD = 1u << 31;
inline constexpr uint32_t kCauseCEShift = 28;
inline constexpr uint32_t kCauseIPShift = 8;
inline constexpr uint32_t kCauseSwIPMask = 0x3u << 8;  // IP1:0 are software-writable

// EntryHi / EntryLo fields.
inline constexpr uint32_t kEntryHiVpnMask = 0xfffff000u;
inline constexpr uint32_t kEntryHiAsidMask = 0x00000fc0u;
inline constexpr uint32_t kEntryHiAsidShift = 6;
inline constexpr uint32_t kEntryLoPfnMask = 0xfffff000u;
inline constexpr uint32_t kEntryLoN = 1u << 11, kEntryLoD = 1u << 10;
inline constexpr uint32_t kEntryLoV = 1u << 9, kEntryLoG = 1u << 8;
inline constexpr uint32_t kEntryLoMask = 0xffffff00u;

// Exception vectors.
inline constexpr uint32_t kVecUtlb = 0x80000000u, kVecGeneral = 0x80000080u;
inline constexpr uint32_t kVecUtlbBev = 0xbfc00100u, kVecGeneralBev = 0xbfc00180u;
inline constexpr uint32_t kVecReset = 0xbfc00000u;

inline constexpr uint32_t kPageShift = 12, kPageSize = 1u << kPageShift;
inline constexpr unsigned kTlbEntries = 64, kTlbWired = 8;  // tlbwr never picks 0..7

}  // namespace vmsim::r3000
