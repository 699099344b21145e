#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/loader/elf_loader.hpp"
#include "tests/sim/temp_dir.hpp"
#include "tests/sim/user_error.hpp"

namespace vmsim::loader {
namespace {

using vmsim::testing::TempDir;
using vmsim::testing::user_error_from;

constexpr uint64_t kRam = 24 << 20;

struct SegmentSpec {
    uint32_t type;
    uint32_t vaddr;
    uint32_t paddr;
    std::vector<uint8_t> data;
    uint32_t memsz;
    uint32_t flags;
};

SegmentSpec load(uint32_t vaddr, std::vector<uint8_t> data, uint32_t memsz = 0, uint32_t paddr = 0) {
    uint32_t size = static_cast<uint32_t>(data.size());
    return {1, vaddr, paddr == 0 ? vaddr : paddr, std::move(data), memsz == 0 ? size : memsz, 5};
}

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v);
    b[at + 1] = static_cast<uint8_t>(v >> 8);
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// An ELF32 little-endian MIPS-I executable: header, program headers right after it,
// then each segment's bytes in order.
std::vector<uint8_t> make_elf(uint32_t entry, const std::vector<SegmentSpec>& segments) {
    const size_t phoff = 52;
    std::vector<uint8_t> b(phoff + 32 * segments.size(), 0);
    const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
    std::copy(std::begin(ident), std::end(ident), b.begin());
    put16(b, 16, 2);           // ET_EXEC
    put16(b, 18, 8);           // EM_MIPS
    put32(b, 20, 1);           // EV_CURRENT
    put32(b, 24, entry);
    put32(b, 28, static_cast<uint32_t>(phoff));
    put32(b, 36, 0x1000);      // EF_MIPS_ABI_O32, arch MIPS-I
    put16(b, 40, 52);
    put16(b, 42, 32);
    put16(b, 44, static_cast<uint16_t>(segments.size()));
    for (size_t i = 0; i < segments.size(); ++i) {
        const SegmentSpec& s = segments[i];
        size_t at = phoff + 32 * i;
        put32(b, at + 0, s.type);
        put32(b, at + 4, static_cast<uint32_t>(b.size()));
        put32(b, at + 8, s.vaddr);
        put32(b, at + 12, s.paddr);
        put32(b, at + 16, static_cast<uint32_t>(s.data.size()));
        put32(b, at + 20, s.memsz);
        put32(b, at + 24, s.flags);
        put32(b, at + 28, 4);
        b.insert(b.end(), s.data.begin(), s.data.end());
    }
    return b;
}

// Text at 0x80001000 (8 bytes), data + bss at 0x80002000.
std::vector<uint8_t> valid_elf() {
    return make_elf(0x80001000, {load(0x80001000, {1, 2, 3, 4, 5, 6, 7, 8}),
                                 load(0x80002000, {9, 10, 11, 12}, 0x100)});
}

ElfImage parse(const std::vector<uint8_t>& bytes, uint64_t ram = kRam) {
    return parse_elf(bytes.data(), bytes.size(), "t.elf", ram);
}

UserError parse_error(const std::vector<uint8_t>& bytes, uint64_t ram = kRam) {
    return user_error_from([&] { parse(bytes, ram); });
}

// ---- accepted files ---------------------------------------------------------------

TEST(ElfLoader, Kseg0SegmentsLoadAtTheirPhysicalAddressesWithBssAsMemsz) {
    ElfImage image = parse(valid_elf());
    EXPECT_EQ(image.entry, 0x80001000u);
    ASSERT_EQ(image.segments.size(), 2u);
    EXPECT_EQ(image.segments[0].paddr, 0x1000u);
    EXPECT_EQ(image.segments[0].vaddr, 0x80001000u);
    EXPECT_EQ(image.segments[0].bytes, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(image.segments[0].memsz, 8u);
    EXPECT_EQ(image.segments[0].flags, 5u);
    EXPECT_EQ(image.segments[1].paddr, 0x2000u);
    EXPECT_EQ(image.segments[1].bytes.size(), 4u);
    EXPECT_EQ(image.segments[1].memsz, 0x100u);
}

TEST(ElfLoader, Kseg1AddressMapsToTheSamePhysicalAddressAsKseg0) {
    ElfImage image = parse(make_elf(0xa0400000, {load(0xa0400000, {0, 0, 0, 0})}));
    EXPECT_EQ(image.segments.at(0).paddr, 0x400000u);
}

TEST(ElfLoader, KusegSegmentIsPlacedAtItsPaddr) {
    ElfImage image = parse(make_elf(0x00400000, {load(0x00400000, {0, 0, 0, 0}, 0, 0x00300000)}));
    EXPECT_EQ(image.segments.at(0).paddr, 0x300000u);
}

TEST(ElfLoader, KusegSegmentWithKseg0PaddrHasTheTopBitsCleared) {
    ElfImage image = parse(make_elf(0x00400000, {load(0x00400000, {0, 0, 0, 0}, 0, 0x80500000)}));
    EXPECT_EQ(image.segments.at(0).paddr, 0x500000u);
}

TEST(ElfLoader, NonLoadProgramHeadersAndEmptyLoadSegmentsAreSkipped) {
    SegmentSpec note{4, 0x80000000, 0x80000000, {1, 2}, 2, 4};
    SegmentSpec empty_load{1, 0x80900000, 0x80900000, {}, 0, 4};
    ElfImage image = parse(make_elf(0x80001000, {note, load(0x80001000, {0, 0, 0, 0}), empty_load}));
    ASSERT_EQ(image.segments.size(), 1u);
    EXPECT_EQ(image.segments[0].vaddr, 0x80001000u);
}

TEST(ElfLoader, SegmentEndingExactlyAtTheEndOfRamFits) {
    ElfImage image = parse(make_elf(0x80000000, {load(0x80000000, {0, 0, 0, 0}, 0x1000)}), 0x1000);
    EXPECT_EQ(image.segments.at(0).memsz, 0x1000u);
}

TEST(ElfLoader, UnmappedPhysicalCoversKseg0AndKseg1Only) {
    EXPECT_EQ(unmapped_physical(0x80000000), 0u);
    EXPECT_EQ(unmapped_physical(0x9fffffff), 0x1fffffffu);
    EXPECT_EQ(unmapped_physical(0xbfc00000), 0x1fc00000u);
    EXPECT_FALSE(unmapped_physical(0x7fffffff));
    EXPECT_FALSE(unmapped_physical(0xc0000000));
}

TEST(ElfLoader, LoadElfReadsTheFileFromDisk) {
    TempDir dir;
    std::vector<uint8_t> bytes = valid_elf();
    std::string path = dir.write("ok.elf", std::string(bytes.begin(), bytes.end()));
    ElfImage image = load_elf(path, kRam);
    EXPECT_EQ(image.segments.size(), 2u);
}

// ---- rejected files: one message each, naming file, offset and expectation ------------

TEST(ElfLoader, MissingFileIsNoInput) {
    TempDir dir;
    auto e = user_error_from([&] { load_elf(dir.path() + "/none.elf", kRam); });
    EXPECT_EQ(e.code(), kExitNoInput);
    EXPECT_EQ(std::string(e.what()), "cannot open ELF file '" + dir.path() + "/none.elf': No such file or directory");
}

TEST(ElfLoader, DirectoryIsNoInput) {
    TempDir dir;
    auto e = user_error_from([&] { load_elf(dir.path(), kRam); });
    EXPECT_EQ(e.code(), kExitNoInput);
    EXPECT_EQ(std::string(e.what()), "cannot open ELF file '" + dir.path() + "': is a directory");
}

TEST(ElfLoader, FileWithoutElfMagicIsRejectedAtOffsetZero) {
    TempDir dir;
    std::string path = dir.write("script.sh", "#!/bin/sh\necho hi\n");
    auto e = user_error_from([&] { load_elf(path, kRam); });
    EXPECT_EQ(e.code(), kExitDataErr);
    EXPECT_EQ(std::string(e.what()), path + ": offset 0x0: not an ELF file (magic 23 21 2f 62); expected 7f 45 4c 46");
}

TEST(ElfLoader, EmptyFileIsNotAnElfFile) {
    auto e = parse_error({});
    EXPECT_EQ(e.code(), kExitDataErr);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x0: not an ELF file (magic missing: file is empty); "
                                     "expected 7f 45 4c 46");
}

TEST(ElfLoader, SixtyFourBitElfIsRejectedWithOffset) {
    auto bytes = valid_elf();
    bytes[4] = 2;
    auto e = parse_error(bytes);
    EXPECT_EQ(e.code(), kExitDataErr);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x4: 64-bit ELF (EI_CLASS 2); expected a 32-bit ELF (EI_CLASS 1)");
}

TEST(ElfLoader, BigEndianElfIsRejectedWithOffset) {
    auto bytes = valid_elf();
    bytes[5] = 2;
    auto e = parse_error(bytes);
    EXPECT_EQ(e.code(), kExitDataErr);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x5: big-endian ELF (EI_DATA 2); expected little-endian "
                                     "(EI_DATA 1), build for mipsel");
}

