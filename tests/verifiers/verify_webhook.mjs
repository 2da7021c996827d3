// Verifies a Tokendesk webhook the way a JavaScript receiver would, with the Standard Webhooks
// reference library (npm `standardwebhooks`).
// Usage: node verify_webhook.mjs SECRET HEADERS_JSON_FILE BODY_FILE
// Prints `ok <type>` (exit 0) or `refused <error name>` (exit 1).
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const [secret, headersFile, bodyFile] = process.argv.slice(2);
const headers = JSON.parse(readFileSync(headersFile, "utf8"));
const body = readFileSync(bodyFile, "utf8");
try {
  const payload = new Webhook(secret).verify(body, headers);
  console.log(`ok ${payload.type}`);
} catch (e) {
  console.log(`refused ${e?.name ?? e}`);
  process.exit(1);
}
