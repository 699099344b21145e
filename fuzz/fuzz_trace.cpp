// libFuzzer target: the trace readers (sim/trace/). The input is written to a file and opened the
// way `vmsim replay` and `vmsim trace` open one, so the gzip and xz paths are reached through their
// magic bytes: once with the format detected, then as each format named explicitly. A rejection
// must be a one-line, bounded UserError (65 or 66). What a reader accepts must survive vmt: the
// references written with VmtWriter and read back with VmtReader are the same, one for one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "sim/trace/format.hpp"
#include "sim/trace/input.hpp"
#include "sim/trace/output.hpp"
#include "sim/trace/vmt.hpp"

namespace {

using namespace vmsim::trace;

// A decompression bomb of a few KB can expand to gigabytes: read at most this many references
// of one input (libFuzzer's timeout would report it as a hang, which it is not).
constexpr size_t kMaxRefs = size_t{1} << 18;

class MemoryOutput final : public Output {
public:
    explicit MemoryOutput(std::vector<uint8_t>& bytes) : bytes_(bytes) {}
    void write(const uint8_t* data, size_t n) override { bytes_.insert(bytes_.end(), data, data + n); }
    void close() override {}

private:
    std::vector<uint8_t>& bytes_;
};

class MemorySource final : public ByteSource {
public:
    explicit MemorySource(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
    size_t read(uint8_t* out, size_t max) override {
        const size_t n = std::min(max, bytes_.size() - at_);
        std::copy(bytes_.begin() + static_cast<std::ptrdiff_t>(at_),
                  bytes_.begin() + static_cast<std::ptrdiff_t>(at_ + n), out);
        at_ += n;
        return n;
    }

private:
    std::vector<uint8_t> bytes_;
    size_t at_ = 0;
};

bool same(const Ref& a, const Ref& b) { return a.addr == b.addr && a.size == b.size && a.kind == b.kind; }

// The references of `path` read as `format`, at most kMaxRefs; false when the reader rejected it.
bool read_all(const std::string& path, Format format, std::vector<Ref>& refs) {
    refs.clear();
    try {
        const OpenedTrace t = open_trace(path, format);
        reading(t, [&] {
            Ref buf[256];
            while (refs.size() < kMaxRefs) {
                const size_t n = t.source->read(buf, sizeof buf / sizeof buf[0]);
                if (n == 0) break;
                if (n > sizeof buf / sizeof buf[0]) vmsim::fuzz::finding("read() returned more than asked", path);
                refs.insert(refs.end(), buf, buf + n);
            }
            return 0;
        });
        return true;
    } catch (const vmsim::UserError& e) {
        vmsim::fuzz::check_rejection(e, {vmsim::kExitDataErr, vmsim::kExitNoInput});
        return false;
    }
}

void check_round_trip(const std::vector<Ref>& refs, const std::string& path) {
    std::vector<uint8_t> bytes;
    VmtWriter writer(std::make_unique<MemoryOutput>(bytes), 64);
    writer.write(refs.data(), refs.size());
    writer.close();
    VmtReader reader(std::make_unique<Input>("round-trip.vmt", std::make_unique<MemorySource>(std::move(bytes))));
    std::vector<Ref> back(refs.size() + 1);
    size_t got = 0;
    for (size_t n; (n = reader.read(back.data() + got, back.size() - got)) != 0;) got += n;
    if (got != refs.size()) vmsim::fuzz::finding("vmt round trip changed the number of references", path);
    for (size_t i = 0; i < got; ++i)
        if (!same(back[i], refs[i])) vmsim::fuzz::finding("vmt round trip changed a reference", path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = vmsim::fuzz::write_input("input.trace", data, size);

    std::vector<Ref> refs;
    for (Format f : {Format::Auto, Format::Lackey, Format::ChampSim, Format::Vmt})
        if (read_all(path, f, refs) && refs.size() < kMaxRefs) check_round_trip(refs, path);
    return 0;
}
