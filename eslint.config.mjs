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
