"""Resume codes: random, human-typeable, stored only as a hash.

A code is 16 characters from Crockford's base32 alphabet (80 random bits),
shown in groups of four. 80 bits cannot be guessed, so a fast SHA-256 is
enough; a slow password hash would only slow every page.
"""

import hashlib
import secrets

__all__ = ["new_resume_code", "hash_code", "new_public_id"]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_resume_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise(code: str) -> str:
    """Accept codes typed with spaces, dashes, lower case, or O/I/L for 0/1/1."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def new_public_id() -> str:
    return "p_" + secrets.token_hex(8)
