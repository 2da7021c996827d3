// The settings forms end alike: a note once the last save went through, and the Save button, busy
// while saving.

interface SaveActionsProps {
  saved: boolean;
  saving: boolean;
  /** The note once saved, such as "Settings saved." */
  savedText: string;
  savedTestId: string;
  label: string;
  testId: string;
}

export function SaveActions({
  saved,
  saving,
  savedText,
  savedTestId,
  label,
  testId,
}: SaveActionsProps) {
  return (
    <div className="form-actions">
      {saved && (
        <span className="saved" role="status" data-testid={savedTestId}>
          {savedText}
        </span>
      )}
      <button
        type="submit"
        className="button button-primary"
        disabled={saving}
        data-testid={testId}
      >
        {saving ? "Saving…" : label}
      </button>
    </div>
  );
}
