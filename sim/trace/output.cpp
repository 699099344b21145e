#include "sim/trace/output.hpp"

#include <fcntl.h>
#include <lzma.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"

namespace vmsim::trace {

namespace {

constexpr size_t kBlock = 1 << 18;

bool ends_with(const std::string& s, const char* suffix) {
    const size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

class FdOutput : public Output {
public:
    FdOutput(std::string name, int fd, bool owned) : name_(std::move(name)), fd_(fd), owned_(owned) {}
    ~FdOutput() override {
        if (owned_ && fd_ >= 0) ::close(fd_);
    }
    void write(const uint8_t* data, size_t n) override {
        while (n > 0) {
            const ssize_t w = ::write(fd_, data, n);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) fail("cannot write");
            data += w;
            n -= static_cast<size_t>(w);
        }
    }
    void close() override {
        if (owned_ && fd_ >= 0) {
            const int rc = ::close(fd_);
            fd_ = -1;
            if (rc != 0) fail("cannot write");
        }
    }
    [[noreturn]] void fail(const char* what) const {
        throw UserError(kExitCantCreate, printable_path(name_) + ": " + what + ": " + std::strerror(errno));
    }

private:
    std::string name_;
    int fd_;
    bool owned_;
};

class GzipOutput final : public Output {
public:
    explicit GzipOutput(std::unique_ptr<FdOutput> out) : out_(std::move(out)), buf_(kBlock) {
        std::memset(&z_, 0, sizeof z_);
        if (deflateInit2(&z_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::runtime_error("zlib: deflateInit2 failed");
    }
    ~GzipOutput() override { deflateEnd(&z_); }
    void write(const uint8_t* data, size_t n) override {
        z_.next_in = const_cast<uint8_t*>(data);
        z_.avail_in = static_cast<uInt>(n);
        run(Z_NO_FLUSH);
    }
    void close() override {
        run(Z_FINISH);
        out_->close();
    }

private:
    void run(int flush) {
        for (;;) {
            z_.next_out = buf_.data();
            z_.avail_out = static_cast<uInt>(buf_.size());
            const int rc = deflate(&z_, flush);
            out_->write(buf_.data(), buf_.size() - z_.avail_out);
            if (flush == Z_FINISH ? rc == Z_STREAM_END : z_.avail_in == 0 && z_.avail_out != 0) break;
        }
    }
    std::unique_ptr<FdOutput> out_;
    std::vector<uint8_t> buf_;
    z_stream z_;
};

class XzOutput final : public Output {
public:
    explicit XzOutput(std::unique_ptr<FdOutput> out) : out_(std::move(out)), buf_(kBlock) {
        if (lzma_easy_encoder(&z_, 6, LZMA_CHECK_CRC64) != LZMA_OK) throw std::runtime_error("liblzma: encoder failed");
    }
    ~XzOutput() override { lzma_end(&z_); }
    void write(const uint8_t* data, size_t n) override {
        z_.next_in = data;
        z_.avail_in = n;
        run(LZMA_RUN);
    }
    void close() override {
        run(LZMA_FINISH);
        out_->close();
    }

private:
    void run(lzma_action action) {
        for (;;) {
            z_.next_out = buf_.data();
            z_.avail_out = buf_.size();
            const lzma_ret rc = lzma_code(&z_, action);
            if (rc != LZMA_OK && rc != LZMA_STREAM_END) throw std::runtime_error("liblzma: encoder error");
            out_->write(buf_.data(), buf_.size() - z_.avail_out);
            if (action == LZMA_FINISH ? rc == LZMA_STREAM_END : z_.avail_in == 0 && z_.avail_out != 0) break;
        }
    }
    std::unique_ptr<FdOutput> out_;
    std::vector<uint8_t> buf_;
    lzma_stream z_ = LZMA_STREAM_INIT;
};

}  // namespace

Compression Output::compression_for(const std::string& path) {
    if (ends_with(path, ".gz")) return Compression::Gzip;
    if (ends_with(path, ".xz")) return Compression::Xz;
    return Compression::None;
}

std::unique_ptr<Output> Output::open(const std::string& path) {
    std::unique_ptr<FdOutput> fd;
    if (path == "-") {
        fd = std::make_unique<FdOutput>(path, STDOUT_FILENO, false);
    } else {
        const int f = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (f < 0) throw UserError(kExitCantCreate, printable_path(path) + ": cannot create: " + std::strerror(errno));
        fd = std::make_unique<FdOutput>(path, f, true);
    }
    switch (compression_for(path)) {
        case Compression::Gzip: return std::make_unique<GzipOutput>(std::move(fd));
        case Compression::Xz: return std::make_unique<XzOutput>(std::move(fd));
        case Compression::None: break;
    }
    return fd;
}

}  // namespace vmsim::trace
