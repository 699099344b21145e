// vmt, vmsim's compact trace format (docs/trace-format.md): a 16-byte header (magic, version,
// address width), delta-encoded records of one to a few bytes each, and an end record holding the
// record count, so that a trace cut short anywhere is detected.
#pragma once
#include <cstdint>
#include <memory>

#include "sim/trace/block.hpp"
#include "sim/trace/output.hpp"
#include "sim/trace/record.hpp"

namespace vmsim::trace {

constexpr uint8_t kVmtMagic[8] = {0x89, 'V', 'M', 'T', '\r', '\n', 0x1a, '\n'};
constexpr uint16_t kVmtVersion = 1;
constexpr size_t kVmtHeaderBytes = 16;

class VmtReader final : public RefSource {
public:
    // Reads and checks the header (bad magic, version, width or reserved bytes: UserError).
    explicit VmtReader(std::unique_ptr<Input> input);
    size_t read(Ref* out, size_t max) override;
    unsigned address_bits() const { return address_bits_; }
    uint64_t records() const { return records_; }
    size_t buffer_bytes() const { return block_.capacity(); }

private:
    // The end record at `p` (its tag checked): the count must match and nothing may follow.
    void finish(const uint8_t* p);

    std::unique_ptr<Input> input_;
    Block block_;
    unsigned address_bits_ = 64;
    uint64_t mask_ = ~uint64_t{0};
    uint64_t records_ = 0;
    uint64_t last_addr_[2] = {0, 0};  // [0] instructions, [1] data
    uint64_t last_size_[2] = {0, 0};
    bool ended_ = false;
};

class VmtWriter {
public:
    // `address_bits`: 32 or 64; with 32 an address of 2^32 or more is an error (UserError,
    // kExitDataErr) when written.
    VmtWriter(std::unique_ptr<Output> out, unsigned address_bits = 64);
    void write(const Ref* refs, size_t n);
    // Writes the end record and closes the output.
    void close();
    uint64_t records() const { return records_; }

private:
    void flush();

    std::unique_ptr<Output> out_;
    unsigned address_bits_;
    std::vector<uint8_t> buf_;
    size_t used_ = 0;
    uint64_t records_ = 0;
    uint64_t last_addr_[2] = {0, 0};
    uint64_t last_size_[2] = {0, 0};
};

}  // namespace vmsim::trace
