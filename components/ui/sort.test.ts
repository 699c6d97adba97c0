import { describe, expect, it } from "vitest";
import { ariaSort, nextSort, sortRows, type TSort } from "./sort";

describe("nextSort", () => {
  it.each<[TSort, string, TSort]>([
    [null, "a", { key: "a", dir: "asc" }],
    [{ key: "a", dir: "asc" }, "a", { key: "a", dir: "desc" }],
    [{ key: "a", dir: "desc" }, "a", null],
    [{ key: "a", dir: "desc" }, "b", { key: "b", dir: "asc" }],
    [{ key: "a", dir: "asc" }, "b", { key: "b", dir: "asc" }],
  ])("%j, click %s → %j", (current, key, next) => {
    expect(nextSort(current, key)).toEqual(next);
  });

  it("three clicks on one column come back to the original order", () => {
    let s: TSort = null;
    for (let i = 0; i < 3; i++) s = nextSort(s, "a");
    expect(s).toBeNull();
  });
});

describe("ariaSort", () => {
  it("only the sorted column says a direction", () => {
    expect(ariaSort({ key: "a", dir: "asc" }, "a")).toBe("ascending");
    expect(ariaSort({ key: "a", dir: "desc" }, "a")).toBe("descending");
    expect(ariaSort({ key: "a", dir: "asc" }, "b")).toBe("none");
    expect(ariaSort(null, "a")).toBe("none");
  });
});

describe("sortRows", () => {
  const rows = [
    { n: "b", v: 10 as number | null, d: new Date("2026-01-02") },
    { n: "a", v: null, d: new Date("2026-01-03") },
    { n: "c", v: 2, d: new Date("2026-01-01") },
    { n: "d", v: 10, d: new Date("2026-01-04") },
  ];
  const value = (r: (typeof rows)[number], k: "n" | "v" | "d") => r[k];
  const names = (s: TSort<"n" | "v" | "d">) => sortRows(rows, s, value).map((r) => r.n);

  it("keeps the input order without a sort, and never mutates the input", () => {
    expect(names(null)).toEqual(["b", "a", "c", "d"]);
    names({ key: "n", dir: "desc" });
    expect(rows.map((r) => r.n)).toEqual(["b", "a", "c", "d"]);
  });
  it("sorts numbers as numbers, ties stable, blanks last both ways", () => {
    expect(names({ key: "v", dir: "asc" })).toEqual(["c", "b", "d", "a"]);
    expect(names({ key: "v", dir: "desc" })).toEqual(["b", "d", "c", "a"]);
  });
  it("sorts dates by time and text naturally", () => {
    expect(names({ key: "d", dir: "asc" })).toEqual(["c", "b", "a", "d"]);
    expect(sortRows(["item 10", "item 9"], { key: "x", dir: "asc" }, (r) => r)).toEqual([
      "item 9",
      "item 10",
    ]);
  });
});
