#include "satfence/audit/proof.h"

#include <charconv>

#include "absl/strings/str_cat.h"

namespace satfence::audit {
namespace {

constexpr char kProofHeader[] = "c2sp.org/tlog-proof@v1";
constexpr size_t kMaxProofBytes = 1 << 20;
constexpr size_t kMaxPathLength = 64;  // a tree of 2^64 leaves

absl::Status CheckCanonicalizable(const nlohmann::json& v, const std::string& where) {
  switch (v.type()) {
    case nlohmann::json::value_t::number_float:
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": floating-point numbers have no canonical form here"));
    case nlohmann::json::value_t::object:
      for (const auto& [key, member] : v.items()) {
        for (char c : key) {
          if (static_cast<unsigned char>(c) >= 0x80) {
            return absl::InvalidArgumentError(absl::StrCat(where, ": key is not ASCII"));
          }
        }
        if (absl::Status s = CheckCanonicalizable(member, absl::StrCat(where, ".", key)); !s.ok())
          return s;
      }
      return absl::OkStatus();
    case nlohmann::json::value_t::array:
      for (size_t i = 0; i < v.size(); ++i) {
        if (absl::Status s = CheckCanonicalizable(v[i], absl::StrCat(where, "[", i, "]")); !s.ok())
          return s;
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

}  // namespace

absl::StatusOr<std::string> CanonicalJson(const nlohmann::json& value) {
  if (absl::Status s = CheckCanonicalizable(value, "record"); !s.ok()) return s;
  try {
    // nlohmann's objects are std::map: members in byte order of their keys. Compact, UTF-8
    // kept as is, the JSON escapes JCS prescribes; invalid UTF-8 throws.
    return value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::type_error&) {
    return absl::InvalidArgumentError("record: a string is not valid UTF-8");
  }
}

std::string TlogProofText(const TlogProof& proof) {
  std::string out = absl::StrCat(kProofHeader, "\n");
  if (!proof.extra.empty()) {
    absl::StrAppend(&out, "extra ",
                    Base64(std::span(reinterpret_cast<const std::uint8_t*>(proof.extra.data()),
                                     proof.extra.size())),
                    "\n");
  }
  absl::StrAppend(&out, "index ", proof.index, "\n");
  for (const Hash& h : proof.path) absl::StrAppend(&out, Base64(h), "\n");
  absl::StrAppend(&out, "\n", proof.checkpoint_note);
  return out;
}

absl::StatusOr<TlogProof> ParseTlogProof(std::string_view text) {
  if (text.size() > kMaxProofBytes) return absl::InvalidArgumentError("proof larger than 1 MiB");
  TlogProof proof;
  int line_number = 0;
  auto next_line = [&](std::string_view& line) {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) return false;
    line = text.substr(0, end);
    text.remove_prefix(end + 1);
    ++line_number;
    return true;
  };
  auto error = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("tlog-proof line ", line_number, ": ", std::string(why)));
  };
  std::string_view line;
  if (!next_line(line) || line != kProofHeader) return error("expected 'c2sp.org/tlog-proof@v1'");
  if (!next_line(line)) return error("missing index line");
  if (line.substr(0, 6) == "extra ") {
    std::vector<std::uint8_t> extra;
    if (!FromBase64(line.substr(6), extra)) return error("extra data is not base64");
    proof.extra.assign(extra.begin(), extra.end());
    if (!next_line(line)) return error("missing index line");
  }
  if (line.substr(0, 6) != "index ") return error("expected 'index N'");
  const std::string_view digits = line.substr(6);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), proof.index);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      (digits.size() > 1 && digits[0] == '0')) {
    return error("index is not a decimal number without leading zeros");
  }
  while (true) {
    if (!next_line(line)) return error("missing the blank line before the checkpoint");
    if (line.empty()) break;
    std::vector<std::uint8_t> hash;
    if (!FromBase64(line, hash) || hash.size() != 32) return error("not a base64 SHA-256 hash");
    if (proof.path.size() == kMaxPathLength) return error("more than 64 proof hashes");
    Hash h;
    std::copy(hash.begin(), hash.end(), h.begin());
    proof.path.push_back(h);
  }
  if (text.empty()) return error("missing the checkpoint");
  proof.checkpoint_note = std::string(text);
  return proof;
}

absl::StatusOr<Checkpoint> VerifyTlogProof(const TlogProof& proof, const Hash& leaf_hash,
                                           const VerifierKey& key) {
  absl::StatusOr<Checkpoint> checkpoint = OpenCheckpoint(proof.checkpoint_note, key);
  if (!checkpoint.ok()) return checkpoint.status();
  if (absl::Status s =
          VerifyInclusion(proof.index, checkpoint->size, leaf_hash, proof.path, checkpoint->root);
      !s.ok()) {
    return s;
  }
  return checkpoint;
}

}  // namespace satfence::audit
