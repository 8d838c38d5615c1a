#include "satfence/base/record_error.h"

#include <gtest/gtest.h>

namespace satfence {
namespace {

TEST(RecordError, NamesSourceLineRecordAndField) {
  EXPECT_EQ((RecordError{"cat.tle", 12, 4, "", "eccentricity", "not a number"}).ToString(),
            "cat.tle:12: record 4: eccentricity: not a number");
  EXPECT_EQ((RecordError{"omm.json", 0, 3, "", "EPOCH", "missing"}).ToString(),
            "omm.json: record 3: EPOCH: missing");
  EXPECT_EQ((RecordError{"", 2, 0, "", "", "empty"}).ToString(), "<input>:2: empty");
  EXPECT_EQ((RecordError{"zones.geojson", 0, 7, "UKR", "geometry", "unclosed"}).ToString(),
            "zones.geojson: record 7 'UKR': geometry: unclosed");
}

}  // namespace
}  // namespace satfence