TEST(ElfLoader, WrongMachineIsRejectedNamingIt) {
    auto bytes = valid_elf();
    put16(bytes, 18, 62);
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x12: wrong machine (e_machine 62 (x86-64)); expected EM_MIPS (8)");
}

TEST(ElfLoader, RelocatableObjectIsNotAnExecutable) {
    auto bytes = valid_elf();
    put16(bytes, 16, 1);
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x10: not an executable (e_type 1 (ET_REL, an object file: "
                                     "link it)); expected ET_EXEC (2)");
}

TEST(ElfLoader, Mips32r2BinaryIsRejectedBecauseTheR3000RunsMipsOne) {
    auto bytes = valid_elf();
    put32(bytes, 36, 0x70001000);
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x24: built for MIPS32r2 (e_flags 0x70001000); expected MIPS-I, "
                                     "the R3000's ISA (build with -march=r3000)");
}

TEST(ElfLoader, TruncatedHeaderIsRejected) {
    auto bytes = valid_elf();
    bytes.resize(40);
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: truncated ELF header: file is 40 bytes, an ELF32 header needs 52");
}

TEST(ElfLoader, TruncatedProgramHeaderTableIsRejectedAtTheMissingHeader) {
    auto bytes = valid_elf();
    bytes.resize(52 + 32 + 10);  // the second program header is cut short
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x54: truncated program header 1: it needs 32 bytes, "
                                     "file is 94 bytes");
}

