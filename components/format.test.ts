import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatTime } from "./format";

describe("formatTime", () => {
  it.each([
    ["2026-12-02T14:05:59.999Z", "2026-12-02 14:05 UTC"],
    ["2026-12-02T23:30:00+02:00", "2026-12-02 21:30 UTC"],
    [new Date(Date.UTC(2026, 0, 9, 3, 4)), "2026-01-09 03:04 UTC"],
    [null, "—"],
    [undefined, "—"],
    ["", "—"],
    ["not a date", "—"],
  ])("%s → %s", (input, expected) => {
    expect(formatTime(input)).toBe(expected);
  });
});

/** Source files under components/ and app/ (pages, components), except this formatter. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

// a time turned into text some other way: a locale string, a sliced ISO string, Intl, …
const OTHER_FORMATTERS = [
  /\.toLocale(?:Date|Time)String\(/,
  /(?:At|Until|Date|date|time|Time|\))\.toLocaleString\(/,
  /\.toISOString\(\)\s*\.\s*(?:slice|substring|substr|replace|split)\(/,
  /\.to(?:UTC|GMT|Date|Time)String\(/,
  /Intl\.DateTimeFormat/,
  /\.get(?:UTC)?(?:Hours|Minutes|FullYear|Month)\(\)/,
];

describe("every time in the console goes through formatTime", () => {
  const root = path.resolve(import.meta.dirname, "..");
  const files = [...sources(path.join(root, "components")), ...sources(path.join(root, "app"))]
    .filter((f) => !f.endsWith(path.join("components", "format.ts")))
    // API routes answer JSON with ISO times; only what people read is checked
    .filter((f) => !f.includes(`${path.sep}api${path.sep}`));

  it("finds the pages and components", () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it("no page or component formats a time itself", () => {
    const found: string[] = [];
    for (const f of files) {
      fs.readFileSync(f, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (OTHER_FORMATTERS.some((re) => re.test(line))) {
            found.push(`${path.relative(root, f)}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    expect(found).toEqual([]);
  });
});
