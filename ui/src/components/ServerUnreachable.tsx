// One app-wide notice while the team server does not answer, instead of a different failure
// on every page; it goes away with the first call the server answers.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { watchCalls } from "../api";
import { SmallButton } from "./SmallButton";

export function ServerUnreachable() {
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<string | null>(null);
  const [trying, setTrying] = useState(false);

  useEffect(
    () =>
      watchCalls((outcome) => {
        if (outcome.ok) setMessage(null);
        else if (outcome.error.code === "server_unreachable") setMessage(outcome.error.message);
      }),
    [],
  );

  async function tryAgain() {
    setTrying(true);
    try {
      // What the page shows is read again; its answer (or failure) updates this notice.
      await queryClient.refetchQueries({ type: "active" });
    } finally {
      setTrying(false);
    }
  }

  if (message === null) return null;
  return (
    <div className="alert alert-banner" role="alert" data-testid="server-unreachable">
      <p>
        {message} Nothing you change is saved until it answers again.
      </p>
      <SmallButton disabled={trying} data-testid="server-retry" onClick={() => void tryAgain()}>
        {trying ? "Trying…" : "Try again"}
      </SmallButton>
    </div>
  );
}
