// Signing in to a team server, shared by the first-run screen, the sign-in-again screen and
// Settings: the server's address, email, password and, for a private CA, its certificate file.
import { useId, useRef, useState, type ReactNode, type SyntheticEvent } from "react";
import { connectServer, type ApiError, type AppInfo } from "../api";
import { Alert } from "./Alert";
import { FieldError } from "./FieldError";
import { PasswordField, TextField } from "./TextField";

interface ConnectFormProps {
  /** The server to sign in to again; the field is then read-only. */
  server?: string | undefined;
  email?: string | undefined;
  /** The label of the submit button. */
  label?: string;
  /** Extra actions beside the submit button (Back, Cancel). */
  actions?: ReactNode;
  onConnected: (info: AppInfo) => void;
}

type Problems = Partial<Record<"server" | "email" | "password" | "ca" | "other", string>>;

/** Which field an error from Rust belongs to; the rest is shown for the whole form. */
function placeFor(error: ApiError): keyof Problems {
  switch (error.code) {
    case "invalid_input":
      // The address (https, loopback http) or the CA file: Rust's message names which.
      return /certificate/i.test(error.message) ? "ca" : "server";
    case "invalid_email":
      return "email";
    case "invalid_credentials":
    case "invalid_password":
      return "password";
    default:
      return "other";
  }
}

/** A small text file's content (FileReader: older WebKit and jsdom lack `Blob.text()`). */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      resolve(typeof reader.result === "string" ? reader.result : "");
    };
    reader.onerror = () => {
      reject(reader.error ?? new Error("unreadable"));
    };
    reader.readAsText(file);
  });
}

/**
 * The password lives only in its input (never in React state) and is cleared after every
 * attempt; the CA file is read as text here and handed to Rust, which keeps it in the app's
 * data directory. Nothing is shown as done before the server answered.
 */
export function ConnectForm({
  server: fixedServer,
  email: initialEmail = "",
  label = "Sign in",
  actions,
  onConnected,
}: ConnectFormProps) {
  const [server, setServer] = useState(fixedServer ?? "");
  const [email, setEmail] = useState(initialEmail);
  const [ca, setCa] = useState<{ name: string; pem: string } | null>(null);
  const [problems, setProblems] = useState<Problems>({});
  const [submitting, setSubmitting] = useState(false);
  const serverRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const caRef = useRef<HTMLInputElement>(null);
  const ids = { ca: useId(), caError: useId(), server: useId() };

  async function readCa(file: File | undefined) {
    setProblems((p) => ({ ...p, ca: undefined }));
    if (!file) {
      setCa(null);
      return;
    }
    try {
      setCa({ name: file.name, pem: await readText(file) });
    } catch {
      setCa(null);
      setProblems((p) => ({ ...p, ca: `${file.name} cannot be read.` }));
    }
  }

  async function submit(e: SyntheticEvent) {
    e.preventDefault();
    if (submitting) return;
    const input = passwordRef.current;
    const password = input?.value ?? "";
    const local: Problems = {};
    if (server.trim() === "") local.server = "Enter the server's address, such as https://tokendesk.example.org.";
    if (email.trim() === "") local.email = "Enter your email address.";
    if (password === "") local.password = "Enter your password.";
    if (local.server || local.email || local.password) {
      setProblems(local);
      (local.server ? serverRef : local.email ? emailRef : passwordRef).current?.focus();
      return;
    }
    setProblems({});
    setSubmitting(true);
    try {
      const info = await connectServer(server.trim(), email.trim(), password, ca?.pem ?? null);
      if (input) input.value = "";
      onConnected(info);
    } catch (err) {
      const error = err as ApiError;
      if (input) input.value = "";
      const place = placeFor(error);
      setProblems({ [place]: error.message });
      const focus = { server: serverRef, email: emailRef, ca: caRef, password: passwordRef, other: passwordRef };
      (place === "server" && fixedServer !== undefined ? passwordRef : focus[place]).current?.focus();
      setSubmitting(false);
    }
  }

  return (
    <form
      className="form connect-form"
      noValidate
      aria-busy={submitting || undefined}
      data-testid="connect-form"
      onSubmit={(e) => void submit(e)}
    >
      {fixedServer === undefined ? (
        <TextField
          ref={serverRef}
          label="Server address"
          type="url"
          autoComplete="url"
          spellCheck={false}
          className="mono"
          placeholder="https://tokendesk.example.org"
          value={server}
          error={problems.server}
          hint="https:// — plain http:// only to this computer (127.0.0.1, ::1)."
          data-testid="connect-server"
          onChange={(e) => {
            setServer(e.target.value);
          }}
        />
      ) : (
        <div className="field">
          <label htmlFor={ids.server}>Server</label>
          <output id={ids.server} className="readonly mono" data-testid="connect-server-fixed">
            {fixedServer}
          </output>
          {problems.server && <FieldError id={`${ids.server}-error`}>{problems.server}</FieldError>}
        </div>
      )}
      <TextField
        ref={emailRef}
        label="Email"
        type="email"
        autoComplete="username"
        spellCheck={false}
        value={email}
        error={problems.email}
        data-testid="connect-email"
        onChange={(e) => {
          setEmail(e.target.value);
        }}
      />
      <PasswordField
        ref={passwordRef}
        label="Password"
        autoComplete="current-password"
        error={problems.password}
        data-testid="connect-password"
      />
      {fixedServer === undefined && (
        <div className="field">
          <label htmlFor={ids.ca}>
            CA certificate <span className="optional">(only for a server with a private CA)</span>
          </label>
          <input
            ref={caRef}
            id={ids.ca}
            type="file"
            accept=".pem,.crt,.cer,application/x-pem-file"
            aria-invalid={problems.ca ? true : undefined}
            aria-describedby={problems.ca ? ids.caError : `${ids.ca}-hint`}
            data-testid="connect-ca"
            onChange={(e) => void readCa(e.target.files?.[0])}
          />
          {problems.ca ? (
            <FieldError id={ids.caError}>{problems.ca}</FieldError>
          ) : (
            <p id={`${ids.ca}-hint`} className="hint" data-testid="connect-ca-hint">
              {ca
                ? `${ca.name} will be trusted for this server, besides the system's roots.`
                : "The PEM file of the CA that signed the server's certificate. Given once; kept with the app's data."}
            </p>
          )}
        </div>
      )}
      {problems.other && <Alert testId="connect-error">{problems.other}</Alert>}
      <div className="form-actions">
        {actions}
        <button
          type="submit"
          className="button button-primary"
          disabled={submitting}
          data-testid="connect-submit"
        >
          {submitting ? "Signing in…" : label}
        </button>
      </div>
    </form>
  );
}
