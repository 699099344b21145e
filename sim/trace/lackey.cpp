#include "sim/trace/lackey.hpp"

#include <algorithm>
#include <string>

#include "sim/common/text.hpp"

namespace vmsim::trace {

namespace {

constexpr size_t kBlockBytes = 1 << 20;
// The longest record line: "I  " or " L ", 16 hex digits, ',', a 32-bit size (10 digits), "\r\n".
// With at least this many bytes in the window (or the stream's end in it), a record line is whole.
constexpr size_t kMaxRecordLine = 3 + 16 + 1 + 10 + 2;
// The longest line of any kind (Valgrind's own) the reader skips.
constexpr size_t kMaxLine = kBlockBytes / 2;

// Hex digit values; 0xff for anything else.
struct HexTable {
    uint8_t v[256];
    constexpr HexTable() : v() {
        for (unsigned i = 0; i < 256; ++i) v[i] = 0xff;
        for (unsigned i = 0; i < 10; ++i) v['0' + i] = static_cast<uint8_t>(i);
        for (unsigned i = 0; i < 6; ++i) {
            v['a' + i] = static_cast<uint8_t>(10 + i);
            v['A' + i] = static_cast<uint8_t>(10 + i);
        }
    }
};
constexpr HexTable kHex;

// Parses one record line at p (the window holds it whole, or is padded with zeros after the
// stream's end). Returns the byte after its '\n', or null if the line is not a record.
inline const uint8_t* parse_record(const uint8_t* p, Ref& r) {
    if (p[0] == 'I') {
        if (p[1] != ' ' || p[2] != ' ') return nullptr;
        r.kind = Kind::Instr;
    } else if (p[0] == ' ' && p[2] == ' ') {
        switch (p[1]) {
            case 'L': r.kind = Kind::Load; break;
            case 'S': r.kind = Kind::Store; break;
            case 'M': r.kind = Kind::Modify; break;
            default: return nullptr;
        }
    } else {
        return nullptr;
    }
    p += 3;
    uint64_t a = 0;
    unsigned digits = 0;
    for (uint8_t d; (d = kHex.v[*p]) != 0xff; ++p, ++digits) a = (a << 4) | d;
    if (digits == 0 || digits > 16 || *p != ',') return nullptr;
    ++p;
    uint64_t size = 0;
    digits = 0;
    for (; *p >= '0' && *p <= '9'; ++p, ++digits) size = size * 10 + (*p - '0');
    if (digits == 0 || digits > 10 || size > UINT32_MAX) return nullptr;
    if (*p == '\r') ++p;
    if (*p != '\n') return nullptr;
    r.addr = a;
    r.size = static_cast<uint32_t>(size);
    return p + 1;
}

}  // namespace

LackeyReader::LackeyReader(std::unique_ptr<Input> input)
    : input_(std::move(input)), block_(*input_, kBlockBytes, 64) {}

void LackeyReader::bad_line(const uint8_t* p) const {
    const uint8_t* e = p;
    while (e < block_.end && *e != '\n' && e - p < 200) ++e;
    const std::string text(reinterpret_cast<const char*>(p), static_cast<size_t>(e - p));
    if (e == block_.end)
        data_error_at_line(block_.name(), line_ + 1, "truncated record: the trace ends inside the line " + quoted(text));
    data_error_at_line(block_.name(), line_ + 1,
                       "expected a lackey record ('I  ADDR,SIZE', ' L ADDR,SIZE', ' S ...', ' M ...') or a "
                       "'==PID==' line, got " + quoted(text));
}

size_t LackeyReader::read(Ref* out, size_t max) {
    size_t n = 0;
    const uint8_t* p = block_.pos;
    while (n < max) {
        if (static_cast<size_t>(block_.end - p) < kMaxRecordLine) {
            block_.pos = p;
            if (block_.fill(kMaxRecordLine) == 0) break;
            p = block_.pos;
            // The stream's last line may lack its '\n': the padding's 0 is not one, so such a line
            // is reported; lackey ends every line.
        }
        const uint8_t* next = parse_record(p, out[n]);
        if (next && next <= block_.end) {
            ++n;
            ++line_;
            p = next;
            continue;
        }
        if (*p == '\n' || (p[0] == '\r' && p[1] == '\n')) {  // blank line
            p += *p == '\n' ? 1 : 2;
            ++line_;
            continue;
        }
        if (p[0] == '=' && p[1] == '=') {  // Valgrind's own line: skip it whole
            for (;;) {
                const void* nl = std::memchr(p, '\n', static_cast<size_t>(block_.end - p));
                if (nl) {
                    p = static_cast<const uint8_t*>(nl) + 1;
                    break;
                }
                if (static_cast<size_t>(block_.end - p) >= kMaxLine)
                    data_error_at_line(block_.name(), line_ + 1, "line longer than " + std::to_string(kMaxLine) + " bytes");
                block_.pos = p;
                const size_t have = static_cast<size_t>(block_.end - p);
                if (block_.fill(have + 1) == have) {  // the stream ends inside the line
                    p = block_.end;
                    break;
                }
                p = block_.pos;
            }
            ++line_;
            continue;
        }
        block_.pos = p;
        bad_line(p);
    }
    block_.pos = p;
    return n;
}

}  // namespace vmsim::trace
