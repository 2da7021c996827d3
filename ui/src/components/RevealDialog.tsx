import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import {
  saveTokenToKeyring,
  testToken,
  toApiError,
  type CreatedToken,
  type KeyringCopy,
  type TestResult,
} from "../api";
import { revealShown } from "../lib/revealGuard";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";
import { SecretField } from "./SecretField";

interface RevealDialogProps {
  created: CreatedToken;
  /** Called once the person confirmed they stored the token; the owner drops it from state. */
  onClose: () => void;
  returnFocus: () => HTMLElement | null;
}

const SNIPPETS = [
  {
    id: "curl",
    label: "curl",
    code: (t: string) => `curl -H "Authorization: Bearer ${t}" https://api.example.com/...`,
  },
  {
    id: "js",
    label: "JavaScript",
    code: (t: string) =>
      `const response = await fetch("https://api.example.com/...", {\n  headers: { Authorization: "Bearer ${t}" },\n});`,
  },
  {
    id: "python",
    label: "Python",
    code: (t: string) =>
      `import requests\n\nresponse = requests.get(\n    "https://api.example.com/...",\n    headers={"Authorization": "Bearer ${t}"},\n)`,
  },
] as const;

type SnippetId = (typeof SNIPPETS)[number]["id"];

const REASONS: Record<number, string> = {
  200: "OK",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** "200 OK", "401 Unauthorized"; just the number for codes without a well-known phrase. */
function statusText(status: number): string {
  const reason = REASONS[status];
  return reason ? `${status} ${reason}` : String(status);
}

export function RevealDialog({ created, onClose, returnFocus }: RevealDialogProps) {
  const { token, meta } = created;
  const [confirming, setConfirming] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<KeyringCopy | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [tab, setTab] = useState<SnippetId>("curl");
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<TestResult | null>(null);
  const [testError, setTestError] = useState<string | null>(null);
  const copyRef = useRef<HTMLButtonElement>(null);
  const tabRefs = useRef(new Map<SnippetId, HTMLButtonElement>());
  const ids = { warning: useId(), confirm: useId(), tabs: useId(), test: useId() };
  // Navigation from outside the window waits until the token was taken.
  useEffect(() => revealShown(), []);

  async function saveToKeyring() {
    if (saving || saved) return;
    setSaving(true);
    setSaveError(null);
    try {
      setSaved(await saveTokenToKeyring(meta.id, token));
    } catch (e) {
      setSaveError((e as { message: string }).message);
    } finally {
      setSaving(false);
    }
  }

  // Rust sends the request; the answer (the URL, the status and the /me body) holds no token.
  async function test() {
    if (testing) return;
    setTesting(true);
    setTestResult(null);
    setTestError(null);
    try {
      setTestResult(await testToken(token));
    } catch (e) {
      // invalid_input: the service is off or did not answer; its message says what to do.
      setTestError(toApiError(e).message);
    } finally {
      setTesting(false);
    }
  }

  const testOk = testResult !== null && testResult.status >= 200 && testResult.status < 300;

  // The confirm step replaces the footer; autoFocus moves focus between the two on each swap.
  function askToClose() {
    setConfirming(true);
  }

  function goBack() {
    setConfirming(false);
  }

  function onTabKeyDown(e: KeyboardEvent<HTMLButtonElement>) {
    const index = SNIPPETS.findIndex((s) => s.id === tab);
    let next = index;
    if (e.key === "ArrowRight") next = (index + 1) % SNIPPETS.length;
    else if (e.key === "ArrowLeft") next = (index - 1 + SNIPPETS.length) % SNIPPETS.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = SNIPPETS.length - 1;
    else return;
    e.preventDefault();
    const id = SNIPPETS[next]?.id ?? "curl";
    setTab(id);
    tabRefs.current.get(id)?.focus();
  }

  return (
    <Modal
      title="Copy your new token"
      onClose={confirming ? goBack : askToClose}
      initialFocus={copyRef}
      returnFocus={returnFocus}
      size="large"
      testId="reveal-dialog"
    >
      <p className="muted reveal-intro">
        Authorization <strong className="name-text">{meta.name}</strong> was created.
      </p>
      {meta.scopes && meta.scopes.length > 0 && (
        <p className="muted reveal-scopes" data-testid="reveal-scopes">
          Limited to the read-only scopes{" "}
          {meta.scopes.map((scope, i) => (
            <span key={scope}>
              {i > 0 && ", "}
              <code>{scope}</code>
            </span>
          ))}
          .
        </p>
      )}

      <SecretField
        label="Token"
        value={token}
        describedBy={ids.warning}
        testId="revealed-token"
        copyTestId="copy-token"
        copyRef={copyRef}
      />

      <p id={ids.warning} className="warning">
        This token will not be shown again. Store it somewhere safe now.
      </p>

      <div className="keyring">
        <button
          type="button"
          className="button"
          aria-pressed={saved ? true : false}
          disabled={saving || saved !== null}
          data-testid="save-keyring"
          onClick={() => void saveToKeyring()}
        >
          {saved ? "Saved in your system keyring" : saving ? "Saving…" : "Save a copy in my system keyring"}
        </button>
        {saved && (
          <div className="keyring-result" data-testid="keyring-result">
            <p>Read it back with:</p>
            <pre className="code">
              <code>{saved.lookupCommand}</code>
            </pre>
          </div>
        )}
        {saveError && <FieldError>{saveError}</FieldError>}
      </div>

      <div className="test-it">
        <div className="test-it-row">
          {/* aria-disabled, not disabled: a disabled button would drop keyboard focus to the
              page while the request runs; test() ignores presses until it is done. */}
          <button
            type="button"
            className="button"
            aria-disabled={testing ? true : undefined}
            aria-busy={testing ? true : undefined}
            aria-describedby={`${ids.test}-hint`}
            data-testid="test-token"
            onClick={() => void test()}
          >
            {testing ? "Testing…" : "Test it"}
          </button>
          <p id={`${ids.test}-hint`} className="hint">
            Calls <code>GET /api/users/me</code> on the verification service with this token.
          </p>
        </div>
        <p
          className={testOk ? "test-status test-ok" : "test-status test-bad"}
          role="status"
          data-testid="test-status"
        >
          {testResult
            ? `${statusText(testResult.status)}: ${testOk ? "the service accepted the token." : "the service refused the token."}`
            : ""}
        </p>
        {testResult && (
          <div className="test-result" data-testid="test-result">
            <p className="test-url">
              <span className="muted">GET</span>{" "}
              <code className="name-text" data-testid="test-url">
                {testResult.url}
              </code>
            </p>
            <p id={`${ids.test}-body`} className="test-body-label muted">
              Response body
            </p>
            {/* Focusable so it can be scrolled from the keyboard; a region, so it has a name. */}
            <pre
              className="code test-body"
              role="region"
              tabIndex={0}
              aria-labelledby={`${ids.test}-body`}
              data-testid="test-body"
            >
              <code>{testResult.body}</code>
            </pre>
          </div>
        )}
        {testError && <FieldError>{testError}</FieldError>}
      </div>

      <section className="snippets" aria-labelledby={`${ids.tabs}-heading`}>
        <h3 id={`${ids.tabs}-heading`} className="section-title">
          Use it
        </h3>
        <div role="tablist" aria-label="Usage examples" className="tabs">
          {SNIPPETS.map((s) => (
            <button
              key={s.id}
              ref={(el) => {
                if (el) tabRefs.current.set(s.id, el);
                else tabRefs.current.delete(s.id);
              }}
              type="button"
              role="tab"
              id={`${ids.tabs}-${s.id}-tab`}
              aria-selected={tab === s.id}
              aria-controls={`${ids.tabs}-${s.id}-panel`}
              tabIndex={tab === s.id ? 0 : -1}
              className="tab"
              onClick={() => {
                setTab(s.id);
              }}
              onKeyDown={onTabKeyDown}
            >
              {s.label}
            </button>
          ))}
        </div>
        {SNIPPETS.map((s) => (
          <div
            key={s.id}
            role="tabpanel"
            id={`${ids.tabs}-${s.id}-panel`}
            aria-labelledby={`${ids.tabs}-${s.id}-tab`}
            hidden={tab !== s.id}
            data-testid={`snippet-${s.id}`}
          >
            <pre className="code" tabIndex={0}>
              <code>{s.code(token)}</code>
            </pre>
          </div>
        ))}
      </section>

      {confirming ? (
        <div className="confirm" role="group" aria-labelledby={ids.confirm}>
          <p id={ids.confirm} className="confirm-text">
            Have you stored the token? It cannot be shown again.
          </p>
          <div className="modal-actions">
            <button autoFocus type="button" className="button" onClick={goBack}>
              Go back
            </button>
            <button
              type="button"
              className="button button-primary"
              data-testid="reveal-confirm-close"
              onClick={onClose}
            >
              Yes, close
            </button>
          </div>
        </div>
      ) : (
        <div className="modal-actions">
          <button
            autoFocus
            type="button"
            className="button button-primary"
            data-testid="reveal-done"
            onClick={askToClose}
          >
            Done
          </button>
        </div>
      )}
    </Modal>
  );
}
