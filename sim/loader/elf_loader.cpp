#include "sim/loader/elf_loader.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "sim/common/errors.hpp"

namespace vmsim::loader {
namespace {

// ELF32 layout (System V ABI, "ELF header" and "Program header" chapters).
constexpr size_t kEhdrSize = 52;
constexpr size_t kPhdrSize = 32;
constexpr size_t kOffClass = 4, kOffData = 5, kOffVersion = 6;
constexpr size_t kOffType = 16, kOffMachine = 18, kOffEntry = 24, kOffPhoff = 28, kOffFlags = 36;
constexpr size_t kOffPhentsize = 42, kOffPhnum = 44;
constexpr size_t kPhType = 0, kPhOffset = 4, kPhVaddr = 8, kPhPaddr = 12, kPhFilesz = 16;
constexpr size_t kPhMemsz = 20, kPhFlags = 24;

constexpr uint8_t kElfClass32 = 1, kElfClass64 = 2;
constexpr uint8_t kElfData2Lsb = 1, kElfData2Msb = 2;
constexpr uint16_t kEtExec = 2;
constexpr uint16_t kEmMips = 8;
constexpr uint16_t kEm386 = 3;
constexpr uint32_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3;
constexpr uint32_t kEfMipsArch = 0xf0000000;  // 0 = MIPS-I (E_MIPS_ARCH_1)

constexpr uint32_t kKseg0 = 0x80000000, kKseg2 = 0xc0000000;

// Multiboot v1 (the Multiboot Specification 0.6.96, 3.1.1): a 4-byte-aligned header within the
// first 8192 bytes of the file: magic, flags, checksum with magic + flags + checksum = 0 (mod 2^32).
constexpr uint32_t kMultibootMagic = 0x1badb002;
constexpr size_t kMultibootSearch = 8192;
constexpr uint32_t kI386LowestLoad = 0x100000;  // the contract: segments at or above 1 MB

// Reads little-endian fields; every caller has checked the bounds first.
struct Bytes {
    const uint8_t* data;
    size_t size;
    uint16_t u16(size_t at) const { return static_cast<uint16_t>(data[at] | data[at + 1] << 8); }
    uint32_t u32(size_t at) const {
        return static_cast<uint32_t>(data[at]) | static_cast<uint32_t>(data[at + 1]) << 8 |
               static_cast<uint32_t>(data[at + 2]) << 16 | static_cast<uint32_t>(data[at + 3]) << 24;
    }
};

std::string machine_name(uint16_t machine) {
    switch (machine) {
        case 3: return " (x86)";
        case 10: return " (EM_MIPS_RS3_LE)";
        case 40: return " (ARM)";
        case 62: return " (x86-64)";
        case 183: return " (AArch64)";
        case 243: return " (RISC-V)";
        default: return "";
    }
}

std::string type_name(uint16_t type) {
    switch (type) {
        case 0: return " (ET_NONE)";
        case 1: return " (ET_REL, an object file: link it)";
        case 3: return " (ET_DYN, position-independent: link with -static -no-pie)";
        case 4: return " (ET_CORE)";
        default: return "";
    }
}

std::string arch_name(uint32_t flags) {
    static const char* const kNames[] = {"MIPS-I",  "MIPS-II",  "MIPS-III",  "MIPS-IV",   "MIPS-V",  "MIPS32",
                                         "MIPS64",  "MIPS32r2", "MIPS64r2",  "MIPS32r6",  "MIPS64r6"};
    uint32_t arch = flags >> 28;
    return arch < std::size(kNames) ? kNames[arch] : fmt::format("arch {}", arch);
}

std::string size_text(uint64_t bytes) {
    if (bytes != 0 && bytes % (1u << 20) == 0) return fmt::format("{}M", bytes >> 20);
    if (bytes != 0 && bytes % (1u << 10) == 0) return fmt::format("{}K", bytes >> 10);
    return fmt::format("{} bytes", bytes);
}

class Parser {
public:
    Parser(const uint8_t* data, size_t size, const std::string& name, uint64_t ram_size, bool i386)
        : in_{data, size}, name_(name), ram_size_(ram_size), i386_(i386) {}

