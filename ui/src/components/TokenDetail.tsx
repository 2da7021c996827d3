// The detail panel of one authorization: everything known about it, where it was last used
// from, and its uses on each of the last 30 days. A rotated token links to the token it replaced
// or that replaced it, which the panel then shows in its place.
import { useQuery } from "@tanstack/react-query";
import { useRef, useState, type ReactNode } from "react";
import { listTenants, tokenUsage, type Tenant, type TokenMeta, type TokenUsage } from "../api";
import { queryKeys } from "../api/queryKeys";
import { useOptional } from "./useOptional";
import { formatDateTime, formatRelative } from "../lib/format";
import { Alert } from "./Alert";
import { Loading } from "./Loading";
import { Modal } from "./Modal";
import { STATUS_LABELS } from "./TokenTable";
import { UsageChart } from "./UsageChart";

interface TokenDetailProps {
  /** The row it was opened from: its id is fetched, its name titles the panel until then. */
  token: TokenMeta;
  now: number;
  onClose: () => void;
  returnFocus: () => HTMLElement | null;
}

function When({ at, now }: { at: number; now: number }) {
  return (
    <>
      <time dateTime={new Date(at).toISOString()}>{formatDateTime(at)}</time>{" "}
      <span className="muted">({formatRelative(at, now)})</span>
    </>
  );
}

