import fs from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The boundaries of the app's own code. The import graph is read with the TypeScript compiler's
// resolver (the `@/` paths included); type-only imports count: the circles this keeps out were
// made of them. The lint rules are run on fixtures, so a rule that stops biting fails here.

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCE = /^(lib|components|app)\/.*\.tsx?$/;

type TGraph = Map<string, string[]>;

/** Each file's bare specifiers (packages), beside the graph of its own imports. */
const packagesOf = new Map<string, string[]>();

function importGraph(): TGraph {
  const { config } = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const { options, fileNames } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const graph: TGraph = new Map();
  for (const file of fileNames) {
    const name = path.relative(ROOT, file);
    if (!SOURCE.test(name) || /\.test\.tsx?$/.test(name) || name.startsWith("lib/generated/"))
      continue;
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    packagesOf.set(
      name,
      importedFiles.map((i) => i.fileName).filter((f) => !f.startsWith(".") && !f.startsWith("@/")),
    );
    graph.set(
      name,
      importedFiles.flatMap(({ fileName }) => {
        const r = ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule;
        return r && !r.isExternalLibraryImport ? [path.relative(ROOT, r.resolvedFileName)] : [];
      }),
    );
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself. */
function findCycles(graph: TGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The first import chain from a file under `from` to a file under `to`, or null. */
function importPath(graph: TGraph, from: string, to: string): string[] | null {
  for (const start of [...graph.keys()].filter((f) => f.startsWith(from))) {
    const parent = new Map<string, string | null>([[start, null]]);
    const queue = [start];
    while (queue.length) {
      const v = queue.shift()!;
      if (v.startsWith(to)) {
        const chain = [v];
        for (let p = parent.get(v); p; p = parent.get(p)) chain.unshift(p);
        return chain;
      }
      for (const w of graph.get(v) ?? []) {
        if (!parent.has(w)) {
          parent.set(w, v);
          queue.push(w);
        }
      }
    }
  }
  return null;
}

describe("the cycle finder", () => {
  const g: TGraph = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a"]],
    ["d", ["d", "a"]],
    ["e", ["a"]],
  ]);
  it("finds a circle of any length and a file importing itself", () => {
    expect(findCycles(g)).toEqual([["a", "b", "c"], ["d"]]);
  });
  it("finds a path through the graph", () => {
    expect(importPath(g, "e", "c")).toEqual(["e", "a", "b", "c"]);
    expect(importPath(g, "a", "e")).toBeNull();
  });
});

describe("the app's imports", () => {
  const graph = importGraph();

  it("reads the whole tree", () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get("lib/execution/execute.ts")).toContain("lib/execution/claim.ts");
  });

  it("have no circles in lib/, components/ and app/", () => {
    expect(findCycles(graph)).toEqual([]);
  });

  // lower layers never reach the ones built on them, not even through a third module
  it.each([
    ["lib/action-requests/", "lib/webhooks/"],
    ["lib/action-requests/", "lib/agent-api/"],
    ["lib/action-requests/", "lib/execution/"],
    ["lib/webhooks/", "lib/execution/"],
    ["lib/webhooks/", "lib/agent-api/"],
    ["lib/", "components/"],
    ["lib/", "app/"],
    ["components/", "app/"],
  ])("%s does not reach %s", (from, to) => {
    expect(importPath(graph, from, to)).toBeNull();
  });

  // the lint rule reads static imports only; this also sees import() and require()
  it("leave lib/db to services: no page, route or component imports it", () => {
    const direct = [...graph].filter(
      ([f, imports]) =>
        /^(app|components)\//.test(f) && imports.some((i) => i.startsWith("lib/db/")),
    );
    expect(direct.map(([f]) => f)).toEqual([]);
  });

  it('mark every module that touches the database "server-only"', () => {
    // the Prisma CLI loads this one through prisma.config.ts, in a process of its own
    const cliOnly = "lib/db/name-type-safe-pool.ts";
    const touching = [...graph].filter(
      ([f, imports]) =>
        f !== cliOnly && (f.startsWith("lib/db/") || imports.includes("lib/db/index.ts")),
    );
    expect(touching.length).toBeGreaterThan(40);
    const unmarked = touching.filter(([f]) => !packagesOf.get(f)!.includes("server-only"));
    expect(unmarked.map(([f]) => f)).toEqual([]);
  });
});

describe("the lint rule on lib/db", () => {
  const eslint = new ESLint({ cwd: ROOT });
  const restricted = async (text: string, filePath: string) =>
    (await eslint.lintText(text, { filePath: path.join(ROOT, filePath) }))
      .flatMap((r) => r.messages)
      .filter((m) => m.ruleId === "no-restricted-imports")
      .map((m) => m.message);

  it.each([
    ['import { db } from "@/lib/db";', "components/fixture.tsx"],
    ['import { db } from "@/lib/db";', "app/(console)/fixture/page.tsx"],
    ['import { runtimePoolConfig } from "@/lib/db/pool";', "app/api/internal/fixture/route.ts"],
    ['import { db } from "../lib/db";', "components/fixture.tsx"],
    ['import type { Tx } from "@/lib/db";', "components/inbox/fixture.tsx"],
    ['import { Prisma } from "@/lib/generated/prisma/client";', "app/fixture/page.tsx"],
  ])("refuses %s in %s", async (text, file) => {
    expect(await restricted(text, file)).toEqual([
      expect.stringContaining("Go through a service in lib/<domain>"),
    ]);
  });

  it("lets a service import it", async () => {
    expect(await restricted('import { db } from "@/lib/db";', "lib/agents/fixture.ts")).toEqual([]);
  });

  it("lets a page import a service", async () => {
    expect(
      await restricted('import { listAgents } from "@/lib/agents";', "app/(console)/x/page.tsx"),
    ).toEqual([]);
  });
});
