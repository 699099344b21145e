// Host speed of the R3000 trap-driven replay (not a test; docs/performance.md, "R3000
// trap-driven replay"). Decodes a generated stream into memory first, then replays it
// `--repeat` times through replay_r3000() and, beside it, through the cost floor: a plain
// loop that does one hash-map lookup per reference's page.
//
//   r3000_replay_bench [--refs N] [--repeat K] [--cold-per-mille P]
//
// The stream: all but P per mille (default 5) of the references go to 32 hot pages, the
// rest walk 2000 cold pages in turn, which the 64-entry TLB cannot hold and the 4096-entry
// software TLB can (a miss runs the 15-instruction refill). A cold miss may evict a hot
// page (Random), so the miss rate is about twice P: 1 % at the default. Prints the replay's references per second,
// its miss rate, the floor's and their ratio.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/platform/r3000/replay.hpp"

namespace {

using vmsim::trace::Kind;
using vmsim::trace::Ref;

// The decoded trace, `repeat` times over, in the batches the engine asks for.
class RepeatSource final : public vmsim::trace::RefSource {
public:
    RepeatSource(const std::vector<Ref>& refs, uint64_t repeat) : refs_(refs), left_(repeat) {}
    std::size_t read(Ref* out, std::size_t max) override {
        if (pos_ == refs_.size()) {
            if (left_ == 0) return 0;
            pos_ = 0;
        }
        if (pos_ == 0) --left_;
        const std::size_t n = std::min(max, refs_.size() - pos_);
        std::memcpy(out, refs_.data() + pos_, n * sizeof(Ref));
        pos_ += n;
        return n;
    }

private:
    const std::vector<Ref>& refs_;
    std::size_t pos_ = 0;
    uint64_t left_;
};

std::vector<Ref> generate(uint64_t n, unsigned cold_per_mille) {
    std::vector<Ref> refs(n);
    uint32_t x = 2463534242u;  // xorshift32 (Marsaglia 2003)
    uint64_t cold = 0;
    for (uint64_t i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        const bool is_cold = x % 1000 < cold_per_mille;
        const uint64_t page = is_cold ? 64 + (cold++ % 2000) : (x >> 8) % 32;
        const Kind kind = static_cast<Kind>((x >> 16) % 3);  // instr, load, store
        refs[i] = Ref{0x555555554000ull + page * 4096 + ((x >> 4) & 0xff8), 8, kind};
    }
    return refs;
}

}  // namespace

extern "C" int sc_main(int argc, char** argv) {
    uint64_t n = 4'000'000, repeat = 10;
    unsigned cold_per_mille = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
        if (a == "--refs") n = v;
        else if (a == "--repeat") repeat = v;
        else if (a == "--cold-per-mille") cold_per_mille = static_cast<unsigned>(v);
        else {
            std::fprintf(stderr, "usage: %s [--refs N] [--repeat K] [--cold-per-mille P]\n", argv[0]);
            return 64;
        }
    }
    const std::vector<Ref> refs = generate(n, cold_per_mille);

    // The floor: one hash-map lookup per reference's page, over the same decoded trace.
    std::unordered_map<uint64_t, uint32_t> pages;
    for (const Ref& r : refs) pages.emplace(r.addr >> 12, static_cast<uint32_t>(pages.size()));
    uint64_t sum = 0;
    const auto f0 = std::chrono::steady_clock::now();
    for (uint64_t k = 0; k < repeat; ++k)
        for (const Ref& r : refs) sum += pages.find(r.addr >> 12)->second;
    const double floor_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - f0).count();

    RepeatSource source(refs, repeat);
    vmsim::platform::ReplayOptions options;
    options.kernel = AEGIS_REPLAY_ELF;
    vmsim::stats::Registry stats;
    const auto r = vmsim::platform::replay_r3000(vmsim::platform::R3000Config{}, source, options, stats);
    if (r.run.outcome != vmsim::platform::Outcome::Exited) {
        std::fprintf(stderr, "%s\n", r.run.message.c_str());
        return 70;
    }
    const double total = static_cast<double>(n * repeat);
    const double replay_mrefs = total / r.replay.host_seconds / 1e6, floor_mrefs = total / floor_s / 1e6;
    std::printf("references %.0f  tlb misses %llu (%.2f %%)  fast refills %llu  instructions/miss %.1f\n", total,
                static_cast<unsigned long long>(r.replay.tlb_misses), 100.0 * r.replay.tlb_misses / total,
                static_cast<unsigned long long>(r.replay.fast_refills),
                r.replay.tlb_misses ? static_cast<double>(r.replay.guest_instructions) / r.replay.tlb_misses : 0.0);
    std::printf("replay %.1f M refs/s (%.3f s)  floor (hash map per page) %.1f M refs/s (%.3f s)  ratio %.2f  [%llu]\n",
                replay_mrefs, r.replay.host_seconds, floor_mrefs, floor_s, replay_mrefs / floor_mrefs,
                static_cast<unsigned long long>(sum % 10));
    return 0;
}
