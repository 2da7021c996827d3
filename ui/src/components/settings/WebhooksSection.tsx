// Owners decide where the authority's token events go; each endpoint's secret is shown once,
// and the delivery log is how an owner finds out that a receiver is down.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type SyntheticEvent } from "react";
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  rollWebhookSecret,
  toApiError,
  updateWebhook,
  webhookDeliveries,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEvent,
  type WebhookSecret,
} from "../../api";
import { queryKeys } from "../../api/queryKeys";
import { formatDateTime } from "../../lib/format";
import { Alert } from "../Alert";
import { ConfirmDialog } from "../ConfirmDialog";
import { DataTable } from "../DataTable";
import { DialogActions } from "../DialogActions";
import { Modal } from "../Modal";
import { SecretField } from "../SecretField";
import { SmallButton } from "../SmallButton";
import { TextField } from "../TextField";
import { LoadedSection } from "./LoadedSection";

/** Every event, in the order offered. A Record over the generated union: a new event in Rust
 * fails the typecheck until it is described here. */
const EVENTS: Record<WebhookEvent, string> = {
  "token.created": "A token is created",
  "token.revoked": "A token is revoked",
  "token.expiring": "A token expires soon (at the expiry-alert days)",
  "token.expired": "A token has expired",
};
const ALL_EVENTS = Object.keys(EVENTS) as WebhookEvent[];

const COLUMNS = [{ label: "URL" }, { label: "Events" }, { label: "State" }, { label: "Actions" }];
const DELIVERY_COLUMNS = [{ label: "Event" }, { label: "Token" }, { label: "Raised" }, { label: "Status" }, { label: "Last answer" }];

function state(e: WebhookEndpoint): string {
  const parts = [e.enabled ? "Enabled" : "Disabled"];
  if (e.pending > 0) parts.push(`${e.pending.toLocaleString()} waiting`);
  if (e.failed > 0) parts.push(`${e.failed.toLocaleString()} failed`);
  return parts.join(" · ");
}

function deliveryStatus(d: WebhookDelivery, enabled: boolean): string {
  const tries = d.attempts === 1 ? "1 attempt" : `${d.attempts.toLocaleString()} attempts`;
  if (d.status === "delivered") return `Delivered · ${tries}`;
  if (d.status === "failed") return `Failed · ${tries}`;
  if (!enabled) return "Waiting until the endpoint is enabled";
  if (d.nextAttemptAt === undefined) return "Waiting";
  return `Waiting · ${tries}, next ${formatDateTime(d.nextAttemptAt)}`;
}

/** The events column: "All events" rather than four names. */
function eventList(events: WebhookEvent[]): string {
  return events.length === ALL_EVENTS.length ? "All events" : events.join(", ");
}

type Dialog =
  | { kind: "add" }
  | { kind: "secret"; secret: WebhookSecret; rolled: boolean }
  | { kind: "roll"; endpoint: WebhookEndpoint }
  | { kind: "delete"; endpoint: WebhookEndpoint }
  | { kind: "log"; endpoint: WebhookEndpoint };

