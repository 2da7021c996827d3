// Migration from a previous system's static API keys: import them (Rust reads the file, the web
// view never sees a key), give each integration a bearer token, then retire its key.
import {
  useInfiniteQuery,
  useQuery,
  useQueryClient,
  type InfiniteData,
} from "@tanstack/react-query";
import { useState } from "react";
import {
  importLegacyKeys,
  legacySettings,
  listLegacyKeys,
  type ApiError,
  type AppInfo,
  type CreatedToken,
  type LegacyImportReport,
  type LegacySettings,
  type ListPage,
  type ListQuery,
  type TokenMeta,
  type TokenStatus,
} from "../api";
import { queryKeys } from "../api/queryKeys";
import { formatDate, formatDateTime, formatRelative } from "../lib/format";
import { Alert } from "./Alert";
import { DataTable } from "./DataTable";
import { LegacyReplaceDialog, LegacyRetireDialog } from "./LegacyDialogs";
import { PagedList } from "./PagedList";
import { PageHeader } from "./PageHeader";
import { RevealDialog } from "./RevealDialog";
import { RowActions } from "./RowActions";
import { SmallButton } from "./SmallButton";
import { useRowFocus } from "./useRowFocus";

export const LEGACY_PAGE_SIZE = 50;

const LEGACY_QUERY: ListQuery = {
  scope: "all",
  sort: "created",
  dir: "desc",
  limit: LEGACY_PAGE_SIZE,
};

/** A retired key is a revoked token row; the page calls it what the migration calls it. */
const STATUS_LABELS: Record<TokenStatus, string> = {
  active: "Active",
  expired: "Expired",
  revoked: "Retired",
  suspended: "Suspended",
};

const STATUS_TITLES: Partial<Record<TokenStatus, string>> = {
  suspended: "Its owner is disabled or removed; it works again only if the owner is re-enabled.",
};

const KEY_COLUMNS = [
  { label: "Key" },
  { label: "Label", className: "col-name" },
  { label: "User" },
  { label: "Created" },
  { label: "Last used" },
  { label: "Uses" },
  { label: "Status" },
  { label: "Actions", className: "col-actions" },
];

const PROBLEM_COLUMNS = [{ label: "Row" }, { label: "Email" }, { label: "Reason" }];

type Dialog =
  | { kind: "replace"; key: TokenMeta }
  | { kind: "retire"; key: TokenMeta }
  | { kind: "reveal"; key: TokenMeta; created: CreatedToken };

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One line on how legacy keys are treated now, as the settings were last read. */
function summaryText(s: LegacySettings, now: number): string {
  if (s.mode === "off") return "Mode Off: legacy keys are refused.";
  if (s.sunsetAt === undefined) return "Mode Emulate, without a sunset: legacy keys are refused.";
  const sunset = formatDateTime(s.sunsetAt);
  if (s.sunsetAt <= now) {
    return `Mode Emulate: the sunset (${sunset}) has passed, so legacy keys are refused.`;
  }
  return `Mode Emulate: legacy keys are accepted in the ${s.header} header until ${sunset}.`;
}

function LegacySummary({
  canOpenSettings,
  onOpenSettings,
}: {
  canOpenSettings: boolean;
  onOpenSettings: () => void;
}) {
  const loaded = useQuery({ queryKey: queryKeys.legacy.settings, queryFn: legacySettings });
  if (loaded.error) {
    return <Alert testId="legacy-summary-error">{loaded.error.message}</Alert>;
  }
  if (!loaded.data) return null;
  return (
    <div className="notice legacy-summary" data-testid="legacy-summary">
      <span data-mode={loaded.data.mode}>{summaryText(loaded.data, loaded.dataUpdatedAt)}</span>
      {canOpenSettings ? (
        <SmallButton data-testid="legacy-open-settings" onClick={onOpenSettings}>
          Change in Settings
        </SmallButton>
      ) : (
        <span className="muted">Set in Settings → Legacy API keys.</span>
      )}
    </div>
  );
}

interface ImportReportProps {
  report: LegacyImportReport;
  onDismiss: () => void;
}