    ElfImage parse() {
        if (i386_) check_i386_machine();
        check_ident();
        if (in_.size < kEhdrSize) {
            fail(fmt::format("truncated ELF header: file is {} bytes, an ELF32 header needs {}", in_.size, kEhdrSize));
        }
        check_header();
        ElfImage image;
        image.entry = in_.u32(kOffEntry);
        read_program_headers(image);
        check_overlaps(image);
        if (i386_) {
            check_i386_entry(image);
            check_multiboot();
        } else {
            check_entry(image);
        }
        return image;
    }

private:
    [[noreturn]] void fail(const std::string& problem) const {
        throw UserError(kExitDataErr, fmt::format("{}: {}", name_, problem));
    }
    [[noreturn]] void fail_at(uint64_t offset, const std::string& problem) const {
        fail(fmt::format("offset {:#x}: {}", offset, problem));
    }

    // For the i386 loader e_machine comes first: it sits at the same offset in ELF32 and ELF64, so a
    // MIPS or x86-64 file is named as such rather than by its class.
    void check_i386_machine() const {
        static constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
        if (in_.size < kOffMachine + 2 || std::memcmp(in_.data, kMagic, 4) != 0) return;  // check_ident says why
        uint16_t machine = in_.u16(kOffMachine);
        if (machine != kEm386) {
            fail_at(kOffMachine, fmt::format("wrong machine (e_machine {}{}); expected EM_386 (3)", machine,
                                             machine == kEmMips ? " (MIPS)" : machine_name(machine)));
        }
    }

    void check_multiboot() const {
        const size_t end = std::min(in_.size, kMultibootSearch);
        for (size_t at = 0; at + 12 <= end; at += 4) {
            if (in_.u32(at) != kMultibootMagic) continue;
            if (static_cast<uint32_t>(in_.u32(at) + in_.u32(at + 4) + in_.u32(at + 8)) == 0) return;
            fail_at(at + 8, fmt::format("Multiboot header checksum {:#010x} does not make magic + flags + checksum "
                                        "zero (flags {:#010x}); expected {:#010x}", in_.u32(at + 8), in_.u32(at + 4),
                                        static_cast<uint32_t>(0u - kMultibootMagic - in_.u32(at + 4))));
        }
        fail_at(0, "no Multiboot header (magic 0x1badb002, 4-byte aligned) in the first 8 KB; expected one");
    }

    void check_i386_entry(const ElfImage& image) const {
        uint32_t entry = image.entry;
        bool inside = std::any_of(image.segments.begin(), image.segments.end(), [&](const Segment& s) {
            return entry >= s.paddr && uint64_t{entry} < uint64_t{s.paddr} + s.memsz;
        });
        if (!inside) {
            fail_at(kOffEntry, fmt::format("entry point {:#010x} is not inside any loaded segment's physical "
                                           "range (paging is off at entry)", entry));
        }
    }

    void check_ident() const {
        static constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
        if (in_.size < 4 || std::memcmp(in_.data, kMagic, 4) != 0) {
            std::string got;
            for (size_t i = 0; i < std::min<size_t>(in_.size, 4); ++i) got += fmt::format(" {:02x}", in_.data[i]);
            fail_at(0, fmt::format("not an ELF file (magic{}); expected 7f 45 4c 46",
                                   in_.size == 0 ? " missing: file is empty" : got));
        }
        auto need = [&](size_t offset) {
            if (in_.size <= offset) {
                fail(fmt::format("truncated ELF header: file is {} bytes, an ELF32 header needs {}", in_.size,
                                 kEhdrSize));
            }
        };
        need(kOffClass);
        uint8_t elf_class = in_.data[kOffClass];
        if (elf_class == kElfClass64) fail_at(kOffClass, "64-bit ELF (EI_CLASS 2); expected a 32-bit ELF (EI_CLASS 1)");
        if (elf_class != kElfClass32) {
            fail_at(kOffClass, fmt::format("invalid ELF class (EI_CLASS {}); expected a 32-bit ELF (EI_CLASS 1)",
                                           elf_class));
        }
        need(kOffData);
        uint8_t data = in_.data[kOffData];
        if (data == kElfData2Msb) {
            fail_at(kOffData, i386_ ? "big-endian ELF (EI_DATA 2); expected little-endian (EI_DATA 1)"
                                    : "big-endian ELF (EI_DATA 2); expected little-endian (EI_DATA 1), "
                                      "build for mipsel");
        }
        if (data != kElfData2Lsb) {
            fail_at(kOffData, fmt::format("invalid ELF data encoding (EI_DATA {}); expected little-endian "
                                          "(EI_DATA 1)", data));
        }
        need(kOffVersion);
        if (in_.data[kOffVersion] != 1) {
            fail_at(kOffVersion, fmt::format("unknown ELF version (EI_VERSION {}); expected 1",
                                             in_.data[kOffVersion]));
        }
    }

