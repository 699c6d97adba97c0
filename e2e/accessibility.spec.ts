import { AxeBuilder } from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { openScreen, pageRoutes, REDIRECT_ONLY, SCREENS } from "./console-pages";

/**
 * axe-core over every screen of the console (signed in where the screen needs it): no WCAG 2.0 /
 * 2.1 A or AA violation. A failure lists each violation with the elements it found and, for
 * contrast, the colours and ratio, so it can be fixed without rerunning axe by hand.
 */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

type TAxeNode = {
  target: unknown[];
  any: { id: string; data?: unknown }[];
  all: { id: string; data?: unknown }[];
  none: { id: string; data?: unknown }[];
  failureSummary?: string;
};
type TAxeViolation = { id: string; impact?: string | null; help: string; nodes: TAxeNode[] };

/** What made the check fail on one element: for contrast, the colours and the ratio asked for. */
function why(node: TAxeNode): string {
  for (const check of [...node.any, ...node.all, ...node.none]) {
    const d = check.data as
      | {
          fgColor?: string;
          bgColor?: string;
          contrastRatio?: number;
          expectedContrastRatio?: string;
          fontSize?: string;
          fontWeight?: string;
          messageKey?: string;
        }
      | undefined;
    if (d && d.fgColor) {
      return `${d.fgColor} on ${d.bgColor}: ${d.contrastRatio} < ${d.expectedContrastRatio} (${d.fontSize} ${d.fontWeight})`;
    }
    if (d && d.messageKey) return d.messageKey;
  }
  return (node.failureSummary ?? "").replace(/\s+/g, " ").trim();
}

function describeViolations(violations: TAxeViolation[]): string[] {
  return violations.flatMap((v) => [
    `${v.id} (${v.impact ?? "?"}): ${v.help}`,
    ...v.nodes.map((n) => `  ${n.target.map(String).join(" >>> ")} — ${why(n)}`),
  ]);
}

test("every page file has a screen in the accessibility and overflow passes", () => {
  const covered = new Set(SCREENS.map((s) => s.route));
  const missing = pageRoutes().filter((r) => !covered.has(r) && !REDIRECT_ONLY.includes(r));
  expect(missing, "pages with no entry in e2e/console-pages.ts").toEqual([]);
});

for (const screen of SCREENS) {
  test(`axe: ${screen.name}${screen.user ? ` (as ${screen.user})` : ""}`, async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await openScreen(page, screen);
    const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    const found = describeViolations(results.violations as TAxeViolation[]);
    expect(found, `WCAG A/AA violations on ${screen.name} (${page.url()})`).toEqual([]);
  });
}

test("a violation is reported with its element and colours", async ({ page }) => {
  await openScreen(
    page,
    SCREENS.find((s) => s.route === "/login")!,
  );
  await page.evaluate(() => {
    document
      .querySelector("main")!
      .insertAdjacentHTML(
        "beforeend",
        `<p id="faint" style="color:#aaaaaa;background:#ffffff">faint text</p>`,
      );
  });
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const found = describeViolations(results.violations as TAxeViolation[]).join("\n");
  expect(found).toContain("color-contrast (serious)");
  expect(found).toMatch(/#faint — #aaaaaa on #ffffff: 2\.\d+ < 4\.5:1/);
});
