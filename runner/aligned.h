// Storage aligned to a cache line. A std::vector<float> is 16-byte aligned wherever the heap
// puts it, so the arena offsets the memory plan rounds to 16 floats would still start 64-byte
// vector loads in the middle of a line; aligned, every activation starts on a line.
#ifndef MBENCH_RUNNER_ALIGNED_H_
#define MBENCH_RUNNER_ALIGNED_H_

#include <cstddef>
#include <new>
#include <vector>

namespace mbench::runner {

inline constexpr std::size_t kCacheLine = 64;

template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}  // NOLINT(runtime/explicit): rebinding
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kCacheLine)));
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(kCacheLine)); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const {
    return false;
  }
};

template <typename T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_ALIGNED_H_
