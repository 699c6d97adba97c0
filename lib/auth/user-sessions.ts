import "server-only";
import crypto from "node:crypto";
import { db } from "@/lib/db";
import { CURRENT_USER_SELECT } from "./current-user";

/** A console session lasts this long from sign-in (the JWT's maxAge is the same). */
export const SESSION_MAX_AGE_S = 12 * 60 * 60;

/** The error the jwt callback throws for a dead session; next-auth then clears the cookie. */
export const SESSION_ENDED = "session_ended";

/** A new server-side session at sign-in; its id goes into the JWT as `sid`. */
export async function createUserSession(userId: string, ip: string | null, now = new Date()) {
  const id = crypto.randomBytes(32).toString("base64url");
  await db.userSession.create({
    data: {
      id,
      userId,
      ip,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_S * 1000),
    },
  });
  return id;
}

/** Sign-out: the session ends on the server, so a copied cookie stops working. */
export async function revokeUserSession(id: string, now = new Date()) {
  await db.userSession.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
}

/**
 * The user behind a live session — the row exists, is neither revoked nor expired, belongs
 * to `userId`, and the user is active — with roles and groups fresh from the database.
 */
export async function findLiveSession(sid: string, userId: string, now = new Date()) {
  const row = await db.userSession.findUnique({
    where: { id: sid },
    select: {
      userId: true,
      expiresAt: true,
      revokedAt: true,
      user: {
        select: { ...CURRENT_USER_SELECT, status: true },
      },
    },
  });
  if (!row || row.userId !== userId || row.revokedAt || row.expiresAt <= now) return null;
  if (row.user.status !== "active") return null;
  return row.user;
}
