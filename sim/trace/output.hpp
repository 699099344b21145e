// Where a converted trace goes: a file or standard output ("-"), compressed with gzip (zlib) or xz
// (liblzma) when the file name ends in .gz or .xz. Errors are UserError (kExitCantCreate).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "sim/trace/input.hpp"

namespace vmsim::trace {

class Output {
public:
    virtual ~Output() = default;
    // The compression the name asks for: .gz, .xz, else none ("-": none).
    static Compression compression_for(const std::string& path);
    static std::unique_ptr<Output> open(const std::string& path);
    virtual void write(const uint8_t* data, size_t n) = 0;
    // Flushes everything (and the compressed stream's end); errors are thrown here, not from the
    // destructor.
    virtual void close() = 0;
};

}  // namespace vmsim::trace
