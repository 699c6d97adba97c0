import { redirect } from "next/navigation";
import { requirePage } from "@/lib/auth";
import { ZRecordId } from "@/lib/requests/record-timeline";
import { Alert, Button, Card, Field, Input, PageHeader } from "@/components/ui";

export const metadata = { title: "Find a record" };

/** The search box's target: a valid id opens the record's timeline, anything else says why. */
export default async function RecordsPage({
  searchParams,
}: {
  searchParams: Promise<{ id?: string }>;
}) {
  await requirePage("requests:read", "/records");
  const raw = (await searchParams).id?.trim() ?? "";
  const parsed = raw ? ZRecordId.safeParse(raw) : null;
  if (parsed?.success) redirect(`/records/${parsed.data}`);
  return (
    <>
      <PageHeader
        title="Find a record"
        description="Every change Tollgate made to a Salesforce record, with who asked, who approved and why, beside the record's own field history."
      />
      <Card className="max-w-xl">
        <form action="/records" method="get" className="space-y-3">
          <Field
            id="record-id"
            label="Salesforce record id"
            hint="15 or 18 letters and digits, as in the record's URL"
            error={parsed && !parsed.success ? `“${raw}”: ${parsed.error.issues[0].message}` : null}
          >
            <Input name="id" defaultValue={raw} className="font-mono" autoComplete="off" />
          </Field>
          <Button type="submit">Open timeline</Button>
        </form>
      </Card>
      {!raw && (
        <Alert tone="info" className="mt-4 max-w-xl">
          The search box at the top of the menu does the same from any page.
        </Alert>
      )}
    </>
  );
}
