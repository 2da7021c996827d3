import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useEffect } from "react";
import {
  appInfo,
  connectionInfo,
  createLocalAuthority,
  listRoles,
  onOpenToken,
  onShowExpiring,
  retryOpen,
  stopImpersonation,
  switchToLocalOwner,
  watchCalls,
  type ApiError,
  type AppInfo,
  type Connection,
  type ErrorCode,
  type Permissions,
  type Role,
} from "./api";
import { queryKeys } from "./api/queryKeys";
import { afterReveals } from "./lib/revealGuard";
import { Alert } from "./components/Alert";
import { AuditPage } from "./components/AuditPage";
import { Authorizations } from "./components/Authorizations";
import { ChangePasswordDialog } from "./components/ChangePasswordDialog";
import { FirstRun } from "./components/FirstRun";
import { MigrationPage } from "./components/MigrationPage";
import { ServerUnreachable } from "./components/ServerUnreachable";
import { SettingsPage } from "./components/SettingsPage";
import { SignIn } from "./components/SignIn";
import { SmallButton } from "./components/SmallButton";
import { SwitchUserDialog } from "./components/SwitchUserDialog";
import { UsersPage } from "./components/UsersPage";
import { useSignOut } from "./components/useSignOut";

export type PageId = "own" | "all" | "expiring" | "users" | "migration" | "audit" | "settings";

interface NavItem {
  id: PageId;
  label: string;
}

/** The pages the session's permissions open; the server still checks every call. */
export function navItems(p: Permissions): NavItem[] {
  const items: NavItem[] = [{ id: "own", label: "Authorizations" }];
  if (p.manageUsers || p.impersonate || p.createTokensForOthers)
    items.push({ id: "all", label: "All authorizations" });
  items.push({ id: "expiring", label: "Expiring soon" });
  if (p.manageUsers) items.push({ id: "users", label: "Users" });
  // Importing, replacing and retiring legacy API keys all need manage_users.
  if (p.manageUsers) items.push({ id: "migration", label: "Migration" });
  if (p.viewAudit) items.push({ id: "audit", label: "Audit" });
  if (p.manageSettings) items.push({ id: "settings", label: "Settings" });
  return items;
}

/** The heading of the start-up failure screen. Exhaustive: a new code fails the typecheck. */
function startupHeading(code: ErrorCode): string {
  switch (code) {
    case "keyring_unavailable":
      return "The system keyring is not available";
    case "database_busy":
      return "The database is in use";
    case "database_unavailable":
      return "The database cannot be reached";
    case "server_unreachable":
      return "The server cannot be reached";
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
    case "permission_denied":
    case "invalid_email":
    case "email_taken":
    case "invalid_password":
    case "invalid_credentials":
    case "rate_limited":
    case "last_owner":
    case "self_lockout":
    case "user_inactive":
    case "unauthenticated":
    case "insufficient_scope":
    case "method_not_allowed":
    case "payload_too_large":
    case "request_timeout":
    case "headers_too_large":
    case "already_rotated":
    case "legacy_key_sunset":
      return "Tokendesk could not start";
  }
}

type HeaderDialog = "switch" | "password" | null;

const NO_NAMES: Record<string, string> = {};

function namesById(roles: Role[]): Record<string, string> {
  return Object.fromEntries(roles.map((r) => [r.id, r.name]));
}

/** Role names by id, for the header; falls back to the id if roles cannot be read. */
function useRoleNames(): Record<string, string> {
  // Not fatal if refused: the header shows the role id instead.
  const { data } = useQuery({ queryKey: queryKeys.roles, queryFn: listRoles, select: namesById });
  return data ?? NO_NAMES;
}

