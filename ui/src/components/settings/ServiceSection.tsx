// The verification service: where it listens and which Authorization schemes it accepts.
// Rust judges the address (and whether it stays on this computer); the form only splits text.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type SyntheticEvent } from "react";
import {
  serviceStatus,
  updateServiceSettings,
  type ApiError,
  type ServiceSettings,
  type ServiceStatus,
} from "../../api";
import { queryKeys } from "../../api/queryKeys";
import { Alert } from "../Alert";
import { TextField } from "../TextField";
import { Check } from "./Check";
import { LoadedSection } from "./LoadedSection";
import { SaveActions } from "./SaveActions";

const DEFAULT_ADDRESS = "127.0.0.1";

const NOT_LOOPBACK = "Other machines can reach this service. Put it behind a proxy with TLS.";

/** Without the brackets an IPv6 address may be written in: "[::1]" is "::1". */
function bareAddress(address: string): string {
  const a = address.trim();
  return a.startsWith("[") && a.endsWith("]") ? a.slice(1, -1).trim() : a;
}

/** "127.0.0.1:7878" or "[::1]:7878" as the address (without brackets) and the port. */
function splitBind(bind: string): { address: string; port: string } {
  const b = bind.trim();
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(b);
  if (v6) return { address: v6[1] ?? "", port: v6[2] ?? "" };
  const colon = b.indexOf(":");
  // No colon, or several without brackets (a bare IPv6 address): no port to split off.
  if (colon === -1 || colon !== b.lastIndexOf(":")) return { address: b, port: "" };
  return { address: b.slice(0, colon), port: b.slice(colon + 1) };
}

/** IPv6 addresses go in brackets to keep the port apart: [::1]:7878. */
function joinBind(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Only what joinBind would garble; whether it is an IP address at all is Rust's to say. */
function addressProblem(address: string): string | null {
  if (address === "") return "Enter an address, such as 127.0.0.1.";
  // One colon (or "]:") means a port came along: IPv6 addresses have at least two.
  if (address.includes("]:") || address.split(":").length === 2) {
    return "Enter the address without the port; the port has its own field.";
  }
  return null;
}

/** The port as a number, or null unless it is a whole number from 1 to 65535. */
function portNumber(port: string): number | null {
  const p = port.trim();
  if (!/^\d{1,5}$/.test(p)) return null;
  const n = Number(p);
  return n >= 1 && n <= 65535 ? n : null;
}

/** "SalureToken, Other" or "SalureToken Other" as ["SalureToken", "Other"]. */
function splitSchemes(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== "");
}

/**
 * Rust names the bind it refused first, in quotes; its scheme errors share the code and name a
 * scheme instead, so only this tells which field an invalid_input is about.
 */
function refusesBind(error: ApiError, bind: string): boolean {
  return error.code === "invalid_input" && error.message.startsWith(`\u201c${bind}\u201d`);
}

interface ServiceDraft {
  enabled: boolean;
  address: string;
  port: string;
  schemes: string;
}

function draftFrom(settings: ServiceSettings): ServiceDraft {
  const { address, port } = splitBind(settings.bind);
  return {
    enabled: settings.enabled,
    address: address || DEFAULT_ADDRESS,
    port,
    schemes: settings.extraSchemes.join(", "),
  };
}

/** What the service is doing now, as last reported by Rust (not the unsaved form). */
function ServiceState({ status }: { status: ServiceStatus }) {
  if (status.running) {
    return (
      <p className="notice notice-ok service-state" role="status" data-testid="service-state">
        Running at{" "}
        <code className="service-url" data-testid="service-url">
          {status.url ?? `http://${status.settings.bind}`}
        </code>
      </p>
    );
  }
  if (status.settings.enabled) {
    return (
      <Alert testId="service-state">
        {status.error ? `Not running: ${status.error}` : "Not running."}
      </Alert>
    );
  }
  return (
    <p className="notice service-state" role="status" data-testid="service-state">
      Off
    </p>
  );
}

/** About the saved settings, as Rust judged them: an unsaved edit does not change it. */
function LoopbackWarning({ status }: { status: ServiceStatus }) {
  if (status.loopback) return null;
  return (
    <p className="warning service-warning" role="status" data-testid="service-warning">
      {NOT_LOOPBACK}
    </p>
  );
}

/** For people who may not manage settings: what the service is set to, without inputs. */
function ServiceReadOnly({ status }: { status: ServiceStatus }) {
  const { settings } = status;
  const ids = { bind: useId(), schemes: useId() };
  return (
    <div className="service-readonly" data-testid="service-readonly">
      <div className="field-row service-bind">
        <div className="field">
          <label htmlFor={ids.bind}>Address and port</label>
          <output id={ids.bind} className="readonly mono" data-testid="service-bind">
            {settings.bind}
          </output>
        </div>
        <div className="field">
          <label htmlFor={ids.schemes}>Extra scheme names</label>
          <output id={ids.schemes} className="readonly" data-testid="service-schemes">
            {settings.extraSchemes.length > 0
              ? settings.extraSchemes.join(", ")
              : "None (Bearer only)"}
          </output>
        </div>
      </div>
      <LoopbackWarning status={status} />
      <p className="hint">Only people who may manage settings can change the service.</p>
    </div>
  );
}

