import { NextResponse, type NextRequest } from "next/server";
import { REQUEST_PATH_HEADER } from "@/lib/auth/callback-url";

/**
 * Runs before every page: tells the page which path and query the browser asked for, so a
 * signed-out visit to a link such as `/inbox?request=…` returns there after sign-in
 * (lib/auth/session.ts `redirectToSignIn`). Whatever the client sent in that header is
 * replaced. Security headers are set for every response in next.config.ts.
 */
export function proxy(request: NextRequest) {
  const url = request.nextUrl.clone();
  url.searchParams.delete("_rsc");
  const headers = new Headers(request.headers);
  headers.set(REQUEST_PATH_HEADER, url.pathname + url.search);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"],
};
