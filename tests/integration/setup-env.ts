import { inject } from "vitest";

process.env.DATABASE_URL = inject("databaseUrl");
process.env.TOLLGATE_TEST_SERVER_URL = inject("serverUrl");
process.env.DB_POOL_SIZE ??= "5";
delete process.env.http_proxy;
delete process.env.https_proxy;
delete process.env.HTTP_PROXY;
delete process.env.HTTPS_PROXY;
process.env.TOLLGATE_SECRET_KEY ??= "integration-test-secret-key";
// the bundled sandbox and local webhook receivers live on loopback (lib/net/destination.ts)
process.env.TOLLGATE_ALLOW_LOOPBACK ??= "1";
