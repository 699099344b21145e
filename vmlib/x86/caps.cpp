#include "vmlib/x86/caps.hpp"

namespace vmsim::selfpage {

const char* obj_type_name(ObjType type) {
    static constexpr const char* kNames[kObjTypes] = {"RAM", "Frame", "VNode_x86_64_pml4", "VNode_x86_64_pdpt",
                                                      "VNode_x86_64_pdir", "VNode_x86_64_ptable",
                                                      "VNode_x86_32_pdir", "VNode_x86_32_ptable"};
    const unsigned i = static_cast<unsigned>(type);
    return i < kObjTypes ? kNames[i] : "?";
}

const char* error_name(Error error) {
    static constexpr const char* kNames[] = {
        "ok",         "invalid capability", "wrong type",        "missing rights",       "slot out of range",
        "slot in use", "not mapped",        "misaligned",        "bad size",             "out of range",
        "overlap",    "bad flags",          "writable page table", "in use",             "no memory",
        "physical address too high", "unsupported", "capability space full", "out of memory"};
    const unsigned i = static_cast<unsigned>(error);
    return i < sizeof kNames / sizeof kNames[0] ? kNames[i] : "?";
}

const VNodeInfo& vnode_info(ObjType type) {
    // Indexed by type - Pml4. Shifts and sizes: SDM Vol. 3A Figure 4-8 (4-level paging) and
    // Figure 4-2 (32-bit paging).
    static constexpr VNodeInfo kInfo[] = {
        {4, 512, 8, 39, ObjType::Pdpt, true, 0, false},         // Pml4
        {3, 512, 8, 30, ObjType::Pd, true, kPage1G, false},     // Pdpt
        {2, 512, 8, 21, ObjType::Pt, true, kPage2M, false},     // Pd
        {1, 512, 8, 12, ObjType::Pt, false, kPage4K, false},    // Pt
        {2, 1024, 4, 22, ObjType::Pt32, true, kPage4M, true},   // Pd32
        {1, 1024, 4, 12, ObjType::Pt32, false, kPage4K, true},  // Pt32
    };
    return kInfo[static_cast<unsigned>(type) - static_cast<unsigned>(ObjType::Pml4)];
}

}  // namespace vmsim::selfpage
