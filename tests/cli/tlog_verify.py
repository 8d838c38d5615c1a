"""An independent check of satfence's audit-log proofs, written from the specifications:
RFC 9162 (leaf and node hashing, the inclusion-proof algorithm, section 2.1.3.2), C2SP
signed-note and tlog-checkpoint (Ed25519 keys "name+hexid+base64(0x01||key)"), C2SP
tlog-proof. Shared by the CLI tests (audit_check.py, serve_check.py).
"""
import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, leaf, path):
    """RFC 9162, section 2.1.3.2."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def open_note(note, verifier):
    """C2SP signed-note with an Ed25519 key 'name+hexid+base64(0x01||key)': the body."""
    name, key_id, blob = verifier.strip().split("+", 2)
    blob = base64.b64decode(blob)
    assert blob[0] == 1 and len(blob) == 33
    want_id = hashlib.sha256(name.encode() + b"\n\x01" + blob[1:]).digest()[:4]
    if want_id.hex() != key_id:
        raise ValueError("verifier key id is not SHA-256(name || 0x0A || 0x01 || key)[:4]")
    body, _, signatures = note.rpartition("\n\n")
    body += "\n"
    for line in signatures.strip("\n").split("\n"):
        assert line.startswith("\u2014 ")
        signer, sig = line[2:].split(" ")
        sig = base64.b64decode(sig)
        if signer == name and sig[:4] == want_id:
            Ed25519PublicKey.from_public_bytes(blob[1:]).verify(sig[4:], body.encode())
            return body
    raise AssertionError("no signature by the key")


def check_proof(proof_text, record, verifier):
    lines = proof_text.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        raise ValueError("tlog-proof header")
    i = 1
    if lines[i].startswith("extra "):
        i += 1
    index = int(lines[i].split(" ")[1])
    i += 1
    path = []
    while lines[i]:
        path.append(base64.b64decode(lines[i]))
        i += 1
    body = open_note("\n".join(lines[i + 1:]), verifier)
    origin, size, root = body.split("\n")[:3]
    computed = root_from_inclusion(index, int(size), leaf_hash(record), path)
    return computed == base64.b64decode(root), index, int(size)