TEST(ElfLoader, TruncatedSegmentDataIsRejectedAtTheSegmentOffset) {
    auto bytes = valid_elf();
    put32(bytes, 52 + 16, 0x20);  // first segment claims 32 file bytes
    put32(bytes, 52 + 20, 0x20);
    bytes.resize(120);
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x74: truncated segment data: PT_LOAD program header 0 needs "
                                     "file bytes 0x74-0x93, file is 120 bytes");
}

TEST(ElfLoader, SegmentOutsideRamNamesItsPhysicalRangeAndTheRamSize) {
    auto bytes = make_elf(0x80001000, {load(0x80001000, {0, 0, 0, 0}), load(0x817ff000, {1}, 0x2000)});
    auto e = parse_error(bytes);
    EXPECT_EQ(e.code(), kExitDataErr);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x54: PT_LOAD program header 1 (p_vaddr 0x817ff000): physical "
                                     "range 0x017ff000-0x01800fff is outside RAM (0x00000000-0x017fffff, 24M); "
                                     "expected it inside RAM");
}

TEST(ElfLoader, KusegSegmentWhosePaddrIsBeyondRamIsRejected) {
    auto bytes = make_elf(0x00400000, {load(0x00400000, {0, 0, 0, 0}, 0, 0x40000000)});
    auto e = parse_error(bytes);
    EXPECT_NE(std::string(e.what()).find("physical range 0x40000000-0x40000003 is outside RAM"), std::string::npos)
        << e.what();
}

TEST(ElfLoader, FileszLargerThanMemszIsRejected) {
    auto bytes = valid_elf();
    put32(bytes, 52 + 20, 4);  // memsz 4 < filesz 8
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x44: PT_LOAD program header 0: p_filesz 0x8 > p_memsz 0x4; "
                                     "expected p_filesz <= p_memsz");
}

TEST(ElfLoader, ZeroProgramHeadersMeansNoLoadableSegments) {
    auto bytes = make_elf(0x80001000, {});
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x2c: no loadable segments (e_phnum 0); expected at least one "
                                     "PT_LOAD");
}

TEST(ElfLoader, OnlyNonLoadSegmentsMeansNoLoadableSegments) {
    auto bytes = make_elf(0x80001000, {SegmentSpec{4, 0x80001000, 0x80001000, {1, 2, 3, 4}, 4, 4}});
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x34: no loadable segments: none of the 1 program headers is a "
                                     "PT_LOAD with p_memsz > 0");
}

TEST(ElfLoader, WrongProgramHeaderEntrySizeIsRejected) {
    auto bytes = valid_elf();
    put16(bytes, 42, 56);
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x2a: program header size 56 (e_phentsize); expected 32");
}