    void check_header() const {
        uint16_t machine = in_.u16(kOffMachine);
        if (i386_) {
            check_type();
            return;
        }
        if (machine != kEmMips) {
            fail_at(kOffMachine, fmt::format("wrong machine (e_machine {}{}); expected EM_MIPS (8)", machine,
                                             machine_name(machine)));
        }
        check_type();
        uint32_t flags = in_.u32(kOffFlags);
        if ((flags & kEfMipsArch) != 0) {
            fail_at(kOffFlags, fmt::format("built for {} (e_flags {:#010x}); expected MIPS-I, the R3000's ISA "
                                           "(build with -march=r3000)", arch_name(flags), flags));
        }
    }

    void check_type() const {
        uint16_t type = in_.u16(kOffType);
        if (type != kEtExec) {
            fail_at(kOffType, fmt::format("not an executable (e_type {}{}); expected ET_EXEC (2)", type,
                                          type_name(type)));
        }
    }

    void read_program_headers(ElfImage& image) {
        uint32_t phoff = in_.u32(kOffPhoff);
        uint16_t phnum = in_.u16(kOffPhnum);
        if (phnum == 0) fail_at(kOffPhnum, "no loadable segments (e_phnum 0); expected at least one PT_LOAD");
        uint16_t phentsize = in_.u16(kOffPhentsize);
        if (phentsize != kPhdrSize) {
            fail_at(kOffPhentsize, fmt::format("program header size {} (e_phentsize); expected {}", phentsize,
                                               kPhdrSize));
        }
        // The whole table first, so a cut-off table is reported as such.
        for (uint16_t i = 0; i < phnum; ++i) {
            uint64_t at = uint64_t{phoff} + uint64_t{i} * kPhdrSize;
            if (at + kPhdrSize > in_.size) {
                fail_at(at, fmt::format("truncated program header {}: it needs {} bytes, file is {} bytes", i,
                                        kPhdrSize, in_.size));
            }
        }
        for (uint16_t i = 0; i < phnum; ++i) read_segment(i, phoff + size_t{i} * kPhdrSize, image);
        if (image.segments.empty()) {
            fail_at(phoff, fmt::format("no loadable segments: none of the {} program headers is a PT_LOAD with "
                                       "p_memsz > 0", phnum));
        }
    }

    void read_segment(uint16_t index, size_t at, ElfImage& image) {
        uint32_t type = in_.u32(at + kPhType);
        if (type == kPtInterp || type == kPtDynamic) {
            fail_at(at, fmt::format("program header {} is {}: dynamically linked; expected a static "
                                    "executable (link with -static -nostdlib)",
                                    index, type == kPtInterp ? "PT_INTERP" : "PT_DYNAMIC"));
        }
        if (type != kPtLoad) return;

        uint32_t offset = in_.u32(at + kPhOffset);
        uint32_t vaddr = in_.u32(at + kPhVaddr);
        uint32_t paddr = in_.u32(at + kPhPaddr);
        uint32_t filesz = in_.u32(at + kPhFilesz);
        uint32_t memsz = in_.u32(at + kPhMemsz);
        auto where = [&] { return fmt::format("PT_LOAD program header {}", index); };

        if (filesz > memsz) {
            fail_at(at + kPhFilesz, fmt::format("{}: p_filesz {:#x} > p_memsz {:#x}; expected p_filesz <= p_memsz",
                                                where(), filesz, memsz));
        }
        if (uint64_t{offset} + filesz > in_.size) {
            fail_at(offset, fmt::format("truncated segment data: {} needs file bytes {:#x}-{:#x}, file is {} bytes",
                                        where(), offset, uint64_t{offset} + filesz - 1, in_.size));
        }
        if (memsz == 0) return;
        if (uint64_t{vaddr} + memsz > (uint64_t{1} << 32)) {
            fail_at(at + kPhVaddr, fmt::format("{}: p_vaddr {:#010x} + p_memsz {:#x} wraps past 0xffffffff",
                                               where(), vaddr, memsz));
        }

        uint64_t physical = 0;
        if (i386_) {
            physical = paddr;  // Multiboot: segments load at p_paddr, paging off
            if (physical < kI386LowestLoad) {
                fail_at(at + kPhPaddr, fmt::format("{}: p_paddr {:#010x} is below 1 MB; expected >= 0x100000 "
                                                   "(link with . = 0x100000)", where(), paddr));
            }
        } else if (auto pa = unmapped_physical(vaddr)) {
            physical = *pa;
        } else if (auto pa_from_paddr = unmapped_physical(paddr)) {
            physical = *pa_from_paddr;
        } else {
            physical = paddr;
        }
        uint64_t end = physical + memsz;
        if (end > ram_size_) {
            fail_at(at, fmt::format("{} (p_vaddr {:#010x}): physical range {:#010x}-{:#010x} is outside RAM "
                                    "({:#010x}-{:#010x}, {}); expected it inside RAM",
                                    where(), vaddr, physical, end - 1, 0, ram_size_ == 0 ? 0 : ram_size_ - 1,
                                    size_text(ram_size_)));
        }

        Segment segment;
        segment.vaddr = vaddr;
        segment.paddr = static_cast<uint32_t>(physical);
        segment.memsz = memsz;
        segment.flags = in_.u32(at + kPhFlags);
        segment.bytes.assign(in_.data + offset, in_.data + offset + filesz);
        image.segments.push_back(std::move(segment));
        header_offsets_.push_back(at);
    }

