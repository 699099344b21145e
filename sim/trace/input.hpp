// The bytes of a trace: a file or standard input ("-"), read in fixed-size blocks, with gzip
// (zlib) or xz (liblzma) decompression chosen by the stream's own magic bytes, not by its name, so
// that a pipe and a misnamed file work alike. Readers (lackey, ChampSim, vmt) sit on top and see
// only the decompressed bytes; the offsets in their messages are offsets in those bytes.
//
// Memory is constant: one input block and one decompression window, whatever the stream's length.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vmsim::trace {

enum class Compression { None, Gzip, Xz };
const char* compression_name(Compression c);  // "none", "gzip", "xz"

// Where decompressed bytes come from (a file, a pipe, a generator in a test).
class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Up to `max` bytes into `out`; 0 at the end. Errors (unreadable file, corrupt compressed
    // data) are vmsim::UserError.
    virtual size_t read(uint8_t* out, size_t max) = 0;
};

// A trace's decompressed bytes with a look-ahead for format detection.
class Input {
public:
    // `name` is the path as messages show it ("-" for standard input). Throws UserError
    // (kExitNoInput) when the file cannot be opened.
    static std::unique_ptr<Input> open(const std::string& path);
    // Bytes from a source the caller made (tests, generators); no decompression.
    Input(std::string name, std::unique_ptr<ByteSource> source, Compression compression = Compression::None);

    const std::string& name() const { return name_; }
    Compression compression() const { return compression_; }

    // At least `n` bytes of what read() returns next, or fewer at the end of the stream; nothing
    // is consumed.
    const std::vector<uint8_t>& peek(size_t n);
    // Up to `max` bytes; 0 at the end. Fills as much of `max` as the stream has.
    size_t read(uint8_t* out, size_t max);
    // Decompressed bytes handed out by read() so far.
    uint64_t offset() const { return offset_; }

private:
    std::string name_;
    std::unique_ptr<ByteSource> source_;
    Compression compression_;
    std::vector<uint8_t> ahead_;  // peeked, not yet read
    uint64_t offset_ = 0;
};

// The error a reader throws: "NAME: byte N: what" (kExitDataErr).
[[noreturn]] void data_error_at_byte(const std::string& name, uint64_t byte, const std::string& what);
[[noreturn]] void data_error_at_line(const std::string& name, uint64_t line, const std::string& what);

}  // namespace vmsim::trace
