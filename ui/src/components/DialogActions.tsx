// The footer every form dialog shares: Cancel, and a submit button that shows it is busy.

interface DialogActionsProps {
  onCancel: () => void;
  submitting: boolean;
  label: string;
  busyLabel: string;
  testId: string;
  danger?: boolean;
}

export function DialogActions({ onCancel, submitting, label, busyLabel, testId, danger = false }: DialogActionsProps) {
  return (
    <div className="modal-actions">
      <button type="button" className="button" onClick={onCancel}>
        Cancel
      </button>
      <button
        type="submit"
        className={danger ? "button button-danger" : "button button-primary"}
        disabled={submitting}
        data-testid={testId}
      >
        {submitting ? busyLabel : label}
      </button>
    </div>
  );
}