/** "tokendesk.example.org" of "https://tokendesk.example.org/td". */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function Shell({
  info,
  connection,
  onSession,
  onInfo,
  onSignedOut,
}: {
  info: AppInfo;
  connection: Connection;
  /** A new session began (impersonate, stop, switch, sign in): show its Authorizations page. */
  onSession: (next: AppInfo) => void;
  /** Settings, roles or users changed: reload app info in place. */
  onInfo: () => void;
  /** Signed out of the team server. */
  onSignedOut: () => void;
}) {
  const { session } = info;
  const { actor, subject } = session;
  const [page, setPage] = useState<PageId>("own");
  const [dialog, setDialog] = useState<HeaderDialog>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const roleNames = useRoleNames();
  /** The token a notification's click asked to open (`at` tells two clicks apart). */
  const [opened, setOpened] = useState<{ id: string; at: number } | null>(null);

  // From outside the window: a notification's click opens its token, the tray's "Expiring
  // soon" that view.
  useEffect(() => {
    const stops = [
      onOpenToken((id) => {
        afterReveals(() => {
          setOpened({ id, at: Date.now() });
          setPage("expiring");
        });
      }),
      onShowExpiring(() => {
        afterReveals(() => {
          setOpened(null);
          setPage("expiring");
        });
      }),
    ].map((p) => p.catch(() => () => undefined));
    return () => {
      for (const stop of stops) {
        void stop.then((unlisten) => {
          unlisten();
        });
      }
    };
  }, []);

  const items = navItems(session.permissions);
  // A page the session no longer may see (after a switch or a role change) falls back.
  const shown = items.some((i) => i.id === page) ? page : "own";
  const roleName = roleNames[actor.role] ?? actor.role;
  const remote = connection.mode === "server";
  const signOut = useSignOut(onSignedOut);

  function closeDialog() {
    setDialog(null);
  }

  async function changeSession(action: () => Promise<AppInfo>) {
    if (busy) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const next = await action();
      setOpened(null);
      setPage("own");
      onSession(next);
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="app">
      {session.impersonating && (
        <div
          className="impersonation-banner"
          role="region"
          aria-label="Impersonation"
          data-testid="impersonation-banner"
        >
          <span>
            Impersonating <strong className="name-text">{subject.displayName}</strong>
          </span>
          <span aria-hidden="true">—</span>
          <SmallButton
            className="banner-button"
            disabled={busy}
            data-testid="stop-impersonation"
            onClick={() => void changeSession(stopImpersonation)}
          >
            Stop
          </SmallButton>
        </div>
      )}
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
          {remote && connection.server && (
            <span className="server-chip" title={connection.server} data-testid="server-chip">
              {hostOf(connection.server)}
            </span>
          )}
        </div>
        <div className="user-area">
          <div className="user" title={actor.email ?? undefined} data-testid="signed-in">
            <span className="avatar" aria-hidden="true">
              {actor.displayName.trim().charAt(0).toUpperCase()}
            </span>
            <span className="visually-hidden">Signed in as </span>
            <span className="user-name">{actor.displayName}</span>
            <span className="role-pill" data-testid="signed-in-role">
              {roleName}
            </span>
          </div>
          <div className="user-actions">
            {!remote && (
              <SmallButton
                data-testid="switch-user"
                onClick={() => {
                  setDialog("switch");
                }}
              >
                Switch user…
              </SmallButton>
            )}
            {!remote && !session.localOwner && (
              <SmallButton
                disabled={busy}
                data-testid="switch-back"
                title="Sign back in as the person signed in to this computer"
                onClick={() => void changeSession(switchToLocalOwner)}
              >
                Back to local owner
              </SmallButton>
            )}
            {actor.kind === "human" && (
              <SmallButton
                data-testid="change-password"
                onClick={() => {
                  setDialog("password");
                }}
              >
                Change password…
              </SmallButton>
            )}
            {remote && (
              <SmallButton
                disabled={busy || signOut.leaving}
                data-testid="sign-out"
                title={`End your session on ${connection.server ?? "the server"}`}
                onClick={signOut.signOut}
              >
                Sign out
              </SmallButton>
            )}
          </div>
        </div>
      </header>
      <nav className="app-nav" aria-label="Main">
        {items.map((item) => (
          <button
            key={item.id}
            type="button"
            className="nav-item"
            aria-current={shown === item.id ? "page" : undefined}
            data-testid={`nav-${item.id}`}
            onClick={() => {
              setOpened(null);
              setPage(item.id);
            }}
          >
            {item.label}
          </button>
        ))}
      </nav>
      <ServerUnreachable />
      {(error ?? signOut.error) && (
        <Alert
          testId="session-error"
          banner
          onDismiss={() => {
            setError(null);
            signOut.clearError();
          }}
        >
          {error ?? signOut.error ?? ""}
        </Alert>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="notice">
          {notice}
        </p>
      )}

      {shown === "own" && <Authorizations info={info} />}
      {shown === "all" && <Authorizations info={info} scope="all" />}
      {shown === "expiring" && (
        <Authorizations
          key={`expiring-${opened?.at ?? 0}`}
          info={info}
          scope={items.some((i) => i.id === "all") ? "all" : "own"}
          expiring
          openTokenId={opened?.id ?? null}
        />
      )}
      {shown === "users" && (
        <UsersPage
          info={info}
          onImpersonated={(next) => {
            setPage("own");
            onSession(next);
          }}
          onChanged={onInfo}
        />
      )}
      {shown === "migration" && (
        <MigrationPage
          info={info}
          onOpenSettings={() => {
            setPage("settings");
          }}
        />
      )}
      {shown === "audit" && <AuditPage info={info} />}
      {shown === "settings" && (
        <SettingsPage
          info={info}
          connection={connection}
          onSaved={onInfo}
          onConnected={onSession}
          onSignedOut={onSignedOut}
        />
      )}

      {dialog === "switch" && (
        <SwitchUserDialog
          onCancel={closeDialog}
          onSwitched={(next) => {
            setDialog(null);
            setError(null);
            setPage("own");
            onSession(next);
          }}
        />
      )}
      {dialog === "password" && (
        <ChangePasswordDialog
          hasPassword={actor.hasPassword}
          onCancel={closeDialog}
          onChanged={() => {
            setDialog(null);
            setNotice("Your password was changed.");
            onInfo();
          }}
        />
      )}
    </div>
  );
}