export function WebhooksSection({ serverMode }: { serverMode: boolean }) {
  const queryClient = useQueryClient();
  const listed = useQuery({ queryKey: queryKeys.webhooks.all, queryFn: listWebhooks });
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The endpoint being enabled or disabled: its button waits for Rust's answer. */
  const [toggling, setToggling] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.all });

  async function toggle(e: WebhookEndpoint) {
    if (toggling) return;
    setToggling(e.id);
    setError(null);
    try {
      await updateWebhook(e.id, { enabled: !e.enabled });
      await refresh();
    } catch (err) {
      setError(toApiError(err).message);
    } finally {
      setToggling(null);
    }
  }

  return (
    <LoadedSection
      title="Webhooks"
      testId="webhooks-section"
      query={listed}
      errorTestId="webhooks-error"
      actions={
        listed.data ? (
          <SmallButton
            data-testid="add-webhook"
            onClick={() => {
              setDialog({ kind: "add" });
            }}
          >
            Add endpoint…
          </SmallButton>
        ) : null
      }
      intro={
        <>
          A team server (<code>tokendesk serve</code>) posts <code>token.created</code>,{" "}
          <code>token.revoked</code>, <code>token.expiring</code> and <code>token.expired</code> to
          these URLs, signed per the Standard Webhooks specification, retrying for about a day and a
          half. Messages describe the token; they never contain it.
          {!serverMode && " On this computer's own authority they wait until a server runs on it."}
        </>
      }
      loaded={(endpoints) =>
        endpoints.length === 0 ? (
          <p className="muted" data-testid="no-webhooks">
            No endpoint yet.
          </p>
        ) : (
          <DataTable label="Webhook endpoints" className="webhooks" columns={COLUMNS}>
            {endpoints.map((e) => (
              <tr key={e.id} data-testid="webhook-row" data-id={e.id}>
                <td>
                  <code className="webhook-url" title={e.url}>
                    {e.url}
                  </code>
                  {e.description && <div className="muted">{e.description}</div>}
                </td>
                <td>{eventList(e.events)}</td>
                <td data-testid="webhook-state">{state(e)}</td>
                <td className="nowrap">
                  <SmallButton
                    data-testid="webhook-log"
                    onClick={() => {
                      setDialog({ kind: "log", endpoint: e });
                    }}
                  >
                    Deliveries
                  </SmallButton>{" "}
                  <SmallButton
                    data-testid="webhook-toggle"
                    disabled={toggling === e.id}
                    onClick={() => void toggle(e)}
                  >
                    {e.enabled ? "Disable" : "Enable"}
                  </SmallButton>{" "}
                  <SmallButton
                    data-testid="webhook-roll"
                    onClick={() => {
                      setDialog({ kind: "roll", endpoint: e });
                    }}
                  >
                    Roll secret…
                  </SmallButton>{" "}
                  <SmallButton
                    data-testid="webhook-delete"
                    onClick={() => {
                      setDialog({ kind: "delete", endpoint: e });
                    }}
                  >
                    Delete…
                  </SmallButton>
                </td>
              </tr>
            ))}
          </DataTable>
        )
      }
    >
      {error && (
        <Alert
          testId="webhook-action-error"
          onDismiss={() => {
            setError(null);
          }}
        >
          {error}
        </Alert>
      )}
      {dialog?.kind === "add" && (
        <AddWebhookDialog
          onClose={() => {
            setDialog(null);
          }}
          onCreated={(secret) => {
            void refresh();
            setDialog({ kind: "secret", secret, rolled: false });
          }}
        />
      )}
      {dialog?.kind === "secret" && (
        <SecretDialog
          secret={dialog.secret}
          rolled={dialog.rolled}
          onClose={() => {
            setDialog(null);
          }}
        />
      )}
      {dialog?.kind === "roll" && (
        <ConfirmDialog
          title="Roll the signing secret?"
          testId="webhook-roll-dialog"
          action={() => rollWebhookSecret(dialog.endpoint.id)}
          onDone={(secret) => {
            void refresh();
            setDialog({ kind: "secret", secret, rolled: true });
          }}
          onCancel={() => {
            setDialog(null);
          }}
          label="Roll secret"
          busyLabel="Rolling…"
          confirmTestId="webhook-roll-confirm"
        >
          <p>
            A new secret signs every message to <code>{dialog.endpoint.url}</code> from now on. For
            24 hours the old one signs them too, so the receiver can switch without missing one.
          </p>
        </ConfirmDialog>
      )}
      {dialog?.kind === "delete" && (
        <ConfirmDialog
          title="Delete this endpoint?"
          testId="webhook-delete-dialog"
          action={() => deleteWebhook(dialog.endpoint.id)}
          onDone={() => {
            void refresh();
            setDialog(null);
          }}
          onCancel={() => {
            setDialog(null);
          }}
          label="Delete endpoint"
          busyLabel="Deleting…"
          confirmTestId="webhook-delete-confirm"
          danger
        >
          <p>
            <code>{dialog.endpoint.url}</code> gets no more messages
            {dialog.endpoint.pending > 0 &&
              `, and the ${dialog.endpoint.pending.toLocaleString()} still waiting are dropped`}
            .
          </p>
        </ConfirmDialog>
      )}
      {dialog?.kind === "log" && (
        <DeliveriesDialog
          endpoint={dialog.endpoint}
          onClose={() => {
            setDialog(null);
          }}
        />
      )}
    </LoadedSection>
  );
}

function AddWebhookDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (s: WebhookSecret) => void;
}) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<WebhookEvent[]>(ALL_EVENTS);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const legend = useId();

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      onCreated(await createWebhook({ url, description, events }));
    } catch (err) {
      setError(toApiError(err).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title="Add a webhook endpoint" onClose={onClose} size="medium" testId="webhook-add-dialog">
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <TextField
          label="URL"
          value={url}
          onChange={(e) => {
            setUrl(e.target.value);
          }}
          placeholder="https://hooks.example.com/tokendesk"
          hint="https:// — plain http:// only to this computer."
          data-testid="webhook-url"
          spellCheck={false}
        />
        <TextField
          label="Description (optional)"
          value={description}
          onChange={(e) => {
            setDescription(e.target.value);
          }}
          data-testid="webhook-description"
        />
        <fieldset className="options" aria-labelledby={legend}>
          <legend id={legend}>Events</legend>
          {ALL_EVENTS.map((ev) => (
            <label key={ev} className="option">
              <input
                type="checkbox"
                checked={events.includes(ev)}
                data-testid={`webhook-event-${ev}`}
                onChange={(e) => {
                  setEvents(
                    e.target.checked
                      ? ALL_EVENTS.filter((x) => x === ev || events.includes(x))
                      : events.filter((x) => x !== ev),
                  );
                }}
              />
              <span>
                <code>{ev}</code> — {EVENTS[ev]}
              </span>
            </label>
          ))}
        </fieldset>
        {error && <Alert testId="webhook-add-error">{error}</Alert>}
        <DialogActions
          onCancel={onClose}
          submitting={busy}
          label="Add endpoint"
          busyLabel="Adding…"
          testId="webhook-add-confirm"
        />
      </form>
    </Modal>
  );
}

function SecretDialog({
  secret,
  rolled,
  onClose,
}: {
  secret: WebhookSecret;
  rolled: boolean;
  onClose: () => void;
}) {
  const warning = useId();
  return (
    <Modal
      title={rolled ? "The new signing secret" : "Endpoint added"}
      onClose={onClose}
      size="medium"
      testId="webhook-secret-dialog"
    >
      <p>
        Messages to <code>{secret.endpoint.url}</code> are signed with this secret. Give it to the
        receiver, which checks the <code>webhook-signature</code> header with it (any Standard
        Webhooks library does).
      </p>
      <SecretField
        label="Signing secret"
        value={secret.secret}
        describedBy={warning}
        testId="webhook-secret"
        copyTestId="copy-webhook-secret"
        autoFocus
      />
      <p id={warning} className="warning">
        This secret will not be shown again.
      </p>
      <div className="modal-actions">
        <button type="button" className="button button-primary" onClick={onClose} data-testid="webhook-secret-done">
          Done
        </button>
      </div>
    </Modal>
  );
}

function DeliveriesDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const log = useQuery({
    queryKey: queryKeys.webhooks.deliveries(endpoint.id),
    queryFn: () => webhookDeliveries(endpoint.id),
  });
  return (
    <Modal title="Deliveries" onClose={onClose} size="wide" testId="webhook-log-dialog">
      <p className="muted">
        The latest messages to <code>{endpoint.url}</code>, newest first.{" "}
        <SmallButton data-testid="webhook-log-refresh" onClick={() => void log.refetch()}>
          Refresh
        </SmallButton>
      </p>
      {log.error && <Alert testId="webhook-log-error">{toApiError(log.error).message}</Alert>}
      {log.data?.length === 0 && (
        <p className="muted" data-testid="webhook-log-empty">
          Nothing sent yet.
        </p>
      )}
      {log.data && log.data.length > 0 && (
        <DataTable label="Deliveries" className="webhook-log" columns={DELIVERY_COLUMNS}>
          {log.data.map((d) => (
            <tr key={d.messageId} data-testid="webhook-delivery" data-status={d.status}>
              <td>
                <code>{d.event}</code>
              </td>
              <td>{d.tokenName}</td>
              <td className="nowrap">{formatDateTime(d.createdAt)}</td>
              <td data-testid="webhook-delivery-status">{deliveryStatus(d, endpoint.enabled)}</td>
              <td>
                {d.lastStatus !== undefined ? `HTTP ${d.lastStatus}` : ""}
                {d.lastError !== undefined && d.lastStatus === undefined ? d.lastError : ""}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <div className="modal-actions">
        <button type="button" className="button" onClick={onClose} data-testid="webhook-log-close">
          Close
        </button>
      </div>
    </Modal>
  );
}
