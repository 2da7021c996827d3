import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  ApiError,
  AppInfo,
  ErrorCode,
  ExpiryPolicy,
  LegacySettings,
  ListPage,
  ListQuery,
  Permissions,
  Role,
  ServiceStatus,
  SessionInfo,
  TokenMeta,
  User,
} from "../api";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const POLICY: ExpiryPolicy = {
  presets: ["one_hour", "one_day", "seven_days", "thirty_days", "sixty_days", "ninety_days", "one_year"],
  allowCustom: true,
  allowNever: false,
  maxLifetimeDays: 365,
  defaultChoice: { kind: "preset", preset: "thirty_days" },
  signedTokenMinutes: 5,
};

export const ALL_PERMISSIONS: Permissions = {
  apiAccess: true,
  createTokensForOthers: true,
  impersonate: true,
  manageUsers: true,
  manageSettings: true,
  viewAudit: true,
};

export const MEMBER_PERMISSIONS: Permissions = {
  apiAccess: true,
  createTokensForOthers: false,
  impersonate: false,
  manageUsers: false,
  manageSettings: false,
  viewAudit: false,
};

export function user(over: Partial<User> = {}): User {
  return {
    id: "u1",
    displayName: "Ada Lovelace",
    email: "ada@example.com",
    kind: "human",
    role: "owner",
    status: "active",
    createdAt: Date.now() - 100 * DAY,
    hasPassword: false,
    tenantIds: [],
    activeTenantId: null,
    ...over,
  };
}

export const ADA = user();
export const GRACE = user({
  id: "u2",
  displayName: "Grace Hopper",
  email: "grace@example.com",
  role: "member",
  hasPassword: true,
});
export const BILLING = user({
  id: "u3",
  displayName: "Billing sync",
  email: null,
  kind: "service",
  role: "member",
});

/** A service user with an email address and an API password, for `POST /api/auth/token`. */
export const EXPORTER = user({
  id: "u5",
  displayName: "Nightly export",
  email: "export@svc.example.com",
  kind: "service",
  role: "member",
  hasPassword: true,
});

export const ROLES: Role[] = [
  { id: "owner", name: "Owner", builtin: true, permissions: ALL_PERMISSIONS },
  {
    id: "admin",
    name: "Admin",
    builtin: true,
    permissions: { ...ALL_PERMISSIONS, manageSettings: false },
  },
  { id: "member", name: "Member", builtin: true, permissions: MEMBER_PERMISSIONS },
  {
    id: "no_api",
    name: "No API access",
    builtin: true,
    permissions: { ...MEMBER_PERMISSIONS, apiAccess: false },
  },
];

/** The local owner with every permission, unless `session` says otherwise. */
export function session(over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    actor: ADA,
    subject: ADA,
    impersonating: false,
    permissions: ALL_PERMISSIONS,
    canCreateOwn: true,
    localOwner: true,
    ...over,
  };
}

export function appInfo(
  policy: Partial<ExpiryPolicy> = {},
  sessionOver: Partial<SessionInfo> = {},
): AppInfo {
  const s = session(sessionOver);
  return {
    authorityId: "auth-1",
    authorityName: "Acme Staging",
    tokenPrefix: "tkd_",
    user: s.subject,
    session: s,
    policy: { ...POLICY, ...policy },
    alerts: { firstDays: 7, lastDays: 1 },
    dataDir: "/tmp/tokendesk",
    now: Date.now(),
  };
}

let seq = 0;
export function token(over: Partial<TokenMeta> = {}): TokenMeta {
  seq += 1;
  const now = Date.now();
  return {
    id: `tok-${seq}`,
    ownerId: "u1",
    createdBy: "u1",
    kind: "personal",
    name: `Token ${seq}`,
    description: "",
    createdAt: now - DAY,
    expiresAt: now + 30 * DAY + HOUR,
    revokedAt: null,
    revokedBy: null,
    revokeReason: null,
    lastUsedAt: null,
    useCount: 0,
    displayHint: `tkd_…${String(seq).padStart(4, "0")}`,
    status: "active",
    ownerName: "Ada Lovelace",
    createdByName: "Ada Lovelace",
    scopes: null,
    tenantIds: null,
    ...over,
  };
}

