import { useId, useRef, useState, type KeyboardEvent } from "react";
import { copyToken, saveTokenToKeyring, type CreatedToken, type KeyringCopy } from "../api";
import { FieldError } from "./FieldError";
import { Modal } from "./Modal";

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

export function RevealDialog({ created, onClose, returnFocus }: RevealDialogProps) {
  const { token, meta } = created;
  const [confirming, setConfirming] = useState(false);
  const [copied, setCopied] = useState(false);
  const [copyError, setCopyError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<KeyringCopy | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [tab, setTab] = useState<SnippetId>("curl");
  const copyRef = useRef<HTMLButtonElement>(null);
  const tabRefs = useRef(new Map<SnippetId, HTMLButtonElement>());
  const ids = { token: useId(), warning: useId(), confirm: useId(), tabs: useId() };

  async function copy() {
    setCopyError(null);
    try {
      await copyToken(token);
      setCopied(true);
    } catch (e) {
      setCopied(false);
      setCopyError((e as { message: string }).message);
    }
  }

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

      <div className="field">
        <label htmlFor={ids.token}>Token</label>
        <div className="token-box">
          <input
            id={ids.token}
            className="mono token-input"
            type="text"
            readOnly
            value={token}
            spellCheck={false}
            autoComplete="off"
            aria-describedby={ids.warning}
            data-testid="revealed-token"
            onFocus={(e) => {
              e.currentTarget.select();
            }}
          />
          <button
            ref={copyRef}
            type="button"
            className="button button-primary"
            data-testid="copy-token"
            onClick={() => void copy()}
          >
            Copy
          </button>
        </div>
        <p className="status-line" role="status">
          {copied ? "Copied. The clipboard is cleared in 30 seconds." : ""}
        </p>
        {copyError && <FieldError>{copyError}</FieldError>}
      </div>

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
