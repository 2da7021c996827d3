// The first start: the person chooses where the authority lives, before anything is created.
import { useState } from "react";
import type { AppInfo } from "../api";
import { ConnectForm } from "./ConnectForm";

interface FirstRunProps {
  /** "Create an authority on this computer"; a failure (a locked keyring) is shown by the
   * start-up screen, with Retry. */
  onCreateLocal: () => void;
  creating: boolean;
  onConnected: (info: AppInfo) => void;
}

export function FirstRun({ onCreateLocal, creating, onConnected }: FirstRunProps) {
  const [connecting, setConnecting] = useState(false);

  return (
    <main className="startup" data-testid="first-run">
      <div className="startup-card first-run">
        <h1>Welcome to Tokendesk</h1>
        {connecting ? (
          <>
            <p className="muted">
              Sign in to your team&apos;s Tokendesk server. You get exactly the rights the server
              gives you; your session is kept in this computer&apos;s keyring.
            </p>
            <ConnectForm
              label="Connect"
              onConnected={onConnected}
              actions={
                <button
                  type="button"
                  className="button"
                  data-testid="first-run-back"
                  onClick={() => {
                    setConnecting(false);
                  }}
                >
                  Back
                </button>
              }
            />
          </>
        ) : (
          <>
            <p className="muted">Where should the authority that issues your tokens live?</p>
            <div className="choices">
              <button
                type="button"
                className="choice"
                disabled={creating}
                data-testid="first-run-local"
                onClick={onCreateLocal}
              >
                <strong>{creating ? "Creating…" : "Create an authority on this computer"}</strong>
                <span className="muted">
                  For one person. Tokens are checked by this computer; its secrets stay in your
                  keyring.
                </span>
              </button>
              <button
                type="button"
                className="choice"
                disabled={creating}
                data-testid="first-run-server"
                onClick={() => {
                  setConnecting(true);
                }}
              >
                <strong>Connect to a Tokendesk server</strong>
                <span className="muted">
                  For a team: everyone works with the same authority, on their own computer.
                </span>
              </button>
            </div>
          </>
        )}
      </div>
    </main>
  );
}