function ImportReport({ report, onDismiss }: ImportReportProps) {
  const { imported, problems } = report;
  const skipped = plural(problems.length, "row was", "rows were");
  return (
    <section
      className="import-report"
      aria-label="Import report"
      data-testid="legacy-import-report"
    >
      <div className="notice notice-ok import-summary">
        <p role="status" data-testid="legacy-imported">
          Imported {plural(imported, "key", "keys")}
          {problems.length > 0 ? `; ${skipped} skipped:` : "."}
        </p>
        <SmallButton onClick={onDismiss}>Dismiss</SmallButton>
      </div>
      {problems.length > 0 && (
        <DataTable label="Skipped rows" className="legacy-problems" columns={PROBLEM_COLUMNS}>
          {problems.map((p) => (
            <tr key={`${p.row}-${p.email}`} data-testid="legacy-problem" data-row={p.row}>
              <td className="nowrap">{p.row}</td>
              <td>{p.email || <span className="muted">—</span>}</td>
              <td>{p.reason}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

function When({ at, now, relative }: { at: number; now: number; relative: boolean }) {
  return (
    <time dateTime={new Date(at).toISOString()} title={formatDateTime(at)}>
      {relative ? formatRelative(at, now) : formatDate(at)}
    </time>
  );
}

interface MigrationPageProps {
  info: AppInfo;
  /** Shows Settings, where the legacy settings are changed. */
  onOpenSettings: () => void;
}

export function MigrationPage({ info, onOpenSettings }: MigrationPageProps) {
  const { session } = info;
  const { permissions } = session;
  const queryClient = useQueryClient();
  const { headingRef, registerRow, rowButton } = useRowFocus();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [importing, setImporting] = useState(false);
  const [report, setReport] = useState<LegacyImportReport | null>(null);
  const [importError, setImportError] = useState<string | null>(null);

  const listKey = queryKeys.legacy.list(LEGACY_QUERY);
  const listed = useInfiniteQuery({
    queryKey: listKey,
    // The first page has no cursor; each further one starts where the last page ended.
    queryFn: ({ pageParam }) =>
      listLegacyKeys(pageParam === null ? LEGACY_QUERY : { ...LEGACY_QUERY, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const now = listed.dataUpdatedAt;

  /** Whether the session may make a token for this key's owner (Rust decides either way). */
  function canReplace(key: TokenMeta): boolean {
    if (permissions.createTokensForOthers) return true;
    return key.ownerId === session.actor.id && !session.impersonating && session.canCreateOwn;
  }

  async function runImport() {
    if (importing) return;
    setImporting(true);
    setImportError(null);
    setReport(null);
    try {
      const answer = await importLegacyKeys();
      // null: the person cancelled the file dialog; nothing happened.
      if (answer !== null) {
        setReport(answer);
        void queryClient.invalidateQueries({ queryKey: queryKeys.legacy.keys });
      }
    } catch (e) {
      setImportError((e as ApiError).message);
    } finally {
      setImporting(false);
    }
  }

  /** Shows a changed row at once (as Rust returned it); the reload that follows brings the
   * server's view of every page. */
  function patchRow(meta: TokenMeta) {
    queryClient.setQueryData<InfiniteData<ListPage>>(listKey, (d) =>
      d
        ? {
            ...d,
            pages: d.pages.map((p) => ({
              ...p,
              items: p.items.map((t) => (t.id === meta.id ? meta : t)),
            })),
          }
        : d,
    );
    void queryClient.invalidateQueries({ queryKey: queryKeys.legacy.keys });
  }

  function closeDialog() {
    setDialog(null);
  }

  return (
    <main className="page" data-testid="migration-page">
      <PageHeader
        title="Migration"
        headingRef={headingRef}
        description="API keys imported from a previous system. Give each integration a bearer token, then retire its key."
        actions={
          <div className="header-actions">
            <button
              type="button"
              className="button button-primary"
              disabled={importing}
              title="Choose a CSV or JSON export of the previous system's keys"
              data-testid="legacy-import"
              onClick={() => void runImport()}
            >
              {importing ? "Importing…" : "Import…"}
            </button>
          </div>
        }
      />

      <LegacySummary canOpenSettings={permissions.manageSettings} onOpenSettings={onOpenSettings} />

      {importError && (
        <Alert
          testId="legacy-import-error"
          onDismiss={() => {
            setImportError(null);
          }}
        >
          {importError}
        </Alert>
      )}
      {report && (
        <ImportReport
          report={report}
          onDismiss={() => {
            setReport(null);
          }}
        />
      )}

      <PagedList
        listed={listed}
        headingRef={headingRef}
        empty={
          <div className="empty empty-small" data-testid="legacy-empty">
            <p>No legacy API keys yet. Import them from the previous system&apos;s export.</p>
          </div>
        }
        loadMoreTestId="legacy-load-more"
      >
        {(items, loading) => (
          <DataTable
            label="Legacy API keys"
            className="legacy-keys"
            columns={KEY_COLUMNS}
            busy={loading}
          >
            {items.map((k) => (
              <tr
                key={k.id}
                ref={(row) => {
                  registerRow(k.id, row);
                }}
                className={`row-${k.status}`}
                data-testid="legacy-row"
                data-key-id={k.id}
                data-status={k.status}
              >
                <td className="nowrap">
                  <code className="hint">{k.displayHint}</code>
                </td>
                <td className="col-name">
                  <span className="token-name">{k.name}</span>
                </td>
                <td>{k.ownerName}</td>
                <td className="nowrap">
                  <When at={k.createdAt} now={now} relative={false} />
                </td>
                <td className="nowrap">
                  {k.lastUsedAt === null ? (
                    <span className="muted">Never</span>
                  ) : (
                    <When at={k.lastUsedAt} now={now} relative />
                  )}
                </td>
                <td className="nowrap" data-testid="legacy-uses">
                  {k.useCount}
                </td>
                <td>
                  <span
                    className={`badge badge-${k.status}`}
                    data-testid="legacy-status"
                    title={
                      k.revokedAt !== null
                        ? `Retired ${formatDateTime(k.revokedAt)}`
                        : STATUS_TITLES[k.status]
                    }
                  >
                    {STATUS_LABELS[k.status]}
                  </span>
                </td>
                <td className="col-actions">
                  <RowActions closed={k.status === "revoked"}>
                    {canReplace(k) && (
                      <SmallButton
                        aria-label={`Create a bearer token to replace ${k.name}`}
                        data-testid="legacy-replace"
                        onClick={() => {
                          setDialog({ kind: "replace", key: k });
                        }}
                      >
                        Create bearer token
                      </SmallButton>
                    )}
                    <SmallButton
                      className="button-danger-outline"
                      aria-label={`Retire ${k.name}`}
                      data-testid="legacy-retire"
                      onClick={() => {
                        setDialog({ kind: "retire", key: k });
                      }}
                    >
                      Retire
                    </SmallButton>
                  </RowActions>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </PagedList>

      {dialog?.kind === "replace" && (
        <LegacyReplaceDialog
          legacyKey={dialog.key}
          policy={info.policy}
          onCancel={closeDialog}
          onCreated={(created) => {
            setDialog({ kind: "reveal", key: dialog.key, created });
            void queryClient.invalidateQueries({ queryKey: queryKeys.legacy.keys });
            // The new token is in the token lists.
            void queryClient.invalidateQueries({ queryKey: queryKeys.tokens.all });
          }}
          returnFocus={() => rowButton(dialog.key.id, "legacy-replace")}
        />
      )}
      {dialog?.kind === "reveal" && (
        <RevealDialog
          created={dialog.created}
          onClose={() => {
            // Dropping the dialog state drops the only copy of the token the UI held.
            setDialog(null);
          }}
          returnFocus={() => rowButton(dialog.key.id, "legacy-replace")}
        />
      )}
      {dialog?.kind === "retire" && (
        <LegacyRetireDialog
          legacyKey={dialog.key}
          onCancel={closeDialog}
          onRetired={(meta) => {
            setDialog(null);
            patchRow(meta);
          }}
          returnFocus={() => rowButton(dialog.key.id, "legacy-retire")}
        />
      )}
    </main>
  );
}
