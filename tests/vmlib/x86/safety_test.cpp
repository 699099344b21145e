// Safety of user-built page tables (the Barrelfish slides' rule: "no process can install a page table
// which provides access to physical addresses for which it does not hold authorization"), checked
// after every call of seeded random call sequences, and on targeted cases.
//
// The check reads the page tables in memory with the test's own walker (machine.hpp) and asks:
//  - every paging structure a walk from a root the application holds (or CR3) passes through is a
//    VNode the application holds a capability to, of the type of the level it is used at;
//  - every page the tables map lies inside an object the application holds a capability to: a Frame,
//    or a VNode mapped read-only; a writable page lies inside a Frame whose capability has Write, an
//    executable one inside an object whose capability has Execute;
//  - no Frame the application holds contains a VNode it holds, and no entry sets a reserved bit;
//  - the MMU (its TLBs and paging-structure caches included) agrees with the tables in memory for a
//    set of addresses and every access kind, so no stale translation outlives a change.
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/vmlib/x86/machine.hpp"

namespace vmsim::selfpage::test {
namespace {

struct Checker {
    Machine& m;
    std::vector<uint64_t> vas;  // addresses whose translation the MMU must agree on
    uint64_t leaves_checked = 0;
    uint64_t translations_checked = 0;

    ObjType type_at(unsigned level) const {
        if (m.legacy()) return level == 2 ? ObjType::Pd32 : ObjType::Pt32;
        return level == 4 ? ObjType::Pml4 : level == 3 ? ObjType::Pdpt : level == 2 ? ObjType::Pd : ObjType::Pt;
    }

    // The capabilities the application holds, as the kernel reports them.
    std::vector<std::string> check(const std::vector<CapRef>& held) {
        std::vector<CapInfo> expected;
        for (CapRef c : held) expected.push_back(m.kernel.identify(c).value);
        return check(held, expected);
    }

