import { describe, expect, it, vi } from "vitest";
import { decidedText } from "./decisions";
import { inboxKeyAction, type TInboxKeyActions } from "./use-inbox-keys";

describe("inboxKeyAction", () => {
  const actions = () =>
    ({
      move: vi.fn(),
      select: vi.fn(),
      approve: vi.fn(),
      deny: vi.fn(),
      undo: vi.fn(),
    }) satisfies Required<TInboxKeyActions>;
  const press = (key: string, more: Partial<Parameters<typeof inboxKeyAction>[0]> = {}) => ({
    key,
    metaKey: false,
    ctrlKey: false,
    altKey: false,
    tagName: "BODY",
    ...more,
  });

  it.each<[string, keyof TInboxKeyActions, unknown[]]>([
    ["j", "move", [1]],
    ["ArrowDown", "move", [1]],
    ["k", "move", [-1]],
    ["ArrowUp", "move", [-1]],
    ["x", "select", []],
    ["a", "approve", []],
    ["d", "deny", []],
    ["u", "undo", []],
  ])("%s runs %s", (key, name, args) => {
    const a = actions();
    inboxKeyAction(press(key), a)?.();
    expect(a[name]).toHaveBeenCalledExactlyOnceWith(...args);
  });

  it.each([
    ["typed into a field", press("a", { tagName: "INPUT" })],
    ["typed into a text box", press("d", { tagName: "TEXTAREA" })],
    ["typed into a menu", press("j", { tagName: "SELECT" })],
    ["with ⌘ (a browser shortcut)", press("a", { metaKey: true })],
    ["with Ctrl", press("d", { ctrlKey: true })],
    ["with Alt", press("j", { altKey: true })],
    ["a key the inbox does not use", press("q")],
    ["a name from Object.prototype", press("toString")],
  ])("leaves a key %s to the browser", (_, p) => {
    expect(inboxKeyAction(p, actions())).toBeUndefined();
  });

  it("leaves a key to the browser when its action is not allowed now", () => {
    const a: TInboxKeyActions = { move: vi.fn() };
    for (const key of ["x", "a", "d", "u"]) expect(inboxKeyAction(press(key), a)).toBeUndefined();
  });
});

describe("decidedText", () => {
  const approve = { label: "Acme renewal", kind: "approve" as const };
  const execute = { label: "Acme renewal", kind: "execute" as const };
  it.each([
    [approve, { status: "approved" }, "Approved Acme renewal: queued for execution."],
    [execute, { status: "approved" }, "Executing draft Acme renewal."],
    [approve, { status: "denied" }, "Denied Acme renewal."],
    [execute, { status: "discarded" }, "Discarded draft Acme renewal."],
    [
      approve,
      { status: "pending_approval", approvals: 1, required: 2 },
      "Your approval of Acme renewal is recorded (1 of 2); it still needs more.",
    ],
    [
      execute,
      { status: "draft" },
      "Your approval of Acme renewal is recorded; it still needs more.",
    ],
  ])("%o answered %o reads %s", (q, answer, text) => {
    expect(decidedText(q, answer)).toBe(text);
  });
});