TEST(ElfLoader, SegmentsAliasingTheSamePhysicalMemoryAreRejected) {
    // 0x80001000 (kseg0) and 0xa0001004 (kseg1) both reach physical 0x1000..
    auto bytes = make_elf(0x80001000, {load(0x80001000, {0, 0, 0, 0, 0, 0, 0, 0}), load(0xa0001004, {1, 2, 3, 4})});
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x54: PT_LOAD segments overlap in physical memory: "
                                     "0x00001004-0x00001007 (header at offset 0x54) and 0x00001000-0x00001007; "
                                     "expected disjoint segments");
}

TEST(ElfLoader, DynamicallyLinkedExecutableIsRejected) {
    auto bytes = make_elf(0x80001000, {load(0x80001000, {0, 0, 0, 0}), SegmentSpec{3, 0, 0, {'/', 0}, 2, 4}});
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x54: program header 1 is PT_INTERP: dynamically linked; "
                                     "expected a static executable (link with -static -nostdlib)");
}

TEST(ElfLoader, EntryPointInKseg2IsRejected) {
    auto bytes = make_elf(0xc0001000, {load(0x80001000, {0, 0, 0, 0})});
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x18: entry point 0xc0001000 is in kseg2; expected kuseg or "
                                     "kseg0/kseg1");
}

TEST(ElfLoader, MisalignedEntryPointIsRejected) {
    auto bytes = make_elf(0x80001002, {load(0x80001000, {0, 0, 0, 0})});
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x18: entry point 0x80001002 is not 4-byte aligned");
}

TEST(ElfLoader, EntryPointOutsideEveryLoadedSegmentIsRejected) {
    auto bytes = make_elf(0x80001004, {load(0x80001000, {0, 0, 0, 0})});
    auto e = parse_error(bytes);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x18: entry point 0x80001004 is not inside any loaded segment");
}

// ---- robustness: no input crashes or reads out of bounds (run under ASan too) ---------

// ---- the i386 loader (load_elf_i386: Multiboot guests of the i386 platform) --------

// An EM_386 executable: text at 1 MB whose first bytes are a Multiboot header (flags 3).
std::vector<uint8_t> i386_elf(uint32_t paddr = 0x100000, bool header = true, uint32_t checksum_delta = 0) {
    std::vector<uint8_t> text(32, 0x90);
    if (header) {
        put32(text, 0, 0x1badb002);
        put32(text, 4, 3);
        put32(text, 8, 0u - 0x1badb002u - 3u + checksum_delta);
    }
    auto b = make_elf(paddr + 12, {load(paddr, text, 0x40)});
    put16(b, 18, 3);   // EM_386
    put32(b, 36, 0);   // e_flags
    return b;
}

UserError parse_i386_error(const std::vector<uint8_t>& bytes) {
    return user_error_from([&] { parse_elf_i386(bytes.data(), bytes.size(), "t.elf", kRam); });
}

TEST(ElfLoaderI386, MultibootImageLoadsAtItsPaddr) {
    auto bytes = i386_elf();
    ElfImage image = parse_elf_i386(bytes.data(), bytes.size(), "t.elf", kRam);
    EXPECT_EQ(image.entry, 0x10000cu);
    ASSERT_EQ(image.segments.size(), 1u);
    EXPECT_EQ(image.segments[0].paddr, 0x100000u);
    EXPECT_EQ(image.segments[0].memsz, 0x40u);
}

TEST(ElfLoaderI386, MipsElfIsTheWrongMachineAtItsOffset) {
    auto e = parse_i386_error(valid_elf());
    EXPECT_EQ(e.code(), kExitDataErr);
    EXPECT_EQ(std::string(e.what()), "t.elf: offset 0x12: wrong machine (e_machine 8 (MIPS)); expected EM_386 (3)");
}

TEST(ElfLoaderI386, SixtyFourBitX86ElfIsTheWrongMachineRatherThanTheWrongClass) {
    auto bytes = i386_elf();
    bytes[4] = 2;
    put16(bytes, 18, 62);
    EXPECT_EQ(std::string(parse_i386_error(bytes).what()),
              "t.elf: offset 0x12: wrong machine (e_machine 62 (x86-64)); expected EM_386 (3)");
}

