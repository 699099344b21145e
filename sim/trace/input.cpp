#include "sim/trace/input.hpp"

#include <fcntl.h>
#include <lzma.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"

namespace vmsim::trace {

const char* compression_name(Compression c) {
    switch (c) {
        case Compression::None: return "none";
        case Compression::Gzip: return "gzip";
        case Compression::Xz: return "xz";
    }
    return "?";
}

void data_error_at_byte(const std::string& name, uint64_t byte, const std::string& what) {
    throw UserError(kExitDataErr, printable_path(name) + ": byte " + std::to_string(byte) + ": " + what);
}

void data_error_at_line(const std::string& name, uint64_t line, const std::string& what) {
    throw UserError(kExitDataErr, printable_path(name) + ":" + std::to_string(line) + ": " + what);
}

namespace {

constexpr size_t kBlock = 1 << 18;  // bytes read from the file at a time (compressed side)

// The raw bytes of a file descriptor, with the few bytes read to detect compression put back.
class FdSource final : public ByteSource {
public:
    FdSource(std::string name, int fd, bool owned) : name_(std::move(name)), fd_(fd), owned_(owned) {}
    ~FdSource() override {
        if (owned_) ::close(fd_);
    }
    size_t read(uint8_t* out, size_t max) override {
        if (max == 0) return 0;
        if (!prefix_.empty()) {
            const size_t n = std::min(max, prefix_.size());
            std::memcpy(out, prefix_.data(), n);
            prefix_.erase(prefix_.begin(), prefix_.begin() + static_cast<std::ptrdiff_t>(n));
            return n;
        }
        for (;;) {
            const ssize_t n = ::read(fd_, out, max);
            if (n >= 0) return static_cast<size_t>(n);
            if (errno == EINTR) continue;
            throw UserError(kExitNoInput, printable_path(name_) + ": cannot read: " + std::strerror(errno));
        }
    }
    // Reads up to `n` bytes and keeps them to be read again.
    const std::vector<uint8_t>& head(size_t n) {
        while (prefix_.size() < n) {
            uint8_t buf[16];
            const size_t want = std::min(n - prefix_.size(), sizeof buf);
            ssize_t got;
            do got = ::read(fd_, buf, want);
            while (got < 0 && errno == EINTR);
            if (got < 0) throw UserError(kExitNoInput, printable_path(name_) + ": cannot read: " + std::strerror(errno));
            if (got == 0) break;
            prefix_.insert(prefix_.end(), buf, buf + got);
        }
        return prefix_;
    }

private:
    std::string name_;
    int fd_;
    bool owned_;
    std::vector<uint8_t> prefix_;
};

// gzip through zlib's inflate; concatenated members (as `cat a.gz b.gz` makes) are read as one.
class GzipSource final : public ByteSource {
public:
    GzipSource(std::string name, std::unique_ptr<ByteSource> raw) : name_(std::move(name)), raw_(std::move(raw)), in_(kBlock) {
        std::memset(&z_, 0, sizeof z_);
        if (inflateInit2(&z_, 15 + 16) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed");
    }
    ~GzipSource() override { inflateEnd(&z_); }
    size_t read(uint8_t* out, size_t max) override {
        z_.next_out = out;
        z_.avail_out = static_cast<uInt>(std::min<size_t>(max, 1u << 30));
        while (z_.avail_out > 0) {
            if (z_.avail_in == 0) {
                if (eof_) break;
                const size_t n = raw_->read(in_.data(), in_.size());
                if (n == 0) {
                    eof_ = true;
                    if (in_member_) data_error_at_byte(name_, consumed_, "truncated gzip stream");
                    break;
                }
                z_.next_in = in_.data();
                z_.avail_in = static_cast<uInt>(n);
            }
            const uInt before = z_.avail_in;
            in_member_ = true;
            const int rc = inflate(&z_, Z_NO_FLUSH);
            consumed_ += before - z_.avail_in;
            if (rc == Z_STREAM_END) {
                in_member_ = false;
                inflateReset(&z_);  // another member may follow
            } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                data_error_at_byte(name_, consumed_,
                                   std::string("corrupt gzip data (compressed offset): ") + (z_.msg ? z_.msg : "zlib error"));
            }
        }
        return static_cast<size_t>(z_.next_out - out);
    }

private:
    std::string name_;
    std::unique_ptr<ByteSource> raw_;
    std::vector<uint8_t> in_;
    z_stream z_;
    bool eof_ = false, in_member_ = false;
    uint64_t consumed_ = 0;
};

// xz through liblzma's stream decoder (concatenated streams read as one).
class XzSource final : public ByteSource {
public:
    XzSource(std::string name, std::unique_ptr<ByteSource> raw) : name_(std::move(name)), raw_(std::move(raw)), in_(kBlock) {
        if (lzma_stream_decoder(&z_, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
            throw std::runtime_error("liblzma: lzma_stream_decoder failed");
    }
    ~XzSource() override { lzma_end(&z_); }
    size_t read(uint8_t* out, size_t max) override {
        z_.next_out = out;
        z_.avail_out = max;
        while (z_.avail_out > 0 && !done_) {
            lzma_action action = LZMA_RUN;
            if (z_.avail_in == 0) {
                const size_t n = eof_ ? 0 : raw_->read(in_.data(), in_.size());
                if (n == 0) {
                    eof_ = true;
                    action = LZMA_FINISH;
                }
                z_.next_in = in_.data();
                z_.avail_in = n;
            }
            if (eof_) action = LZMA_FINISH;
            const lzma_ret rc = lzma_code(&z_, action);
            if (rc == LZMA_STREAM_END) {
                done_ = true;
            } else if (rc == LZMA_BUF_ERROR && eof_) {
                data_error_at_byte(name_, z_.total_in, "truncated xz stream");
            } else if (rc != LZMA_OK) {
                data_error_at_byte(name_, z_.total_in,
                                   rc == LZMA_DATA_ERROR || rc == LZMA_FORMAT_ERROR
                                       ? "corrupt xz data (compressed offset)"
                                       : "xz decoder error " + std::to_string(static_cast<int>(rc)));
            }
        }
        return max - z_.avail_out;
    }

private:
    std::string name_;
    std::unique_ptr<ByteSource> raw_;
    std::vector<uint8_t> in_;
    lzma_stream z_ = LZMA_STREAM_INIT;
    bool eof_ = false, done_ = false;
};

}  // namespace

std::unique_ptr<Input> Input::open(const std::string& path) {
    int fd = 0;
    const bool stdin_ = path == "-";
    if (!stdin_) {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw UserError(kExitNoInput, printable_path(path) + ": cannot open: " + std::strerror(errno));
    }
    auto raw = std::make_unique<FdSource>(path, fd, !stdin_);
    // Magic numbers: gzip RFC 1952 section 2.3.1 (1f 8b); xz file format 1.0.4, section 2.1.1.1
    // (fd 37 7a 58 5a 00).
    const std::vector<uint8_t>& h = raw->head(6);
    static const uint8_t kXz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
    Compression c = Compression::None;
    if (h.size() >= 2 && h[0] == 0x1f && h[1] == 0x8b) c = Compression::Gzip;
    if (h.size() >= 6 && std::equal(h.begin(), h.begin() + 6, kXz)) c = Compression::Xz;
    std::unique_ptr<ByteSource> source;
    switch (c) {
        case Compression::None: source = std::move(raw); break;
        case Compression::Gzip: source = std::make_unique<GzipSource>(path, std::move(raw)); break;
        case Compression::Xz: source = std::make_unique<XzSource>(path, std::move(raw)); break;
    }
    return std::make_unique<Input>(path, std::move(source), c);
}

Input::Input(std::string name, std::unique_ptr<ByteSource> source, Compression compression)
    : name_(std::move(name)), source_(std::move(source)), compression_(compression) {}

const std::vector<uint8_t>& Input::peek(size_t n) {
    while (ahead_.size() < n) {
        const size_t have = ahead_.size();
        ahead_.resize(n);
        const size_t got = source_->read(ahead_.data() + have, n - have);
        ahead_.resize(have + got);
        if (got == 0) break;
    }
    return ahead_;
}

size_t Input::read(uint8_t* out, size_t max) {
    size_t n = 0;
    if (!ahead_.empty()) {
        n = std::min(max, ahead_.size());
        std::memcpy(out, ahead_.data(), n);
        ahead_.erase(ahead_.begin(), ahead_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    while (n < max) {
        const size_t got = source_->read(out + n, max - n);
        if (got == 0) break;
        n += got;
    }
    offset_ += n;
    return n;
}

}  // namespace vmsim::trace
