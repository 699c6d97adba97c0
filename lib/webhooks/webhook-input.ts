import { z } from "zod";

/**
 * A signed URL set from the console (an agent's callback): a full URL, or null to turn it off.
 * The server then checks it as the CLI does (https to public addresses only; config.ts) and
 * makes a new signing secret, shown once.
 */
export const ZSignedUrlInput = z.strictObject({
  url: z.string().trim().max(2000).url("Give a full https:// URL").nullable(),
  reason: z.string().trim().max(500, "at most 500 characters").optional(),
});
export type TSignedUrlInput = z.infer<typeof ZSignedUrlInput>;