TEST(ElfLoaderI386, ImageWithoutAMultibootHeaderIsRejected) {
    EXPECT_EQ(std::string(parse_i386_error(i386_elf(0x100000, false)).what()),
              "t.elf: offset 0x0: no Multiboot header (magic 0x1badb002, 4-byte aligned) in the first 8 KB; "
              "expected one");
}

TEST(ElfLoaderI386, MultibootChecksumMustMakeTheSumZero) {
    const std::string what = parse_i386_error(i386_elf(0x100000, true, 1)).what();
    EXPECT_NE(what.find("offset 0x5c: Multiboot header checksum"), std::string::npos) << what;
}

TEST(ElfLoaderI386, SegmentBelowOneMegabyteIsRejected) {
    const std::string what = parse_i386_error(i386_elf(0x8000)).what();
    EXPECT_NE(what.find("p_paddr 0x00008000 is below 1 MB"), std::string::npos) << what;
}

using Parser = ElfImage (*)(const uint8_t*, size_t, const std::string&, uint64_t);

void expect_every_truncation_is_a_data_error(const std::vector<uint8_t>& full, Parser parser) {
    for (size_t length = 0; length < full.size(); ++length) {
        try {
            parser(full.data(), length, "t.elf", kRam);
            ADD_FAILURE() << "accepted a file cut at " << length << " bytes";
        } catch (const UserError& e) {
            EXPECT_EQ(e.code(), kExitDataErr) << length;
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        }
    }
}

// Random byte changes either give an image inside RAM or one data-error line naming the file.
void expect_corruptions_load_or_fail(const std::vector<uint8_t>& good, Parser parser, unsigned seed) {
    std::mt19937 rng(seed);
    int rejected = 0;
    for (int round = 0; round < 5000; ++round) {
        auto bytes = good;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
        try {
            ElfImage image = parser(bytes.data(), bytes.size(), "t.elf", kRam);
            for (const auto& s : image.segments) {
                EXPECT_LE(uint64_t{s.paddr} + s.memsz, kRam);
                EXPECT_LE(s.bytes.size(), s.memsz);
            }
        } catch (const UserError& e) {
            ++rejected;
            EXPECT_EQ(e.code(), kExitDataErr);
            EXPECT_EQ(std::string(e.what()).rfind("t.elf: ", 0), 0u) << e.what();
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        }
    }
    EXPECT_GT(rejected, 0);
}

TEST(ElfLoaderRobustness, EveryTruncationOfAValidFileIsADataError) {
    expect_every_truncation_is_a_data_error(valid_elf(), parse_elf);
    expect_every_truncation_is_a_data_error(i386_elf(), parse_elf_i386);
}

TEST(ElfLoaderRobustness, RandomBytesAreRejectedWithoutCrashing) {
    std::mt19937 rng(12345);
    for (int round = 0; round < 2000; ++round) {
        std::vector<uint8_t> bytes(rng() % 300);
        for (auto& b : bytes) b = static_cast<uint8_t>(rng());
        if (round % 2 == 0 && bytes.size() >= 7) {  // get past the magic half of the time
            const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
            std::copy(std::begin(ident), std::end(ident), bytes.begin());
        }
        EXPECT_THROW(parse(bytes), UserError) << round;
    }
}

TEST(ElfLoaderRobustness, RandomlyCorruptedValidFilesEitherLoadOrFailWithADataError) {
    expect_corruptions_load_or_fail(valid_elf(), parse_elf, 777);
    expect_corruptions_load_or_fail(i386_elf(), parse_elf_i386, 778);
}

// ---- symbol tables ----

