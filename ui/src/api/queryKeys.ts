// Every TanStack Query key the UI uses, in one place. Keys are hierarchical: invalidating
// `queryKeys.tokens.all` also reaches each token's usage, which changes with a rename or revoke.
import type { AuditQuery, ListQuery } from ".";

export const queryKeys = {
  connection: ["connection"] as const,
  appInfo: ["appInfo"] as const,
  roles: ["roles"] as const,
  users: ["users"] as const,
  tenants: ["tenants"] as const,
  settings: ["settings"] as const,
  serviceStatus: ["serviceStatus"] as const,
  signingKeys: ["signingKeys"] as const,
  webhooks: {
    all: ["webhooks"] as const,
    deliveries: (id: string) => ["webhooks", "deliveries", id] as const,
  },
  tokens: {
    all: ["tokens"] as const,
    list: (query: ListQuery) => ["tokens", "list", query] as const,
    usage: (id: string) => ["tokens", "usage", id] as const,
  },
  legacy: {
    all: ["legacy"] as const,
    settings: ["legacy", "settings"] as const,
    keys: ["legacy", "keys"] as const,
    list: (query: ListQuery) => ["legacy", "keys", query] as const,
  },
  audit: {
    all: ["audit"] as const,
    list: (query: AuditQuery) => ["audit", "list", query] as const,
  },
};
