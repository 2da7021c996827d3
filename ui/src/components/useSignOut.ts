// Signing out of a team server from the header, Settings or the sign-in screen: one way, with
// its progress and its failure kept by the caller's screen.
import { useState } from "react";
import { signOutServer, type ApiError } from "../api";

export function useSignOut(onSignedOut: () => void) {
  const [leaving, setLeaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function signOut() {
    if (leaving) return;
    setLeaving(true);
    setError(null);
    try {
      // false: the server could not confirm; the session token then expires on its own, and
      // it has left this computer's keyring either way.
      await signOutServer();
      onSignedOut();
    } catch (e) {
      setError((e as ApiError).message);
      setLeaving(false);
    }
  }

  return {
    signOut: () => void signOut(),
    leaving,
    error,
    clearError: () => {
      setError(null);
    },
  };
}