    void check_overlaps(const ElfImage& image) const {
        std::vector<size_t> order(image.segments.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(),
                  [&](size_t a, size_t b) { return image.segments[a].paddr < image.segments[b].paddr; });
        for (size_t k = 1; k < order.size(); ++k) {
            const Segment& lower = image.segments[order[k - 1]];
            const Segment& upper = image.segments[order[k]];
            uint64_t lower_end = uint64_t{lower.paddr} + lower.memsz;
            if (upper.paddr < lower_end) {
                fail_at(header_offsets_[order[k]],
                        fmt::format("PT_LOAD segments overlap in physical memory: {:#010x}-{:#010x} (header at "
                                    "offset {:#x}) and {:#010x}-{:#010x}; expected disjoint segments",
                                    upper.paddr, uint64_t{upper.paddr} + upper.memsz - 1, header_offsets_[order[k]],
                                    lower.paddr, lower_end - 1));
            }
        }
    }

    void check_entry(const ElfImage& image) const {
        uint32_t entry = image.entry;
        if (entry >= kKseg2) {
            fail_at(kOffEntry, fmt::format("entry point {:#010x} is in kseg2; expected kuseg or kseg0/kseg1", entry));
        }
        if (entry % 4 != 0) {
            fail_at(kOffEntry, fmt::format("entry point {:#010x} is not 4-byte aligned", entry));
        }
        bool inside = std::any_of(image.segments.begin(), image.segments.end(), [&](const Segment& s) {
            return entry >= s.vaddr && uint64_t{entry} < uint64_t{s.vaddr} + s.memsz;
        });
        if (!inside) {
            fail_at(kOffEntry, fmt::format("entry point {:#010x} is not inside any loaded segment", entry));
        }
    }

