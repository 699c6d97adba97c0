// Salesforce ids: 3-char key prefix, 2-char pod, 1 reserved char, 9-char base-62 sequence,
// then a 3-char suffix that encodes which of the first 15 chars are upper case so the id
// survives case-insensitive systems. Getting the suffix right matters because clients
// (jsforce, Tollgate) may compare 15- and 18-char forms.

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/** The sandbox org. Fixed so identity URLs and tokens stay stable across restarts. */
export const SANDBOX_ORG_ID = checksumId("00D5g000004TgLb");

/** Runtime-created records use this pod; demo fixtures use another so they never collide. */
export const RUNTIME_POD = "5g";
export const DEMO_POD = "8d";

function idSuffix(id15: string): string {
  let suffix = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id15.charAt(chunk * 5 + i);
      if (ch >= "A" && ch <= "Z") bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}

export function checksumId(id15: string): string {
  return id15 + idSuffix(id15);
}

export function makeSalesforceId(prefix: string, sequence: number, pod = RUNTIME_POD): string {
  if (!Number.isInteger(sequence) || sequence < 0) throw new Error(`bad id sequence ${sequence}`);
  let encoded = "";
  let n = sequence;
  do {
    encoded = BASE62.charAt(n % 62) + encoded;
    n = Math.floor(n / 62);
  } while (n > 0);
  if (encoded.length > 9) throw new Error("id sequence overflow");
  return checksumId(prefix + pod + "0" + encoded.padStart(9, "0"));
}

function isIdShaped(value: string): boolean {
  return /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(value);
}

/**
 * Returns the canonical 18-char id, or undefined when `value` is not id-shaped or its
 * suffix contradicts the case of its first 15 chars (which Salesforce also rejects).
 */
export function normalizeId(value: string): string | undefined {
  if (!isIdShaped(value)) return undefined;
  const id15 = value.slice(0, 15);
  const expected = checksumId(id15);
  if (value.length === 18 && value.slice(15).toUpperCase() !== expected.slice(15)) return undefined;
  return expected;
}

export function keyPrefixOf(id: string): string {
  return id.slice(0, 3);
}