// An ELF32 little-endian object with sections null, .text (AX), .data (WA), .symtab, .strtab and
// the symbols: null, FILE a.c, local FUNC f (.text), local OBJECT d (.data), global FUNC g
// (.text), weak NOTYPE u (undefined).
std::vector<uint8_t> object_with_symbols() {
    const std::string strtab = std::string("\0a.c\0f\0d\0g\0u\0", 13);
    const size_t symoff = 52, nsyms = 6, stroff = symoff + 16 * nsyms, shoff = stroff + 16;
    std::vector<uint8_t> b(shoff + 40 * 5, 0);
    const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
    std::copy(std::begin(ident), std::end(ident), b.begin());
    put16(b, 16, 1);  // ET_REL
    put16(b, 18, 3);  // EM_386
    put32(b, 32, static_cast<uint32_t>(shoff));
    put16(b, 46, 40);
    put16(b, 48, 5);
    struct Sym {
        uint32_t name, value, size;
        uint8_t info;
        uint16_t shndx;
    };
    const Sym syms[nsyms] = {{0, 0, 0, 0, 0},          {1, 0, 0, 0x04, 0xfff1}, {5, 0x10, 8, 0x02, 1},
                             {7, 0x4, 4, 0x01, 2},     {9, 0x20, 12, 0x12, 1},  {11, 0, 0, 0x20, 0}};
    for (size_t i = 0; i < nsyms; ++i) {
        const size_t at = symoff + 16 * i;
        put32(b, at, syms[i].name);
        put32(b, at + 4, syms[i].value);
        put32(b, at + 8, syms[i].size);
        b[at + 12] = syms[i].info;
        put16(b, at + 14, syms[i].shndx);
    }
    std::copy(strtab.begin(), strtab.end(), b.begin() + stroff);
    const auto section = [&](size_t i, uint32_t type, uint32_t flags, size_t off, size_t size, uint32_t link,
                             uint32_t entsize) {
        const size_t at = shoff + 40 * i;
        put32(b, at + 4, type);
        put32(b, at + 8, flags);
        put32(b, at + 16, static_cast<uint32_t>(off));
        put32(b, at + 20, static_cast<uint32_t>(size));
        put32(b, at + 24, link);
        put32(b, at + 36, entsize);
    };
    section(1, 1, 6, 0, 0, 0, 0);  // .text: PROGBITS, SHF_ALLOC | SHF_EXECINSTR (no bytes needed)
    section(2, 1, 3, 0, 0, 0, 0);  // .data: SHF_WRITE | SHF_ALLOC
    section(3, 2, 0, symoff, 16 * nsyms, 4, 16);
    section(4, 3, 0, stroff, strtab.size(), 0, 0);
    return b;
}

TEST(ElfSymbols, SymbolsComeInTableOrderWithTypeBindingAndWhetherTheyAreCode) {
    const std::vector<uint8_t> b = object_with_symbols();
    const std::vector<ElfSymbol> s = parse_elf32_symbols(b.data(), b.size(), "a.o");
    ASSERT_EQ(s.size(), 6u);
    EXPECT_EQ(s[1].name, "a.c");
    EXPECT_EQ(s[1].type, ElfSymbol::File);
    EXPECT_FALSE(s[1].code) << "SHN_ABS is no section";
    EXPECT_EQ(s[2].name, "f");
    EXPECT_EQ(s[2].type, ElfSymbol::Func);
    EXPECT_EQ(s[2].value, 0x10u);
    EXPECT_EQ(s[2].size, 8u);
    EXPECT_FALSE(s[2].global);
    EXPECT_TRUE(s[2].code);
    EXPECT_EQ(s[3].name, "d");
    EXPECT_EQ(s[3].type, ElfSymbol::Object);
    EXPECT_FALSE(s[3].code) << ".data is not executable";
    EXPECT_EQ(s[4].name, "g");
    EXPECT_TRUE(s[4].global);
    EXPECT_TRUE(s[4].code);
    EXPECT_EQ(s[5].name, "u");
    EXPECT_TRUE(s[5].global) << "STB_WEAK";
    EXPECT_FALSE(s[5].code) << "undefined";
}

TEST(ElfSymbols, AFileWithoutSectionHeadersHasNoSymbols) {
    std::vector<uint8_t> b = object_with_symbols();
    put16(b, 48, 0);
    EXPECT_TRUE(parse_elf32_symbols(b.data(), b.size(), "a.o").empty());
}

TEST(ElfSymbols, ASymbolTableOutsideTheFileIsADataErrorNamingTheFile) {
    std::vector<uint8_t> b = object_with_symbols();
    put32(b, 52 + 16 * 6 + 16 + 40 * 3 + 20, 0x10000);  // .symtab's sh_size
    const UserError e = user_error_from([&] { parse_elf32_symbols(b.data(), b.size(), "a.o"); });
    EXPECT_EQ(e.code(), kExitDataErr);
    EXPECT_NE(std::string(e.what()).find("a.o: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("symbol table"), std::string::npos) << e.what();
}

TEST(ElfSymbols, AnElf64IsNotAnElf32) {
    std::vector<uint8_t> b = object_with_symbols();
    b[4] = 2;
    const UserError e = user_error_from([&] { parse_elf32_symbols(b.data(), b.size(), "a.o"); });
    EXPECT_EQ(e.code(), kExitDataErr);
}

}  // namespace
}  // namespace vmsim::loader
