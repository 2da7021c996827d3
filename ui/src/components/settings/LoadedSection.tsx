// Settings sections that read their own part share one frame: heading and explanation, then
// "Loading…", the failure with Try again, or the section's content once the answer is there.
import { useId, useRef, type ReactNode } from "react";
import { Alert } from "../Alert";
import { Loading } from "../Loading";

/** What the section needs of its query (a TanStack Query result fits). */
interface Read<T> {
  data: T | undefined;
  error: { message: string } | null;
  refetch: () => Promise<unknown>;
}

interface LoadedSectionProps<T> {
  title: string;
  testId: string;
  query: Read<T>;
  /** The alert shown when the read failed. */
  errorTestId: string;
  /** The explanation under the heading. */
  intro: ReactNode;
  /**
   * Beside the heading, in one header row with it, e.g. a button acting on the whole section.
   * Null while there is nothing to offer yet: the row is there all the same, so the heading is
   * not replaced (and keeps focus) when the button appears.
   */
  actions?: ReactNode;
  /** The content once the data is there; `headingId` lets a form take the heading as its label. */
  loaded: (data: T, headingId: string) => ReactNode;
  /** After the content, whatever the state of the read: notices and dialogs. */
  children?: ReactNode;
}

export function LoadedSection<T>({
  title,
  testId,
  query,
  errorTestId,
  intro,
  actions,
  loaded,
  children,
}: LoadedSectionProps<T>) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();

  let body: ReactNode;
  if (query.data !== undefined) {
    body = loaded(query.data, headingId);
  } else if (query.error) {
    body = (
      <Alert
        testId={errorTestId}
        onRetry={() => {
          // The alert and its button go away: keep focus in the section, on its heading.
          headingRef.current?.focus();
          void query.refetch();
        }}
      >
        {query.error.message}
      </Alert>
    );
  } else {
    body = <Loading />;
  }

  const heading = (
    <h2 ref={headingRef} id={headingId} className="section-heading" tabIndex={-1}>
      {title}
    </h2>
  );

  return (
    <section className="settings-section" aria-labelledby={headingId} data-testid={testId}>
      {actions !== undefined ? (
        <div className="section-header">
          {heading}
          {actions}
        </div>
      ) : (
        heading
      )}
      <p className="muted">{intro}</p>
      {body}
      {children}
    </section>
  );
}
