// HugePageVector's buffers: where they start, and that they hold what is put in them.
#include "satfence/base/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>

namespace satfence {
namespace {

std::uintptr_t Address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

TEST(HugePageVector, SmallBuffersStartOnACacheLine) {
  // Sizes around the ones operator new serves from mmap (from 128 kB), whose blocks start
  // 16 bytes past a page: a 32-byte record there lies across two lines every other time.
  for (std::size_t n : {1u, 3u, 1000u, 40000u, 150000u, 1000000u}) {
    HugePageVector<std::uint16_t> v(n);
    EXPECT_EQ(Address(v.data()) % 64, 0u) << n << " elements";
  }
}

TEST(HugePageVector, LargeBuffersStartOnAHugePage) {
  HugePageVector<std::uint64_t> v(std::size_t{3} << 18);  // 6 MiB
  EXPECT_EQ(Address(v.data()) % (std::size_t{1} << 21), 0u);
}

TEST(HugePageVector, GrowsAcrossTheHugePageSizeKeepingItsContents) {
  HugePageVector<std::uint32_t> v;
  for (std::uint32_t i = 0; i < (1u << 20); ++i) v.push_back(i);  // 4 MiB, from small
  std::uint64_t sum = std::accumulate(v.begin(), v.end(), std::uint64_t{0});
  EXPECT_EQ(sum, (std::uint64_t{1} << 20) * ((std::uint64_t{1} << 20) - 1) / 2);
  v.resize(10);
  v.shrink_to_fit();  // back to a small buffer (else the next line tests a large one)
  ASSERT_LT(v.capacity() * sizeof(std::uint32_t), std::size_t{1} << 21);
  EXPECT_EQ(Address(v.data()) % 64, 0u);
  EXPECT_EQ(v[9], 9u);
}

}  // namespace
}  // namespace satfence
