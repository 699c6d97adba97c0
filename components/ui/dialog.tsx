"use client";

import * as DialogPrimitive from "@radix-ui/react-dialog";
import { CloseButton } from "./button";
import { cx } from "./cx";

type TDialogProps = {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** the dialog's accessible name (`aria-labelledby`) */
  title: React.ReactNode;
  /** read with the title (`aria-describedby`); leave out only when the body says nothing more */
  description?: React.ReactNode;
  /** buttons under the body, right-aligned */
  footer?: React.ReactNode;
  /** `alertdialog` for a confirmation that interrupts (a destructive step) */
  role?: "dialog" | "alertdialog";
  /** `wide` for a dialog holding a table (a className cannot widen it: both widths would apply) */
  size?: "default" | "wide";
  className?: string;
  children?: React.ReactNode;
};

function Frame({ props, contentClass }: { props: TDialogProps; contentClass: string }) {
  return (
    <DialogPrimitive.Root open={props.open} onOpenChange={props.onOpenChange}>
      <DialogPrimitive.Portal>
        <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <DialogPrimitive.Content
          role={props.role ?? "dialog"}
          // without a description Radix would still point aria-describedby at nothing
          {...(props.description ? {} : { "aria-describedby": undefined })}
          className={cx(
            "fixed z-50 bg-white shadow-xl focus:outline-none",
            contentClass,
            props.className,
          )}
        >
          <DialogPrimitive.Title className="text-base font-semibold">
            {props.title}
          </DialogPrimitive.Title>
          {props.description && (
            <DialogPrimitive.Description className="mt-1 text-sm text-muted">
              {props.description}
            </DialogPrimitive.Description>
          )}
          <div className="mt-4 min-h-0 flex-1 text-sm">{props.children}</div>
          {props.footer && <div className="mt-5 flex justify-end gap-2">{props.footer}</div>}
          <DialogPrimitive.Close asChild>
            <CloseButton label="Close" className="absolute right-3 top-3" />
          </DialogPrimitive.Close>
        </DialogPrimitive.Content>
      </DialogPrimitive.Portal>
    </DialogPrimitive.Root>
  );
}

/** A centred modal: focus is trapped inside, Escape and the close button dismiss it. */
export function Dialog(props: TDialogProps) {
  return (
    <Frame
      props={props}
      contentClass={cx(
        "left-1/2 top-1/2 max-h-[85vh] w-[calc(100vw-2rem)] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-xl p-6",
        props.size === "wide" ? "max-w-3xl" : "max-w-lg",
      )}
    />
  );
}

/** The same modal as a panel from the right edge, for a record's details beside its list. */
export function Drawer(props: TDialogProps) {
  return (
    <Frame
      props={props}
      contentClass="inset-y-0 right-0 flex w-full max-w-xl flex-col overflow-y-auto border-l border-line p-6"
    />
  );
}

/** Closes the surrounding dialog or drawer (wrap a Button with `asChild`). */
export const DialogClose = DialogPrimitive.Close;
