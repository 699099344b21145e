// libFuzzer target: the ELF loader (sim/loader) on arbitrary bytes. A rejection
// must be a one-line UserError (exit 65, bad content); an accepted image must keep
// the promises the platform relies on when it copies the segments into RAM:
// every segment inside RAM, file bytes no more than its memory size, no two
// segments overlapping, the entry point aligned. The same bytes go to the i386 loader (Multiboot
// images) and to the ELF32 symbol-table reader (SawMill Table 1's breakdown by component), whose
// rejections must be one-line UserErrors too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "sim/loader/elf_loader.hpp"

namespace {

// The DECstation 3100's 24 MiB, the platform's default.
constexpr uint64_t kRamSize = 24u << 20;

// `entry_align`: MIPS instructions are word-aligned; an x86 entry may be at any byte.
void check_image(const vmsim::loader::ElfImage& image, uint32_t entry_align) {
    using vmsim::fuzz::finding;
    if (image.entry % entry_align != 0) finding("entry not aligned", std::to_string(image.entry));
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const auto& s : image.segments) {
        if (s.bytes.size() > s.memsz) finding("file bytes exceed memsz", std::to_string(s.memsz));
        const uint64_t end = uint64_t{s.paddr} + s.memsz;
        if (end > kRamSize) finding("segment outside RAM", std::to_string(s.paddr));
        for (const auto& [b, e] : ranges)
            if (s.paddr < e && b < end) finding("segments overlap", std::to_string(s.paddr));
        ranges.emplace_back(s.paddr, end);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        check_image(vmsim::loader::parse_elf(data, size, "fuzz.elf", kRamSize), 4);
    } catch (const vmsim::UserError& e) {
        vmsim::fuzz::check_rejection(e, {vmsim::kExitDataErr});
    }
    try {
        check_image(vmsim::loader::parse_elf_i386(data, size, "fuzz.elf", kRamSize), 1);
    } catch (const vmsim::UserError& e) {
        vmsim::fuzz::check_rejection(e, {vmsim::kExitDataErr});
    }
    try {
        vmsim::loader::parse_elf32_symbols(data, size, "fuzz.elf");
    } catch (const vmsim::UserError& e) {
        vmsim::fuzz::check_rejection(e, {vmsim::kExitDataErr});
    }
    return 0;
}
