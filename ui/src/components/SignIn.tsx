// The screen after a team server ended the session (revoked, expired, user disabled) or
// when the keyring no longer holds it: sign in again, or leave the server.
import type { AppInfo, Connection } from "../api";
import { Alert } from "./Alert";
import { ConnectForm } from "./ConnectForm";
import { useSignOut } from "./useSignOut";

interface SignInProps {
  connection: Connection;
  onConnected: (info: AppInfo) => void;
  /** Signed out of the server: back to this computer's authority or the first-run choice. */
  onLeft: () => void;
}

export function SignIn({ connection, onConnected, onLeft }: SignInProps) {
  const { signOut, leaving, error } = useSignOut(onLeft);

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
              onClick={signOut}
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
