#include "core/half.h"

#include <bit>

namespace mbench {

uint16_t FloatToHalf(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7FFFFFFFu;
  if (abs >= 0x7F800000u) {  // infinity or NaN
    return static_cast<uint16_t>(sign | 0x7C00u | (abs > 0x7F800000u ? 0x0200u : 0u));
  }
  const int32_t exp = static_cast<int32_t>(abs >> 23) - 127 + 15;
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7C00u);  // overflow
  uint32_t mant = abs & 0x7FFFFFu;
  uint32_t shift;
  uint32_t base;
  if (exp <= 0) {  // subnormal half (or zero): the implicit bit becomes explicit
    if (exp < -10) return sign;
    mant |= 0x800000u;
    shift = static_cast<uint32_t>(14 - exp);
    base = 0;
  } else {
    shift = 13;
    base = static_cast<uint32_t>(exp) << 10;
  }
  const uint32_t kept = mant >> shift;
  const uint32_t rest = mant & ((1u << shift) - 1);
  const uint32_t half_way = 1u << (shift - 1);
  uint32_t h = base + kept;  // a carry out of the mantissa correctly bumps the exponent
  if (rest > half_way || (rest == half_way && (kept & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    int32_t e = 1;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (static_cast<uint32_t>(e + 127 - 15) << 23) | ((mant & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(bits);
}

std::vector<uint16_t> ToHalf(std::span<const float> values) {
  std::vector<uint16_t> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = FloatToHalf(values[i]);
  return out;
}

}  // namespace mbench
