// The Settings page only lays out its sections; each one loads and saves its own part.
import type { AppInfo, Connection } from "../api";
import { PageHeader } from "./PageHeader";
import { ConnectionSection } from "./settings/ConnectionSection";
import { ExpiryPolicySection } from "./settings/ExpiryPolicySection";
import { LegacyKeysSection } from "./settings/LegacyKeysSection";
import { RolesSection } from "./settings/RolesSection";
import { ServiceSection } from "./settings/ServiceSection";
import { SigningKeysSection } from "./settings/SigningKeysSection";
import { WebhooksSection } from "./settings/WebhooksSection";

interface SettingsPageProps {
  info: AppInfo;
  connection: Connection;
  onSaved: () => void;
  /** Signed in to another server from Settings → Connection. */
  onConnected: (info: AppInfo) => void;
  onSignedOut: () => void;
}

export function SettingsPage({ info, connection, onSaved, onConnected, onSignedOut }: SettingsPageProps) {
  return (
    <main className="page page-narrow" data-testid="settings-page">
      <PageHeader
        title="Settings"
        description={<>How {info.authorityName} issues tokens, and who may do what.</>}
      />
      <ConnectionSection
        info={info}
        connection={connection}
        onConnected={onConnected}
        onSignedOut={onSignedOut}
      />
      <ExpiryPolicySection onSaved={onSaved} />
      <SigningKeysSection canManage={info.session.permissions.manageSettings} />
      {/* The embedded verification service belongs to an authority on this computer; a team
          server is its own verification service. */}
      {connection.mode === "local" && (
        <ServiceSection canManage={info.session.permissions.manageSettings} />
      )}
      {/* Owners decide where the authority's events go (core refuses anyone else). */}
      {info.session.actor.role === "owner" && (
        <WebhooksSection serverMode={connection.mode !== "local"} />
      )}
      <LegacyKeysSection canManage={info.session.permissions.manageSettings} />
      <RolesSection onSaved={onSaved} />
    </main>
  );
}