    // The same, with what the test expects each to be (type, memory, rights), worked out from the
    // calls that made them: the kernel's own report must agree.
    std::vector<std::string> check(const std::vector<CapRef>& held, const std::vector<CapInfo>& infos) {
        std::vector<std::string> problems;
        auto fail = [&](const std::string& what) {
            if (problems.size() < 10) problems.push_back(what);
        };
        for (size_t i = 0; i < held.size(); ++i) {
            const Result<CapInfo> r = m.kernel.identify(held[i]);
            const CapInfo& e = infos[i];
            if (!r.ok() || r.value.type != e.type || r.value.base != e.base || r.value.bytes != e.bytes ||
                r.value.rights != e.rights)
                fail("capability " + std::to_string(held[i].index) + " is not what the calls made");
        }
        for (const CapInfo& f : infos) {
            if (f.type != ObjType::Frame) continue;
            for (const CapInfo& v : infos)
                if (is_vnode(v.type) && v.base >= f.base && v.base - f.base < f.bytes) fail("a held Frame contains a VNode");
        }
        size_t last = 0;  // consecutive pages mostly lie in the same object: try it first
        auto held_covering = [&](uint64_t pa, uint64_t bytes, Rights need, bool frames_only) {
            auto covers = [&](const CapInfo& i) {
                return i.type != ObjType::Ram && (!frames_only || i.type == ObjType::Frame) &&
                       (i.rights & need) == need && pa >= i.base && bytes <= i.bytes && pa - i.base <= i.bytes - bytes;
            };
            if (last < infos.size() && covers(infos[last])) return true;
            for (size_t i = 0; i < infos.size(); ++i)
                if (covers(infos[i])) {
                    last = i;
                    return true;
                }
            return false;
        };
        const bool nx = !m.legacy() && m.mmu.config().nx;
        auto check_root = [&](uint64_t root, std::map<uint64_t, Leaf>* leaves) {
            const bool clean = walk_all(
                m.ram, m.legacy(), root, m.mmu.config().max_phys_addr_bits,
                [&](const Leaf& l) {
                    ++leaves_checked;
                    if (leaves) leaves->emplace(l.va, l);
                    std::ostringstream where;
                    where << std::hex << "page va 0x" << l.va << " pa 0x" << l.pa << " size 0x" << l.bytes;
                    if (!held_covering(l.pa, l.bytes, kRead, false)) fail(where.str() + ": no capability held");
                    if (l.writable && !held_covering(l.pa, l.bytes, kWrite, true))
                        fail(where.str() + ": writable without a writable Frame");
                    if (nx && l.executable && !held_covering(l.pa, l.bytes, kExecute, false))
                        fail(where.str() + ": executable without Execute");
                },
                [&](const TableUse& t) {
                    bool ok = false;
                    for (const CapInfo& i : infos) ok = ok || (i.type == type_at(t.level) && i.base == t.pa);
                    if (!ok) {
                        std::ostringstream s;
                        s << std::hex << "table at 0x" << t.pa << " used at level " << t.level
                          << " is not a held VNode of that level";
                        fail(s.str());
                    }
                });
            if (!clean) fail("an entry sets a reserved bit");
        };
        const ObjType root_type = type_at(m.legacy() ? 2 : 4);
        for (const CapInfo& i : infos)
            if (i.type == root_type) check_root(i.base, nullptr);
        if (m.mmu.mode() == x86::PagingMode::Off) return problems;

        // CR3 (whose capability the application may have deleted only if it holds another copy).
        std::map<uint64_t, Leaf> leaves;
        const uint64_t cr3 = m.mmu.cr3() & (m.legacy() ? 0xfffff000 : 0x000ffffffffff000);
        check_root(cr3, &leaves);
        for (uint64_t va : vas) {
            const Leaf* leaf = nullptr;
            auto it = leaves.upper_bound(va);
            if (it != leaves.begin() && va - std::prev(it)->second.va < std::prev(it)->second.bytes)
                leaf = &std::prev(it)->second;
            for (x86::Access a : {x86::Access::Read, x86::Access::Write, x86::Access::Fetch}) {
                ++translations_checked;
                const bool allowed = leaf && leaf->user && (a != x86::Access::Write || leaf->writable) &&
                                     (a != x86::Access::Fetch || !nx || leaf->executable);
                const x86::Translation t = m.mmu.translate(va, a, x86::Privilege::User);
                std::ostringstream where;
                where << std::hex << "va 0x" << va << " access " << static_cast<int>(a) << ": ";
                if (allowed && !t.ok()) fail(where.str() + "the tables allow it, the MMU faults");
                if (!allowed && t.ok()) fail(where.str() + "the tables forbid it, the MMU translates (stale)");
                if (allowed && t.ok() && t.pa != leaf->pa + (va - leaf->va))
                    fail(where.str() + "the MMU translates to another address (stale)");
            }
        }
        return problems;
    }
};

// Addresses built from a few table indices at each level, the slots the random calls use most.
std::vector<uint64_t> probe_addresses(bool legacy) {
    std::vector<uint64_t> vas;
    if (legacy) {
        for (uint64_t pd : {0u, 1u, 1023u})
            for (uint64_t pt : {0u, 1u, 2u, 3u, 1023u}) vas.push_back((pd << 22) | (pt << 12) | 0x10);
        return vas;
    }
    for (uint64_t l4 : {0u, 511u})
        for (uint64_t l3 : {0u, 1u})
            for (uint64_t l2 : {0u, 1u, 511u})
                for (uint64_t l1 : {0u, 1u, 3u, 511u}) {
                    const uint64_t va = (l4 << 39) | (l3 << 30) | (l2 << 21) | (l1 << 12) | 0x10;
                    vas.push_back(static_cast<uint64_t>(static_cast<int64_t>(va << 16) >> 16));
                }
    return vas;
}

// What the random sequences did, so that the test can show they reached the interesting states.
struct Coverage {
    uint64_t installs_table = 0, installs_page[4] = {}, installs_vnode_ro = 0;  // pages: 4K, 2M/4M, 1G, multi
    uint64_t refused = 0, deletes_with_mappings = 0, unmaps = 0, modifies = 0;
};

// One seeded sequence of `steps` calls; returns the first violation (empty if none).
std::string run_sequence(uint64_t seed, bool legacy, unsigned steps, Coverage& cov, Checker& checker, Machine& m) {
    std::mt19937_64 rng(seed);
    auto pick = [&](uint64_t n) { return n ? rng() % n : 0; };
    std::vector<CapRef> held;
    std::vector<CapInfo> info;  // parallel to held, for choosing arguments (the checker asks again)
    auto hold = [&](CapRef c, const CapInfo& expected) {
        held.push_back(c);
        info.push_back(expected);
    };
    auto held_index = [&](CapRef c) -> int {
        for (size_t i = 0; i < held.size(); ++i)
            if (held[i] == c) return static_cast<int>(i);
        return -1;
    };
    std::string violation;  // a success the rules forbid, seen by the generator itself
    // RAM for tables and small frames, and (long mode) a gigabyte for 1 GB frames. Physical memory
    // below 64 MB and between the two is never granted.
    hold(m.grant(64 << 20, 16 << 20), CapInfo{ObjType::Ram, 64 << 20, 16 << 20, kAllRights});
    if (!legacy) hold(m.grant(G1, G1), CapInfo{ObjType::Ram, G1, G1, kAllRights});
    else hold(m.grant(128 << 20, 32 << 20), CapInfo{ObjType::Ram, 128 << 20, 32 << 20, kAllRights});

    const std::vector<uint64_t> sizes =
        legacy ? std::vector<uint64_t>{K4, 2 * K4, 4 * K4, M4, 2 * M4} : std::vector<uint64_t>{K4, 2 * K4, 4 * K4, M2, 2 * M2, G1};
    const unsigned entries = legacy ? 1024 : 512;
    auto any_cap = [&]() -> CapRef {
        if (pick(20) == 0 || held.empty()) return CapRef{static_cast<uint32_t>(pick(64))};  // maybe garbage
        return held[pick(held.size())];
    };
    // Mostly a held capability that fits (`fits` on its info), sometimes any, sometimes garbage: calls
    // that can succeed build the states worth checking, the others test the refusals.
    auto cap_where = [&](auto fits) -> CapRef {
        std::vector<CapRef> c;
        for (size_t i = 0; i < held.size(); ++i)
            if (fits(info[i])) c.push_back(held[i]);
        if (c.empty() || pick(8) == 0) return any_cap();
        return c[pick(c.size())];
    };
    auto cap_of = [&](bool want_vnode) {
        return cap_where([&](const CapInfo& i) { return is_vnode(i.type) == want_vnode && i.type != ObjType::Ram; });
    };
    auto leaf_table = [&] {
        return cap_where([&](const CapInfo& i) { return is_vnode(i.type) && vnode_info(i.type).level == 1; });
    };
    const ObjType root_type = legacy ? ObjType::Pd32 : ObjType::Pml4;
    const std::vector<ObjType> vnode_types = legacy ? std::vector<ObjType>{ObjType::Pd32, ObjType::Pt32}
                                                    : std::vector<ObjType>{ObjType::Pml4, ObjType::Pdpt, ObjType::Pd, ObjType::Pt};
    // An address space to start from: one table per level on the path of address 0, loaded.
    {
        std::vector<CapRef> path;
        for (size_t i = 0; i < vnode_types.size(); ++i) {
            path.push_back(m.make(held[0], vnode_types[i], i * K4));
            hold(path.back(), CapInfo{vnode_types[i], (64 << 20) + i * K4, K4, kAllRights});
            if (i > 0) {
                EXPECT_EQ(m.kernel.install(path[i - 1], 0, path[i], 0), Error::Ok);
            }
        }
        EXPECT_EQ(m.kernel.set_root(path[0]), Error::Ok);
    }
    auto slot = [&]() -> uint32_t {
        static constexpr uint32_t kSlots[] = {0, 1, 2, 3};
        const uint64_t r = pick(10);
        if (r < 6) return kSlots[pick(4)];
        if (r < 8) return entries - 1;
        return static_cast<uint32_t>(pick(entries + 100));
    };
    // An entry of `v` that holds a mapping, most of the time, so that unmap and modify can succeed.
    auto used_slot = [&](CapRef v) -> uint32_t {
        if (pick(4) == 0) return slot();
        std::vector<uint32_t> used;
        for (uint32_t s : {0u, 1u, 2u, 3u, entries - 1})
            if (m.kernel.read_ad(v, s).ok()) used.push_back(s);
        return used.empty() ? slot() : used[pick(used.size())];
    };
    auto flags = [&]() -> MapFlags {
        return pick(30) == 0 ? static_cast<MapFlags>(pick(256)) : static_cast<MapFlags>(pick(16));
    };
    auto forget = [&](CapRef c) {
        for (size_t i = 0; i < held.size(); ++i)
            if (held[i] == c) {
                held.erase(held.begin() + i);
                info.erase(info.begin() + i);
                return;
            }
    };

    for (unsigned step = 0; step < steps; ++step) {
        std::ostringstream op;
        Error e = Error::Ok;
        const uint64_t kind = pick(100);
        if (kind < 22) {
            const CapRef src = pick(5) ? cap_where([](const CapInfo& i) { return i.type == ObjType::Ram; }) : any_cap();
            const CapInfo si = m.kernel.identify(src).value;
            const uint64_t t = pick(50);
            // The large RAM is for large Frames: tables there would break up its aligned blocks.
            const bool large = si.type == ObjType::Ram && si.bytes > (16 << 20) && t >= 3;
            const ObjType type = t == 0 ? static_cast<ObjType>(pick(256))
                                 : t < 3 ? static_cast<ObjType>(pick(kObjTypes))
                                 : (t < 25 || large) ? ObjType::Frame
                                          : vnode_types[pick(vnode_types.size())];
            uint64_t bytes = (is_vnode(type) && pick(10)) || pick(2) ? K4 : sizes[pick(sizes.size())];
            if (large) bytes = sizes[sizes.size() - 1 - pick(3)];
            const uint64_t src_bytes = m.kernel.identify(src).value.bytes;
            // Few places, so that memory is often retyped again after its object is deleted.
            uint64_t offset = src_bytes >= bytes ? pick(std::min<uint64_t>(src_bytes / bytes, 48)) * bytes : pick(4) * K4;
            if (pick(30) == 0) offset += 8;
            op << "retype " << src.index << " " << obj_type_name(type) << " off " << offset << " bytes " << bytes;
            const Result<CapRef> r = m.kernel.retype(src, type, offset, bytes);
            e = r.error;
            if (r.ok()) {
                const int i = held_index(src);
                if (i < 0) {
                    violation = "retype succeeded from a capability not held";
                } else {
                    const CapInfo from = info[i];
                    if (!(from.type == ObjType::Ram || (from.type == ObjType::Frame && type == ObjType::Frame)))
                        violation = "retype succeeded from a source of the wrong type";
                    if (offset > from.bytes || bytes > from.bytes - offset) violation = "retype beyond its source";
                    hold(r.value, CapInfo{type, from.base + offset, bytes, from.rights});
                }
            }
        } else if (kind < 27) {
            const CapRef c = any_cap();
            const Rights rights = static_cast<Rights>(pick(8));
            op << "copy " << c.index << " rights " << int(rights);
            const Result<CapRef> r = m.kernel.copy(c, rights);
            e = r.error;
            if (r.ok()) {
                const int i = held_index(c);
                if (i < 0) {
                    violation = "copy succeeded from a capability not held";
                } else {
                    if ((rights & ~info[i].rights) != 0) violation = "copy added rights";
                    hold(r.value, CapInfo{info[i].type, info[i].base, info[i].bytes, rights});
                }
            }
        } else if (kind < 35) {
            const CapRef c = any_cap();
            op << "delete " << c.index;
            const uint64_t written = m.kernel.stats().entries_written;
            e = m.kernel.delete_cap(c);
            if (e == Error::Ok) {
                forget(c);
                if (m.kernel.stats().entries_written != written) ++cov.deletes_with_mappings;
            }
        } else if (kind < 65) {
            // A table of a level chosen uniformly, so that each page size gets its share.
            const unsigned level = 1 + static_cast<unsigned>(pick(vnode_types.size()));
            const CapRef v = cap_where([&](const CapInfo& i) { return is_vnode(i.type) && vnode_info(i.type).level == level; });
            const CapInfo vi = m.kernel.identify(v).value;
            CapRef c;
            if (is_vnode(vi.type) && vnode_info(vi.type).has_child && pick(2))
                c = cap_where([&](const CapInfo& i) { return i.type == vnode_info(vi.type).child; });
            else if (pick(6) == 0)
                c = cap_of(true);
            else
                c = cap_of(false);
            const uint32_t s = slot();
            const MapFlags f = flags();
            op << "install " << v.index << "[" << s << "] <- " << c.index << " flags " << int(f);
            e = m.kernel.install(v, s, c, f);
            if (e == Error::Ok) {
                const CapInfo ci = m.kernel.identify(c).value;
                if (is_vnode(ci.type) && vnode_info(vi.type).level > 1) ++cov.installs_table;
                else if (is_vnode(ci.type)) ++cov.installs_vnode_ro;
                else if (ci.bytes > vnode_info(vi.type).page_bytes) ++cov.installs_page[3];
                else ++cov.installs_page[vnode_info(vi.type).level - 1];
            }
        } else if (kind < 73) {
            const CapRef v = cap_of(true);
            const uint32_t s = used_slot(v);
            op << "unmap " << v.index << "[" << s << "]";
            e = m.kernel.unmap(v, s);
            if (e == Error::Ok) ++cov.unmaps;
        } else if (kind < 81) {
            const CapRef v = pick(3) ? leaf_table() : cap_of(true);
            const uint32_t s = used_slot(v), n = static_cast<uint32_t>(1 + pick(2));
            const MapFlags f = flags();
            op << "modify " << v.index << "[" << s << ".." << s + n << "] flags " << int(f);
            e = m.kernel.modify_flags(v, s, n, f);
            if (e == Error::Ok) ++cov.modifies;
        } else if (kind < 85) {
            const CapRef v = cap_of(true);
            const uint32_t s = used_slot(v);
            op << "clear_ad " << v.index << "[" << s << "]";
            e = m.kernel.clear_ad(v, s, 1, static_cast<AdBits>(1 + pick(3)));
        } else if (kind < 88) {
            const CapRef v = pick(4) ? cap_where([&](const CapInfo& i) { return i.type == root_type; }) : cap_of(true);
            op << "set_root " << v.index;
            e = m.kernel.set_root(v);
        } else {
            // The application runs: accesses fill the TLBs and paging-structure caches, and set A/D.
            op << "accesses";
            // Writes store data, so that memory a Frame leaves behind is not zero when it is reused.
            for (int i = 0; i < 8; ++i) {
                const x86::Access a = static_cast<x86::Access>(pick(3));
                const x86::Translation t = m.mmu.translate(checker.vas[pick(checker.vas.size())], a, x86::Privilege::User);
                if (t.ok() && a == x86::Access::Write) m.ram.write64(t.pa & ~uint64_t{7}, rng());
            }
        }
        if (e != Error::Ok) ++cov.refused;
        std::vector<std::string> problems = checker.check(held, info);
        if (!violation.empty()) problems.insert(problems.begin(), violation);
        if (!problems.empty()) {
            std::ostringstream s;
            s << "seed " << seed << " step " << step << " after `" << op.str() << "` (" << error_name(e) << "):";
            for (const std::string& p : problems) s << "\n  " << p;
            return s.str();
        }
    }
    return {};
}

class RandomSequences : public ::testing::TestWithParam<x86::PagingMode> {};

TEST_P(RandomSequences, NoSequenceOfCallsBreaksSafetyAndTheTlbsStayCoherent) {
    const bool legacy = GetParam() == x86::PagingMode::Legacy;
    constexpr unsigned kSeeds = 40, kSteps = 250;
    Coverage cov;
    uint64_t leaves = 0, translations = 0;
    for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
        KernelConfig k;
        k.mode = GetParam();
        k.invlpg_limit = seed % 4 == 0 ? 2 : 33;  // some sequences reload CR3 where others INVLPG
        Machine m(x86::MmuConfig{}, k);
        Checker checker{m, probe_addresses(legacy)};
        const std::string violation = run_sequence(seed, legacy, kSteps, cov, checker, m);
        ASSERT_EQ(violation, "");
        leaves += checker.leaves_checked;
        translations += checker.translations_checked;
    }
    // The sequences reached the states the property is about: tables built, pages of every size
    // mapped (and 1 GB ones in long mode), page tables mapped read-only, mappings removed by unmap
    // and by deleting capabilities, and many calls refused.
    EXPECT_GT(cov.installs_table, 100u);
    EXPECT_GT(cov.installs_page[0], 25u);  // one 4 KB page
    EXPECT_GT(cov.installs_page[1], 5u);   // one 2 MB (4 MB) page
    if (!legacy) {
        EXPECT_GT(cov.installs_page[2], 5u);  // one 1 GB page
    }
    EXPECT_GT(cov.installs_page[3], 20u);  // a Frame of several pages
    EXPECT_GT(cov.installs_vnode_ro, 20u);
    EXPECT_GT(cov.unmaps, 50u);
    EXPECT_GT(cov.deletes_with_mappings, 50u);
    EXPECT_GT(cov.modifies, 20u);
    EXPECT_GT(cov.refused, kSeeds * kSteps / 4);
    EXPECT_GT(leaves, 10000u);
    EXPECT_GT(translations, 100000u);
}

INSTANTIATE_TEST_SUITE_P(Modes, RandomSequences, ::testing::Values(x86::PagingMode::Long4, x86::PagingMode::Legacy),
                         [](const auto& info) { return info.param == x86::PagingMode::Legacy ? "Legacy" : "Long4"; });

// ---- the check itself finds what it is meant to find ---------------------------------------------

// A Frame mapped writable at linear address 0 in a loaded address space.
struct OneWritablePage : ::testing::Test {
    Machine m;
    Checker checker{m, probe_addresses(false)};
    CapRef ram = m.grant(64 << 20, 16 << 20);
    Path path = make_path(m, ram);
    CapRef pml4 = path.pml4, pdpt = path.pdpt, pd = path.pd, pt = path.pt;
    CapRef frame = m.make(ram, ObjType::Frame, 4 * K4);
    std::vector<CapRef> held{ram, pml4, pdpt, pd, pt, frame};

