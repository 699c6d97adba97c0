import path from "node:path";

/**
 * Node's flags for a TypeScript entry point, as package.json's scripts run them: tsx, and the
 * `server-only` marker answered outside Next (outside-next.cjs). Children spawned by tests and
 * benches use these so they load lib/ exactly as `npm start` does.
 */
export const NODE_TS = [
  "--require",
  path.join(process.cwd(), "scripts", "lib", "outside-next.cjs"),
  "--import",
  "tsx",
];
