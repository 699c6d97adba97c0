import bcrypt from "bcryptjs";

// bcrypt cost 11: ~150 ms per check here — slow for a guesser, fine for a person.
const COST = 11;

export const hashPassword = (plain: string) => bcrypt.hash(plain, COST);
export const verifyPassword = (plain: string, hash: string) => bcrypt.compare(plain, hash);
