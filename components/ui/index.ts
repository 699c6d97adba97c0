/**
 * The console's UI kit: every page and component builds on these, not on hand-written classes.
 * Colours come from the tokens in app/globals.css (`text-muted`, `bg-primary`, …), chosen once
 * for WCAG AA contrast. Client-only parts (tabs, dialog, toast) carry their own "use client".
 */
export { cx, variants } from "./cx";
export { Button, CloseButton, Spinner, buttonClass, type TButtonProps } from "./button";
export {
  Table,
  TableFrame,
  TableHeader,
  TableHead,
  SortableTableHead,
  TableBody,
  TableCell,
  TableEmpty,
} from "./table";
export { nextSort, ariaSort, sortRows, type TSort } from "./sort";
export { Field, Input, Select, Textarea, controlClass, fieldIds } from "./field";
export { ReasonField } from "./reason-field";
export { Alert, alertClass, alertRole, type TAlertTone } from "./alert";
export { Badge, BADGE_TONES, type TBadgeTone } from "./badge";
export { PageHeader, EmptyState, Card } from "./page";
export { Tabs, TabsList, TabsTrigger, TabsContent } from "./tabs";
export { Dialog, Drawer, DialogClose } from "./dialog";
export { ToastProvider, useToast } from "./toast";
export { useAction } from "./use-action";
export { useHydrated } from "./use-hydrated";
export { TOAST_LIMIT, TOAST_DURATION, type TToastInput } from "./toast-queue";
