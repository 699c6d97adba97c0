/**
 * `npm run tollgate -- <command>`: scripts' door into Tollgate.
 *   agent-key create --agent <slug> --env <env> [--label text] [--expires-days n]
 *   group-webhook set --group <key> (--url <url> | --off)
 *   agent-callback set --agent <slug> --env <env> (--url <url> | --off)
 *   audit verify [--lane config|data|execution] [--incremental] [--checkpoint FILE] [--public-key FILE]
 *   audit seal
 *   audit public-key
 *   audit checkpoint export [--out FILE]
 *   audit verify-export FILE [--public-key FILE]
 *   kill-switch (trip|reset) --scope <scope> [--target …] --reason <text> --as <admin email>
 * Prints the secret once on stdout (one line, nothing else: the key, or the webhook signing
 * secret); messages go to stderr.
 * Uses DATABASE_URL, else the embedded PostgreSQL of a running `npm start`, else starts it.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { isAlive } from "@/lib/db/embedded";
import { checkEnv, env, setEnv } from "@/lib/env";
import { DATA_DIR, persistentSecret, resolveDatabase } from "./lib/runtime";
import { KILL_SWITCH_USAGE, killSwitchCommand } from "./lib/kill-switch-command";

const USAGE = [
  "usage: npm run tollgate -- agent-key create --agent <agent-slug> --env <env> [--label text] [--expires-days n]",
  "       npm run tollgate -- group-webhook set --group <group-key> (--url <url> | --off)",
  "       npm run tollgate -- agent-callback set --agent <agent-slug> --env <env> (--url <url> | --off)",
  "       npm run tollgate -- audit verify [--lane config|data|execution] [--incremental] [--checkpoint FILE] [--public-key FILE]",
  "       npm run tollgate -- audit seal",
  "       npm run tollgate -- audit public-key",
  "       npm run tollgate -- audit checkpoint export [--out FILE]",
  "       npm run tollgate -- audit verify-export FILE [--public-key FILE]",
  KILL_SWITCH_USAGE,
].join("\n");

async function databaseUrl(): Promise<{ url: string; stop?: () => Promise<void> }> {
  const configured = env().DATABASE_URL;
  if (configured) return { url: configured };
  const launcher = Number(
    fs.readFileSync(path.join(DATA_DIR, "launcher.pid"), { encoding: "utf8", flag: "a+" }) || 0,
  );
  const pidFile = path.join(DATA_DIR, "pg", "postmaster.pid");
  if (launcher && isAlive(launcher) && fs.existsSync(pidFile)) {
    // a running `npm start`: talk to its server rather than starting a second one
    const port = fs.readFileSync(pidFile, "utf8").split("\n")[3]?.trim();
    const password = fs.readFileSync(path.join(DATA_DIR, "pg-password"), "utf8").trim();
    return {
      url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/tollgate`,
    };
  }
  const { url, embedded } = await resolveDatabase(DATA_DIR, "tollgate");
  return { url, stop: embedded ? () => embedded.stop() : undefined };
}

/**
 * Runs a command on the database; `run` imports what it needs once DATABASE_URL is set. A
 * failure prints one line (a validation error's messages) and exits 1.
 */
async function withDatabase(run: () => Promise<void>) {
  const { url, stop } = await databaseUrl();
  setEnv({ DATABASE_URL: url }, { force: true });
  try {
    await run();
  } catch (err) {
    const issues = (err as { issues?: { message: string }[] }).issues;
    console.error(
      issues
        ? issues.map((i) => i.message).join("; ")
        : err instanceof Error
          ? err.message
          : String(err),
    );
    process.exitCode = 1;
  } finally {
    const { disconnectDb } = await import("@/lib/db");
    await disconnectDb();
    await stop?.();
  }
}

/** group-webhook / agent-callback: set or clear a signed webhook target; prints the new secret. */
async function webhookCommand(kind: string, rest: string[]) {
  const { values } = parseArgs({
    args: rest,
    options: {
      group: { type: "string" },
      agent: { type: "string" },
      env: { type: "string" },
      url: { type: "string" },
      off: { type: "boolean" },
    },
    strict: true,
  });
  const target =
    kind === "group-webhook"
      ? values.group
      : values.agent && values.env
        ? `${values.agent} in ${values.env}`
        : undefined;
  if (!target || Boolean(values.url) === Boolean(values.off)) {
    console.error(USAGE);
    process.exit(2);
  }
  await withDatabase(async () => {
    if (!env().TOLLGATE_SECRET_KEY) setEnv({ TOLLGATE_SECRET_KEY: persistentSecret("secret-key") });
    const { setGroupWebhook, setAgentCallback } = await import("@/lib/webhooks/config");
    const out =
      kind === "group-webhook"
        ? await setGroupWebhook(values.group!, values.url ?? null, null)
        : await setAgentCallback(values.agent!, values.env!, values.url ?? null, null);
    if (out.secret) process.stdout.write(out.secret + "\n");
    console.error(
      out.url
        ? `${kind} for ${target} → ${out.url}; verify Tollgate-Signature with the secret above`
        : `${kind} turned off`,
    );
  });
}

