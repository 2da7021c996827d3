import { useEffect, useState } from "react";
import { appInfo, retryOpen, type ApiError, type AppInfo, type ErrorCode } from "./api";
import { Authorizations } from "./components/Authorizations";

type Boot =
  | { state: "loading" }
  | { state: "failed"; error: ApiError; retrying: boolean }
  | { state: "ready"; info: AppInfo };

/** The heading of the start-up failure screen. Exhaustive: a new code fails the typecheck. */
function startupHeading(code: ErrorCode): string {
  switch (code) {
    case "keyring_unavailable":
      return "The system keyring is not available";
    case "database_busy":
      return "The database is in use";
    case "database_corrupt":
      return "The database cannot be opened";
    case "database":
    case "internal":
    case "invalid_input":
    case "invalid_name":
    case "name_taken":
    case "invalid_expiry":
    case "invalid_token":
    case "not_found":
    case "already_revoked":
    case "token_revoked":
      return "Tokendesk could not start";
  }
}

export function App() {
  const [boot, setBoot] = useState<Boot>({ state: "loading" });

  useEffect(() => {
    let current = true;
    appInfo().then(
      (info) => {
        if (current) setBoot({ state: "ready", info });
      },
      (error: unknown) => {
        if (current) setBoot({ state: "failed", error: error as ApiError, retrying: false });
      },
    );
    return () => {
      current = false;
    };
  }, []);

  async function retry() {
    if (boot.state !== "failed") return;
    setBoot({ ...boot, retrying: true });
    try {
      setBoot({ state: "ready", info: await retryOpen() });
    } catch (error) {
      setBoot({ state: "failed", error: error as ApiError, retrying: false });
    }
  }

  if (boot.state === "loading") {
    return (
      <main className="startup">
        <p className="muted" role="status">
          Opening Tokendesk…
        </p>
      </main>
    );
  }

  if (boot.state === "failed") {
    return (
      <main className="startup" data-testid="startup-error">
        <div className="startup-card">
          <h1>{startupHeading(boot.error.code)}</h1>
          <p className="startup-message">{boot.error.message}</p>
          <button
            type="button"
            className="button button-primary"
            disabled={boot.retrying}
            data-testid="retry"
            onClick={() => void retry()}
          >
            {boot.retrying ? "Retrying…" : "Retry"}
          </button>
        </div>
      </main>
    );
  }

  const { info } = boot;
  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <span className="app-name">Tokendesk</span>
          <span className="separator" aria-hidden="true">
            /
          </span>
          <span className="authority" title={info.authorityId}>
            {info.authorityName}
          </span>
        </div>
        <div className="user" title={info.user.email ?? undefined}>
          <span className="avatar" aria-hidden="true">
            {info.user.displayName.trim().charAt(0).toUpperCase()}
          </span>
          <span className="visually-hidden">Signed in as </span>
          <span className="user-name">{info.user.displayName}</span>
        </div>
      </header>
      <Authorizations info={info} />
    </div>
  );
}
