import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) this reads. */
export type TCpuProfile = {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
};

type TFrame = TCpuProfile["nodes"][number]["callFrame"];
type TTree = { label: string; file: string; samples: number; children: Map<string, TTree> };

/**
 * Names a frame after its source: a bundled chunk (next build minifies the server) is looked up
 * in the chunk's source map, and the function is named from the original line when the minified
 * name says nothing.
 */
function frameNamer(root: string) {
  const maps = new Map<string, { map: SourceMap; dir: string } | null>();
  const mapFor = (file: string) => {
    if (!maps.has(file)) {
      let entry: { map: SourceMap; dir: string } | null = null;
      try {
        const payload = JSON.parse(fs.readFileSync(`${file}.map`, "utf8"));
        entry = { map: new SourceMap(payload), dir: path.dirname(file) };
      } catch {
        entry = null;
      }
      maps.set(file, entry);
    }
    return maps.get(file)!;
  };
  const rel = (p: string) => {
    const r = path.relative(root, p);
    return r.startsWith("..") ? p : r;
  };
  return (f: TFrame): { label: string; file: string } => {
    const fallback = f.functionName || "(anonymous)";
    if (!f.url) return { label: fallback, file: "" };
    if (f.url.startsWith("node:")) return { label: `${fallback} ${f.url}`, file: f.url };
    const file = f.url.startsWith("file://") ? fileURLToPath(f.url) : f.url;
    const m = f.lineNumber >= 0 ? mapFor(file) : null;
    const e = m?.map.findEntry(f.lineNumber, f.columnNumber);
    if (m && e && "originalSource" in e && e.originalSource) {
      const source = e.originalSource.replace(/^\[project\]\//, "");
      const abs = source.startsWith("file://")
        ? fileURLToPath(source)
        : path.resolve(m.dir, source.replace(/^webpack:\/\/[^/]*\//, ""));
      const origFile = rel(abs);
      const name =
        originalName(m.map, e.originalSource, e.originalLine) ??
        (e as { name?: string }).name ??
        fallback;
      return { label: `${name} ${origFile}:${e.originalLine + 1}`, file: origFile };
    }
    const shown = rel(file);
    return {
      label: `${fallback} ${shown}:${f.lineNumber + 1}`,
      file: shown,
    };
  };
}

/** The function a source line declares, when it plainly declares one. */
function originalName(map: SourceMap, source: string, line: number): string | null {
  const payload = map.payload as { sources: string[]; sourcesContent?: (string | null)[] };
  const i = payload.sources.indexOf(source);
  const text = payload.sourcesContent?.[i]?.split("\n")[line];
  if (!text) return null;
  const m =
    /\bfunction\*?\s+([\w$]+)/.exec(text) ??
    /\b(?:const|let|var)\s+([\w$]+)\s*=\s*(?:async\b|\(|[\w$]+\s*=>|function)/.exec(text) ??
    /^\s*(?:(?:public|private|protected|static|async|get|set)\s+)*([\w$]+)\s*(?:<[^>]*>)?\(/.exec(
      text,
    ) ??
    /^\s*([\w$]+)\s*:\s*(?:async\s*)?(?:\(|function)/.exec(text);
  return m && !["if", "for", "while", "switch", "catch", "return"].includes(m[1]) ? m[1] : null;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function colour(t: TTree): string {
  const h = [...t.label].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
  const v = (n: number) => n + (h % 40);
  if (t.label.startsWith("(")) return `rgb(${v(170)},${v(170)},${v(170)})`; // idle, GC, program
  if (/^(lib|app|components)\//.test(t.file)) return `rgb(240,${v(100)},${v(40)})`; // ours
  if (t.file.startsWith("node:")) return `rgb(${v(90)},${v(150)},230)`; // Node's own
  return `rgb(230,${v(180)},${v(50)})`; // node_modules (Next, Prisma, pg …)
}

/**
 * A flame graph (SVG, hover a box for its name and share) of the samples taken between `from`
 * and `to` (microseconds on the profile's clock — process.hrtime), and the frames with the most
 * self time as text.
 */
export function flameGraph(
  profile: TCpuProfile,
  opts: { title: string; from?: number; to?: number; root?: string; top?: number },
): { svg: string; top: string; samples: number } {
  const nameOf = frameNamer(opts.root ?? process.cwd());
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if ((opts.from !== undefined && t < opts.from) || (opts.to !== undefined && t > opts.to))
      continue;
    hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + 1);
  }

  const labels = new Map<number, { label: string; file: string }>();
  const named = (id: number) => {
    if (!labels.has(id)) labels.set(id, nameOf(byId.get(id)!.callFrame));
    return labels.get(id)!;
  };
  const tree: TTree = { label: "all", file: "", samples: 0, children: new Map() };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idle = 0;
  for (const [id, n] of hits) {
    const stack: number[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur)!.callFrame.functionName !== "(root)") stack.unshift(cur);
    }
    tree.samples += n;
    let node = tree;
    const seen = new Set<string>();
    for (const sid of stack) {
      const { label, file } = named(sid);
      let child = node.children.get(label);
      if (!child)
        node.children.set(label, (child = { label, file, samples: 0, children: new Map() }));
      child.samples += n;
      node = child;
      if (!seen.has(label)) inclusive.set(label, (inclusive.get(label) ?? 0) + n);
      seen.add(label);
    }
    self.set(node.label, (self.get(node.label) ?? 0) + n);
    if (node.label === "(idle)") idle += n;
  }

  // layout: the root at the bottom, each caller under its callees, widths by samples
  const W = 1600;
  const H = 16;
  const pad = 30;
  let depth = 0;
  const walkDepth = (n: TTree, d: number) => {
    depth = Math.max(depth, d);
    for (const c of n.children.values()) walkDepth(c, d + 1);
  };
  walkDepth(tree, 0);
  const height = (depth + 1) * H + pad * 2;
  const rects: string[] = [];
  const draw = (n: TTree, x: number, d: number) => {
    const w = (n.samples / Math.max(1, tree.samples)) * (W - 20);
    if (w < 0.3) return;
    const y = height - pad - (d + 1) * H;
    const pctAll = ((n.samples / tree.samples) * 100).toFixed(2);
    const fits = Math.floor((w - 4) / 6.5);
    const text =
      fits >= 3 ? (n.label.length > fits ? n.label.slice(0, fits - 1) + "…" : n.label) : "";
    rects.push(
      `<g><title>${esc(n.label)} — ${n.samples} samples, ${pctAll}%</title>` +
        `<rect x="${(10 + x).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${H - 1}" fill="${colour(n)}" rx="2"/>` +
        (text ? `<text x="${(13 + x).toFixed(1)}" y="${y + 11.5}">${esc(text)}</text>` : "") +
        `</g>`,
    );
    let cx = x;
    for (const c of [...n.children.values()].sort((a, b) => a.label.localeCompare(b.label))) {
      draw(c, cx, d + 1);
      cx += (c.samples / tree.samples) * (W - 20);
    }
  };
  draw(tree, 0, 0);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="monospace" font-size="11">` +
    `<rect width="100%" height="100%" fill="#fcfcf6"/>` +
    `<text x="10" y="20" font-size="14">${esc(opts.title)} — ${tree.samples} samples, idle ${((idle / Math.max(1, tree.samples)) * 100).toFixed(0)}%</text>` +
    rects.join("") +
    `<text x="10" y="${height - 8}" fill="#555">orange: app code (lib/, app/) · yellow: node_modules · blue: Node · grey: idle/GC/program. Hover a box for its name and share.</text>` +
    `</svg>`;

  const busy = Math.max(1, tree.samples - idle);
  const n = opts.top ?? 30;
  const row = (label: string, s: number) =>
    `${String(s).padStart(7)}  ${((s / busy) * 100).toFixed(1).padStart(5)}%  ${label}`;
  const top = [
    `${opts.title}`,
    `${tree.samples} samples, ${idle} idle (${((idle / Math.max(1, tree.samples)) * 100).toFixed(1)}%); shares below are of the ${busy} busy samples`,
    "",
    `top ${n} frames by self time:`,
    ...[...self]
      .filter(([l]) => l !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([l, s]) => row(l, s)),
    "",
    `top ${n} frames by total time (self + callees):`,
    ...[...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([l, s]) => row(l, s)),
    "",
    `top ${n} app frames (lib/, app/) by total time (self + callees):`,
    ...[...inclusive]
      .filter(([l]) => / (lib|app)\//.test(l))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([l, s]) => row(l, s)),
  ].join("\n");
  return { svg, top, samples: tree.samples };
}
