#include "models/mips_r3000/isa.hpp"

namespace vmsim::r3000 {

const char* exc_code_name(uint32_t code) {
    static const char* const kNames[kNumExcCodes] = {
        "Int", "Mod", "TLBL", "TLBS", "AdEL", "AdES", "IBE", "DBE",
        "Sys", "Bp", "RI", "CpU", "Ov", "Exc13", "Exc14", "Exc15",
    };
    return code < kNumExcCodes ? kNames[code] : "Exc?";
}

}  // namespace vmsim::r3000
