// Physical memory as the page walker sees it: 32- and 64-bit little-endian words at physical
// addresses. The walker reads paging-structure entries through it and writes A/D bits back; the
// platform implements it over its RAM (a DMI pointer), tests use FlatRam.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>
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

    // The host address of [pa, pa + bytes) when it lies in the block of host memory that the
    // implementation declared as its direct window (set_direct), else null: the walker then reads
    // and writes that word in place, without a virtual call, and falls back to the calls above
    // otherwise. The window must answer exactly as the calls would.
    uint8_t* direct(uint64_t pa, unsigned bytes) const {
        return pa < direct_size_ && direct_size_ - pa >= bytes ? direct_ + pa : nullptr;
    }
    // The direct window itself (null and 0 when there is none), for a caller that keeps a copy:
    // set_direct() is called only while the implementation is constructed, so it never changes.
    uint8_t* direct_base() const { return direct_; }
    uint64_t direct_size() const { return direct_size_; }

protected:
    // Physical [0, size) is the host memory at `host`, read and written as little-endian words.
    void set_direct(uint8_t* host, uint64_t size) {
        direct_ = host;
        direct_size_ = size;
    }

private:
    uint8_t* direct_ = nullptr;
    uint64_t direct_size_ = 0;
};

// RAM at physical [base, base + size), zero-filled; nothing elsewhere.
class FlatRam final : public PhysicalMemory {
public:
    explicit FlatRam(uint64_t size, uint64_t base = 0) : base_(base), bytes_(size, 0) {
        if (base == 0) set_direct(bytes_.data(), size);  // the window starts at physical 0
    }
    // A copy would keep the original's direct window; a move takes its buffer along.
    FlatRam(const FlatRam&) = delete;
    FlatRam& operator=(const FlatRam&) = delete;
    FlatRam(FlatRam&&) = default;
    FlatRam& operator=(FlatRam&&) = default;

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

// Physical memory below `limit` of which only the 4 KB pages written so far exist on the host
// (unwritten pages read as zeros): gigabytes of physical address space for page tables and 1 GB
// frames without the host allocating or zeroing them. Nothing answers at or above `limit`. Used by
// trace replay (page tables only: the data of a trace is not simulated) and by tests.
class SparseRam final : public PhysicalMemory {
public:
    explicit SparseRam(uint64_t limit) : limit_(limit) {}

    bool read32(uint64_t pa, uint32_t& value) override { return read(pa, &value, sizeof value); }
    bool read64(uint64_t pa, uint64_t& value) override { return read(pa, &value, sizeof value); }
    bool write32(uint64_t pa, uint32_t value) override { return write(pa, &value, sizeof value); }
    bool write64(uint64_t pa, uint64_t value) override { return write(pa, &value, sizeof value); }

    // `bytes` (at most 8) at `pa`, within one 4 KB page; false outside [0, limit).
    bool read(uint64_t pa, void* out, unsigned bytes) {
        if (!inside(pa, bytes)) return false;
        if (const Page* page = find(pa, false))
            std::memcpy(out, page->data() + (pa & 0xfff), bytes);
        else
            std::memset(out, 0, bytes);
        return true;
    }
    bool write(uint64_t pa, const void* in, unsigned bytes) {
        if (!inside(pa, bytes)) return false;
        std::memcpy(find(pa, true)->data() + (pa & 0xfff), in, bytes);
        return true;
    }
    uint64_t limit() const { return limit_; }
    size_t pages() const { return pages_.size(); }  // 4 KB pages the host holds

private:
    using Page = std::array<uint8_t, 4096>;
    bool inside(uint64_t pa, unsigned bytes) const { return pa < limit_ && limit_ - pa >= bytes; }
    // The page holding `pa`; with `create`, a zeroed one if there is none yet. The last page found
    // is remembered: a walk reads several entries of one table in a row.
    Page* find(uint64_t pa, bool create) {
        const uint64_t n = pa >> 12;
        if (n == last_ && last_page_) return last_page_;
        auto it = pages_.find(n);
        if (it == pages_.end()) {
            if (!create) return nullptr;
            it = pages_.emplace(n, std::make_unique<Page>()).first;
            it->second->fill(0);
        }
        last_ = n;
        last_page_ = it->second.get();
        return last_page_;
    }

    uint64_t limit_;
    std::unordered_map<uint64_t, std::unique_ptr<Page>> pages_;
    uint64_t last_ = ~uint64_t{0};
    Page* last_page_ = nullptr;
};

}  // namespace vmsim::x86
