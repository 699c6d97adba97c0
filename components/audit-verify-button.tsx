"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { sendJson } from "./send-json";
import { Button, useAction } from "./ui";

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
  const [message, setMessage] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  function verify() {
    setMessage(null);
    return run(async () => {
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
    });
  }

  return (
    <div className="flex flex-col items-end gap-1">
      <Button size="md" onClick={() => void verify()} busy={busy} busyLabel="Verifying…">
        Verify now
      </Button>
      <p role="status" data-testid="verify-result" className="text-xs text-muted">
        {message}
      </p>
      {error && (
        <p role="alert" className="text-xs text-danger">
          {error}
        </p>
      )}
    </div>
  );
}
