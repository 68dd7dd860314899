#include "policy/units.h"

#include <string>

#include "gtest/gtest.h"

namespace airlock::policy {
namespace {

// Sizes: binary units only, case-insensitive, plain numbers are bytes.
TEST(ParseByteSizeTest, AcceptsBinaryUnitsAndPlainBytes) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("4096B"), 4096u);
  EXPECT_EQ(*ParseByteSize("64KiB"), 64u << 10);
  EXPECT_EQ(*ParseByteSize("64MiB"), 64u << 20);
  EXPECT_EQ(*ParseByteSize("64mib"), 64u << 20);
  EXPECT_EQ(*ParseByteSize("2GiB"), 2ull << 30);
  EXPECT_EQ(*ParseByteSize("1_024KiB"), 1024u << 10);
}

// Decimal units would silently mean a different number of bytes: rejected.
TEST(ParseByteSizeTest, RejectsUnknownUnitsWithHint) {
  for (const char* bad : {"64XB", "64MB", "64M", "MiB", "", "-1MiB", "1.5GiB",
                          "64 MiB", "_1MiB"}) {
    absl::StatusOr<uint64_t> size = ParseByteSize(bad);
    ASSERT_FALSE(size.ok()) << bad;
    EXPECT_EQ(size.status().message(),
              "invalid size \"" + std::string(bad) + "\" (use e.g. 64MiB)");
  }
}

TEST(ParseByteSizeTest, RejectsZeroAndOverflow) {
  EXPECT_EQ(ParseByteSize("0").status().message(),
            "invalid size \"0\" (must be greater than 0)");
  EXPECT_EQ(ParseByteSize("0MiB").status().message(),
            "invalid size \"0MiB\" (must be greater than 0)");
  EXPECT_EQ(ParseByteSize("99999999999999999999").status().message(),
            "invalid size \"99999999999999999999\" (too large)");
  EXPECT_EQ(ParseByteSize("17179869184GiB").status().message(),
            "invalid size \"17179869184GiB\" (too large)");
}

TEST(ParseDurationTest, AcceptsUnits) {
  EXPECT_EQ(*ParseDuration("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseDuration("5s"), absl::Seconds(5));
  EXPECT_EQ(*ParseDuration("1.5s"), absl::Milliseconds(1500));
  EXPECT_EQ(*ParseDuration("2m"), absl::Minutes(2));
  EXPECT_EQ(*ParseDuration("1m30s"), absl::Seconds(90));
}

// A bare number has no obvious unit; signs and "inf" are not durations here.
TEST(ParseDurationTest, RejectsBareNumbersAndJunk) {
  for (const char* bad :
       {"5", "5x", "s", "", "-5s", "+5s", "inf", "5 s", ".5s", "5S"}) {
    absl::StatusOr<absl::Duration> d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().message(), "invalid duration \"" + std::string(bad) +
                                        "\" (use e.g. 5s, 500ms or 2m)");
  }
  EXPECT_EQ(ParseDuration("0s").status().message(),
            "invalid duration \"0s\" (must be greater than 0)");
}

TEST(ParseCountTest, AcceptsUnderscoreSeparators) {
  EXPECT_EQ(*ParseCount("0"), 0);
  EXPECT_EQ(*ParseCount("1000"), 1000);
  EXPECT_EQ(*ParseCount("1_000_000"), 1000000);
  EXPECT_EQ(*ParseCount("9223372036854775807"), INT64_MAX);
}

TEST(ParseCountTest, RejectsMalformedAndTooLarge) {
  for (const char* bad : {"", "abc", "1e6", "-5", "_1", "1_", "1__0", "1k"}) {
    absl::StatusOr<int64_t> fuel = ParseCount(bad, "fuel");
    ASSERT_FALSE(fuel.ok()) << bad;
    EXPECT_EQ(fuel.status().message(),
              "invalid fuel \"" + std::string(bad) +
                  "\" (use a whole number, e.g. 1_000_000)");
  }
  EXPECT_EQ(ParseCount("9223372036854775808", "fuel").status().message(),
            "invalid fuel \"9223372036854775808\" (too large; at most "
            "9223372036854775807)");
  EXPECT_EQ(ParseCount("99999999999999999999999", "fuel").status().message(),
            "invalid fuel \"99999999999999999999999\" (too large; at most "
            "9223372036854775807)");
}

// Rates: a count per second, minute or hour; "unlimited" admits all.
TEST(ParseRateTest, AcceptsCountsPerPeriod) {
  EXPECT_EQ(ParseRate("100/s")->count, 100u);
  EXPECT_EQ(ParseRate("100/s")->per, absl::Seconds(1));
  EXPECT_EQ(ParseRate("6_000/min")->count, 6000u);
  EXPECT_EQ(ParseRate("6000/min")->per, absl::Minutes(1));
  EXPECT_EQ(ParseRate("10/h")->per, absl::Hours(1));
  EXPECT_TRUE(ParseRate("unlimited")->unlimited());
}

TEST(ParseRateTest, RejectsZeroUnknownPeriodsAndJunk) {
  for (const char* bad :
       {"100", "100/d", "/s", "x/s", "-1/s", "100 /s", "1.5/s", ""}) {
    absl::StatusOr<Rate> rate = ParseRate(bad);
    ASSERT_FALSE(rate.ok()) << bad;
    EXPECT_EQ(rate.status().message(),
              "invalid rate \"" + std::string(bad) +
                  "\" (use e.g. 100/s, 6000/min or unlimited)");
  }
  EXPECT_EQ(ParseRate("0/s").status().message(),
            "invalid rate \"0/s\" (must be greater than 0; to block calls, "
            "leave the tool out of the allowlist)");
}

// Comparing rates across periods: 100/s admits more than 5000/min.
TEST(RateTest, StricterThanComparesAcrossPeriods) {
  EXPECT_TRUE(ParseRate("5000/min")->StricterThan(*ParseRate("100/s")));
  EXPECT_FALSE(ParseRate("100/s")->StricterThan(*ParseRate("5000/min")));
  EXPECT_FALSE(ParseRate("60/min")->StricterThan(*ParseRate("1/s")));
  EXPECT_TRUE(ParseRate("1/h")->StricterThan(Rate{}));
  EXPECT_FALSE(Rate{}.StricterThan(*ParseRate("1/h")));
  EXPECT_EQ(ParseRate("6000/min")->ToString(), "6000/min");
  EXPECT_EQ(Rate{}.ToString(), "unlimited");
}

TEST(FormatTest, SizesAndCountsRoundTrip) {
  EXPECT_EQ(FormatByteSize(64u << 20), "64MiB");
  EXPECT_EQ(FormatByteSize(1536u << 10), "1536KiB");
  EXPECT_EQ(FormatByteSize(1000), "1000B");
  EXPECT_EQ(FormatByteSize(2ull << 30), "2GiB");
  EXPECT_EQ(FormatCount(1234567), "1_234_567");
  EXPECT_EQ(FormatCount(999), "999");
  for (uint64_t size : {1ull, 4096ull, 65536ull, 3ull << 20, 5ull << 30}) {
    EXPECT_EQ(*ParseByteSize(FormatByteSize(size)), size);
  }
  EXPECT_EQ(*ParseCount(FormatCount(2000000000)), 2000000000);
}

}  // namespace
}  // namespace airlock::policy
