// Signed checkpoints: the C2SP `tlog-checkpoint` body in a C2SP `signed-note`, Ed25519
// (libsodium), so existing transparency tooling (Go's sumdb/note, transparency-dev witnesses)
// can read and verify what satfence signs.
//
//   SignerKey key = *GenerateSignerKey("satfence.example/decisions");
//   std::string note = *SignNote(CheckpointText({origin, size, root}), key);
//   absl::StatusOr<std::string> text = OpenNote(note, VerifierOf(key));   // the signed text
//
// Formats (https://github.com/C2SP/C2SP, signed-note.md and tlog-checkpoint.md):
//   note      = text ending in "\n", a blank line, then lines "— <name> <base64(id || sig)>"
//   key id    = SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian
//   verifier  = "<name>+<hex id>+<base64(0x01 || public key)>"
//   signer    = "PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>"  (Go's note format)
//   checkpoint= "<origin>\n<tree size>\n<base64 root hash>\n" then optional extension lines
#ifndef SATFENCE_AUDIT_NOTE_H_
#define SATFENCE_AUDIT_NOTE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "satfence/audit/merkle.h"

namespace satfence::audit {

struct VerifierKey {
  std::string name;
  std::uint32_t id = 0;
  std::array<std::uint8_t, 32> public_key{};
};

struct SignerKey {
  std::string name;
  std::uint32_t id = 0;
  std::array<std::uint8_t, 32> public_key{};
  std::array<std::uint8_t, 32> seed{};  // the Ed25519 private key
};

// Standard base64 (RFC 4648, section 4), as every C2SP format uses it.
std::string Base64(std::span<const std::uint8_t> data);
// False unless `text` is entirely valid base64.
bool FromBase64(std::string_view text, std::vector<std::uint8_t>& out);

std::uint32_t KeyId(std::string_view name, const std::array<std::uint8_t, 32>& public_key);

// A new key from the operating system's randomness. Names must be non-empty, without spaces
// or '+'.
absl::StatusOr<SignerKey> GenerateSignerKey(std::string_view name);
VerifierKey VerifierOf(const SignerKey& key);

std::string SignerKeyText(const SignerKey& key);
absl::StatusOr<SignerKey> ParseSignerKey(std::string_view text);
std::string VerifierKeyText(const VerifierKey& key);
absl::StatusOr<VerifierKey> ParseVerifierKey(std::string_view text);

// Signs `text` (UTF-8, ending in a newline, no blank line, no control characters but
// newlines) with `key`, adding to any signatures `text` already carries as a note.
absl::StatusOr<std::string> SignNote(std::string_view text, const SignerKey& key);

// The note's text when it carries a valid signature by `key`; an error naming what failed:
// InvalidArgument for a malformed note, NotFound when no line is by this key (name and id),
// PermissionDenied when its line does not verify.
absl::StatusOr<std::string> OpenNote(std::string_view note, const VerifierKey& key);

struct Checkpoint {
  std::string origin;  // the log's identity, e.g. "satfence.example/decisions"
  std::uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // further lines, each without its newline
};

std::string CheckpointText(const Checkpoint& c);
absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text);

// The checkpoint a signed note carries, when `key` signed it (OpenNote's errors, then
// ParseCheckpoint's).
absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view note, const VerifierKey& key);

}  // namespace satfence::audit

#endif  // SATFENCE_AUDIT_NOTE_H_
