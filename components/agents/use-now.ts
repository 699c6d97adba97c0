"use client";

import { useEffect, useState } from "react";

/**
 * The browser's clock, read again every `everyMs`: null in the server's HTML and until the
 * page is hydrated (the server's clock is not the reader's), then a number.
 */
export function useNow(everyMs = 1_000): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
