#include "sim/trace/champsim.hpp"

#include <string>

namespace vmsim::trace {

namespace {

constexpr size_t kBlockBytes = kChampSimRecordBytes * 8192;
constexpr size_t kIsBranch = 8, kBranchTaken = 9, kDstMem = 16, kSrcMem = 32;

uint64_t le64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);  // little-endian host (x86-64, as the format)
    return v;
}

}  // namespace

bool plausible_champsim(const uint8_t* bytes, size_t n) {
    return n >= kChampSimRecordBytes && bytes[kIsBranch] <= 1 && bytes[kBranchTaken] <= 1 && le64(bytes) != 0;
}

ChampSimReader::ChampSimReader(std::unique_ptr<Input> input)
    : input_(std::move(input)), block_(*input_, kBlockBytes, 0) {}

size_t ChampSimReader::read(Ref* out, size_t max) {
    size_t n = 0;
    while (n < max && pending_at_ < pending_n_) out[n++] = pending_[pending_at_++];
    const uint8_t* p = block_.pos;
    while (n < max) {
        if (static_cast<size_t>(block_.end - p) < kChampSimRecordBytes) {
            block_.pos = p;
            const size_t have = block_.fill(kChampSimRecordBytes);
            p = block_.pos;
            if (have == 0) break;
            if (have < kChampSimRecordBytes)
                data_error_at_byte(block_.name(), block_.offset_of(p),
                                   "truncated ChampSim record: " + std::to_string(have) + " of " +
                                       std::to_string(kChampSimRecordBytes) + " bytes");
        }
        if (p[kIsBranch] > 1 || p[kBranchTaken] > 1)
            data_error_at_byte(block_.name(), block_.offset_of(p),
                               "corrupt ChampSim record: is_branch = " + std::to_string(p[kIsBranch]) +
                                   ", branch_taken = " + std::to_string(p[kBranchTaken]) + " (each must be 0 or 1)");
        Ref refs[7];
        unsigned k = 0;
        refs[k++] = Ref{le64(p), 0, Kind::Instr};
        for (unsigned i = 0; i < 4; ++i)
            if (const uint64_t a = le64(p + kSrcMem + 8 * i)) refs[k++] = Ref{a, 0, Kind::Load};
        for (unsigned i = 0; i < 2; ++i)
            if (const uint64_t a = le64(p + kDstMem + 8 * i)) refs[k++] = Ref{a, 0, Kind::Store};
        p += kChampSimRecordBytes;
        ++records_;
        unsigned i = 0;
        while (i < k && n < max) out[n++] = refs[i++];
        if (i < k) {
            pending_n_ = 0;
            pending_at_ = 0;
            while (i < k) pending_[pending_n_++] = refs[i++];
        }
    }
    block_.pos = p;
    return n;
}

}  // namespace vmsim::trace
