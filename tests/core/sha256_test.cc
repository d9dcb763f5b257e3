#include "core/sha256.h"

#include <gtest/gtest.h>

namespace mbench {
namespace {

// Test vectors from FIPS 180-4 examples / NIST CAVS.
TEST(Sha256Test, MatchesPublishedVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, HardwareAndPortablePathsAgreeOnEveryLength) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(Sha256Hex(data), Sha256HexPortable(data)) << "length " << i;
    data.push_back(static_cast<char>(i * 7 + 3));
  }
  EXPECT_EQ(Sha256HexPortable("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, PaddingBoundariesDiffer) {
  // 55, 56 and 64 bytes straddle the one-block/two-block padding boundary.
  EXPECT_NE(Sha256Hex(std::string(55, 'x')), Sha256Hex(std::string(56, 'x')));
  EXPECT_EQ(Sha256Hex(std::string(64, 'x')).size(), 64u);
}

}  // namespace
}  // namespace mbench