    void SetUp() override {
        ASSERT_EQ(m.kernel.install(pt, 0, frame, kMapRead | kMapWrite), Error::Ok);
        ASSERT_EQ(m.kernel.set_root(pml4), Error::Ok);
        ASSERT_EQ(checker.check(held), std::vector<std::string>{});
    }
    uint64_t pte(unsigned slot) const { return m.base_of(pt) + slot * 8; }
};

TEST_F(OneWritablePage, CheckFindsAPageNoCapabilityCovers) {
    m.ram.write64(pte(1), 0x1000 | P | US);
    EXPECT_FALSE(checker.check(held).empty());
}

TEST_F(OneWritablePage, CheckFindsAWritablePageTable) {
    m.ram.write64(pte(1), m.base_of(pd) | P | RW | US);
    EXPECT_FALSE(checker.check(held).empty());
}

TEST_F(OneWritablePage, CheckFindsATableAtTheWrongLevel) {
    m.ram.write64(m.base_of(pd) + 8, m.base_of(pdpt) | P | RW | US);
    EXPECT_FALSE(checker.check(held).empty());
}

TEST_F(OneWritablePage, CheckFindsAMappingThatOutlivesItsCapability) {
    held.pop_back();  // as if the application had deleted the Frame's capability
    EXPECT_FALSE(checker.check(held).empty());
}

TEST_F(OneWritablePage, CheckFindsAStaleTranslation) {
    ASSERT_TRUE(m.write(0x10).ok());
    m.ram.write64(pte(0), 0);  // removed behind the TLB's back
    EXPECT_FALSE(checker.check(held).empty());
}

// ---- targeted cases ------------------------------------------------------------------------------

TEST(Safety, MemoryNeverGrantedCannotBeNamed) {
    // The application can only retype what it holds: any offset outside its RAM is refused, and a
    // capability reference it makes up names nothing.
    Machine m;
    const CapRef ram = m.grant(64 << 20, M2);
    EXPECT_EQ(m.kernel.retype(ram, ObjType::Frame, M2, K4).error, Error::OutOfRange);
    for (uint32_t i = 1; i < 100; ++i) EXPECT_EQ(m.kernel.identify(CapRef{i}).error, Error::InvalidCap);
}

TEST(Safety, ALargePageCannotCoverAPageTable) {
    // The 2 MB block holding a page table cannot also become a Frame, so no large page maps it.
    Machine m;
    const CapRef ram = m.grant(64 << 20, 4 * M2);
    m.make(ram, ObjType::Pt, M2 + 5 * K4);
    EXPECT_EQ(m.kernel.retype(ram, ObjType::Frame, M2, M2).error, Error::Overlap);
    EXPECT_EQ(m.kernel.retype(ram, ObjType::Frame, 0, 4 * M2).error, Error::Overlap);
    EXPECT_TRUE(m.kernel.retype(ram, ObjType::Frame, 2 * M2, M2).ok());
}

TEST_F(OneWritablePage, AReadOnlyCopyCannotKeepAWritableMappingAlive) {
    // The writable mapping belongs to the writable capability: deleting it removes the mapping even
    // though a read-only copy of the Frame stays.
    const CapRef ro = m.kernel.copy(frame, kRead).value;
    ASSERT_TRUE(m.write(0x10).ok());
    ASSERT_EQ(m.kernel.delete_cap(frame), Error::Ok);
    EXPECT_FALSE(m.write(0x10).ok());
    EXPECT_EQ(checker.check({ram, pml4, pdpt, pd, pt, ro}), std::vector<std::string>{});
}

TEST_F(OneWritablePage, DeletingAVNodesCapabilityWhileItHoldsMappingsLeavesNothingReachable) {
    ASSERT_TRUE(m.write(0x10).ok());
    ASSERT_EQ(m.kernel.delete_cap(pdpt), Error::Ok);
    // The PDPT's memory becomes a Frame mapped writable elsewhere: the old tables below it must not
    // be reachable through it.
    const CapRef reuse = m.make(ram, ObjType::Frame, K4);
    ASSERT_EQ(m.kernel.install(pt, 1, reuse, kMapRead | kMapWrite), Error::Ok);
    EXPECT_EQ(checker.check({ram, pml4, pd, pt, frame, reuse}), std::vector<std::string>{});
    EXPECT_FALSE(m.read(0x10).ok());
}

}  // namespace
}  // namespace vmsim::selfpage::test
