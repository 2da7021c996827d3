"""Verifies a Tokendesk signed access token the way a Python service would: PyJWT fetches the
server's JWKS and checks signature, expiry, audience, issuer and the RFC 9068 `typ`.

Usage: verify.py JWKS_URL ISSUER AUDIENCE TOKEN
Prints `ok <sub>` (exit 0) or `refused <exception class>` (exit 1).
"""

import sys

import jwt


def main() -> int:
    jwks_url, issuer, audience, token = sys.argv[1:5]
    try:
        key = jwt.PyJWKClient(jwks_url, cache_keys=False, cooldown_duration=0).get_signing_key_from_jwt(token)
        decoded = jwt.decode_complete(
            token,
            key,
            algorithms=["EdDSA"],
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
        )
        typ = decoded["header"].get("typ", "").lower()
        if typ not in ("at+jwt", "application/at+jwt"):
            raise jwt.InvalidTokenError(f"typ {typ!r}")
    except jwt.PyJWTError as e:
        print(f"refused {type(e).__name__}")
        return 1
    print(f"ok {decoded['payload']['sub']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
