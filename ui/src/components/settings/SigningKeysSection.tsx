// Services check signed tokens offline against these keys, so a rotation is explained first.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { rotateSigningKey, signingKeys, type ApiError, type SigningKeyInfo } from "../../api";
import { queryKeys } from "../../api/queryKeys";
import { formatDateTime } from "../../lib/format";
import { Alert } from "../Alert";
import { DataTable } from "../DataTable";
import { DialogActions } from "../DialogActions";
import { Modal } from "../Modal";
import { SmallButton } from "../SmallButton";
import { LoadedSection } from "./LoadedSection";

const KEY_COLUMNS = [
  { label: "Key ID", className: "col-kid" },
  { label: "Created" },
  { label: "State" },
];

/** `now`: when Rust listed the keys, so a retired key's publication is judged as of then. */
function keyState(key: SigningKeyInfo, now: number): string {
  if (key.current) return "Signing";
  if (key.publishedUntil !== undefined && key.publishedUntil > now) {
    return `Retired — published until ${formatDateTime(key.publishedUntil)}`;
  }
  return "Retired";
}

export function SigningKeysSection({ canManage }: { canManage: boolean }) {
  const queryClient = useQueryClient();
  const listed = useQuery({ queryKey: queryKeys.signingKeys, queryFn: signingKeys });
  const [dialogOpen, setDialogOpen] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotateError, setRotateError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function rotate(e: SyntheticEvent) {
    e.preventDefault();
    if (rotating) return;
    setRotating(true);
    setRotateError(null);
    try {
      const keys = await rotateSigningKey();
      queryClient.setQueryData(queryKeys.signingKeys, keys);
      setDialogOpen(false);
      setDone(true);
    } catch (err) {
      setRotateError((err as ApiError).message);
    } finally {
      setRotating(false);
    }
  }

  return (
    <LoadedSection
      title="Signing keys"
      testId="signing-keys-section"
      query={listed}
      errorTestId="signing-keys-error"
      actions={
        canManage && listed.data ? (
          <SmallButton
            data-testid="rotate-key"
            onClick={() => {
              setRotateError(null);
              setDone(false);
              setDialogOpen(true);
            }}
          >
            Rotate key…
          </SmallButton>
        ) : null
      }
      intro={
        <>
          Services can exchange a Tokendesk token at <code>POST /oauth/token</code> for a
          short-lived signed token (a JWT), and check that one against the public keys at{" "}
          <code>/.well-known/jwks.json</code> without asking Tokendesk.
        </>
      }
      loaded={(keys) =>
        keys.length === 0 ? (
          <p className="muted" data-testid="no-signing-keys">
            No key yet: the first token exchange creates one.
          </p>
        ) : (
          <DataTable label="Signing keys" className="signing-keys" columns={KEY_COLUMNS}>
            {keys.map((key) => (
              <tr key={key.kid} data-testid="signing-key-row" data-kid={key.kid}>
                <td className="col-kid">
                  <code className="kid" title={key.kid}>
                    {key.kid}
                  </code>
                </td>
                <td className="nowrap">{formatDateTime(key.createdAt)}</td>
                <td data-testid="signing-key-state">{keyState(key, listed.dataUpdatedAt)}</td>
              </tr>
            ))}
          </DataTable>
        )
      }
    >
      {done && (
        <p className="saved" role="status" data-testid="rotate-done">
          A new signing key signs from now on.
        </p>
      )}
      {/* A rotation closed before Rust answered still reports a refusal, here. */}
      {!dialogOpen && rotateError && (
        <Alert
          testId="rotate-error"
          onDismiss={() => {
            setRotateError(null);
          }}
        >
          {rotateError}
        </Alert>
      )}

      {dialogOpen && (
        <Modal
          title="Rotate the signing key?"
          onClose={() => {
            setDialogOpen(false);
          }}
          size="small"
          testId="rotate-dialog"
        >
          <form className="form" noValidate onSubmit={(e) => void rotate(e)}>
            <p>A new key signs every signed token from now on.</p>
            <p>
              The old key stays published for an hour, so the tokens it signed keep verifying
              until they expire; then it leaves <code>/.well-known/jwks.json</code>.
            </p>
            {rotateError && <Alert testId="rotate-error">{rotateError}</Alert>}
            <DialogActions
              onCancel={() => {
                setDialogOpen(false);
              }}
              submitting={rotating}
              label="Rotate key"
              busyLabel="Rotating…"
              testId="rotate-confirm"
            />
          </form>
        </Modal>
      )}
    </LoadedSection>
  );
}
