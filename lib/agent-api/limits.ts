/**
 * The largest agent request body (API.md): the handlers refuse a bigger one with 413, and the
 * production server's door (lib/http/agent-door.ts) reads no more than this past it. No imports:
 * the door loads this outside Next's bundle.
 */
export const MAX_BODY_BYTES = 64 * 1024;
