// Large read-mostly tables on 2 MiB pages.
//
//   HugePageVector<Node> nodes;   // a std::vector whose large buffers ask for huge pages
//
// A lookup table of hundreds of megabytes read at random costs a TLB miss per access on 4 KiB
// pages (and under virtualisation each miss walks two sets of page tables); on 2 MiB pages the
// whole table fits the TLB's reach. Buffers of 2 MiB or more are allocated 2 MiB-aligned and
// advised MADV_HUGEPAGE before they are first touched (Linux transparent huge pages, which
// honour the advice in their default "madvise" mode); smaller ones come from operator new,
// aligned to a cache line.
// Where the kernel declines, the memory is ordinary pages: only speed changes.
#ifndef SATFENCE_BASE_HUGE_PAGES_H_
#define SATFENCE_BASE_HUGE_PAGES_H_

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace satfence {

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{1} << 21;
  // Smaller buffers start on a cache line, so a record of 64 bytes (or 32) at a multiple
  // of its size lies on one line, not across two (operator new's large blocks start 16
  // bytes past a page).
  static constexpr std::align_val_t kLine{64};

  HugePageAllocator() = default;
  template <typename U>
  explicit HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes, kLine));
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure leaves ordinary pages
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) < kHugePage) {
      ::operator delete(p, kLine);
    } else {
      std::free(p);
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

template <typename T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace satfence

#endif  // SATFENCE_BASE_HUGE_PAGES_H_
