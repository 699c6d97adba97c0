import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next/",
      ".data/",
      "lib/generated/",
      "next-env.d.ts",
      "test-results/",
      "playwright-report/",
    ],
  },
  ...tseslint.configs.recommended,
  {
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // Configuration is read in one place: lib/env.ts (documented in .env.example). Exceptions:
    // tests and e2e set their own variables; playwright/vitest configs are the test harness's;
    // exit-with-parent.cjs is a CommonJS preload inside `next start` that cannot import TS;
    // instrumentation.ts reads NEXT_RUNTIME, which Next sets and inlines, as its docs prescribe.
    files: ["**/*.{ts,tsx,mts,cts,js,mjs,cjs}"],
    ignores: [
      "lib/env.ts",
      "tests/**",
      "e2e/**",
      "**/*.test.ts",
      "playwright.config.ts",
      "vitest.config.mts",
      "scripts/lib/exit-with-parent.cjs",
      "instrumentation.ts",
    ],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Read configuration through lib/env.ts (env(), requireEnv()); see .env.example.",
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[object.property.name='process'][property.name='env']",
          message: "Read configuration through lib/env.ts (env(), requireEnv()); see .env.example.",
        },
      ],
    },
  },
  {
    // Pages, route files and components reach data through lib/ services only: the Prisma client
    // and its generated types never appear in them (lib/boundaries.test.ts proves this bites).
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/lib/db", "@/lib/db/*", "**/lib/db", "**/lib/db/*"],
              message: "Go through a service in lib/<domain>: only services import lib/db.",
            },
            {
              group: ["@/lib/generated/*", "**/lib/generated/*", "@prisma/*"],
              message: "Go through a service in lib/<domain>: only lib/db loads Prisma.",
            },
          ],
        },
      ],
    },
  },
  {
    // The policy engine and the request state machine stay pure: no database, no framework.
    files: ["lib/policy/**/*.ts", "lib/action-requests/transitions.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: ["@/lib/db*", "@prisma/*", "next*", "@/lib/generated/*"] },
      ],
    },
  },
);