export function App() {
  const queryClient = useQueryClient();
  const connection = useQuery({
    queryKey: queryKeys.connection,
    queryFn: connectionInfo,
    retry: false,
  });
  const where = connection.data;
  const ready = where !== undefined && (where.mode === "local" || where.signedIn);
  // Start-up errors are shown at once: the Retry button reopens the store (retry_open).
  const boot = useQuery({
    queryKey: queryKeys.appInfo,
    queryFn: appInfo,
    retry: false,
    enabled: ready,
  });
  /** Why the last Retry failed; kept on screen while the next one runs. */
  const [retryError, setRetryError] = useState<ApiError | null>(null);
  const reopen = useMutation({
    mutationFn: retryOpen,
    onSuccess: (info) => {
      setRetryError(null);
      queryClient.setQueryData(queryKeys.appInfo, info);
    },
    onError: setRetryError,
  });
  const create = useMutation({
    mutationFn: createLocalAuthority,
    onSuccess: startSession,
    // A failure (a locked keyring) leaves the authority chosen but closed: the start-up
    // screen below says why and offers Retry.
    onSettled: () => void queryClient.invalidateQueries({ queryKey: queryKeys.connection }),
  });
  // Bumped on every session change so each page starts afresh for the new session.
  const [generation, setGeneration] = useState(0);

  // A team server refused the session (revoked, expired, user disabled): Rust dropped it;
  // reading where the app is now shows the sign-in screen with the server's reason.
  useEffect(
    () =>
      watchCalls((outcome) => {
        if (!outcome.ok && outcome.error.code === "unauthenticated") {
          void queryClient.invalidateQueries({ queryKey: queryKeys.connection });
        }
      }),
    [queryClient],
  );

  function retry() {
    if (!reopen.isPending) reopen.mutate();
  }

  /** Settings, roles or users changed: read the app info again in the background. A failure
   * keeps the info shown: the page that changed something already showed its result, and the
   * next action will surface a persistent problem. */
  function reloadInfo() {
    void queryClient.invalidateQueries({ queryKey: queryKeys.appInfo });
  }

  function startSession(info: AppInfo) {
    // Nothing read for the previous session may show in the new one, nor may a reload of the
    // app info that was asked for before it began.
    queryClient.removeQueries({
      predicate: (q) =>
        q.queryKey[0] !== queryKeys.appInfo[0] && q.queryKey[0] !== queryKeys.connection[0],
    });
    void queryClient.cancelQueries({ queryKey: queryKeys.appInfo });
    queryClient.setQueryData(queryKeys.appInfo, info);
    setGeneration((g) => g + 1);
    // It may be on another authority (signed in to a server, or a first run's choice).
    void queryClient.invalidateQueries({ queryKey: queryKeys.connection });
  }

  /** Signed out of the server: whatever this computer has now (its authority, or the choice). */
  function signedOut() {
    queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.connection[0] });
    setRetryError(null);
    setGeneration((g) => g + 1);
    void queryClient.invalidateQueries({ queryKey: queryKeys.connection });
  }

  const info = boot.data;
  const error = retryError ?? connection.error ?? boot.error;

  if (where?.mode === "choose" && !create.isError) {
    return (
      <FirstRun
        onCreateLocal={() => {
          if (!create.isPending) create.mutate();
        }}
        creating={create.isPending}
        onConnected={startSession}
      />
    );
  }
  if (where?.mode === "server" && !where.signedIn) {
    return <SignIn connection={where} onConnected={startSession} onLeft={signedOut} />;
  }

  if (info === undefined || where === undefined) {
    if (error === null) {
      return (
        <main className="startup">
          <p className="muted" role="status">
            Opening Tokendesk…
          </p>
        </main>
      );
    }
    return (
      <main className="startup" data-testid="startup-error">
        <div className="startup-card">
          <h1>{startupHeading(error.code)}</h1>
          <p className="startup-message">{error.message}</p>
          <button
            type="button"
            className="button button-primary"
            disabled={reopen.isPending}
            data-testid="retry"
            onClick={retry}
          >
            {reopen.isPending ? "Retrying…" : "Retry"}
          </button>
        </div>
      </main>
    );
  }

  return (
    <Shell
      key={generation}
      info={info}
      connection={where}
      onSession={startSession}
      onInfo={reloadInfo}
      onSignedOut={signedOut}
    />
  );
}
