// Physical memory as the page walker sees it: 32- and 64-bit little-endian words at physical
// addresses. The walker reads paging-structure entries through it and writes A/D bits back; the
// platform implements it over its RAM (a DMI pointer), tests use FlatRam.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "FlatRam stores words in host byte order, x86's");

namespace vmsim::x86 {

class PhysicalMemory {
public:
    virtual ~PhysicalMemory() = default;
    // False when no memory answers at `pa` (the walker reports Fault::Bus). `pa` is naturally
    // aligned: paging-structure entries are.
    virtual bool read32(uint64_t pa, uint32_t& value) = 0;
    virtual bool read64(uint64_t pa, uint64_t& value) = 0;
    virtual bool write32(uint64_t pa, uint32_t value) = 0;
    virtual bool write64(uint64_t pa, uint64_t value) = 0;
    // A hint that the word at `pa` will be read soon: an implementation over host memory may start
    // bringing it into the host's caches. It changes nothing; `pa` need not be valid.
    virtual void prefetch(uint64_t /*pa*/) {}
};

// RAM at physical [base, base + size), zero-filled; nothing elsewhere.
class FlatRam final : public PhysicalMemory {
public:
    explicit FlatRam(uint64_t size, uint64_t base = 0) : base_(base), bytes_(size, 0) {}

    bool read32(uint64_t pa, uint32_t& value) override { return load(pa, value); }
    bool read64(uint64_t pa, uint64_t& value) override { return load(pa, value); }
    bool write32(uint64_t pa, uint32_t value) override { return store(pa, value); }
    bool write64(uint64_t pa, uint64_t value) override { return store(pa, value); }

    uint8_t* data() { return bytes_.data(); }
    uint64_t base() const { return base_; }
    uint64_t size() const { return bytes_.size(); }

private:
    bool inside(uint64_t pa, uint64_t n) const {
        return pa >= base_ && bytes_.size() >= n && pa - base_ <= bytes_.size() - n;
    }

    template <typename T>
    bool load(uint64_t pa, T& value) const {
        if (!inside(pa, sizeof(T))) return false;
        std::memcpy(&value, &bytes_[pa - base_], sizeof(T));
        return true;
    }
    template <typename T>
    bool store(uint64_t pa, T value) {
        if (!inside(pa, sizeof(T))) return false;
        std::memcpy(&bytes_[pa - base_], &value, sizeof(T));
        return true;
    }

    uint64_t base_;
    std::vector<uint8_t> bytes_;
};

}  // namespace vmsim::x86
