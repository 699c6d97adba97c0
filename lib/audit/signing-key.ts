import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

/**
 * The Ed25519 key that signs audit checkpoints (checkpoints.ts). It is never stored in the
 * database — someone who can rewrite the database cannot sign a checkpoint for a history they
 * forged. Taken from TOLLGATE_AUDIT_SIGNING_KEY (a PKCS#8 PEM), else from the file
 * TOLLGATE_AUDIT_SIGNING_KEY_FILE, else from DEFAULT_SIGNING_KEY_FILE, which `npm start` and
 * `npm run worker` create (mode 0600) when it is missing, so a fresh clone signs. Keep a copy
 * of the public key (`npm run tollgate -- audit public-key`) where the database's owner cannot
 * change it: verification trusts the key it is given.
 */

/** Beside the other secrets `npm start` keeps (.data/, as scripts/lib/runtime.ts DATA_DIR). */
export const DEFAULT_SIGNING_KEY_FILE = path.join(".data", "audit-signing-key.pem");

export type TSigningKey = {
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  /** the first 16 hex digits of the fingerprint: what a checkpoint names its key by */
  keyId: string;
  /** sha256 of the public key (SubjectPublicKeyInfo, DER), hex */
  fingerprint: string;
  /** where it came from, for messages (never the key itself) */
  source: string;
};

export type TPublicKey = Omit<TSigningKey, "privateKey">;

/** A public key's fingerprint and id. */
export function describePublicKey(publicKey: crypto.KeyObject, source: string): TPublicKey {
  if (publicKey.asymmetricKeyType !== "ed25519") {
    throw new Error(`${source} is not an Ed25519 key (${publicKey.asymmetricKeyType})`);
  }
  const der = publicKey.export({ type: "spki", format: "der" });
  const fingerprint = crypto.createHash("sha256").update(der).digest("hex");
  return { publicKey, keyId: fingerprint.slice(0, 16), fingerprint, source };
}

/** A public key from PEM (`--public-key FILE`): a public key, or a private one's public half. */
export function publicKeyFromPem(pem: string, source: string): TPublicKey {
  const key = /PRIVATE KEY/.test(pem)
    ? crypto.createPublicKey(crypto.createPrivateKey(pem))
    : crypto.createPublicKey(pem);
  return describePublicKey(key, source);
}

function fromPem(pem: string, source: string): TSigningKey {
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(pem);
  } catch (e) {
    throw new Error(`${source} is not a PEM private key (${(e as Error).message})`);
  }
  return { privateKey, ...describePublicKey(crypto.createPublicKey(privateKey), source) };
}

/** Where the key is configured: the variable, the file named, or the default file. */
function keyFile(): { file: string; configured: boolean } {
  const named = env().TOLLGATE_AUDIT_SIGNING_KEY_FILE;
  return {
    file: path.resolve(process.cwd(), named ?? DEFAULT_SIGNING_KEY_FILE),
    configured: Boolean(named),
  };
}

/**
 * The signing key. With `create`, a missing default file is generated (mode 0600; two
 * processes creating it at once agree on one: the second reads the first's); a missing file
 * that TOLLGATE_AUDIT_SIGNING_KEY_FILE names is an error, never silently replaced by a new key.
 */
export function loadSigningKey(opts: { create?: boolean } = {}): TSigningKey {
  const inline = env().TOLLGATE_AUDIT_SIGNING_KEY;
  if (inline) return fromPem(inline.replace(/\\n/g, "\n"), "TOLLGATE_AUDIT_SIGNING_KEY");
  const { file, configured } = keyFile();
  const source = configured ? `TOLLGATE_AUDIT_SIGNING_KEY_FILE (${file})` : file;
  if (!fs.existsSync(file)) {
    if (configured || !opts.create) {
      throw new Error(
        `no audit signing key: ${source} does not exist` +
          (configured ? "" : " (npm start or npm run worker creates it)"),
      );
    }
    const { privateKey } = crypto.generateKeyPairSync("ed25519");
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // written whole beside it, then linked into place: a reader never sees half a key, and
    // of two processes creating it at once, the second link fails and it reads the first's
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
    fs.writeFileSync(tmp, pem, { mode: 0o600, flag: "wx" });
    try {
      fs.linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return fromPem(fs.readFileSync(file, "utf8"), source);
}

/** The signing key, or null when none is configured or readable (signatures go unchecked). */
export function trySigningKey(): TSigningKey | null {
  try {
    return loadSigningKey();
  } catch {
    return null;
  }
}
