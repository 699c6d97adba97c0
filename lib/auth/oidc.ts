import type { OAuthConfig } from "next-auth/providers/oauth";
import { env, parseRoleMap } from "@/lib/env";
import { ROLES, type TRole } from "./permissions";

/** next-auth's id for the single sign-on provider: its callback is /api/auth/callback/oidc. */
export const OIDC_PROVIDER_ID = "oidc";

export type TOidcConfig = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  rolesClaim: string | null;
  roleMap: Map<string, TRole>;
};

/** Single sign-on as configured by OIDC_* (lib/env.ts checks them), or null when it is off. */
export function oidcConfig(): TOidcConfig | null {
  const e = env();
  if (!e.OIDC_ISSUER || !e.OIDC_CLIENT_ID || !e.OIDC_CLIENT_SECRET) return null;
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    name: e.OIDC_NAME,
    rolesClaim: e.OIDC_ROLES_CLAIM ?? null,
    roleMap: new Map(parseRoleMap(e.OIDC_ROLE_MAP ?? "")),
  };
}

/**
 * The Tollgate roles a roles claim grants: each value equal to a role name, or mapped to one by
 * OIDC_ROLE_MAP. A list or one string (space- or comma-separated); anything else is no roles.
 * Unknown values are ignored. Sorted and without repeats.
 */
export function rolesFromClaim(value: unknown, roleMap: Map<string, TRole>): TRole[] {
  const values =
    typeof value === "string"
      ? value.split(/[\s,]+/)
      : Array.isArray(value)
        ? value.filter((v): v is string => typeof v === "string")
        : [];
  const out = new Set<TRole>();
  for (const v of values) {
    const mapped = roleMap.get(v);
    if (mapped) out.add(mapped);
    else if ((ROLES as readonly string[]).includes(v)) out.add(v as TRole);
  }
  return [...out].sort();
}

type TClaims = Record<string, unknown> & { sub?: string };

/**
 * The next-auth provider for the configured issuer. Discovery, the JWKS, the token and userinfo
 * endpoints are read from the issuer itself (nothing else is fetched). The authorization code
 * flow is protected by PKCE, state and nonce; openid-client checks the ID token's signature,
 * issuer, audience (our client id), expiry and nonce. The person's claims are the ID token's,
 * completed by the userinfo endpoint (many providers put email there only); the ID token wins.
 */
export function oidcProvider(cfg: TOidcConfig): OAuthConfig<TClaims> {
  return {
    id: OIDC_PROVIDER_ID,
    name: cfg.name,
    type: "oauth",
    wellKnown: `${cfg.issuer}/.well-known/openid-configuration`,
    clientId: cfg.clientId,
    clientSecret: cfg.clientSecret,
    idToken: true,
    checks: ["pkce", "state", "nonce"],
    authorization: { params: { scope: "openid email profile" } },
    userinfo: {
      async request({ tokens, client }) {
        // at run time the TokenSet openid-client verified (next-auth types it as plain params)
        const set = tokens as unknown as { claims(): TClaims; access_token?: string };
        const claims = set.claims();
        let info: TClaims = {};
        if (client.issuer.metadata.userinfo_endpoint && set.access_token) {
          info = (await client.userinfo(set.access_token)) as TClaims;
          if (info.sub !== claims.sub) throw new Error("userinfo is about another subject");
        }
        return { ...info, ...claims };
      },
    },
    profile(claims) {
      // replaced by the Tollgate user in the signIn callback (options.ts)
      return {
        id: String(claims.sub ?? ""),
        email: typeof claims.email === "string" ? claims.email : null,
        name: typeof claims.name === "string" ? claims.name : null,
      };
    },
  };
}
