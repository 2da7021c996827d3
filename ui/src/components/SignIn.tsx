// The screen after a team server ended the session (revoked, expired, user disabled) or
// when the keyring no longer holds it: sign in again, or leave the server.
import { useState } from "react";
import { signOutServer, type ApiError, type AppInfo, type Connection } from "../api";
import { Alert } from "./Alert";
import { ConnectForm } from "./ConnectForm";

interface SignInProps {
  connection: Connection;
  onConnected: (info: AppInfo) => void;
  /** Signed out of the server: back to this computer's authority or the first-run choice. */
  onLeft: () => void;
}

export function SignIn({ connection, onConnected, onLeft }: SignInProps) {
  const [leaving, setLeaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function leave() {
    setLeaving(true);
    setError(null);
    try {
      await signOutServer();
      onLeft();
    } catch (e) {
      setError((e as ApiError).message);
      setLeaving(false);
    }
  }

  return (
    <main className="startup" data-testid="sign-in">
      <div className="startup-card first-run">
        <h1>Sign in again</h1>
        <p className="startup-message" role="status" data-testid="sign-in-reason">
          {connection.ended ?? `Sign in to ${connection.server ?? "the server"}.`}
        </p>
        <ConnectForm
          server={connection.server}
          email={connection.email}
          onConnected={onConnected}
          actions={
            <button
              type="button"
              className="button"
              disabled={leaving}
              data-testid="leave-server"
              onClick={() => void leave()}
            >
              {leaving ? "Signing out…" : "Use another server or this computer"}
            </button>
          }
        />
        {error && <Alert testId="leave-error">{error}</Alert>}
      </div>
    </main>
  );
}
