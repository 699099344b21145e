#include "sim/trace/tools.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/trace/vmt.hpp"

namespace vmsim::trace {

namespace {
constexpr size_t kBatch = 4096;
constexpr unsigned kPageShift[3] = {12, 21, 30};
}  // namespace

TraceInfo summarize(RefSource& source) {
    TraceInfo info;
    std::unordered_set<uint64_t> pages[3];
    uint64_t last[3] = {~uint64_t{0}, ~uint64_t{0}, ~uint64_t{0}};
    std::vector<Ref> batch(kBatch);
    info.min_addr = ~uint64_t{0};
    for (size_t n; (n = source.read(batch.data(), batch.size())) != 0;) {
        for (size_t i = 0; i < n; ++i) {
            const Ref& r = batch[i];
            ++info.by_kind[static_cast<unsigned>(r.kind)];
            info.min_addr = std::min(info.min_addr, r.addr);
            info.max_addr = std::max(info.max_addr, r.addr);
            if (r.size > 1 && ((r.addr & 0xfff) + r.size - 1) >> 12) ++info.crossing;
            for (unsigned s = 0; s < 3; ++s) {
                const uint64_t page = r.addr >> kPageShift[s];
                if (page != last[s]) {  // most references stay on the page of the one before
                    pages[s].insert(page);
                    last[s] = page;
                }
            }
        }
        info.refs += n;
    }
    if (info.refs == 0) info.min_addr = 0;
    for (unsigned s = 0; s < 3; ++s) info.pages[s] = pages[s].size();
    return info;
}

std::string info_text(const TraceInfo& i) {
    std::string out;
    const auto line = [&](const char* name, const std::string& value) { out += fmt::format("{:<22} {}\n", name, value); };
    line("references", std::to_string(i.refs));
    line("instructions", std::to_string(i.by_kind[0]));
    line("loads", std::to_string(i.by_kind[1]));
    line("stores", std::to_string(i.by_kind[2]));
    line("modifies", std::to_string(i.by_kind[3]));
    line("page_crossing", std::to_string(i.crossing));
    line("lowest_address", fmt::format("0x{:x}", i.min_addr));
    line("highest_address", fmt::format("0x{:x}", i.max_addr));
    line("pages_4k", std::to_string(i.pages[0]));
    line("pages_2m", std::to_string(i.pages[1]));
    line("pages_1g", std::to_string(i.pages[2]));
    line("footprint_bytes", fmt::format("{} (distinct 4 KB pages x 4096)", i.pages[0] << 12));
    return out;
}

LackeyWriter::LackeyWriter(std::unique_ptr<Output> out) : out_(std::move(out)), buf_(1 << 18) {}

void LackeyWriter::write(const Ref* refs, size_t n) {
    static const char kHex[] = "0123456789abcdef";
    static const char* kPrefix[4] = {"I  ", " L ", " S ", " M "};
    for (size_t i = 0; i < n; ++i) {
        if (buf_.size() - used_ < 64) {
            out_->write(reinterpret_cast<const uint8_t*>(buf_.data()), used_);
            used_ = 0;
        }
        const Ref& r = refs[i];
        char* p = buf_.data() + used_;
        std::memcpy(p, kPrefix[static_cast<unsigned>(r.kind)], 3);
        p += 3;
        unsigned digits = 8;  // lackey's %08lx: at least 8
        while (digits < 16 && (r.addr >> (4 * digits))) ++digits;
        for (unsigned d = digits; d-- > 0;) *p++ = kHex[(r.addr >> (4 * d)) & 0xf];
        *p++ = ',';
        char num[12];
        unsigned k = 0;
        uint32_t s = r.size;
        do num[k++] = static_cast<char>('0' + s % 10);
        while ((s /= 10) != 0);
        while (k > 0) *p++ = num[--k];
        *p++ = '\n';
        used_ = static_cast<size_t>(p - buf_.data());
    }
}

void LackeyWriter::close() {
    out_->write(reinterpret_cast<const uint8_t*>(buf_.data()), used_);
    used_ = 0;
    out_->close();
}

uint64_t convert(RefSource& source, Format to, std::unique_ptr<Output> out) {
    std::vector<Ref> batch(kBatch);
    uint64_t total = 0;
    const auto pump = [&](auto& writer) {
        for (size_t n; (n = source.read(batch.data(), batch.size())) != 0; total += n) writer.write(batch.data(), n);
        writer.close();
    };
    switch (to) {
        case Format::Vmt: {
            VmtWriter w(std::move(out));
            pump(w);
            break;
        }
        case Format::Lackey: {
            LackeyWriter w(std::move(out));
            pump(w);
            break;
        }
        default:
            throw UserError(kExitUsage, std::string("trace convert: cannot write ") + format_name(to) +
                                            " (output formats: vmt, lackey)");
    }
    return total;
}

}  // namespace vmsim::trace