type ServiceProblems = Partial<Record<"address" | "port" | "other", string>>;

export function ServiceSection({ canManage }: { canManage: boolean }) {
  const query = useQuery({ queryKey: queryKeys.serviceStatus, queryFn: serviceStatus });
  return (
    <LoadedSection
      title="Verification service"
      testId="service-section"
      query={query}
      errorTestId="service-load-error"
      intro={
        <>
          Lets your other programs check a token over HTTP: they send it as{" "}
          <code>Authorization: Bearer &lt;token&gt;</code>. Saving applies the change at once.
        </>
      }
      loaded={(status, headingId) =>
        canManage ? (
          <ServiceForm status={status} labelledBy={headingId} />
        ) : (
          <>
            <ServiceState status={status} />
            <ServiceReadOnly status={status} />
          </>
        )
      }
    />
  );
}

/** The service's state and its form, filled from the status as first read. */
function ServiceForm({ status, labelledBy }: { status: ServiceStatus; labelledBy: string }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<ServiceDraft>(() => draftFrom(status.settings));
  const [problems, setProblems] = useState<ServiceProblems>({});
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const addressRef = useRef<HTMLInputElement>(null);
  const portRef = useRef<HTMLInputElement>(null);
  const enabledId = useId();

  function edit(change: Partial<ServiceDraft>) {
    setDraft((d) => ({ ...d, ...change }));
    setSaved(false);
  }

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (saving) return;
    const address = bareAddress(draft.address);
    const port = portNumber(draft.port);
    const local: ServiceProblems = {};
    const badAddress = addressProblem(address);
    if (badAddress) local.address = badAddress;
    if (port === null) local.port = "Enter a port from 1 to 65535.";
    if (port === null || badAddress) {
      setProblems(local);
      (badAddress ? addressRef : portRef).current?.focus();
      return;
    }
    setProblems({});
    setSaved(false);
    setSaving(true);
    const bind = joinBind(address, port);
    try {
      const next = await updateServiceSettings({
        enabled: draft.enabled,
        bind,
        extraSchemes: splitSchemes(draft.schemes),
      });
      // Rust returns the settings as saved (schemes tidied) and whether the restart worked.
      queryClient.setQueryData(queryKeys.serviceStatus, next);
      setDraft(draftFrom(next.settings));
      setSaved(true);
    } catch (err) {
      const error = err as ApiError;
      if (refusesBind(error, bind)) {
        // The port passed the local check, so the address is what Rust refused.
        setProblems({ address: error.message });
        addressRef.current?.focus();
      } else {
        setProblems({ other: error.message });
      }
    } finally {
      setSaving(false);
    }
  }

  return (
    <>
      <ServiceState status={status} />
      <form
        className="form"
        noValidate
        aria-labelledby={labelledBy}
        aria-busy={saving || undefined}
        data-testid="service-form"
        onSubmit={(e) => void submit(e)}
      >
        <Check
          id={enabledId}
          checked={draft.enabled}
          testId="service-enabled"
          onChange={(on) => {
            edit({ enabled: on });
          }}
        >
          Run the verification service
        </Check>
        <div className="field-row service-bind">
          <TextField
            ref={addressRef}
            label="Address"
            type="text"
            autoComplete="off"
            spellCheck={false}
            className="mono"
            placeholder={DEFAULT_ADDRESS}
            value={draft.address}
            error={problems.address}
            hint="127.0.0.1 or ::1 keeps it on this computer."
            data-testid="service-address"
            onChange={(e) => {
              edit({ address: e.target.value });
            }}
          />
          <TextField
            ref={portRef}
            label="Port"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            className="mono"
            placeholder="7878"
            value={draft.port}
            error={problems.port}
            hint="1 to 65535."
            data-testid="service-port"
            onChange={(e) => {
              edit({ port: e.target.value });
            }}
          />
        </div>
        <LoopbackWarning status={status} />
        <TextField
          label={
            <>
              Extra scheme names <span className="optional">(optional)</span>
            </>
          }
          type="text"
          autoComplete="off"
          spellCheck={false}
          className="mono"
          placeholder="SalureToken"
          value={draft.schemes}
          hint={
            <>
              Separated by commas or spaces. With <code>SalureToken</code>, programs may send{" "}
              <code>Authorization: SalureToken &lt;token&gt;</code> as well as{" "}
              <code>Authorization: Bearer &lt;token&gt;</code>.
            </>
          }
          data-testid="service-schemes"
          onChange={(e) => {
            edit({ schemes: e.target.value });
          }}
        />
        {problems.other && <Alert testId="service-error">{problems.other}</Alert>}
        <SaveActions
          saved={saved}
          saving={saving}
          savedText="Service settings saved."
          savedTestId="service-saved"
          label="Save service settings"
          testId="service-save"
        />
      </form>
    </>
  );
}
