#include "sim/trace/vmt.hpp"

#include <algorithm>
#include <string>

#include "sim/common/errors.hpp"

namespace vmsim::trace {

namespace {

constexpr size_t kBlockBytes = 1 << 20;
// The longest record: a tag, a 10-byte LEB128 delta and a 5-byte LEB128 size; the end record is 9
// bytes. The decoder's fast loop runs while this many bytes are in the window.
constexpr size_t kMaxRecord = 16;
constexpr size_t kPad = 32;

// Tag byte: kind in bits 1:0, address mode in 3:2, size in 7:4 (1..15; 0: a LEB128 size follows).
constexpr uint8_t kModeDelta = 0, kModeNext = 1, kModeSame = 2, kModeSpecial = 3;
constexpr uint8_t kEndTag = kModeSpecial << 2;

unsigned stream_of(Kind k) { return k == Kind::Instr ? 0 : 1; }

inline uint64_t zigzag(uint64_t delta) { return (delta << 1) ^ static_cast<uint64_t>(static_cast<int64_t>(delta) >> 63); }
inline uint64_t unzigzag(uint64_t v) { return (v >> 1) ^ (~(v & 1) + 1); }

// LEB128 (unsigned) at p; sets `ok` false for more than 10 bytes or bits beyond 64.
inline const uint8_t* leb128(const uint8_t* p, uint64_t& v, bool& ok) {
    uint64_t b = *p++;
    v = b & 0x7f;
    if (b < 0x80) return p;
    unsigned shift = 7;
    do {
        b = *p++;
        if (shift == 63 && b > 1) ok = false;
        v |= (b & 0x7f) << shift;
        shift += 7;
    } while (b >= 0x80 && shift < 70);
    if (b >= 0x80) ok = false;
    return p;
}

inline uint8_t* put_leb128(uint8_t* p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = static_cast<uint8_t>(v | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<uint8_t>(v);
    return p;
}

}  // namespace

// ---- reader --------------------------------------------------------------------------------------

VmtReader::VmtReader(std::unique_ptr<Input> input) : input_(std::move(input)), block_(*input_, kBlockBytes, kPad) {
    const size_t have = block_.fill(kVmtHeaderBytes);
    const uint8_t* h = block_.pos;
    const std::string& name = block_.name();
    if (have < 8 || !std::equal(kVmtMagic, kVmtMagic + 8, h))
        data_error_at_byte(name, 0, "not a vmt trace (bad magic)");
    if (have < kVmtHeaderBytes)
        data_error_at_byte(name, have, "truncated vmt header: " + std::to_string(have) + " of 16 bytes");
    const unsigned version = h[8] | (h[9] << 8);
    if (version != kVmtVersion)
        data_error_at_byte(name, 8, "vmt version " + std::to_string(version) + " is not supported (this vmsim reads version " +
                                        std::to_string(kVmtVersion) + ")");
    address_bits_ = h[10];
    if (address_bits_ != 32 && address_bits_ != 64)
        data_error_at_byte(name, 10, "vmt address width " + std::to_string(address_bits_) + " (must be 32 or 64)");
    mask_ = address_bits_ == 64 ? ~uint64_t{0} : (uint64_t{1} << address_bits_) - 1;
    for (unsigned i = 11; i < kVmtHeaderBytes; ++i)
        if (h[i] != 0) data_error_at_byte(name, i, "vmt header: reserved byte is not 0");
    block_.pos += kVmtHeaderBytes;
}

void VmtReader::finish(const uint8_t* p) {
    // p: the end tag, with 8 count bytes after it (the caller made them available or hit the end).
    const std::string& name = block_.name();
    const uint64_t at = block_.offset_of(p);
    if (block_.end - p < 9) data_error_at_byte(name, at, "truncated vmt end record");
    uint64_t count;
    std::memcpy(&count, p + 1, 8);
    if (count != records_)
        data_error_at_byte(name, at, "vmt end record says " + std::to_string(count) + " records, the trace has " +
                                         std::to_string(records_) + " (corrupt)");
    block_.pos = p + 9;
    if (block_.fill(1) != 0) data_error_at_byte(name, at + 9, "bytes after the vmt end record");
    ended_ = true;
}

size_t VmtReader::read(Ref* out, size_t max) {
    if (ended_) return 0;
    size_t n = 0;
    const uint8_t* p = block_.pos;
    uint64_t a0 = last_addr_[0], a1 = last_addr_[1], s0 = last_size_[0], s1 = last_size_[1];
    const uint64_t mask = mask_;
    bool ok = true;
    while (n < max) {
        const uint8_t* end = block_.end;
        if (static_cast<size_t>(end - p) < kMaxRecord) {
            block_.pos = p;
            const size_t have = block_.fill(kMaxRecord);
            p = block_.pos;
            end = block_.end;
            if (have == 0)
                data_error_at_byte(block_.name(), block_.offset_of(p),
                                   "truncated vmt trace: no end record after " + std::to_string(records_ + n) + " records");
        }
        const uint8_t* rec = p;
        const uint8_t tag = *p++;
        const unsigned mode = (tag >> 2) & 3;
        const Kind kind = static_cast<Kind>(tag & 3);
        const bool instr = kind == Kind::Instr;
        uint64_t& a = instr ? a0 : a1;
        uint64_t& s = instr ? s0 : s1;
        if (mode == kModeDelta) {
            uint64_t d;
            p = leb128(p, d, ok);
            a = (a + unzigzag(d)) & mask;
        } else if (mode == kModeNext) {
            a = (a + s) & mask;
        } else if (mode == kModeSpecial) {
            records_ += n;
            last_addr_[0] = a0, last_addr_[1] = a1, last_size_[0] = s0, last_size_[1] = s1;
            if (tag != kEndTag) data_error_at_byte(block_.name(), block_.offset_of(rec), "corrupt vmt record: reserved tag " + std::to_string(tag));
            block_.pos = rec;
            block_.fill(9);
            finish(block_.pos);
            return n;
        }
        uint64_t size = tag >> 4;
        if (size == 0) p = leb128(p, size, ok);
        if (!ok || p > end || size > UINT32_MAX) {
            records_ += n;
            data_error_at_byte(block_.name(), block_.offset_of(rec),
                               p > end ? "truncated vmt record" : "corrupt vmt record (bad length field)");
        }
        s = size;
        out[n++] = Ref{a, static_cast<uint32_t>(size), kind};
    }
    block_.pos = p;
    records_ += n;
    last_addr_[0] = a0, last_addr_[1] = a1, last_size_[0] = s0, last_size_[1] = s1;
    return n;
}

// ---- writer --------------------------------------------------------------------------------------

VmtWriter::VmtWriter(std::unique_ptr<Output> out, unsigned address_bits)
    : out_(std::move(out)), address_bits_(address_bits), buf_(1 << 18) {
    if (address_bits != 32 && address_bits != 64) throw std::invalid_argument("vmt: address width must be 32 or 64");
    uint8_t h[kVmtHeaderBytes] = {};
    std::copy(kVmtMagic, kVmtMagic + 8, h);
    h[8] = kVmtVersion & 0xff;
    h[9] = kVmtVersion >> 8;
    h[10] = static_cast<uint8_t>(address_bits);
    out_->write(h, sizeof h);
}

void VmtWriter::flush() {
    out_->write(buf_.data(), used_);
    used_ = 0;
}

void VmtWriter::write(const Ref* refs, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        const Ref& r = refs[i];
        if (address_bits_ == 32 && r.addr >> 32)
            throw UserError(kExitDataErr, "vmt: reference " + std::to_string(records_ + 1) + " has a 64-bit address in a " +
                                              "trace of 32-bit addresses");
        if (buf_.size() - used_ < kMaxRecord) flush();
        const unsigned st = stream_of(r.kind);
        uint8_t* p = buf_.data() + used_;
        uint8_t* tag = p++;
        uint8_t mode;
        if (r.addr == last_addr_[st]) {
            mode = kModeSame;
        } else if (r.addr == last_addr_[st] + last_size_[st]) {
            mode = kModeNext;
        } else {
            mode = kModeDelta;
            p = put_leb128(p, zigzag(r.addr - last_addr_[st]));
        }
        const uint8_t size_field = r.size >= 1 && r.size <= 15 ? static_cast<uint8_t>(r.size) : 0;
        if (size_field == 0) p = put_leb128(p, r.size);
        *tag = static_cast<uint8_t>(static_cast<uint8_t>(r.kind) | (mode << 2) | (size_field << 4));
        used_ = static_cast<size_t>(p - buf_.data());
        last_addr_[st] = r.addr;
        last_size_[st] = r.size;
        ++records_;
    }
}

void VmtWriter::close() {
    if (buf_.size() - used_ < 9) flush();
    buf_[used_++] = kEndTag;
    std::memcpy(&buf_[used_], &records_, 8);
    used_ += 8;
    flush();
    out_->close();
}

}  // namespace vmsim::trace
