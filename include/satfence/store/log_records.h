// The records of the audit log: what each stored row contributes as a Merkle leaf.
//
// Every backend builds the same bytes for the same row (a PostgreSQL store must agree with
// SQLite byte for byte), and so can an auditor who was shown one decision: the record is
// the canonical JSON (audit::CanonicalJson, RFC 8785) of the row's fields, with bulky or
// private evidence replaced by its SHA-256:
//
//   policy    {"type":"policy","version":V,"text_sha256":H}
//   zone_set  {"type":"zone_set","version":V,"description_sha256":H}
//   terminal  {"type":"terminal","change":N,"id":...,"plan":...,"service_lat":"50.45",...}
//             one per registry change (N ascending); coordinates as the shortest decimal
//             text that reads back to the stored double
//   decision  {"type":"decision","seq":N,"terminal":...,"action":...,"reasons":[...],
//             "report_sha256":H,"verdict_sha256":SHA-256(verdict line),...}
//
// The leaf hash is audit::LeafHash(record) = SHA-256(0x00 || record).
#ifndef SATFENCE_STORE_LOG_RECORDS_H_
#define SATFENCE_STORE_LOG_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "satfence/registry/registry.h"
#include "satfence/store/store.h"

namespace satfence::store {

// The kinds of logged rows, as they appear in "type" and in record ids ("decision:42").
inline constexpr std::string_view kPolicyKind = "policy";
inline constexpr std::string_view kZoneSetKind = "zone_set";
inline constexpr std::string_view kTerminalKind = "terminal";
inline constexpr std::string_view kDecisionKind = "decision";

absl::StatusOr<std::string> PolicyLogRecord(const std::string& version, const std::string& text);
absl::StatusOr<std::string> ZoneSetLogRecord(const std::string& version,
                                             const std::string& description);
// `change` is the registry change's sequence number; 0 builds the record without it, for
// comparing a terminal's content with its last change.
absl::StatusOr<std::string> TerminalLogRecord(const registry::Terminal& t, std::int64_t change);
absl::StatusOr<std::string> DecisionLogRecord(const DecisionRecord& d);

// SHA-256 of `text`, lowercase hex.
std::string Sha256Hex(std::string_view text);

}  // namespace satfence::store

#endif  // SATFENCE_STORE_LOG_RECORDS_H_
