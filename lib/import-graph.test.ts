import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The import graph of the app's own code, read with the TypeScript compiler's resolver (the
// `@/` paths included). Type-only imports count: the circles this keeps out were made of them.

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCE = /^(lib|components|app)\/.*\.tsx?$/;

type TGraph = Map<string, string[]>;

function importGraph(): TGraph {
  const { config } = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const { options, fileNames } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const graph: TGraph = new Map();
  for (const file of fileNames) {
    const name = path.relative(ROOT, file);
    if (!SOURCE.test(name) || /\.test\.tsx?$/.test(name) || name.startsWith("lib/generated/"))
      continue;
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
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
});
