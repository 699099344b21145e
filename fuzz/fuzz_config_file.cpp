// libFuzzer target: config files (config::read_config_file, then the registry with
// the R3000 target's parameters). The input is written to a file in a private
// directory that also holds two files it may include (base.cfg, valid; bad.cfg,
// malformed). A rejection must be a one-line, bounded UserError (64 or 66).
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fuzz/fuzz_config.hpp"

namespace {

std::string make_dir() {
    char pattern[] = "/tmp/vmsim-fuzz-config-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) std::abort();
    const std::string dir = pattern;
    std::ofstream(dir + "/base.cfg") << "[cpu]\nclock_mhz = 25\n[mem]\nmodel = cached\n";
    std::ofstream(dir + "/bad.cfg") << "icache.size = 3K\n";
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = make_dir() + "/input.cfg";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size) || ::close(fd) != 0) std::abort();

    vmsim::config::Registry reg = vmsim::fuzz::declared();
    try {
        reg.apply_file(vmsim::config::read_config_file(path));
    } catch (const vmsim::UserError& e) {
        vmsim::fuzz::check_rejection(e, {vmsim::kExitUsage, vmsim::kExitNoInput});
        return 0;
    }
    vmsim::fuzz::check_accepted(reg);
    return 0;
}