export function page(items: TokenMeta[], nextCursor: string | null = null): ListPage {
  return { items, nextCursor };
}

/**
 * A server's keyset paging over `all`, in order: `cursor` "n<i>" starts at row i, `before`
 * "p<i>" ends before row i, `last` reads the end; with the counts (capped like the server's
 * past `countMax`). Cursors name row numbers only to keep the fake readable.
 */
export function keysetPages(all: TokenMeta[], countMax = 10_000): (q: ListQuery) => ListPage {
  const count = { n: Math.min(all.length, countMax), more: all.length > countMax };
  return (q) => {
    const limit = q.limit || 50;
    let start: number;
    let end: number;
    if (q.before) {
      end = Number(q.before.slice(1));
      start = Math.max(0, end - limit);
    } else {
      start = q.last ? Math.max(0, all.length - limit) : q.cursor ? Number(q.cursor.slice(1)) : 0;
      end = Math.min(all.length, start + limit);
    }
    return {
      items: all.slice(start, end),
      nextCursor: end < all.length ? `n${end}` : null,
      ...(start > 0 ? { prevCursor: `p${start}` } : {}),
      total: count,
      matching: count,
    };
  };
}

/**
 * The verification service: off on 127.0.0.1:7878 with no extra schemes, unless told otherwise.
 * `loopback` is Rust's verdict on the address; a bind changed here needs it changed in `over` too.
 */
export function serviceStatus(
  settings: Partial<ServiceStatus["settings"]> = {},
  over: Partial<Omit<ServiceStatus, "settings">> = {},
): ServiceStatus {
  return {
    settings: { enabled: false, bind: "127.0.0.1:7878", extraSchemes: [], ...settings },
    running: false,
    url: null,
    error: null,
    loopback: true,
    ...over,
  };
}

/** Legacy API keys refused (mode off) in the default header, unless told otherwise. */
export function legacySettings(over: Partial<LegacySettings> = {}): LegacySettings {
  return { mode: "off", header: "X-Api-Key", ...over };
}

/** A legacy API key as Rust lists it: a token row of kind "legacy" that never expires. */
export function legacyKey(over: Partial<TokenMeta> = {}): TokenMeta {
  return token({
    kind: "legacy",
    name: "Legacy API key",
    expiresAt: null,
    displayHint: "…abcd",
    ...over,
  });
}

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

type Handler = (args: Record<string, unknown>) => unknown;

/**
 * Fakes the Rust side. Each handler may return a value or throw an ApiError-shaped object,
 * exactly as Tauri rejects. Every call is recorded.
 */
export function backend(handlers: Record<string, Handler> = {}) {
  const calls: Call[] = [];
  const defaults: Record<string, Handler> = {
    app_info: () => appInfo(),
    list_tokens: () => page([]),
    list_roles: () => ROLES,
    list_users: () => [ADA, GRACE, BILLING],
    service_status: () => serviceStatus(),
    connection_info: () => ({ mode: "local", signedIn: true, privateCa: false }),
    list_tenants: () => [],
    signing_keys: () => [],
    list_webhooks: () => [],
    legacy_settings: () => legacySettings(),
    list_legacy_keys: () => page([]),
  };
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const handler = handlers[cmd] ?? defaults[cmd];
    if (!handler) throw new Error(`unexpected command ${cmd}`);
    return handler(args);
  }, { shouldMockEvents: true });
  return {
    calls,
    of(cmd: string): Call[] {
      return calls.filter((c) => c.cmd === cmd);
    },
    last(cmd: string): Record<string, unknown> | undefined {
      const all = calls.filter((c) => c.cmd === cmd);
      return all[all.length - 1]?.args;
    },
  };
}

/** Rejects the way Tauri does: with the plain `{ code, message }` object Rust serialised. */
export function fail(code: ErrorCode, message: string): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw { code, message } satisfies ApiError;
}
