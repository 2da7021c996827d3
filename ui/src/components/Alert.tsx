// Pages and dialogs report failures in one alert box, sometimes with a way to retry or dismiss.
import { SmallButton } from "./SmallButton";

interface AlertProps {
  testId: string;
  children: string;
  /** The wide variant under the app header. */
  banner?: boolean;
  /** Offers "Try again", for a listing that failed to load. */
  onRetry?: (() => void) | undefined;
  /** Offers "Dismiss", for a message that outlives the action that caused it. */
  onDismiss?: (() => void) | undefined;
}

export function Alert({ testId, children, banner = false, onRetry, onDismiss }: AlertProps) {
  return (
    <div className={banner ? "alert alert-banner" : "alert"} role="alert" data-testid={testId}>
      <p>{children}</p>
      {onRetry && <SmallButton onClick={onRetry}>Try again</SmallButton>}
      {onDismiss && <SmallButton onClick={onDismiss}>Dismiss</SmallButton>}
    </div>
  );
}
