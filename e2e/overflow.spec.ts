import { expect, test, type Page } from "@playwright/test";
import { openScreen, SCREENS } from "./console-pages";

/**
 * Every screen of the console at the two widths people use it at: the page never scrolls
 * sideways, and no element reaches past the window, spills out of a drawn box (a card's border
 * or background), or is cut off by a box that hides overflow (an ellipsis is fine only inside a link or button, whose target shows the
 * text whole). Only a table may be wider than its place, and then it scrolls inside its own
 * wrapper (the kit's table), which itself stays in the window.
 * OVERFLOW_SCREENSHOTS=<dir> also saves a full-page screenshot of each screen there.
 */
const WIDTHS = [1024, 1440];

async function overflowProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const vw = window.innerWidth;
    const problems: string[] = [];
    const scroller = document.scrollingElement ?? document.documentElement;
    if (scroller.scrollWidth > vw) {
      problems.push(`the page scrolls sideways (${scroller.scrollWidth} > ${vw} px)`);
    }

    /** A readable name: the element and two ancestors, with id, test id, label and some text. */
    const describe = (el: Element): string => {
      const one = (e: Element) => {
        let s = e.tagName.toLowerCase();
        if (e.id) s += `#${e.id}`;
        const testId = e.getAttribute("data-testid");
        if (testId) s += `[data-testid=${testId}]`;
        const label = e.getAttribute("aria-label");
        if (label) s += `[aria-label="${label}"]`;
        const cls = (e.getAttribute("class") ?? "").split(/\s+/).filter(Boolean).slice(0, 4);
        if (cls.length) s += `.${cls.join(".")}`;
        return s;
      };
      const path = [el.parentElement?.parentElement, el.parentElement, el]
        .filter((e): e is Element => !!e && e !== document.body)
        .map(one)
        .join(" > ");
      const text = (el.textContent ?? "").replace(/\s+/g, " ").trim().slice(0, 50);
      return text ? `${path} ("${text}")` : path;
    };
    const overflowX = (e: Element) => getComputedStyle(e).overflowX;
    const scrolls = (e: Element) => ["auto", "scroll"].includes(overflowX(e));
    const clips = (e: Element) => ["hidden", "clip"].includes(overflowX(e));
    // an ellipsis in a link or a button is a label for what it opens, which shows it whole
    const labelsOpener = (e: Element) =>
      getComputedStyle(e).textOverflow === "ellipsis" && !!e.closest("a, button");

    // a box people see the edges of: a border, a background, a ring (box-shadow)
    const drawn = (st: CSSStyleDeclaration) =>
      parseFloat(st.borderLeftWidth) + parseFloat(st.borderRightWidth) > 0 ||
      st.backgroundColor !== "rgba(0, 0, 0, 0)" ||
      st.boxShadow !== "none";
    // form controls and media measure their own inner parts
    const CONTROLS = new Set(["INPUT", "SELECT", "TEXTAREA", "IMG", "svg", "VIDEO", "IFRAME"]);

    // boxes whose content may be wider than they are: each table's own scroll wrapper, and
    // (added below) ellipsis labels in links and buttons
    const holders: Element[] = [];
    for (const table of document.querySelectorAll("table")) {
      for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
        if (scrolls(el)) {
          holders.push(el);
          break;
        }
      }
    }

    const offenders: Element[] = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (offenders.some((o) => o.contains(el))) continue; // name the outermost only
      if (holders.some((h) => h !== el && h.contains(el))) continue;
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden") continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // visually hidden text (sr-only) is a 1px clipped box
      if (style.position === "absolute" && r.width <= 1 && r.height <= 1) continue;
      const px = (n: number) => Math.round(n);
      if (r.right > vw + 0.5 || r.left < -0.5) {
        offenders.push(el);
        problems.push(
          `${describe(el)} spans ${px(r.left)}–${px(r.right)} px, past the ${vw} px window`,
        );
        continue;
      }
      if (clips(el) && labelsOpener(el)) {
        holders.push(el);
        continue;
      }
      if (el.scrollWidth <= el.clientWidth + 1 || CONTROLS.has(el.tagName)) continue;
      // a box that hides overflow holding more than it shows: its content is cut off
      if (clips(el)) {
        offenders.push(el);
        problems.push(
          `${describe(el)} cuts off its own content (${el.scrollWidth} px in ${el.clientWidth} px)`,
        );
      } else if (drawn(style)) {
        // a card, a band, a bordered box: what spills past its edge shows outside it
        const widest = [...el.querySelectorAll("*")].reduce<Element | null>(
          (w, c) =>
            c.getBoundingClientRect().right > (w?.getBoundingClientRect().right ?? r.right) ? c : w,
          null,
        );
        offenders.push(el);
        problems.push(
          `${describe(el)} holds more than it is wide (${el.scrollWidth} px in ${el.clientWidth} px)${widest ? `: ${describe(widest)} spills past its edge` : ""}`,
        );
      }
    }
    return problems;
  });
}

for (const screen of SCREENS) {
  test(`no overflow at ${WIDTHS.join(" and ")} px: ${screen.name}${screen.user ? ` (as ${screen.user})` : ""}`, async ({
    page,
  }) => {
    await page.setViewportSize({ width: WIDTHS[WIDTHS.length - 1]!, height: 900 });
    await openScreen(page, screen);
    for (const width of [...WIDTHS].reverse()) {
      await page.setViewportSize({ width, height: width === 1024 ? 768 : 900 });
      // let the layout settle at the new width
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done(null))));
      expect.soft(await overflowProblems(page), `${screen.name} at ${width} px`).toEqual([]);
      const dir = process.env.OVERFLOW_SCREENSHOTS;
      if (dir) {
        const file = `${screen.name.replace(/[^a-z0-9]+/gi, "_")}-${width}.png`;
        await page.screenshot({ path: `${dir}/${file}`, fullPage: true });
      }
    }
  });
}

test("the check names what overflows and leaves a table's own scroll alone", async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await openScreen(
    page,
    SCREENS.find((s) => s.route === "/login")!,
  );
  await page.evaluate(() => {
    document.body.insertAdjacentHTML(
      "beforeend",
      `<div id="too-wide" style="width:1400px">wide</div>
       <dl><dd id="cut" style="width:60px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">integration@tollgate.sandbox</dd></dl>
       <div id="box" style="width:300px;overflow:hidden"><span id="clipped" style="display:inline-block;width:600px">clipped</span></div>
       <div id="card" style="width:200px;border:1px solid #999"><button id="spill" style="width:300px">spills</button></div>
       <div style="overflow-x:auto;max-width:500px"><table style="min-width:3000px"><tr><td id="in-table">wide table</td></tr></table></div>
       <button style="width:60px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">A long label</button>`,
    );
  });
  const problems = (await overflowProblems(page)).join("\n");
  expect(problems).toContain("the page scrolls sideways");
  expect(problems).toMatch(/div#too-wide .* past the 1024 px window/);
  expect(problems).toMatch(/dd#cut .* cuts off its own content/);
  expect(problems).toMatch(/div#box .* cuts off its own content \(600 px in 300 px\)/);
  expect(problems).toMatch(/div#card .* holds more than it is wide .*button#spill .* spills past/);
  expect(problems).not.toContain("in-table");
  expect(problems).not.toContain("A long label");
});
