/** A key's plaintext as the create and rotate answers carry it: shown once, never stored. */
export type TSecret = { plaintext: string; prefix: string; graceUntil?: string | null };