    Bytes in_;
    const std::string& name_;
    uint64_t ram_size_;
    bool i386_;
    std::vector<size_t> header_offsets_;  // file offset of each segment's program header
};

}  // namespace

std::optional<uint32_t> unmapped_physical(uint32_t vaddr) {
    if (vaddr >= kKseg0 && vaddr < kKseg2) return vaddr & 0x1fffffff;
    return std::nullopt;
}

ElfImage parse_elf(const uint8_t* data, size_t size, const std::string& name, uint64_t ram_size) {
    return Parser(data, size, name, ram_size, false).parse();
}

ElfImage parse_elf_i386(const uint8_t* data, size_t size, const std::string& name, uint64_t ram_size) {
    return Parser(data, size, name, ram_size, true).parse();
}

namespace {

std::vector<uint8_t> read_file(const std::string& path) {
    auto cannot = [&](const std::string& reason) {
        return UserError(kExitNoInput, fmt::format("cannot open ELF file '{}': {}", path, reason));
    };
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw cannot(std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw cannot(S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw cannot(std::strerror(errno));
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw cannot(std::strerror(errno));
    return bytes;
}

}  // namespace

// Section headers and symbols (System V ABI, "Sections" and "Symbol Table").
std::vector<ElfSymbol> parse_elf32_symbols(const uint8_t* data, size_t size, const std::string& name) {
    const Bytes in{data, size};
    const auto fail = [&](const std::string& problem) {
        return UserError(kExitDataErr, fmt::format("{}: {}", name, problem));
    };
    static constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
    if (size < kEhdrSize || std::memcmp(data, kMagic, 4) != 0 || data[kOffClass] != kElfClass32 ||
        data[kOffData] != kElfData2Lsb)
        throw fail("not an ELF32 little-endian file");
    constexpr size_t kOffShoff = 32, kOffShentsize = 46, kOffShnum = 48;
    constexpr size_t kShType = 4, kShFlags = 8, kShOffset = 16, kShSize = 20, kShLink = 24, kShEntsize = 36;
    constexpr uint32_t kShtSymtab = 2, kShfExecinstr = 4, kSymSize = 16;
    const uint32_t shoff = in.u32(kOffShoff);
    const uint16_t shentsize = in.u16(kOffShentsize), shnum = in.u16(kOffShnum);
    if (shnum == 0) return {};
    if (shentsize < 40 || shoff > size || uint64_t{shentsize} * shnum > size - shoff)
        throw fail(fmt::format("offset {:#x}: section headers ({} of {} bytes at {:#x}) lie outside the file ({} bytes)",
                               kOffShoff, shnum, shentsize, shoff, size));
    const auto section = [&](size_t i) { return shoff + i * shentsize; };
    const auto inside = [&](uint32_t off, uint32_t bytes) { return off <= size && bytes <= size - off; };
    for (size_t i = 0; i < shnum; ++i) {
        const size_t sh = section(i);
        if (in.u32(sh + kShType) != kShtSymtab) continue;
        const uint32_t off = in.u32(sh + kShOffset), bytes = in.u32(sh + kShSize), link = in.u32(sh + kShLink);
        if (!inside(off, bytes) || in.u32(sh + kShEntsize) != kSymSize || link >= shnum)
            throw fail(fmt::format("offset {:#x}: symbol table (section {}) at {:#x}, {} bytes, entries of {}, string "
                                   "table section {}: not inside the file",
                                   sh, i, off, bytes, in.u32(sh + kShEntsize), link));
        const size_t strsh = section(link);
        const uint32_t stroff = in.u32(strsh + kShOffset), strbytes = in.u32(strsh + kShSize);
        if (!inside(stroff, strbytes)) throw fail(fmt::format("offset {:#x}: string table outside the file", strsh));
        std::vector<ElfSymbol> out;
        for (uint32_t at = off; at + kSymSize <= off + bytes; at += kSymSize) {
            ElfSymbol s;
            const uint32_t n = in.u32(at);
            if (n >= strbytes) throw fail(fmt::format("offset {:#x}: symbol name {} past the string table", at, n));
            const char* str = reinterpret_cast<const char*>(data + stroff + n);
            s.name.assign(str, strnlen(str, strbytes - n));
            s.value = in.u32(at + 4);
            s.size = in.u32(at + 8);
            const uint8_t info = data[at + 12];
            s.type = info & 0xf;
            s.global = (info >> 4) == 1 || (info >> 4) == 2;
            const uint16_t shndx = in.u16(at + 14);
            s.code = shndx != 0 && shndx < shnum && (in.u32(section(shndx) + kShFlags) & kShfExecinstr);
            out.push_back(std::move(s));
        }
        return out;
    }
    return {};
}

std::vector<ElfSymbol> read_elf32_symbols(const std::string& path) {
    const std::vector<uint8_t> bytes = read_file(path);
    return parse_elf32_symbols(bytes.data(), bytes.size(), path);
}

ElfImage load_elf(const std::string& path, uint64_t ram_size) {
    const std::vector<uint8_t> bytes = read_file(path);
    return parse_elf(bytes.data(), bytes.size(), path, ram_size);
}

ElfImage load_elf_i386(const std::string& path, uint64_t ram_size) {
    const std::vector<uint8_t> bytes = read_file(path);
    return parse_elf_i386(bytes.data(), bytes.size(), path, ram_size);
}

}  // namespace vmsim::loader
