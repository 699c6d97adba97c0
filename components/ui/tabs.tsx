"use client";

import * as TabsPrimitive from "@radix-ui/react-tabs";
import { cx } from "./cx";

/**
 * Radix tabs (roving focus, arrow keys, `aria-controls` between tab and panel) with the console's
 * look. For tabs that change the URL (each tab a page), use links in a `nav`, not these.
 */
export const Tabs = TabsPrimitive.Root;

export function TabsList({ className, ...props }: TabsPrimitive.TabsListProps) {
  return (
    <TabsPrimitive.List
      className={cx("mb-4 flex gap-1 border-b border-line", className)}
      {...props}
    />
  );
}

export function TabsTrigger({ className, ...props }: TabsPrimitive.TabsTriggerProps) {
  return (
    <TabsPrimitive.Trigger
      className={cx(
        "-mb-px border-b-2 border-transparent px-3 py-2 text-sm font-medium text-muted hover:text-fg focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-focus data-[state=active]:border-primary data-[state=active]:text-fg",
        className,
      )}
      {...props}
    />
  );
}

export function TabsContent({ className, ...props }: TabsPrimitive.TabsContentProps) {
  return (
    <TabsPrimitive.Content
      className={cx("focus-visible:outline-2 focus-visible:outline-focus", className)}
      {...props}
    />
  );
}