function Item({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

function Kind({ kind }: { kind: TokenMeta["kind"] }) {
  switch (kind) {
    case "personal":
      return <>Personal</>;
    case "impersonation":
      return <span className="pill pill-impersonation">Impersonation</span>;
    case "service":
      return <span className="pill pill-service">Service</span>;
    case "legacy":
      return <span className="pill pill-legacy">Legacy API key</span>;
  }
}

function List({ items }: { items: readonly string[] }) {
  if (items.length === 0) return <span className="muted">None</span>;
  return (
    <ul className="detail-codes">
      {items.map((item) => (
        <li key={item}>
          <code>{item}</code>
        </li>
      ))}
    </ul>
  );
}

const NOT_RECORDED = <span className="muted">Not recorded</span>;

/** Names for the tenants a token is limited to; without them (loading, refused) ids are shown. */
function useTenants(wanted: boolean): Tenant[] | null {
  return useOptional(wanted, queryKeys.tenants, listTenants);
}

function TenantList({ ids }: { ids: readonly string[] }) {
  const tenants = useTenants(ids.length > 0);
  if (ids.length === 0) return <span className="muted">None</span>;
  return (
    <ul className="detail-codes">
      {ids.map((id) => {
        const name = tenants?.find((t) => t.id === id)?.name;
        return (
          <li key={id} data-tenant-id={id}>
            {name === undefined ? <code>{id}</code> : <span className="detail-name">{name}</span>}
          </li>
        );
      })}
    </ul>
  );
}

/** Another token of the rotation, by name and hint once read (the same read as its panel). */
function Linked({
  id,
  fallback,
  testId,
  onOpen,
}: {
  id: string;
  fallback: string;
  testId: string;
  onOpen: (id: string) => void;
}) {
  const other = useOptional(true, queryKeys.tokens.usage(id), () => tokenUsage(id))?.token;
  return (
    <button
      type="button"
      className="link-button"
      data-testid={testId}
      data-token-id={id}
      onClick={() => {
        onOpen(id);
      }}
    >
      {other ? (
        <>
          <span className="name-text">{other.name}</span>{" "}
          <code className="hint">{other.displayHint}</code>
        </>
      ) : (
        fallback
      )}
    </button>
  );
}

interface DetailsProps {
  usage: TokenUsage;
  now: number;
  /** Shows another token (of the same rotation) in the panel. */
  onOpen: (id: string) => void;
}

function Details({ usage, now, onOpen }: DetailsProps) {
  const t = usage.token;
  return (
    <>
      <dl className="detail-list" data-testid="token-details">
        <Item label="Description" testId="detail-description">
          {t.description || <span className="muted">None</span>}
        </Item>
        <Item label="Kind" testId="detail-kind">
          <Kind kind={t.kind} />
        </Item>
        <Item label="Status" testId="detail-status">
          <span className={`badge badge-${t.status}`}>{STATUS_LABELS[t.status]}</span>
        </Item>
        <Item label="Owner" testId="detail-owner">
          {t.ownerName}
        </Item>
        <Item label="Created by" testId="detail-created-by">
          {t.createdByName}
        </Item>
        <Item label="Created" testId="detail-created">
          <When at={t.createdAt} now={now} />
        </Item>
        <Item label="Expires" testId="detail-expires">
          {t.expiresAt === null ? "Never" : <When at={t.expiresAt} now={now} />}
        </Item>
        {t.rotatedFrom !== undefined && (
          <Item label="Rotation" testId="detail-rotated-from">
            Replaces{" "}
            <Linked
              id={t.rotatedFrom}
              fallback="the token it rotated"
              testId="detail-rotated-from-link"
              onOpen={onOpen}
            />
          </Item>
        )}
        {t.rotatedTo !== undefined && (
          <Item label="Rotation" testId="detail-rotated-to">
            Replaced by{" "}
            <Linked
              id={t.rotatedTo}
              fallback="a new token"
              testId="detail-rotated-to-link"
              onOpen={onOpen}
            />
            {(t.status === "active" || t.status === "suspended") && t.expiresAt !== null && (
              <>
                {" — works until "}
                <When at={t.expiresAt} now={now} />
              </>
            )}
          </Item>
        )}
        {t.revokedAt !== null && (
          <Item label="Revoked" testId="detail-revoked">
            <When at={t.revokedAt} now={now} />
            {t.revokeReason && <div className="detail-reason">Reason: {t.revokeReason}</div>}
          </Item>
        )}
        <Item label="Last used" testId="detail-last-used">
          {t.lastUsedAt === null ? "Never" : <When at={t.lastUsedAt} now={now} />}
        </Item>
        <Item label="Uses" testId="detail-use-count">
          {t.useCount.toLocaleString("en")}
        </Item>
        <Item label="Last client" testId="detail-last-client">
          {usage.lastClient === null ? NOT_RECORDED : <code>{usage.lastClient}</code>}
        </Item>
        <Item label="User agent" testId="detail-user-agent">
          {usage.lastUserAgent ?? NOT_RECORDED}
        </Item>
        <Item label="Access" testId="detail-access">
          {t.scopes === null ? "Full access" : <List items={t.scopes} />}
        </Item>
        <Item label="Tenants" testId="detail-tenants">
          {t.tenantIds === null ? "All" : <TenantList ids={t.tenantIds} />}
        </Item>
      </dl>
      <h3 className="section-title detail-usage-title">Last {usage.days.length} days</h3>
      <UsageChart days={usage.days} />
    </>
  );
}

export function TokenDetail({ token, now, onClose, returnFocus }: TokenDetailProps) {
  const closeRef = useRef<HTMLButtonElement>(null);
  // The token shown: the row's, or another of its rotation followed from a link.
  const [shownId, setShownId] = useState(token.id);
  const result = useQuery({
    queryKey: queryKeys.tokens.usage(shownId),
    queryFn: () => tokenUsage(shownId),
  });
  // A retry shows Loading again until its own answer.
  const loading = result.isPending;

  const usage = result.data ?? null;
  const error = usage ? null : result.error;
  // Until its answer, another token of the rotation is titled by the row's name, which it shares.
  const shown = usage?.token ?? (shownId === token.id ? token : null);

  function open(id: string) {
    // The link goes away with the details it was in: focus stays in the dialog, on Close.
    closeRef.current?.focus();
    setShownId(id);
  }

  return (
    <Modal
      title={shown?.name ?? token.name}
      onClose={onClose}
      initialFocus={closeRef}
      returnFocus={returnFocus}
      size="large"
      testId="token-detail"
    >
      <p className="detail-hint">
        <code className="hint">{shown?.displayHint ?? "…"}</code>
      </p>
      <div aria-busy={loading}>
        {loading && <Loading />}
        {error && (
          <Alert
            testId="detail-error"
            onRetry={() => {
              // The alert and its button go away: focus stays in the dialog, on Close.
              closeRef.current?.focus();
              void result.refetch();
            }}
          >
            {error.message}
          </Alert>
        )}
        {usage && <Details usage={usage} now={now} onOpen={open} />}
      </div>
      <div className="modal-actions">
        <button
          ref={closeRef}
          type="button"
          className="button"
          data-testid="detail-close"
          onClick={onClose}
        >
          Close
        </button>
      </div>
    </Modal>
  );
}