/**
 * audit verify: walk each lane's sealed chain (whole, or from its last verified event with
 * --incremental), compare it with the lane's head and check its stored signed checkpoints; one
 * line per lane, the run recorded like the worker's (a new break alerts). With --checkpoint, also
 * each checkpoint of a file `audit checkpoint export` wrote earlier: signed by the trusted key
 * (this installation's, or --public-key FILE) and still matching the chain. Exits 1 on any break.
 */
async function auditVerify(rest: string[]) {
  const { values } = parseArgs({
    args: rest,
    options: {
      lane: { type: "string" },
      incremental: { type: "boolean" },
      checkpoint: { type: "string" },
      "public-key": { type: "string" },
    },
    strict: true,
  });
  if (values.lane && !["config", "data", "execution"].includes(values.lane)) {
    console.error(`--lane must be config, data or execution\n${USAGE}`);
    process.exit(2);
  }
  const file = values.checkpoint ? readJson(values.checkpoint) : undefined;
  await withDatabase(async () => {
    const audit = await import("@/lib/audit");
    const key = values["public-key"]
      ? audit.publicKeyFromPem(fs.readFileSync(values["public-key"], "utf8"), values["public-key"])
      : audit.trySigningKey();
    const runs = await audit.runAuditVerification({
      lanes: values.lane ? [values.lane as "config" | "data" | "execution"] : undefined,
      mode: values.incremental ? "incremental" : "full",
      trigger: "cli",
      key,
    });
    for (const r of runs) {
      const b = r.broken;
      const cp = r.checkpoints;
      const signed = !cp.count
        ? "no signed checkpoints"
        : `${cp.count} signed checkpoints match` +
          (cp.keyId
            ? `, ${cp.signaturesChecked} signatures checked`
            : ", signatures NOT checked (no key)") +
          (cp.foreign ? `, ${cp.foreign} signed by another key (not trusted)` : "");
      console.log(
        b
          ? `${r.lane}: BROKEN at seq ${b.seq} (${b.kind}): ${b.detail}`
          : `${r.lane}: ok — ${r.eventCount} sealed events, head seq ${r.head.seq} ${r.head.hash.slice(0, 12)}…, ${r.checked} checked (${r.mode}), ${r.unsealed} unsealed; ${signed}`,
      );
    }
    let broken = runs.some((r) => r.broken);
    if (file !== undefined) {
      const checks = await audit.checkExportedCheckpoints(file, key);
      for (const c of checks) {
        const at = `checkpoint ${c.lane} seq ${c.seq} (signed ${c.at.toISOString()})`;
        console.log(c.problem ? `${at}: BROKEN: ${c.problem}` : `${at}: ok`);
      }
      if (checks.some((c) => c.problem)) broken = true;
    }
    if (broken) process.exitCode = 1;
  });
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`${file}: not a checkpoint file (${(e as Error).message})`);
    process.exit(2);
  }
}

/** audit public-key: the checkpoint signing key's public half (PEM, stdout) and its id. */
async function auditPublicKey() {
  const { loadSigningKey } = await import("@/lib/audit");
  const key = loadSigningKey({ create: true });
  process.stdout.write(key.publicKey.export({ type: "spki", format: "pem" }) as string);
  console.error(`key id ${key.keyId} (sha256 ${key.fingerprint}), from ${key.source}`);
}

/** audit seal: seal every committed event now (the workers' leader does it every 200 ms). */
async function auditSeal() {
  await withDatabase(async () => {
    const { sealNow } = await import("@/lib/audit");
    console.error(`sealed ${await sealNow()} events`);
  });
}

/**
 * audit checkpoint export: seal what is committed, sign a checkpoint of each lane whose head
 * moved, then write each lane's newest signed checkpoint as JSON (stdout, or --out FILE). Keep
 * the file where the database's owner cannot reach it; `audit verify --checkpoint FILE` later
 * shows any rewrite of the history it covers.
 */
