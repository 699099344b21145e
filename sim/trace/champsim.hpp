// ChampSim binary traces: 64-byte little-endian records, one per instruction (ChampSim's
// `input_instr`, ../shared/reference/x86.md):
//
//     u64 ip; u8 is_branch; u8 branch_taken; u8 dst_regs[2]; u8 src_regs[4];
//     u64 dst_mem[2]; u64 src_mem[4];
//
// Each record yields the instruction fetch at `ip`, then a load for each nonzero src_mem, then a
// store for each nonzero dst_mem, in array order: an instruction reads its sources before it
// writes its destinations. The format records no access sizes: every reference has size 0. An
// address that is both a source and a destination gives a load and a store (not a Modify).
//
// Checks: a record cut short by the end of the stream, and is_branch or branch_taken other than 0
// or 1 (bytes that are not a ChampSim trace), are errors naming the record's byte offset.
#pragma once
#include <cstdint>
#include <memory>

#include "sim/trace/block.hpp"
#include "sim/trace/record.hpp"

namespace vmsim::trace {

constexpr size_t kChampSimRecordBytes = 64;

// Whether `bytes` (the start of a stream, at most one record) may begin a ChampSim trace: its
// branch flags are 0 or 1. Used by format detection.
bool plausible_champsim(const uint8_t* bytes, size_t n);

class ChampSimReader final : public RefSource {
public:
    explicit ChampSimReader(std::unique_ptr<Input> input);
    size_t read(Ref* out, size_t max) override;
    uint64_t records() const { return records_; }
    size_t buffer_bytes() const { return block_.capacity(); }

private:
    std::unique_ptr<Input> input_;
    Block block_;
    uint64_t records_ = 0;
    Ref pending_[7];  // the rest of a record that did not fit the caller's batch
    unsigned pending_n_ = 0, pending_at_ = 0;
};

}  // namespace vmsim::trace
