// Settings → Connection: where the authority is (this computer or a team server), and the way
// to switch or sign out.
import { useId, useState } from "react";
import type { AppInfo, Connection } from "../../api";
import { Alert } from "../Alert";
import { ConnectForm } from "../ConnectForm";
import { Modal } from "../Modal";
import { useSignOut } from "../useSignOut";

interface ConnectionSectionProps {
  info: AppInfo;
  connection: Connection;
  onConnected: (info: AppInfo) => void;
  onSignedOut: () => void;
}

export function ConnectionSection({ info, connection, onConnected, onSignedOut }: ConnectionSectionProps) {
  const headingId = useId();
  const [connecting, setConnecting] = useState(false);
  const { signOut, leaving, error } = useSignOut(onSignedOut);
  const remote = connection.mode === "server";

  return (
    <section className="settings-section" aria-labelledby={headingId} data-testid="connection-section">
      <h2 id={headingId} className="section-heading">
        Connection
      </h2>
      <dl className="facts" data-testid="connection-facts">
        <dt>Authority</dt>
        <dd data-testid="connection-mode">{remote ? "A Tokendesk server" : "On this computer"}</dd>
        {remote ? (
          <>
            <dt>Server</dt>
            <dd className="mono" data-testid="connection-server">
              {connection.server}
            </dd>
            <dt>Signed in as</dt>
            <dd data-testid="connection-email">{connection.email}</dd>
            <dt>Trusted certificate</dt>
            <dd data-testid="connection-ca">
              {connection.privateCa
                ? "The server's private CA certificate, kept with this app's data, and the system's roots"
                : "The system's trusted roots"}
            </dd>
          </>
        ) : (
          <>
            <dt>Data</dt>
            <dd className="mono">{info.dataDir}</dd>
          </>
        )}
      </dl>
      {error && <Alert testId="connection-error">{error}</Alert>}
      <div className="form-actions">
        {remote && (
          <button
            type="button"
            className="button"
            disabled={leaving}
            data-testid="connection-sign-out"
            onClick={signOut}
          >
            {leaving ? "Signing out…" : "Sign out"}
          </button>
        )}
        <button
          type="button"
          className="button"
          disabled={leaving}
          data-testid="connection-connect"
          onClick={() => {
            setConnecting(true);
          }}
        >
          {remote ? "Connect to another server…" : "Connect to a Tokendesk server…"}
        </button>
      </div>
      {connecting && (
        <Modal
          title="Connect to a Tokendesk server"
          onClose={() => {
            setConnecting(false);
          }}
          testId="connect-dialog"
        >
          <p className="muted">
            {remote
              ? "You are signed out of the current server first."
              : "The authority on this computer stays as it is; sign out of the server to come back to it."}
          </p>
          <ConnectForm
            label="Connect"
            onConnected={onConnected}
            actions={
              <button
                type="button"
                className="button"
                onClick={() => {
                  setConnecting(false);
                }}
              >
                Cancel
              </button>
            }
          />
        </Modal>
      )}
    </section>
  );
}
