import { Input } from "@/components/ui";

/**
 * "Find a record by id" on every console page: a plain GET form to /records, which opens the
 * record's timeline (it works before any script has loaded).
 */
export function RecordSearch() {
  return (
    <form action="/records" method="get" role="search" aria-label="Find a record" className="px-3">
      <label htmlFor="record-search" className="sr-only">
        Salesforce record id
      </label>
      <Input
        id="record-search"
        name="id"
        placeholder="Record id, e.g. 006…"
        autoComplete="off"
        spellCheck={false}
        className="w-full font-mono text-xs"
        maxLength={18}
      />
    </form>
  );
}
