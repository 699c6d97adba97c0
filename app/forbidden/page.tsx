import Link from "next/link";
import { getCurrentUser } from "@/lib/auth";
import { Card } from "@/components/ui";

export const metadata = { title: "Not allowed" };

export default async function Forbidden({
  searchParams,
}: {
  searchParams: Promise<{ need?: string }>;
}) {
  const { need } = await searchParams;
  // a first single sign-on without a roles claim: signed in, but nothing granted yet
  const user = await getCurrentUser();
  if (user && user.roles.length === 0) {
    return (
      <main className="flex min-h-screen items-center justify-center p-6">
        <Card as="div" padding="lg" className="max-w-md text-center shadow-sm">
          <h1 className="text-lg font-semibold">No access yet</h1>
          <p className="mt-2 text-sm text-muted" data-testid="no-roles">
            You are signed in as {user.email}, but your account has no roles yet. Ask an admin to
            assign you one.
          </p>
        </Card>
      </main>
    );
  }
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
