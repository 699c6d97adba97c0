import crypto from "node:crypto";
import bcrypt from "bcryptjs";

// bcrypt cost 11: ~150 ms per check here — slow for a guesser, fine for a person.
const COST = 11;

export const hashPassword = (plain: string) => bcrypt.hash(plain, COST);
export const verifyPassword = (plain: string, hash: string) => bcrypt.compare(plain, hash);

// A hash of a random password at the same cost, made once per process as soon as this
// module loads: unknown emails are checked against it, so they take as long as known ones.
let dummy: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomBytes(18).toString("base64url"));
  return dummy;
}
void dummyPasswordHash();
