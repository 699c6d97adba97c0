import Link from "next/link";
import { Card } from "@/components/ui";

export const metadata = { title: "Not allowed" };

export default async function Forbidden({
  searchParams,
}: {
  searchParams: Promise<{ need?: string }>;
}) {
  const { need } = await searchParams;
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <Card as="div" padding="lg" className="max-w-md text-center shadow-sm">
        <h1 className="text-lg font-semibold">You don&apos;t have access to that page</h1>
        <p className="mt-2 text-sm text-muted">
          Your role does not include{" "}
          {need ? <code className="rounded bg-slate-100 px-1">{need}</code> : "this permission"}.
          Ask an admin if you need it.
        </p>
        <Link href="/" className="mt-4 inline-block text-sm font-medium text-link hover:underline">
          Back to the console
        </Link>
      </Card>
    </main>
  );
}
