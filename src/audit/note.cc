#include "satfence/audit/note.h"

#include <sodium.h>

#include <charconv>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace satfence::audit {
namespace {

constexpr std::uint8_t kEd25519 = 0x01;
constexpr std::string_view kEmDashSpace = "\xE2\x80\x94 ";
constexpr size_t kMaxNoteBytes = 1 << 20;
constexpr size_t kMaxSignatures = 100;

// Debian's abseil has its own string_view: split with the standard one. At most `max_parts`
// parts: the last keeps any further separators (base64 text may hold '+').
std::vector<std::string_view> Split(std::string_view text, char separator,
                                    size_t max_parts = SIZE_MAX) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end =
        parts.size() + 1 == max_parts ? std::string_view::npos : text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c == ' ' || c == '+' || static_cast<unsigned char>(c) < 0x21) return false;
  }
  return true;
}

bool ParseHexId(std::string_view text, std::uint32_t& id) {
  if (text.size() != 8) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + 8, id, 16);
  return ec == std::errc() && end == text.data() + 8;
}

absl::Status CheckText(std::string_view text) {
  if (text.empty() || text.back() != '\n')
    return absl::InvalidArgumentError("note text must end with a newline");
  if (text.find("\n\n") != std::string_view::npos)
    return absl::InvalidArgumentError("note text has a blank line");
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') {
      return absl::InvalidArgumentError("note text has a control character");
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string Base64(std::span<const std::uint8_t> data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool FromBase64(std::string_view text, std::vector<std::uint8_t>& out) {
  out.assign(text.size(), 0);
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return false;
  }
  out.resize(length);
  return true;
}

std::uint32_t KeyId(std::string_view name, const std::array<std::uint8_t, 32>& public_key) {
  std::string data(name);
  data += '\n';
  data += static_cast<char>(kEd25519);
  data.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  Hash h = Sha256(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  return (std::uint32_t(h[0]) << 24) | (std::uint32_t(h[1]) << 16) | (std::uint32_t(h[2]) << 8) |
         h[3];
}

absl::StatusOr<SignerKey> GenerateSignerKey(std::string_view name) {
  if (!EnsureSodium()) return absl::InternalError("libsodium did not initialise");
  if (!ValidName(name))
    return absl::InvalidArgumentError(absl::StrCat("bad key name '", std::string(name), "'"));
  SignerKey key;
  key.name = std::string(name);
  randombytes_buf(key.seed.data(), key.seed.size());
  std::uint8_t secret[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(key.public_key.data(), secret, key.seed.data());
  sodium_memzero(secret, sizeof secret);
  key.id = KeyId(key.name, key.public_key);
  return key;
}

VerifierKey VerifierOf(const SignerKey& key) { return {key.name, key.id, key.public_key}; }

std::string SignerKeyText(const SignerKey& key) {
  std::vector<std::uint8_t> blob{kEd25519};
  blob.insert(blob.end(), key.seed.begin(), key.seed.end());
  return absl::StrFormat("PRIVATE+KEY+%s+%08x+%s", key.name, key.id, Base64(blob));
}

absl::StatusOr<SignerKey> ParseSignerKey(std::string_view text) {
  if (!EnsureSodium()) return absl::InternalError("libsodium did not initialise");
  std::vector<std::string_view> parts = Split(text, '+', 5);
  std::vector<std::uint8_t> blob;
  SignerKey key;
  if (parts.size() != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" || !ValidName(parts[2]) ||
      !ParseHexId(parts[3], key.id) || !FromBase64(parts[4], blob) || blob.size() != 33 ||
      blob[0] != kEd25519) {
    return absl::InvalidArgumentError("not a signer key (PRIVATE+KEY+name+id+base64 Ed25519 seed)");
  }
  key.name = std::string(parts[2]);
  std::copy(blob.begin() + 1, blob.end(), key.seed.begin());
  std::uint8_t secret[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(key.public_key.data(), secret, key.seed.data());
  sodium_memzero(secret, sizeof secret);
  if (KeyId(key.name, key.public_key) != key.id) {
    return absl::InvalidArgumentError("signer key id does not match its name and key");
  }
  return key;
}

std::string VerifierKeyText(const VerifierKey& key) {
  std::vector<std::uint8_t> blob{kEd25519};
  blob.insert(blob.end(), key.public_key.begin(), key.public_key.end());
  return absl::StrFormat("%s+%08x+%s", key.name, key.id, Base64(blob));
}

absl::StatusOr<VerifierKey> ParseVerifierKey(std::string_view text) {
  std::vector<std::string_view> parts = Split(text, '+', 3);
  std::vector<std::uint8_t> blob;
  VerifierKey key;
  if (parts.size() != 3 || !ValidName(parts[0]) || !ParseHexId(parts[1], key.id) ||
      !FromBase64(parts[2], blob) || blob.size() != 33 || blob[0] != kEd25519) {
    return absl::InvalidArgumentError("not a verifier key (name+id+base64 Ed25519 public key)");
  }
  key.name = std::string(parts[0]);
  std::copy(blob.begin() + 1, blob.end(), key.public_key.begin());
  if (KeyId(key.name, key.public_key) != key.id) {
    return absl::InvalidArgumentError("verifier key id does not match its name and key");
  }
  return key;
}

absl::StatusOr<std::string> SignNote(std::string_view text, const SignerKey& key) {
  if (!EnsureSodium()) return absl::InternalError("libsodium did not initialise");
  // A note that is already signed keeps its signatures; the new one is appended.
  std::string_view body = text, signatures;
  if (size_t split = text.rfind("\n\n"); split != std::string_view::npos) {
    body = text.substr(0, split + 1);
    signatures = text.substr(split + 2);
  }
  if (absl::Status s = CheckText(body); !s.ok()) return s;
  std::uint8_t secret[crypto_sign_SECRETKEYBYTES];
  std::array<std::uint8_t, 32> public_key;
  crypto_sign_seed_keypair(public_key.data(), secret, key.seed.data());
  std::vector<std::uint8_t> blob = {std::uint8_t(key.id >> 24), std::uint8_t(key.id >> 16),
                                    std::uint8_t(key.id >> 8), std::uint8_t(key.id)};
  blob.resize(4 + crypto_sign_BYTES);
  crypto_sign_detached(blob.data() + 4, nullptr, reinterpret_cast<const std::uint8_t*>(body.data()),
                       body.size(), secret);
  sodium_memzero(secret, sizeof secret);
  std::string note(body);
  note += '\n';
  note.append(signatures);
  note.append(kEmDashSpace);
  note += key.name + " " + Base64(blob) + "\n";
  return note;
}

absl::StatusOr<std::string> OpenNote(std::string_view note, const VerifierKey& key) {
  if (!EnsureSodium()) return absl::InternalError("libsodium did not initialise");
  if (note.size() > kMaxNoteBytes) return absl::InvalidArgumentError("note larger than 1 MiB");
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return absl::InvalidArgumentError("note has no signatures");
  const std::string_view body = note.substr(0, split + 1);
  if (absl::Status s = CheckText(body); !s.ok()) return s;
  std::string_view rest = note.substr(split + 2);
  if (rest.empty() || rest.back() != '\n')
    return absl::InvalidArgumentError("signature lines must end with a newline");
  rest.remove_suffix(1);
  std::vector<std::string_view> lines = Split(rest, '\n');
  if (lines.size() > kMaxSignatures) return absl::InvalidArgumentError("more than 100 signatures");
  for (std::string_view line : lines) {
    if (line.substr(0, kEmDashSpace.size()) != kEmDashSpace) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed signature line '", std::string(line), "'"));
    }
    line.remove_prefix(kEmDashSpace.size());
    const size_t space = line.find(' ');
    std::vector<std::uint8_t> blob;
    if (space == std::string_view::npos || !FromBase64(line.substr(space + 1), blob) ||
        blob.size() < 5) {
      return absl::InvalidArgumentError(
          absl::StrCat("malformed signature line for '", std::string(line.substr(0, space)), "'"));
    }
    const std::string_view name = line.substr(0, space);
    const std::uint32_t id = (std::uint32_t(blob[0]) << 24) | (std::uint32_t(blob[1]) << 16) |
                             (std::uint32_t(blob[2]) << 8) | blob[3];
    if (name != key.name || id != key.id) continue;  // another signer's line
    if (blob.size() != 4 + crypto_sign_BYTES ||
        crypto_sign_verify_detached(blob.data() + 4,
                                    reinterpret_cast<const std::uint8_t*>(body.data()), body.size(),
                                    key.public_key.data()) != 0) {
      return absl::PermissionDeniedError(
          absl::StrFormat("the signature by %s+%08x does not verify", key.name, key.id));
    }
    return std::string(body);
  }
  return absl::NotFoundError(absl::StrFormat("no signature by %s+%08x", key.name, key.id));
}

std::string CheckpointText(const Checkpoint& c) {
  std::string out = absl::StrCat(c.origin, "\n", c.size, "\n", Base64(c.root), "\n");
  for (const std::string& e : c.extensions) absl::StrAppend(&out, e, "\n");
  return out;
}

absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (absl::Status s = CheckText(text); !s.ok()) return s;
  std::string_view lines_text = text.substr(0, text.size() - 1);
  std::vector<std::string_view> lines = Split(lines_text, '\n');
  if (lines.size() < 3)
    return absl::InvalidArgumentError("checkpoint needs origin, size and root lines");
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return absl::InvalidArgumentError("checkpoint origin is empty");
  auto [end, ec] = std::from_chars(lines[1].data(), lines[1].data() + lines[1].size(), c.size);
  if (ec != std::errc() || end != lines[1].data() + lines[1].size() || lines[1].empty() ||
      (lines[1].size() > 1 && lines[1][0] == '0')) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint size '", std::string(lines[1]), "' is not a decimal number"));
  }
  std::vector<std::uint8_t> root;
  if (!FromBase64(lines[2], root) || root.size() != 32) {
    return absl::InvalidArgumentError("checkpoint root is not a base64 SHA-256 hash");
  }
  std::copy(root.begin(), root.end(), c.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) c.extensions.emplace_back(lines[i]);
  return c;
}

absl::StatusOr<Checkpoint> OpenCheckpoint(std::string_view note, const VerifierKey& key) {
  absl::StatusOr<std::string> body = OpenNote(note, key);
  if (!body.ok()) return body.status();
  return ParseCheckpoint(*body);
}

}  // namespace satfence::audit
