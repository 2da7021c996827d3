// Every list shows the same announced placeholder until its first answer arrives.
export function Loading() {
  return (
    <p className="muted loading" role="status">
      Loading…
    </p>
  );
}
