// x86_pc_run: runs a Multiboot i386 guest on the i386 platform (models/x86_64/pc.hpp) the way the
// oracle runs it on qemu-system-i386, for guest developers comparing the two:
//
//     build/tests/models/x86_64/x86_pc_run guest.elf [max_instructions]
//
// COM1 goes to stdout, one line on stderr says how the run ended (and the instructions, cycles and
// interrupts), then one line per sim-control region (entries, cycles in all, cycles an entry), and the exit status is qemu's: 2v + 1 after a guest exit v, 0 after a triple fault
// (qemu -no-reboot), 2 for any other end (halt, guest error, instruction limit, loader error).
// A developer tool, not a test.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "models/x86_64/pc.hpp"
#include "sim/loader/elf_loader.hpp"

int main(int argc, char** argv) {
    using vmsim::x86::pc::Pc;
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: %s guest.elf [max_instructions]\n", argv[0]);
        return 2;
    }
    const uint64_t limit = argc == 3 ? std::strtoull(argv[2], nullptr, 0) : 1'000'000'000ull;
    Pc pc;
    try {
        const vmsim::loader::ElfImage image = vmsim::loader::load_elf_i386(argv[1], pc.ram().size());
        for (const auto& s : image.segments) pc.load(s.paddr, s.bytes.data(), s.bytes.size(), s.memsz);
        pc.boot_multiboot(image.entry);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }
    const Pc::Result r = pc.run(limit);
    std::fwrite(pc.console().data(), 1, pc.console().size(), stdout);
    std::fflush(stdout);
    const auto& cpu = pc.cpu();
    const std::string counts = " (" + std::to_string(cpu.instructions()) + " instructions, " +
                               std::to_string(cpu.cycles()) + " cycles, " + std::to_string(cpu.interrupts()) +
                               " interrupts)";
    // Regions: cycles from each begin to its end, summed by id (sum_regions).
    const auto print_regions = [&] {
        for (const auto& [id, t] : vmsim::x86::pc::sum_regions(pc.regions()))
            std::fprintf(stderr, "region %u: %llu entries, %llu cycles, %.1f an entry\n", id,
                         static_cast<unsigned long long>(t.entries), static_cast<unsigned long long>(t.cycles),
                         static_cast<double>(t.cycles) / static_cast<double>(t.entries));
    };
    switch (r.kind) {
    case Pc::Result::Exit:
        std::fprintf(stderr, "guest exit %u%s\n", r.exit_value, counts.c_str());
        print_regions();
        return static_cast<int>((r.exit_value << 1 | 1) & 0xff);
    case Pc::Result::Limit:
        std::fprintf(stderr, "instruction limit reached%s\n", counts.c_str());
        return 2;
    case Pc::Result::TripleFault:
        std::fprintf(stderr, "%s%s\n", r.message.c_str(), counts.c_str());
        return 0;
    default:
        std::fprintf(stderr, "%s%s\n", r.message.c_str(), counts.c_str());
        return 2;
    }
}
