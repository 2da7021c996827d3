// Verifies a Tokendesk signed access token the way a JavaScript service would: jose fetches the
// server's JWKS and checks signature, expiry, audience, issuer and the RFC 9068 `typ`.
// Usage: node verify.mjs JWKS_URL ISSUER AUDIENCE TOKEN
// Prints `ok <sub>` (exit 0) or `refused <jose error code>` (exit 1).
import { createRemoteJWKSet, jwtVerify } from "jose";

const [jwksUrl, issuer, audience, token] = process.argv.slice(2);
try {
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl)), {
    issuer,
    audience,
    typ: "at+jwt",
    algorithms: ["EdDSA"],
    requiredClaims: ["exp", "iat", "sub", "jti", "client_id"],
  });
  console.log(`ok ${payload.sub}`);
} catch (e) {
  console.log(`refused ${e.code ?? e.name}`);
  process.exitCode = 1;
}