async function auditExport(rest: string[]) {
  const { values } = parseArgs({ args: rest, options: { out: { type: "string" } }, strict: true });
  await withDatabase(async () => {
    const audit = await import("@/lib/audit");
    const { connectRuntimeClient } = await import("@/lib/db");
    const key = audit.loadSigningKey({ create: true });
    await audit.sealNow();
    const client = await connectRuntimeClient("tollgate-cli");
    try {
      await audit.publishCheckpoints(client, key);
    } finally {
      await client.end();
    }
    const checkpoints = await audit.latestCheckpoints();
    const text = JSON.stringify(audit.toExport(checkpoints, key), null, 2) + "\n";
    if (values.out) fs.writeFileSync(values.out, text);
    else process.stdout.write(text);
    console.error(
      `${checkpoints.map((c) => `${c.lane} seq ${c.seq}`).join(", ") || "no checkpoints"} (key ${key.keyId})` +
        (values.out ? ` → ${values.out}` : ""),
    );
  });
}

/**
 * audit verify-export: check a console export (GET /api/internal/audit/export) without the
 * database — the signed checkpoint on its first line, every event re-hashed, and an unfiltered
 * lane's chain ending at the checkpoint. Exits 1 on any problem.
 */
async function auditVerifyExport(rest: string[]) {
  const { values, positionals } = parseArgs({
    args: rest,
    options: { "public-key": { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) {
    console.error(USAGE);
    process.exit(2);
  }
  const readline = await import("node:readline");
  const { checkExportLines } = await import("@/lib/audit/check-export");
  const { publicKeyFromPem } = await import("@/lib/audit/signing-key");
  const keyFile = values["public-key"];
  const key = keyFile ? publicKeyFromPem(fs.readFileSync(keyFile, "utf8"), keyFile) : null;
  const lines = readline.createInterface({ input: fs.createReadStream(positionals[0]) });
  const r = await checkExportLines(lines, key);
  const cp = r.checkpoint
    ? `checkpoint seq ${r.checkpoint.seq}, signature ${r.checkpoint.signature} (key ${r.keyId}${r.keyFromFile ? ", the key in the file: compare its id with audit public-key" : ""})`
    : "no checkpoint";
  console.log(
    `${r.lane}: ${r.events} events${r.filtered ? " (filtered: each re-hashed alone)" : ""}, ${cp}`,
  );
  for (const p of r.problems) console.log(`BROKEN: ${p}`);
  if (r.problems.length) process.exitCode = 1;
  else console.log("ok");
}

async function main() {
  const bad = checkEnv();
  if (bad) {
    console.error(`${bad}\nSee .env.example for every variable and its default.`);
    process.exit(2);
  }
  const [group, command, ...rest] = process.argv.slice(2);
  if (group === "audit" && command === "verify") return auditVerify(rest);
  if (group === "audit" && command === "seal") return auditSeal();
  if (group === "audit" && command === "public-key") return auditPublicKey();
  if (group === "audit" && command === "verify-export") return auditVerifyExport(rest);
  if (group === "audit" && command === "checkpoint" && rest[0] === "export") {
    return auditExport(rest.slice(1));
  }
  if (group === "kill-switch") return killSwitchCommand(command, rest, withDatabase, USAGE);
  if ((group === "group-webhook" || group === "agent-callback") && command === "set") {
    return webhookCommand(group, rest);
  }
  if (group !== "agent-key" || command !== "create") {
    console.error(USAGE);
    process.exit(2);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      agent: { type: "string" },
      env: { type: "string" },
      label: { type: "string" },
      "expires-days": { type: "string" },
    },
    strict: true,
  });
  if (!values.agent || !values.env) {
    console.error(USAGE);
    process.exit(2);
  }
  const days = values["expires-days"] ? Number(values["expires-days"]) : null;
  if (days !== null && !(Number.isInteger(days) && days > 0)) {
    console.error("--expires-days must be a positive whole number");
    process.exit(2);
  }
  await withDatabase(async () => {
    const { createApiKey } = await import("@/lib/agents/api-keys");
    const key = await createApiKey({
      agentSlug: values.agent!,
      envSlug: values.env!,
      label: values.label ?? "cli",
      expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null,
    });
    process.stdout.write(key.plaintext + "\n");
    console.error(
      `created key ${key.prefix}… for ${values.agent} in ${values.env}${key.expiresAt ? `, expires ${key.expiresAt.toISOString()}` : ""}`,
    );
  });
}

void main();
