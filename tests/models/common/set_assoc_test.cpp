// The set-associative structure template (models/common/set_assoc.hpp) and its replacement
// policies (models/common/replacement.hpp): geometry, the eviction order of each policy worked
// out by hand, payloads, invalidation and the configuration checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "models/common/set_assoc.hpp"

namespace vmsim::common {
namespace {

using Tags = SetAssoc<uint32_t>;

SetAssocConfig geometry(uint32_t sets, uint32_t ways, Replacement replacement = Replacement::Lru, uint64_t seed = 0) {
    SetAssocConfig c;
    c.sets = sets;
    c.ways = ways;
    c.replacement = replacement;
    c.seed = seed;
    return c;
}

// The key a fill evicted, or nothing.
std::optional<uint32_t> fill(Tags& tags, uint32_t key) {
    const auto evicted = tags.fill(key);
    if (!evicted) return std::nullopt;
    return evicted->key;
}

// One fully associative set of 4 ways: fill A, B, C, D (nothing to evict), hit A, then fill E,
// F, G. Returns the three victims.
constexpr uint32_t A = 10, B = 11, C = 12, D = 13, E = 14, F = 15, G = 16;
std::vector<std::optional<uint32_t>> victims_after_hit_on_first(Replacement replacement) {
    Tags tags(geometry(1, 4, replacement));
    for (uint32_t key : {A, B, C, D}) EXPECT_EQ(fill(tags, key), std::nullopt);
    EXPECT_NE(tags.lookup(A), nullptr);
    return {fill(tags, E), fill(tags, F), fill(tags, G)};
}

using Victims = std::vector<std::optional<uint32_t>>;

TEST(SetAssocLru, EvictsTheLeastRecentlyUsed) {
    // After the hit on A the recency order is A D C B: E evicts B (E A D C), F evicts C
    // (F E A D), G evicts D.
    EXPECT_EQ(victims_after_hit_on_first(Replacement::Lru), (Victims{B, C, D}));
}

TEST(SetAssocLru, AHitInTheMiddleProtectsTheWay) {
    Tags tags(geometry(1, 4));
    for (uint32_t key : {A, B, C, D}) fill(tags, key);  // order D C B A
    tags.lookup(B);                                      // B D C A
    tags.lookup(A);                                      // A B D C
    EXPECT_EQ(fill(tags, E), C);                         // E A B D
    EXPECT_EQ(fill(tags, F), D);
    EXPECT_EQ(fill(tags, G), B);
}

TEST(SetAssocFifo, EvictsInFillOrderWhateverTheHits) {
    // The hit on A does not count: E evicts A, the first filled, then F evicts B and G evicts C.
    EXPECT_EQ(victims_after_hit_on_first(Replacement::Fifo), (Victims{A, B, C}));
}

TEST(SetAssocTreePlru, FourWaysFollowTheTreeBitsNotTheTrueRecency) {
    // Bits b1 (root), b2 (over ways 0-1), b3 (over ways 2-3); 0 sends the victim left. A touch
    // points the bits on its path away from the way.
    //   fill A -> way 0: b2=1 b1=1      fill B -> way 1: b2=0 b1=1
    //   fill C -> way 2: b3=1 b1=0      fill D -> way 3: b3=0 b1=0      (b1 b2 b3 = 0 0 0)
    //   hit A (way 0): b2=1 b1=1                                         (1 1 0)
    //   fill E: b1=1 -> right, b3=0 -> way 2: evicts C; touch 2: b3=1 b1=0 (0 1 1)
    //   fill F: b1=0 -> left, b2=1 -> way 1: evicts B; touch 1: b2=0 b1=1  (1 0 1)
    //   fill G: b1=1 -> right, b3=1 -> way 3: evicts D.
    // True LRU evicts B first (SetAssocLru.EvictsTheLeastRecentlyUsed).
    EXPECT_EQ(victims_after_hit_on_first(Replacement::TreePlru), (Victims{C, B, D}));
}

TEST(SetAssocTreePlru, TwoWaysAreExactLru) {
    // One bit per set, pointing away from the last touched way: that is LRU.
    Tags tags(geometry(1, 2, Replacement::TreePlru));
    fill(tags, A);
    fill(tags, B);
    tags.lookup(A);
    EXPECT_EQ(fill(tags, C), B);
    EXPECT_EQ(fill(tags, D), A);
}

// Victims of `fills` fills of distinct keys into one set of 4 ways under Random.
std::vector<uint32_t> random_victims(uint64_t seed, uint32_t fills) {
    Tags tags(geometry(1, 4, Replacement::Random, seed));
    std::vector<uint32_t> victims;
    for (uint32_t key = 0; key < fills; ++key)
        if (auto victim = fill(tags, key)) victims.push_back(*victim);
    return victims;
}

TEST(SetAssocRandom, TheSameSeedGivesTheSameVictims) {
    const auto first = random_victims(7, 200);
    EXPECT_EQ(first.size(), 196u);  // the first 4 fills take empty ways
    EXPECT_EQ(random_victims(7, 200), first);
}

TEST(SetAssocRandom, TwoSeedsGiveDifferentVictims) {
    EXPECT_NE(random_victims(7, 200), random_victims(8, 200));
    EXPECT_NE(random_victims(0, 200), random_victims(1, 200));
}

TEST(SetAssocRandom, EachResidentEntryIsEquallyLikelyToBeTheVictim) {
    // Each way holds one entry and the victim way is uniform, so the victim's age rank among the
    // 4 residents is uniform too: about 1000 of 4000 evictions each (standard deviation 27).
    Tags tags(geometry(1, 4, Replacement::Random, 1));
    std::vector<uint32_t> resident;  // oldest first
    unsigned by_rank[4] = {};
    for (uint32_t key = 0; key < 4004; ++key) {
        if (auto victim = fill(tags, key)) {
            const auto it = std::find(resident.begin(), resident.end(), *victim);
            ASSERT_NE(it, resident.end());
            ++by_rank[it - resident.begin()];
            resident.erase(it);
        }
        resident.push_back(key);
    }
    for (unsigned count : by_rank) {
        EXPECT_GT(count, 850u);
        EXPECT_LT(count, 1150u);
    }
}

class SetAssocEveryPolicy : public testing::TestWithParam<Replacement> {};

TEST_P(SetAssocEveryPolicy, FillTakesAnInvalidatedWayBeforeEvicting) {
    Tags tags(geometry(1, 4, GetParam()));
    for (uint32_t key : {A, B, C, D}) fill(tags, key);
    EXPECT_TRUE(tags.invalidate(C));
    EXPECT_EQ(fill(tags, E), std::nullopt);
    for (uint32_t key : {A, B, D, E}) EXPECT_TRUE(tags.contains(key));
    EXPECT_NE(fill(tags, F), std::nullopt);  // full again
}

TEST_P(SetAssocEveryPolicy, OneSetIsFullyAssociative) {
    Tags tags(geometry(1, 8, GetParam()));
    const uint32_t keys[] = {0, 1, 8, 64, 1000, 4096, 0x12345, 0xfffffffe};  // any keys share the set
    for (uint32_t key : keys) EXPECT_EQ(fill(tags, key), std::nullopt);
    for (uint32_t key : keys) EXPECT_TRUE(tags.contains(key));
    EXPECT_NE(fill(tags, 7), std::nullopt);
}

TEST_P(SetAssocEveryPolicy, OneWayIsDirectMapped) {
    Tags tags(geometry(16, 1, GetParam()));
    EXPECT_EQ(fill(tags, 3), std::nullopt);
    EXPECT_EQ(fill(tags, 4), std::nullopt);  // the next set
    EXPECT_EQ(fill(tags, 19), 3u);           // 3 + 16 sets: same set, other tag
    EXPECT_TRUE(tags.contains(4));
    EXPECT_EQ(fill(tags, 3), 19u);
}

TEST_P(SetAssocEveryPolicy, RefillingAPresentKeyEvictsNothing) {
    for (uint32_t ways : {1u, 4u}) {
        Tags tags(geometry(1, ways, GetParam()));
        for (uint32_t key = 0; key < ways; ++key) fill(tags, key);  // the set is full
        EXPECT_EQ(fill(tags, 0), std::nullopt) << ways << " ways";
        for (uint32_t key = 0; key < ways; ++key) EXPECT_TRUE(tags.contains(key)) << ways << " ways";
    }
}

TEST_P(SetAssocEveryPolicy, InvalidateAllEmptiesEverySet) {
    Tags tags(geometry(4, 2, GetParam()));
    for (uint32_t key = 0; key < 8; ++key) fill(tags, key);
    tags.invalidate_all();
    for (uint32_t key = 0; key < 8; ++key) EXPECT_FALSE(tags.contains(key));
    for (uint32_t key = 8; key < 16; ++key) EXPECT_EQ(fill(tags, key), std::nullopt);
}

TEST_P(SetAssocEveryPolicy, ProbeChangesNoReplacementState) {
    // Two structures see the same fills and hits; one is also probed. Their victims must agree.
    Tags probed(geometry(1, 4, GetParam(), 3)), plain(geometry(1, 4, GetParam(), 3));
    for (uint32_t key = 0; key < 64; ++key) {
        EXPECT_EQ(probed.contains(key / 2), plain.contains(key / 2));
        probed.probe(key % 5);
        if (key % 3 == 0) {
            probed.lookup(key / 2);
            plain.lookup(key / 2);
        }
        EXPECT_EQ(fill(probed, key), fill(plain, key));
    }
}

TEST_P(SetAssocEveryPolicy, PredicateSeesEveryResidentKeyOnce) {
    // Under Lru and Fifo dropping a way moves the later ones up: none may be skipped or seen twice.
    Tags tags(geometry(8, 4, GetParam()));
    for (uint32_t key = 0; key < 24; ++key) fill(tags, key);  // 3 keys per set, no evictions
    std::vector<uint32_t> seen;
    tags.invalidate_if([&](uint32_t key, const NoPayload&) {
        seen.push_back(key);
        return key % 3 == 0;  // one key in each set: 0, 9, 18, 3, 12, 21, 6, 15
    });
    std::sort(seen.begin(), seen.end());
    std::vector<uint32_t> all(24);
    for (uint32_t key = 0; key < 24; ++key) all[key] = key;
    EXPECT_EQ(seen, all);
    for (uint32_t key = 0; key < 24; ++key) EXPECT_EQ(tags.contains(key), key % 3 != 0);
}

TEST_P(SetAssocEveryPolicy, AccessIsALookupThenAFillOnAMiss) {
    // A cache's one-pass access() against the two calls it stands for, on a seeded stream that
    // hits, misses into empty ways and evicts, with invalidations between. After every access the
    // structures must hold the same keys, and later victims (which depend on the replacement state)
    // must agree too, since both structures keep going.
    for (uint32_t ways : {1u, 2u, 4u, 12u, 16u}) {
        if (GetParam() == Replacement::TreePlru && (ways & (ways - 1))) continue;
        Tags one_pass(geometry(4, ways, GetParam(), 9)), two_calls(geometry(4, ways, GetParam(), 9));
        XorShift64 rng(ways);
        const uint32_t distinct = 4 * ways + ways / 2 + 3;  // more keys than fit: some evictions
        for (int i = 0; i < 4000; ++i) {
            const uint32_t key = static_cast<uint32_t>(rng.below(distinct));
            if (rng.below(16) == 0) {
                EXPECT_EQ(one_pass.invalidate(key), two_calls.invalidate(key));
                continue;
            }
            const bool hit = two_calls.lookup(key) != nullptr;
            if (!hit) two_calls.fill(key);
            ASSERT_EQ(one_pass.access(key), hit) << ways << " ways, access " << i;
            for (uint32_t k = 0; k < distinct; ++k)
                ASSERT_EQ(one_pass.contains(k), two_calls.contains(k)) << ways << " ways, access " << i << ", key " << k;
        }
    }
}

// Lru and Fifo against a plain list per set (most recent or newest first), on a seeded stream of
// lookups, fills, accesses, inserts of absent keys and invalidations. The list is the policy's
// definition; the structure keeps its order packed in a word and, keeping its first in front,
// trades entries with way 0, so every hit, miss and victim must agree, including after way 0 was
// invalidated. W != 0: lookups, accesses and inserts go through the operations compiled for W
// ways (lookup_fixed, access_fixed, insert_fixed, or their _no_front kin) instead.
template <unsigned W = 0>
void check_against_list_model(Replacement policy, uint32_t ways, bool front) {
    const uint32_t sets = 4;
    SetAssocConfig config = geometry(sets, ways, policy);
    config.front = front;
    using Store = SetAssoc<uint32_t, uint32_t>;
    Store tags(config);
    if (W != 0) {
        ASSERT_EQ(tags.packed_ways(), W);
    }
    std::vector<std::vector<uint32_t>> model(sets);  // keys, first in order first
    XorShift64 rng(ways * 7 + static_cast<unsigned>(policy) + (front ? 0 : 1000) + W);
    // Keys spread over a few thousand values, so that some in a set share a fingerprint.
    const uint32_t distinct = sets * ways + 2 * ways;
    auto key_of = [&](uint64_t i) { return static_cast<uint32_t>(i * 2654435761u % 4096u / sets * sets + i % sets); };
    std::vector<uint32_t> payload(4096, 0);  // what each key was last filled with (access: 0)
    auto where = [&](uint32_t key) {
        std::vector<uint32_t>& list = model[key % sets];
        return std::make_pair(&list, std::find(list.begin(), list.end(), key));
    };
    auto touch = [&](uint32_t key) {  // a hit: Lru moves the key first, Fifo leaves it
        auto [list, it] = where(key);
        if (policy == Replacement::Lru) std::rotate(list->begin(), it, it + 1);
    };
    auto add = [&](uint32_t key) -> std::optional<uint32_t> {  // a fill of an absent key
        std::vector<uint32_t>& list = *where(key).first;
        std::optional<uint32_t> victim;
        if (list.size() == ways) {
            victim = list.back();
            list.pop_back();
        }
        list.insert(list.begin(), key);
        return victim;
    };
    for (int i = 0; i < 20000; ++i) {
        const uint32_t key = key_of(rng.below(distinct));
        auto [list, it] = where(key);
        const bool present = it != list->end();
        const std::string at = std::to_string(ways) + " ways, front " + std::to_string(front) + ", W " +
                               std::to_string(W) + ", step " + std::to_string(i);
        switch (rng.below(6)) {
            case 0: {  // lookup
                const uint32_t* p;
                if constexpr (W != 0) {
                    const bool hashed = rng.below(2);  // the key hashed by the caller, or not
                    if (front) p = hashed ? tags.template lookup_fixed<W>(Store::hash(key)) : tags.template lookup_fixed<W>(key);
                    else p = hashed ? tags.template lookup_fixed_no_front<W>(Store::hash(key))
                                    : tags.template lookup_fixed_no_front<W>(key);
                } else {
                    p = tags.lookup(key);
                }
                ASSERT_EQ(p != nullptr, present) << at;
                if (p) {
                    EXPECT_EQ(*p, payload[key]) << at;
                    touch(key);
                }
                break;
            }
            case 1: {  // fill
                const auto evicted = tags.fill(key, key + 1000);
                if (present) {
                    ASSERT_FALSE(evicted) << at;
                    touch(key);
                } else {
                    const std::optional<uint32_t> victim = add(key);
                    ASSERT_EQ(evicted.has_value(), victim.has_value()) << at;
                    if (victim) {
                        EXPECT_EQ(evicted->key, *victim) << at;
                        EXPECT_EQ(evicted->payload, payload[*victim]) << at;
                    }
                }
                payload[key] = key + 1000;
                break;
            }
            case 2: {  // access
                bool hit;
                if constexpr (W != 0) {
                    if (front) hit = tags.template access_fixed<W>(key);
                    else hit = tags.template access_fixed_no_front<W>(Store::hash(key));
                } else {
                    hit = tags.access(key);
                }
                ASSERT_EQ(hit, present) << at;
                if (present) {
                    touch(key);
                } else {
                    add(key);
                    payload[key] = 0;
                }
                break;
            }
            case 3:  // insert, where the key is absent
                if (present) break;
                if constexpr (W != 0) {
                    const bool hashed = rng.below(2);
                    if (front) {
                        if (hashed) tags.template insert_fixed<W>(Store::hash(key), key + 2000);
                        else tags.template insert_fixed<W>(key, key + 2000);
                    } else {
                        if (hashed) tags.template insert_fixed_no_front<W>(Store::hash(key), key + 2000);
                        else tags.template insert_fixed_no_front<W>(key, key + 2000);
                    }
                } else {
                    tags.insert(key, key + 2000);
                }
                add(key);
                payload[key] = key + 2000;
                break;
            case 4:  // invalidate
                ASSERT_EQ(tags.invalidate(key), present) << at;
                if (present) list->erase(it);
                break;
            default:  // probe: changes nothing
                ASSERT_EQ(tags.contains(key), present) << at;
                break;
        }
    }
}

TEST(SetAssocOrdered, HitsAndVictimsFollowAListModelOfThePolicy) {
    for (Replacement policy : {Replacement::Lru, Replacement::Fifo})
        for (uint32_t ways : {2u, 3u, 4u, 8u, 12u, 16u, 20u}) check_against_list_model(policy, ways, true);
}

// The same without the first kept in way 0 (SetAssocConfig::front = false): hits leave entries
// where they are and fills take the victim's way, but the policy must be the same.
TEST(SetAssocOrdered, WithoutTheFirstInFrontHitsAndVictimsFollowTheListModel) {
    for (Replacement policy : {Replacement::Lru, Replacement::Fifo})
        for (uint32_t ways : {2u, 3u, 4u, 8u, 12u, 16u, 20u}) check_against_list_model(policy, ways, false);
}

TEST(SetAssocOrdered, TheOperationsCompiledForAGeometryFollowTheListModel) {
    for (Replacement policy : {Replacement::Lru, Replacement::Fifo}) {
        for (bool front : {true, false}) {
            check_against_list_model<4>(policy, 4, front);
            check_against_list_model<8>(policy, 8, front);
            check_against_list_model<12>(policy, 12, front);
            check_against_list_model<16>(policy, 16, front);
        }
    }
}

// A second-level TLB's use of a structure without its first in front (the x86 STLB and PDE cache,
// 12 and 4 ways): a lookup that misses hands its hashed key to the insert that follows (the
// compiled miss path, lookup_fixed_no_front then insert_fixed_no_front), against the same
// structure keeping its first in front, driven by lookup() and insert(). On a seeded stream of
// lookups with inserts after misses, fills, INVLPG-like invalidations of one key and PCID-like
// flushes (invalidate_if on the key's high bits), every hit, payload and displaced entry must be
// the same, and so must the contents at the end.
template <unsigned W>
void check_no_front_against_front(uint32_t sets) {
    using Store = SetAssoc<uint64_t, uint64_t>;
    SetAssocConfig config = geometry(sets, W);
    Store front(config);
    config.front = false;
    Store plain(config);
    ASSERT_TRUE(front.keeps_front());
    ASSERT_FALSE(plain.keeps_front());
    XorShift64 rng(W * 31 + sets);
    constexpr unsigned kTagShift = 40;  // a PCID above the page number, as the MMU's keys have
    const uint64_t pages = uint64_t{sets} * W;  // x 3 PCIDs: three times what the structure holds
    auto key_of = [&](uint64_t page, uint64_t pcid) { return page | pcid << kTagShift; };
    size_t hits = 0, misses = 0, flushed = 0;
    for (int i = 0; i < 60000; ++i) {
        // Half the stream in a hot quarter of the pages, so that there are hits as well as misses.
        const uint64_t page = rng.below(2) ? rng.below(pages / 4) : rng.below(pages);
        const uint64_t key = key_of(page, rng.below(3));
        const std::string at = std::to_string(W) + " ways, step " + std::to_string(i);
        const unsigned op = static_cast<unsigned>(rng.below(100));
        if (op < 80) {  // a lookup; after a miss, the insert of the same key
            const uint64_t* f = front.lookup(key);
            const Store::Hashed h = Store::hash(key);
            const uint64_t* p = plain.template lookup_fixed_no_front<W>(h);
            ASSERT_EQ(f != nullptr, p != nullptr) << at;
            if (f) {
                ++hits;
                ASSERT_EQ(*f, *p) << at;
            } else {
                ++misses;
                front.insert(key, key * 3);
                plain.template insert_fixed_no_front<W>(h, key * 3);
            }
        } else if (op < 90) {  // a fill, present or not
            const auto ef = front.fill(key, key * 5), ep = plain.fill(key, key * 5);
            ASSERT_EQ(ef.has_value(), ep.has_value()) << at;
            if (ef) {
                ASSERT_EQ(ef->key, ep->key) << at;
                ASSERT_EQ(ef->payload, ep->payload) << at;
            }
        } else if (op < 98) {  // INVLPG: one key
            ASSERT_EQ(front.invalidate(key), plain.invalidate(key)) << at;
        } else {  // a PCID flush
            const uint64_t pcid = rng.below(3);
            auto of_pcid = [pcid](uint64_t k, const uint64_t&) { return (k >> kTagShift) == pcid; };
            const size_t n = front.invalidate_if(of_pcid);
            ASSERT_EQ(n, plain.invalidate_if(of_pcid)) << at;
            flushed += n;
        }
    }
    for (uint64_t pcid = 0; pcid < 3; ++pcid) {
        for (uint64_t page = 0; page < pages; ++page) {
            const uint64_t* f = front.probe(key_of(page, pcid));
            const uint64_t* p = plain.probe(key_of(page, pcid));
            ASSERT_EQ(f != nullptr, p != nullptr) << page;
            if (f) {
                EXPECT_EQ(*f, *p) << page;
            }
        }
    }
    // The stream reached hits, misses with their inserts, and flushes that dropped entries.
    EXPECT_GT(hits, 2000u) << W;
    EXPECT_GT(misses, 2000u) << W;
    EXPECT_GT(flushed, 100u) << W;
}

TEST(SetAssocOrdered, ASecondLevelTlbWithoutItsFirstInFrontHitsAndEvictsAsWithIt) {
    check_no_front_against_front<12>(128);  // the STLB's geometry
    check_no_front_against_front<4>(8);     // the PDE cache's
}

// The fingerprint search: whichever way the host compares the bytes, every way whose byte equals
// the key's must be a candidate (the portable one may add ways after it; SSE2's, none), and no way
// past `ways`.
TEST(SetAssocFingerprints, EveryMatchingWayIsACandidateAndNoneBeyondTheSet) {
    using Store = SetAssoc<uint64_t>;
    XorShift64 rng(42);
    for (int i = 0; i < 20000; ++i) {
        uint8_t fps[16];
        for (uint8_t& b : fps) b = static_cast<uint8_t>(rng.below(4));  // few values: many matches
        const auto fp = static_cast<uint8_t>(rng.below(4));
        const unsigned ways = 2 + static_cast<unsigned>(rng.below(15));
        uint32_t exact = 0;
        for (unsigned w = 0; w < ways; ++w)
            if (fps[w] == fp) exact |= 1u << w;
        const uint32_t portable = Store::fingerprint_candidates_portable(fps, fp, ways);
        EXPECT_EQ(portable & exact, exact) << i;
        EXPECT_EQ(portable >> ways, 0u) << i;
        // Its extra candidates are only ways above a matching one.
        if (portable != exact) {
            EXPECT_LT(__builtin_ctz(exact), __builtin_ctz(portable & ~exact)) << i;
        }
#if defined(__SSE2__)
        EXPECT_EQ(Store::fingerprint_candidates_sse2(fps, fp, ways), exact) << i;
#endif
    }
}

std::string policy_name(const testing::TestParamInfo<Replacement>& info) {
    switch (info.param) {
    case Replacement::Lru: return "Lru";
    case Replacement::TreePlru: return "TreePlru";
    case Replacement::Fifo: return "Fifo";
    case Replacement::Random: return "Random";
    }
    return "Unknown";
}

INSTANTIATE_TEST_SUITE_P(Policies, SetAssocEveryPolicy,
                         testing::Values(Replacement::Lru, Replacement::TreePlru, Replacement::Fifo,
                                         Replacement::Random),
                         policy_name);

TEST(SetAssocGeometry, LowKeyBitsChooseTheSet) {
    Tags tags(geometry(4, 2));
    fill(tags, 1);
    fill(tags, 5);               // set 1 is now full
    EXPECT_EQ(fill(tags, 0), std::nullopt);
    EXPECT_EQ(fill(tags, 4), std::nullopt);
    EXPECT_EQ(fill(tags, 8), 0u);  // set 0's third key evicts its LRU; set 1 is untouched
    EXPECT_TRUE(tags.contains(1));
    EXPECT_TRUE(tags.contains(5));
}

TEST(SetAssocGeometry, WaysNeedNotBeAPowerOfTwo) {
    // A 12-way set, as in a 1536-entry STLB: 12 keys fit, the 13th evicts, the other set is apart.
    Tags tags(geometry(2, 12));
    for (uint32_t i = 0; i < 12; ++i) EXPECT_EQ(fill(tags, 2 * i), std::nullopt);
    for (uint32_t i = 0; i < 12; ++i) EXPECT_EQ(fill(tags, 2 * i + 1), std::nullopt);
    EXPECT_EQ(fill(tags, 24), 0u);
    EXPECT_EQ(fill(tags, 25), 1u);
    EXPECT_EQ(tags.ways(), 12u);
    EXPECT_EQ(tags.sets(), 2u);
}

TEST(SetAssocGeometry, BlockOfDividesTheAddressByTheBlockSize) {
    SetAssocConfig c = geometry(1, 1);
    c.block_bytes = 4096;
    EXPECT_EQ(Tags(c).block_of(0x12345), 0x12u);
    c.block_bytes = uint64_t{1} << 39;  // a PML4 entry's 512 GB region
    EXPECT_EQ(SetAssoc<uint64_t>(c).block_of(uint64_t{5} << 39 | 0x1234), 5u);
}

TEST(SetAssocGeometry, ContextBitsAboveTheAddressTakePartInTheTagNotTheIndex) {
    // A PCID in bits 52 and up: the same page under two PCIDs shares a set but not an entry.
    SetAssoc<uint64_t> tags(geometry(16, 2));
    auto key = [](uint64_t pcid, uint64_t vpn) { return pcid << 52 | vpn; };
    tags.fill(key(1, 0x40));
    tags.fill(key(2, 0x40));
    EXPECT_TRUE(tags.contains(key(1, 0x40)));
    EXPECT_TRUE(tags.contains(key(2, 0x40)));
    const auto evicted = tags.fill(key(1, 0x50));  // 0x50 = 0x40 + 16 sets: the same set
    ASSERT_TRUE(evicted);
    EXPECT_EQ(evicted->key, key(1, 0x40));
}

struct Translation {
    uint64_t frame = 0;
    uint16_t pcid = 0;
    bool global = false;
};
using Tlb = SetAssoc<uint64_t, Translation>;

TEST(SetAssocPayload, LookupReturnsWhatTheFillStored) {
    Tlb tlb(geometry(4, 2));
    tlb.fill(0x10, {0x800, 3, false});
    Translation* t = tlb.lookup(0x10);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->frame, 0x800u);
    EXPECT_EQ(t->pcid, 3u);
    EXPECT_EQ(tlb.lookup(0x11), nullptr);
    EXPECT_EQ(tlb.probe(0x10)->frame, 0x800u);
}

TEST(SetAssocPayload, FillReturnsTheEvictedKeyAndPayload) {
    Tlb tlb(geometry(1, 2));
    EXPECT_FALSE(tlb.fill(1, {0x100, 0, false}));
    EXPECT_FALSE(tlb.fill(2, {0x200, 0, false}));
    const auto evicted = tlb.fill(3, {0x300, 0, false});
    ASSERT_TRUE(evicted);
    EXPECT_EQ(evicted->key, 1u);
    EXPECT_EQ(evicted->payload.frame, 0x100u);
}

TEST(SetAssocPayload, RefillingAPresentKeyReplacesItsPayloadAndEvictsNothing) {
    Tlb tlb(geometry(1, 2));
    tlb.fill(1, {0x100, 0, false});
    tlb.fill(2, {0x200, 0, false});
    EXPECT_FALSE(tlb.fill(1, {0x111, 0, false}));  // and 1 becomes the most recent
    EXPECT_EQ(tlb.probe(1)->frame, 0x111u);
    EXPECT_EQ(tlb.fill(3, {})->key, 2u);
}

TEST(SetAssocPayload, PayloadsMoveWithTheirKeysUnderLru) {
    // LRU reorders the ways on every hit: each key must keep its own payload.
    Tlb tlb(geometry(1, 4));
    for (uint64_t k = 1; k <= 4; ++k) tlb.fill(k, {k * 0x100, 0, false});
    for (uint64_t k : {3, 1, 4, 1, 2}) EXPECT_EQ(tlb.lookup(k)->frame, k * 0x100);
    for (uint64_t k = 1; k <= 4; ++k) EXPECT_EQ(tlb.probe(k)->frame, k * 0x100);
}

TEST(SetAssocInvalidate, InvalidateDropsOnlyThatKey) {
    Tags tags(geometry(4, 2));
    fill(tags, 0);
    fill(tags, 4);
    EXPECT_TRUE(tags.invalidate(4));
    EXPECT_FALSE(tags.invalidate(4));  // already gone
    EXPECT_FALSE(tags.invalidate(8));  // never there
    EXPECT_TRUE(tags.contains(0));
    EXPECT_FALSE(tags.contains(4));
}

TEST(SetAssocInvalidate, PredicateDropsMatchingEntriesAndKeepsTheOthersInOrder) {
    // A PCID flush: drop the non-global entries of PCID 1.
    Tlb tlb(geometry(1, 6));
    tlb.fill(0xa, {0, 1, false});
    tlb.fill(0xb, {0, 2, false});
    tlb.fill(0xc, {0, 1, true});
    tlb.fill(0xd, {0, 1, false});
    tlb.fill(0xe, {0, 2, false});  // recency: e d c b a, one way empty
    const size_t dropped =
        tlb.invalidate_if([](uint64_t, const Translation& t) { return t.pcid == 1 && !t.global; });
    EXPECT_EQ(dropped, 2u);  // a and d
    EXPECT_FALSE(tlb.contains(0xa));
    EXPECT_FALSE(tlb.contains(0xd));
    // Left: e c b, in that order, and three empty ways, which the next fills take.
    for (uint64_t k : {0x10, 0x11, 0x12}) EXPECT_FALSE(tlb.fill(k, {}));
    EXPECT_EQ(tlb.fill(0x13, {})->key, 0xbu);
    EXPECT_EQ(tlb.fill(0x14, {})->key, 0xcu);
    EXPECT_EQ(tlb.fill(0x15, {})->key, 0xeu);
}

TEST(SetAssocCheck, AcceptsUsableConfigurations) {
    EXPECT_EQ(geometry(1, 1).check(), "");
    EXPECT_EQ(geometry(128, 12).check(), "");
    EXPECT_EQ(geometry(1, 6, Replacement::Fifo).check(), "");
    EXPECT_EQ(geometry(1, 3, Replacement::Random).check(), "");
    EXPECT_EQ(geometry(1, 64, Replacement::TreePlru).check(), "");
    EXPECT_EQ(geometry(16, 1, Replacement::TreePlru).check(), "");
}

TEST(SetAssocCheck, RejectsSetsThatAreNotAPowerOfTwo) {
    EXPECT_NE(geometry(0, 1).check(), "");
    EXPECT_NE(geometry(3, 1).check(), "");
    EXPECT_NE(geometry(96, 4).check(), "");
}

TEST(SetAssocCheck, RejectsZeroWays) { EXPECT_NE(geometry(1, 0).check(), ""); }

TEST(SetAssocCheck, RejectsBlocksThatAreNotAPowerOfTwo) {
    SetAssocConfig c = geometry(1, 1);
    c.block_bytes = 0;
    EXPECT_NE(c.check(), "");
    c.block_bytes = 3000;
    EXPECT_NE(c.check(), "");
}

TEST(SetAssocCheck, RejectsTreePlruWithoutAPowerOfTwoOfAtMost64Ways) {
    EXPECT_NE(geometry(1, 6, Replacement::TreePlru).check(), "");
    EXPECT_NE(geometry(1, 12, Replacement::TreePlru).check(), "");
    EXPECT_NE(geometry(1, 128, Replacement::TreePlru).check(), "");
}

TEST(SetAssocCheck, ConstructorThrowsOnWhatCheckRejects) {
    EXPECT_THROW(Tags(geometry(3, 1)), std::invalid_argument);
    EXPECT_THROW(Tags(geometry(1, 6, Replacement::TreePlru)), std::invalid_argument);
}

TEST(SetAssocCheck, ConstructorThrowsWhenTheBlockLeavesNoKeyBits) {
    SetAssocConfig c = geometry(1, 1);
    c.block_bytes = uint64_t{1} << 32;
    EXPECT_THROW(Tags{c}, std::invalid_argument);         // 32-bit keys
    EXPECT_NO_THROW(SetAssoc<uint64_t>{c});                // 64-bit keys
}

}  // namespace
}  // namespace vmsim::common
