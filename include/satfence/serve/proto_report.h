// Reports and decisions in the protobuf form of proto/satfence/v1/telemetry.proto.
//
// A protobuf Report is read with the checks a telemetry v1 line gets (the same limits from
// verify/telemetry.h, the same field names in errors: "claimed.lat",
// "measurements[3].sigma"), so a report is accepted or refused alike in either encoding.
#ifndef SATFENCE_SERVE_PROTO_REPORT_H_
#define SATFENCE_SERVE_PROTO_REPORT_H_

#include <string_view>
#include <vector>

#include "satfence/base/record_error.h"
#include "satfence/store/store.h"
#include "satfence/verify/report.h"
#include "satfence/v1/telemetry.pb.h"

namespace satfence::serve {

// Fills `out` from `in`; on a problem returns false with `error.field` and `error.message`.
bool ReportFromProto(const satfence::v1::Report& in, verify::Report& out, RecordError& error);

// The reverse: `in` as a protobuf Report (ReportFromProto of it gives `in` back).
void ReportToProto(const verify::Report& in, satfence::v1::Report& out);

// The length-delimited fields numbered `field` at the top level of a serialized message, as
// byte ranges of it (the bytes a report's digest is taken of). False when the message is not
// well-formed protobuf.
bool TopLevelFields(std::string_view message, int field, std::vector<std::string_view>& out);

// The decision line's content as a protobuf Decision.
void DecisionToProto(const store::DecisionRecord& stored, satfence::v1::Decision& out);

}  // namespace satfence::serve

#endif  // SATFENCE_SERVE_PROTO_REPORT_H_
