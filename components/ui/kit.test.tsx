import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Alert, alertRole } from "./alert";
import { Button, buttonClass } from "./button";
import { cx, variants } from "./cx";
import { Field, Input, fieldIds } from "./field";
import { ReasonField } from "./reason-field";
import { SortableTableHead, TableEmpty } from "./table";

describe("cx and variants", () => {
  it("joins only the truthy parts", () => {
    expect(cx("a", false, null, undefined, 0, "", "b")).toBe("a b");
  });

  const pick = variants(
    "base",
    { tone: { x: "tx", y: "ty" }, size: { s: "ss", l: "sl" } },
    {
      tone: "x",
      size: "s",
    },
  );
  it.each([
    [{}, "base tx ss"],
    [{ tone: "y" as const }, "base ty ss"],
    [{ size: "l" as const, className: "extra" }, "base tx sl extra"],
  ])("%j → %s", (props, classes) => {
    expect(pick(props)).toBe(classes);
  });
});

describe("buttonClass", () => {
  it.each([
    ["primary", "bg-primary text-white"],
    ["secondary", "ring-slate-300"],
    ["danger", "bg-danger text-white"],
    ["danger-outline", "text-danger"],
    ["link", "text-link"],
  ] as const)("%s has its colours", (variant, classes) => {
    expect(buttonClass({ variant })).toContain(classes);
  });
  it("defaults to a small primary button", () => {
    expect(buttonClass()).toBe(buttonClass({ variant: "primary", size: "sm" }));
  });
  it("every variant has a visible keyboard focus", () => {
    for (const variant of ["primary", "secondary", "danger", "ghost", "link"] as const) {
      expect(buttonClass({ variant })).toContain("focus-visible:outline-focus");
    }
  });
});

describe("Button", () => {
  it("busy: disabled, aria-busy, a hidden spinner and the busy label", () => {
    const html = renderToStaticMarkup(
      <Button busy busyLabel="Saving…">
        Save
      </Button>,
    );
    expect(html).toMatch(/^<button type="button"[^>]* disabled="" aria-busy="true">/);
    expect(html).toContain('<svg aria-hidden="true"');
    expect(html).toContain("Saving…");
    expect(html).not.toContain(">Save<");
  });
  it("idle: enabled, no aria-busy, no spinner, a submit stays a submit", () => {
    const html = renderToStaticMarkup(<Button type="submit">Save</Button>);
    expect(html).toBe(`<button type="submit" class="${buttonClass()}">Save</button>`);
  });
  it("asChild renders the child (a link) with the button's classes", () => {
    const html = renderToStaticMarkup(
      <Button asChild variant="secondary">
        <a href="/x">Go</a>
      </Button>,
    );
    expect(html).toBe(`<a href="/x" class="${buttonClass({ variant: "secondary" })}">Go</a>`);
  });
});

describe("ReasonField", () => {
  it("is a labelled text box with the error under it", () => {
    const html = renderToStaticMarkup(
      <ReasonField id="why" value="ok" onChange={() => {}} error="Say why" hint="For the audit" />,
    );
    expect(html).toContain('<label for="why-control"');
    expect(html).toMatch(
      /<textarea[^>]* id="why-control" aria-describedby="why-error why-hint" aria-invalid="true"/,
    );
    expect(html).toContain(">Reason</label>");
    expect(html).toContain(
      '<p id="why-error" role="alert" class="text-xs text-danger">Say why</p>',
    );
  });
});

describe("Field", () => {
  it("references only the hint and error that are shown, the error first", () => {
    expect(fieldIds("f", { hint: false, error: false }).describedBy).toBeUndefined();
    expect(fieldIds("f", { hint: true, error: false }).describedBy).toBe("f-hint");
    expect(fieldIds("f", { hint: true, error: true }).describedBy).toBe("f-error f-hint");
  });

  it("wires label, control, hint and error together", () => {
    const html = renderToStaticMarkup(
      <Field id="r" label="Reason" hint="Say why" error="Too short">
        <Input />
      </Field>,
    );
    expect(html).toContain('<label for="r-control"');
    expect(html).toMatch(
      /<input[^>]* id="r-control" aria-describedby="r-error r-hint" aria-invalid="true"/,
    );
    expect(html).toContain('<p id="r-hint"');
    expect(html).toContain('<p id="r-error" role="alert"');
  });

  it("without an error the control is not invalid and names no error", () => {
    const html = renderToStaticMarkup(
      <Field id="r" label="Reason">
        <Input />
      </Field>,
    );
    expect(html).not.toContain("aria-invalid");
    expect(html).not.toContain("aria-describedby");
    expect(html).not.toContain('role="alert"');
  });

  it("a generated id is unique per field", () => {
    const html = renderToStaticMarkup(
      <div>
        <Field label="A">
          <Input />
        </Field>
        <Field label="B">
          <Input />
        </Field>
      </div>,
    );
    const ids = [...html.matchAll(/for="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids) expect(html).toContain(`id="${id}"`);
  });
});

describe("Alert", () => {
  it("only an error is an alert; the rest are polite status messages", () => {
    expect(alertRole("error")).toBe("alert");
    for (const tone of ["info", "success", "warning"] as const)
      expect(alertRole(tone)).toBe("status");
    expect(renderToStaticMarkup(<Alert tone="success">Saved</Alert>)).toMatch(
      /^<div role="status"/,
    );
  });
});

describe("table headers", () => {
  const head = (sort: Parameters<typeof SortableTableHead>[0]["sort"]) =>
    renderToStaticMarkup(
      <table>
        <thead>
          <tr>
            <SortableTableHead column="age" sort={sort} onSort={() => {}}>
              Age
            </SortableTableHead>
          </tr>
        </thead>
      </table>,
    );
  it("a sortable header is a button inside a th that carries aria-sort", () => {
    expect(head(null)).toMatch(
      /<th(?=[^>]*scope="col")(?=[^>]*aria-sort="none")[^>]*><button type="button"/,
    );
    expect(head({ key: "age", dir: "asc" })).toContain('aria-sort="ascending"');
    expect(head({ key: "age", dir: "desc" })).toContain('aria-sort="descending"');
    expect(head({ key: "name", dir: "asc" })).toContain('aria-sort="none"');
  });
  it("the empty row spans the table", () => {
    const html = renderToStaticMarkup(
      <table>
        <tbody>
          <TableEmpty colSpan={4}>Nothing yet</TableEmpty>
        </tbody>
      </table>,
    );
    expect(html).toContain('<td colSpan="4"');
  });
});
