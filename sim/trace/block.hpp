// The fixed-size window a reader parses from: bytes [pos, end) of the decompressed stream, with
// zero padding after `end` so that a decoder can look a few bytes ahead without a bounds check
// (the padding never parses as a whole record; a reader checks where a record ended). The window
// never grows: a reader's memory is constant whatever the trace's length.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "sim/trace/input.hpp"

namespace vmsim::trace {

class Block {
public:
    Block(Input& input, size_t size, size_t pad) : input_(input), size_(size), pad_(pad), buf_(size + pad, 0) {
        pos = end = buf_.data();
    }

    // Makes at least `want` bytes available at `pos` if the stream has them (fewer at its end);
    // returns how many are available. Bytes before `pos` are dropped.
    size_t fill(size_t want) {
        size_t have = static_cast<size_t>(end - pos);
        if (have >= want || eof_) return have;
        base_ += static_cast<uint64_t>(pos - buf_.data());
        std::memmove(buf_.data(), pos, have);
        while (have < want && !eof_) {
            const size_t got = input_.read(buf_.data() + have, size_ - have);
            if (got == 0) eof_ = true;
            have += got;
        }
        pos = buf_.data();
        end = pos + have;
        std::memset(buf_.data() + have, 0, pad_);
        return have;
    }

    bool eof() const { return eof_ && pos == end; }
    // Offset in the decompressed stream of a byte in the window.
    uint64_t offset_of(const uint8_t* p) const { return base_ + static_cast<uint64_t>(p - buf_.data()); }
    size_t capacity() const { return buf_.capacity(); }
    const std::string& name() const { return input_.name(); }

    const uint8_t* pos;
    const uint8_t* end;

private:
    Input& input_;
    size_t size_, pad_;
    std::vector<uint8_t> buf_;
    uint64_t base_ = 0;  // stream offset of buf_[0]
    bool eof_ = false;
};

}  // namespace vmsim::trace
