import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { TAgentHandlerSource } from "@/lib/http/agent-door";
import { AGENT_ROUTES, type TAgentRoute, type TAgentRouteHandler } from "@/lib/http/agent-paths";

type TCompiledRoute = {
  routeModule?: {
    ensureUserland?: () => Promise<void>;
    userland?: Record<string, unknown>;
  };
};

/**
 * The agent API's handlers as Next's build compiled them (.next/server/app/api/agent/v1/…/
 * route.js), for the production server's door (scripts/serve.ts). Node's `require` returns the
 * very module objects Next itself loads for those routes (Next requires the same files, and
 * Turbopack's runtime keeps one module instance per module of a layer), so the door's handlers
 * and the console's route handlers share one copy of lib/: one Prisma client and pool, one set of
 * caches, one view of the kill switches. Call after `app.prepare()`. Throws when the build lacks
 * a route or a method (a build older than the sources: `next build`).
 */
export async function compiledAgentRoutes(distDir: string): Promise<TAgentHandlerSource> {
  const serverDir = path.join(distDir, "server");
  const manifest = JSON.parse(
    fs.readFileSync(path.join(serverDir, "app-paths-manifest.json"), "utf8"),
  ) as Record<string, string>;
  const load = requireFromBuild(distDir);
  const handlers = new Map<TAgentRoute, Record<string, TAgentRouteHandler>>();
  for (const [route, methods] of Object.entries(AGENT_ROUTES) as [
    TAgentRoute,
    readonly string[],
  ][]) {
    const file = manifest[`${route}/route`];
    if (!file) throw new Error(`the build has no route ${route} (run next build)`);
    // a route module with top-level await (here: its lib/ imports) is a promise of the module
    const compiled = (await load(path.join(serverDir, file))) as TCompiledRoute;
    const routeModule = compiled.routeModule;
    if (!routeModule?.ensureUserland) {
      throw new Error(`${file} is not an app route module of this Next version`);
    }
    await routeModule.ensureUserland();
    const userland = routeModule.userland ?? {};
    const byMethod: Record<string, TAgentRouteHandler> = {};
    for (const method of methods) {
      const handler = userland[method];
      if (typeof handler !== "function") {
        throw new Error(`the build's ${route} has no ${method} handler (run next build)`);
      }
      byMethod[method] = handler as TAgentRouteHandler;
    }
    handlers.set(route, byMethod);
  }
  return (route, method) => handlers.get(route)?.[method];
}

/** `require` relative to the build's server folder (.next/server), as Next resolves its files. */
export function requireFromBuild(distDir: string): NodeJS.Require {
  return createRequire(path.join(distDir, "server", "noop.js"));
}
