// Valgrind lackey's memory trace (`valgrind --tool=lackey --trace-mem=yes`), as lackey's
// lk_main.c prints it: one reference a line,
//
//     I  0401ab70,3        instruction fetch: address (hex, no 0x), size in bytes (decimal)
//      L 1ffefffd58,8      load
//      S 1ffefffd50,8      store
//      M 0421ed80,4        modify: a load and a store of the same bytes
//
// plus Valgrind's own `==PID== ...` lines (skipped) and blank lines (skipped). A line ending in
// "\r\n" is accepted. Anything else is an error naming the line.
#pragma once
#include <cstdint>
#include <memory>

#include "sim/trace/block.hpp"
#include "sim/trace/record.hpp"

namespace vmsim::trace {

class LackeyReader final : public RefSource {
public:
    explicit LackeyReader(std::unique_ptr<Input> input);
    size_t read(Ref* out, size_t max) override;
    uint64_t lines() const { return line_; }
    size_t buffer_bytes() const { return block_.capacity(); }

private:
    [[noreturn]] void bad_line(const uint8_t* p) const;

    std::unique_ptr<Input> input_;
    Block block_;
    uint64_t line_ = 0;  // lines consumed
};

}  // namespace vmsim::trace
