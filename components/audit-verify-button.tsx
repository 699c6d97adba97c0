"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { sendJson } from "./send-json";

type TVerifyAnswer = {
  ok: boolean;
  lanes: {
    lane: string;
    ok: boolean;
    checked: number;
    broken: { seq: number; kind: string } | null;
  }[];
};

/** Verify every lane now (a full walk); the page below reads the recorded result again. */
export function AuditVerifyButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function verify() {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const res = await sendJson<TVerifyAnswer>("/api/internal/audit/verify", "POST", {});
      router.refresh();
      setMessage(
        res.ok
          ? `All lanes intact (${res.lanes.reduce((n, l) => n + l.checked, 0)} events re-hashed).`
          : `Broken: ${res.lanes
              .filter((l) => l.broken)
              .map((l) => `${l.lane} at seq ${l.broken!.seq} (${l.broken!.kind})`)
              .join(", ")}`,
      );
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-col items-end gap-1">
      <button
        type="button"
        onClick={() => void verify()}
        disabled={busy}
        className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60"
      >
        {busy ? "Verifying…" : "Verify now"}
      </button>
      <p role="status" data-testid="verify-result" className="text-xs text-slate-600">
        {message}
      </p>
      {error && (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
