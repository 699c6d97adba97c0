import { AsyncLocalStorage } from "node:async_hooks";
import type { TKillSwitchState } from "@/lib/policy";

/**
 * This process's kill switches in memory, kept current by the LISTEN connection
 * (kill-switch-listener.ts), and the requests and writes that passed a kill-switch gate and are
 * not finished yet. No database here: the listener feeds it, the gates read it.
 *
 * Gates: an agent request passes one when it reads `liveKillSwitchState()` inside
 * `runGated` (lib/http/with-agent-key.ts wraps every agent request); a worker's write passes one
 * in `gateWrite` (write-gate.ts). Each pass is stamped with the state's epoch, which every
 * applied change bumps. `drained(epoch)` resolves once every pass stamped before that epoch has
 * finished: only then does the listener acknowledge a trip, so after the acknowledgement no
 * request or write that saw the old state is still running here.
 *
 * Held on globalThis: Next bundles instrumentation.ts and each route separately, and they must
 * share one state.
 */

export type TSwitchEntry = {
  scopeKey: string;
  /** from one database sequence, bumped by every change: the newest state wins */
  version: bigint;
  engaged: boolean;
  scope: TKillSwitchState["scope"];
  reason: string | null;
  environmentId: string | null;
  agentId: string | null;
  workflowId: string | null;
  workflowKey: string | null;
};

type TPass = { epoch: number };
type TGateScope = { pass: TPass | null };

type TStore = {
  entries: Map<string, TSwitchEntry>;
  /** listeners connected and loaded (normally 0 or 1): while > 0, memory is the truth */
  live: number;
  epoch: number;
  snapshot: TKillSwitchState[] | null;
  passes: Set<TPass>;
  waiters: { epoch: number; resolve: () => void }[];
  scope: AsyncLocalStorage<TGateScope>;
};

const holder = globalThis as unknown as { __tollgateKillSwitches?: TStore };

function store(): TStore {
  holder.__tollgateKillSwitches ??= {
    entries: new Map(),
    live: 0,
    epoch: 0,
    snapshot: null,
    passes: new Set(),
    waiters: [],
    scope: new AsyncLocalStorage<TGateScope>(),
  };
  return holder.__tollgateKillSwitches;
}

function changed(s: TStore) {
  s.epoch += 1;
  s.snapshot = null;
}

/** Apply one switch's new state unless memory already holds a newer one. True when applied. */
export function applySwitchChange(entry: TSwitchEntry): boolean {
  const s = store();
  const have = s.entries.get(entry.scopeKey);
  if (have && have.version >= entry.version) return false;
  s.entries.set(entry.scopeKey, entry);
  changed(s);
  return true;
}

/** Replace every switch with a fresh load (after a connect or reconnect). */
export function replaceSwitches(entries: TSwitchEntry[]) {
  const s = store();
  s.entries = new Map(entries.map((e) => [e.scopeKey, e]));
  changed(s);
}

/** A listener is up and has loaded the switches. */
export function listenerUp() {
  store().live += 1;
}

/** A listener went down: unless another is up, gates fall back to the database. */
export function listenerDown() {
  const s = store();
  s.live = Math.max(0, s.live - 1);
}

export const isLive = () => store().live > 0;
export const currentEpoch = () => store().epoch;

function toPolicy(e: TSwitchEntry): TKillSwitchState {
  return {
    scope: e.scope,
    engaged: true,
    reason: e.reason,
    environmentId: e.environmentId,
    agentId: e.agentId,
    workflowKey: e.workflowKey,
  };
}

/**
 * Stamp the running gated request (if any) with the current epoch, at its first read: a request
 * that reads twice is held to the older state it may have acted on.
 */
function markPass(s: TStore) {
  const gate = s.scope.getStore();
  if (!gate || gate.pass) return;
  gate.pass = { epoch: s.epoch };
  s.passes.add(gate.pass);
}

/**
 * The agent API's kill-switch gate: engaged switches in the policy engine's shape, from memory,
 * or null when the listener is down (the caller then reads its short cache). Either way the
 * running request counts as having passed the gate until `runGated` finishes.
 */
export function liveKillSwitchState(): TKillSwitchState[] | null {
  const s = store();
  markPass(s);
  if (s.live === 0) return null;
  s.snapshot ??= [...s.entries.values()].filter((e) => e.engaged).map(toPolicy);
  return s.snapshot;
}

/** The engaged switch (from memory) that covers work of this agent, environment and workflow. */
export function coveringSwitch(target: {
  environmentId: string;
  agentId: string | null;
  workflowId: string | null;
}): TSwitchEntry | null {
  const order = ["global", "environment", "agent", "workflow"] as const;
  let best: TSwitchEntry | null = null;
  for (const e of store().entries.values()) {
    if (!e.engaged) continue;
    const covers =
      e.scope === "global" ||
      (e.scope === "environment" && e.environmentId === target.environmentId) ||
      (e.scope === "agent" && target.agentId !== null && e.agentId === target.agentId) ||
      (e.scope === "workflow" && target.workflowId !== null && e.workflowId === target.workflowId);
    if (covers && (!best || order.indexOf(e.scope) < order.indexOf(best.scope))) best = e;
  }
  return best;
}

function release(s: TStore, pass: TPass) {
  s.passes.delete(pass);
  if (!s.waiters.length) return;
  const oldest = Math.min(Infinity, ...[...s.passes].map((p) => p.epoch));
  const still: TStore["waiters"] = [];
  for (const w of s.waiters) {
    if (oldest < w.epoch) still.push(w);
    else w.resolve();
  }
  s.waiters = still;
}

/**
 * Run an agent request as one gated unit: if it reads the kill switches, it holds acknowledgements
 * of later changes back until it has finished (its response is built).
 */
export async function runGated<T>(fn: () => Promise<T>): Promise<T> {
  const s = store();
  const gate: TGateScope = { pass: null };
  try {
    return await s.scope.run(gate, fn);
  } finally {
    if (gate.pass) release(s, gate.pass);
  }
}

/**
 * A worker's write that has passed the gate: counted until `fn` settles. The check and the
 * stamp happen synchronously before `fn` starts, so no change can land between them.
 */
export async function runPassed<T>(fn: () => Promise<T>): Promise<T> {
  const s = store();
  const pass = { epoch: s.epoch };
  s.passes.add(pass);
  try {
    return await fn();
  } finally {
    release(s, pass);
  }
}

/** Resolves once nothing that passed a gate before `epoch` is still running. */
export function drained(epoch: number): Promise<void> {
  const s = store();
  for (const p of s.passes) {
    if (p.epoch < epoch) {
      return new Promise((resolve) => s.waiters.push({ epoch, resolve }));
    }
  }
  return Promise.resolve();
}

/** Passes still running (for logs and tests). */
export const passesInFlight = () => store().passes.size;

/** Tests: forget everything (a fresh process's state). */
export function resetKillSwitchMemory() {
  const s = store();
  for (const w of s.waiters) w.resolve();
  holder.__tollgateKillSwitches = undefined;
}
