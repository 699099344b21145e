// Capabilities of the self-paging kernel (kernel.hpp): the object types, the rights a capability
// carries, the flags of a mapping, the error codes every call returns, and the facts about each
// VNode (page-table page) type. Modelled on Barrelfish (README.md lists the sources): physical
// memory is named by typed capabilities, RAM is retyped into Frames and VNodes, and a VNode of one
// page-table level accepts only the types the hardware allows at that level.
#pragma once
#include <cstdint>

namespace vmsim::selfpage {

enum class ObjType : uint8_t {
    Ram,    // untyped physical memory: retyped into the others, never mapped
    Frame,  // physical memory the application may map (4 KB multiple, 4 KB aligned)
    // VNodes: one 4 KB page-table page per level. Long-mode (4-level) paging:
    Pml4,
    Pdpt,
    Pd,
    Pt,
    // 32-bit (legacy) paging, the Pentium's: a page directory and a page table of 1024 4-byte entries.
    Pd32,
    Pt32,
};
constexpr unsigned kObjTypes = 8;

const char* obj_type_name(ObjType type);
inline bool is_vnode(ObjType type) { return type >= ObjType::Pml4; }

// What a capability allows. Barrelfish's capability rights have the same three (plus GRANT and
// IDENTIFY, not modelled). A copy may only drop rights (Kernel::copy).
using Rights = uint8_t;
constexpr Rights kRead = 1, kWrite = 2, kExecute = 4;
constexpr Rights kAllRights = kRead | kWrite | kExecute;

// Flags of a mapping (Kernel::install, Kernel::modify_flags). Read is implied: a present x86 entry
// is always readable. Write needs the capability's Write right and is refused for a VNode; Execute
// needs the Execute right (without it the kernel sets XD, when the CPU has NX). kMapNoCache sets
// PCD (the MMU model does not time memory types; the bit is written so that tables are complete).
using MapFlags = uint8_t;
constexpr MapFlags kMapRead = kRead, kMapWrite = kWrite, kMapExecute = kExecute, kMapNoCache = 8;
constexpr MapFlags kMapAllFlags = kMapRead | kMapWrite | kMapExecute | kMapNoCache;

// Accessed and dirty bits as Kernel::read_ad reports them and Kernel::clear_ad takes them.
using AdBits = uint8_t;
constexpr AdBits kAccessed = 1, kDirty = 2;

// What a call returns. Every rule a call checks has its own code, so that a test can tell which
// rule refused it; no call crashes the host on any input.
enum class Error : uint8_t {
    Ok,
    InvalidCap,      // the capability reference names no capability
    WrongType,       // the object's type is not one this call, or this page-table level, accepts
    NoRights,        // the capability lacks a right the call or the mapping flags need
    SlotOutOfRange,  // the entry index (or the last entry of a multi-entry mapping) is past the table
    SlotInUse,       // install: an entry the mapping needs is already occupied
    NotMapped,       // unmap/modify/read: the entry holds no mapping (or is not where one starts)
    Misaligned,      // an offset or a frame's base is not aligned to what the call needs
    BadSize,         // a size is zero, not a multiple of the page size, or not a VNode's 4 KB
    OutOfRange,      // retype: the region lies outside the source; pager: outside the address space
    Overlap,         // retype: part of the region is already retyped; pager: regions overlap
    BadFlags,        // undefined flag or A/D bits
    WritableTable,   // a VNode (page-table page) mapped with Write
    InUse,           // deleting the last capability to the page table CR3 points at
    NoMemory,        // a VNode's memory is not backed by physical memory (it cannot be zeroed)
    PhysAddrTooHigh, // RAM beyond what the entry format can address (MAXPHYADDR; 4 GB in 32-bit paging)
    Unsupported,     // the CPU lacks the feature (1 GB pages) or refused a control-register write
    CSpaceFull,      // no free capability slot
    OutOfMemory,     // pager: its RAM has no free, aligned range of the size it needs
};

const char* error_name(Error error);

// A capability reference: an index into the application's capability space. Any value may be
// passed to any call; one that names no live capability gets Error::InvalidCap.
struct CapRef {
    static constexpr uint32_t kNull = ~uint32_t{0};
    uint32_t index = kNull;
    bool operator==(const CapRef& o) const { return index == o.index; }
    bool operator!=(const CapRef& o) const { return index != o.index; }
};

// A call's value, or the error that prevented it.
template <typename T>
struct Result {
    Error error = Error::Ok;
    T value{};
    bool ok() const { return error == Error::Ok; }
};

// What Kernel::identify reports (Barrelfish's frame_identify, for any type).
struct CapInfo {
    ObjType type = ObjType::Ram;
    uint64_t base = 0;   // physical address
    uint64_t bytes = 0;
    Rights rights = 0;
};

// One VNode type: its level (1 = the table that maps 4 KB pages), its entries, where its index
// sits in the linear address, the VNode type it accepts as a table, and the page a Frame installed
// in one entry maps (0: none at this level). SDM Vol. 3A 4.3 (32-bit paging: 10/10/12, 4 MB pages
// with CR4.PSE) and 4.5 (4-level paging: 9/9/9/9/12, 1 GB pages in a PDPTE, 2 MB in a PDE).
struct VNodeInfo {
    unsigned level;
    unsigned entries;
    unsigned entry_bytes;
    unsigned shift;      // the linear-address bit where this table's index starts
    ObjType child;       // the VNode type one entry may reference as a table (if has_child)
    bool has_child;
    uint64_t page_bytes;  // page size of a Frame installed here; 0: Frames are refused
    bool legacy;          // a 32-bit paging structure
};

constexpr uint64_t kPage4K = 4096, kPage2M = uint64_t{1} << 21, kPage4M = uint64_t{1} << 22,
                   kPage1G = uint64_t{1} << 30;
constexpr uint64_t kVNodeBytes = 4096;

// Facts of a VNode type (is_vnode(type) must hold).
const VNodeInfo& vnode_info(ObjType type);

}  // namespace vmsim::selfpage
