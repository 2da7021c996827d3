"""Verifies a Tokendesk webhook the way a Python receiver would, with the Standard Webhooks
reference library: the `webhook-signature` over `webhook-id`, `webhook-timestamp` and the body,
the timestamp within five minutes.

Usage: verify_webhook.py SECRET HEADERS_JSON_FILE BODY_FILE
Prints `ok <type>` (exit 0) or `refused <exception class>` (exit 1).
"""

import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> int:
    secret, headers_file, body_file = sys.argv[1:4]
    with open(headers_file, encoding="utf-8") as f:
        headers = json.load(f)
    with open(body_file, "rb") as f:
        body = f.read()
    try:
        payload = Webhook(secret).verify(body, headers)
    except WebhookVerificationError as e:
        print(f"refused {type(e).__name__}")
        return 1
    print(f"ok {payload['type']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
