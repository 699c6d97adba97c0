/**
 * Preloaded (`node --require`) into every Node process that runs lib/ outside Next: the
 * launcher, the worker, the CLI, benches, test children, Playwright (package.json,
 * scripts/lib/node-ts.ts, playwright.config.ts). They are server code, but they resolve
 * packages without Next's `react-server` condition, so `import "server-only"` (lib/db and the
 * services) would throw there. This answers that one import with an empty module, as Next's
 * server layer does; React, next-auth and every other package resolve as before.
 */
"use strict";

const marker = require.resolve("server-only");
require.cache[marker] = Object.assign(new module.constructor(marker, module), {
  filename: marker,
  loaded: true,
  exports: {},
});
