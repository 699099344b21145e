// ELF32 loader for the R3000 platform: checks that a file is a little-endian MIPS-I
// executable that fits the machine's RAM and returns what to copy where. It only
// parses; copying the segments into guest RAM is the platform's job. load_elf_i386 does
// the same for the i386 platform (models/x86_64/pc.hpp, /work/notes/i386-platform.md).
//
// Physical placement of a PT_LOAD segment (the R3000 has no MMU-off mode, so the
// loader decides where the bytes live in physical RAM):
//   1. p_vaddr in kseg0 (0x80000000-0x9fffffff) or kseg1 (0xa0000000-0xbfffffff):
//      physical = p_vaddr with the top 3 bits cleared, as the hardware maps it.
//   2. otherwise (kuseg or kseg2, reached only through the TLB): p_paddr decides.
//      p_paddr in kseg0/kseg1 is stripped the same way; any other p_paddr is taken as
//      the physical address itself. The kernel is expected to map the segment there.
//   Either way [physical, physical + p_memsz) must lie inside [0, ram_size), and no
//   two segments may overlap physically. PT_LOAD segments with p_memsz 0 are skipped.
// The entry point must be 4-byte aligned, in kuseg or kseg0/kseg1 (not kseg2), and
// inside the p_vaddr range of a loaded segment.
//
// Errors are vmsim::UserError with a one-line message: kExitNoInput if the file cannot
// be read, otherwise kExitDataErr naming the file, the byte offset of the offending
// field where there is one, what was found and what was expected, e.g.
//   hello.elf: offset 0x5: big-endian ELF (EI_DATA 2); expected little-endian (EI_DATA 1)
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmsim::loader {

struct Segment {
    uint32_t vaddr;              // p_vaddr, as linked
    uint32_t paddr;              // physical address of the first byte
    uint32_t memsz;              // bytes [paddr + bytes.size(), paddr + memsz) are zero
    uint32_t flags;              // p_flags: PF_X 1, PF_W 2, PF_R 4
    std::vector<uint8_t> bytes;  // the p_filesz bytes from the file
};

struct ElfImage {
    uint32_t entry;                 // e_entry, a virtual address
    std::vector<Segment> segments;  // in program header order
};

// Reads and checks `path` for a machine with `ram_size` bytes of RAM at physical 0.
ElfImage load_elf(const std::string& path, uint64_t ram_size);

// The same checks on bytes already in memory; `name` starts every error message.
ElfImage parse_elf(const uint8_t* data, size_t size, const std::string& name, uint64_t ram_size);

// The i386 platform's Multiboot v1 guest: an ELF32 EM_386 executable (e_machine is checked
// first, so a MIPS or x86-64 ELF is "wrong machine ...; expected EM_386 (3)"), PT_LOAD segments
// placed at p_paddr, each at or above 1 MB and inside RAM, e_entry inside a segment's physical
// range, and a Multiboot header (magic 0x1BADB002, valid checksum, 4-byte aligned) in the first
// 8 KB. Same one-line errors as load_elf.
ElfImage load_elf_i386(const std::string& path, uint64_t ram_size);
ElfImage parse_elf_i386(const uint8_t* data, size_t size, const std::string& name, uint64_t ram_size);

// A symbol of an ELF32 little-endian file's symbol table (.symtab, SHT_SYMTAB), executable or
// object file, in table order. The order matters: the System V ABI puts every local symbol before
// the first global one, and GNU as and ld keep each translation unit's STT_FILE symbol ahead of its
// locals, so a local's source is the STT_FILE before it (a global's is not recorded in the file).
struct ElfSymbol {
    enum Type : uint8_t { NoType = 0, Object = 1, Func = 2, Section = 3, File = 4 };
    std::string name;
    uint32_t value = 0, size = 0;
    uint8_t type = NoType;  // st_info's low nibble; other values kept as they are
    bool global = false;    // STB_GLOBAL or STB_WEAK
    bool code = false;      // defined in a section with SHF_EXECINSTR
};

// The symbols of `path` (an empty list when it has no .symtab: a stripped file). Errors as
// load_elf's: kExitNoInput if the file cannot be read, kExitDataErr naming the file and the field
// for anything that is not an ELF32 little-endian file or whose section headers, symbol table or
// string table lie outside it.
std::vector<ElfSymbol> read_elf32_symbols(const std::string& path);
std::vector<ElfSymbol> parse_elf32_symbols(const uint8_t* data, size_t size, const std::string& name);

// The physical address of a kseg0/kseg1 virtual address (no TLB involved), or
// nullopt for kuseg and kseg2.
std::optional<uint32_t> unmapped_physical(uint32_t vaddr);

}  // namespace vmsim::loader
