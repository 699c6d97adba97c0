/**
 * Preloaded (`node --require`) into the Node children `npm start` runs (the web server, next
 * build): when the launcher dies — even by SIGKILL, which runs no handler of its own — the
 * child stops within a second instead of serving on as an orphan that accepts requests nobody
 * executes. The launcher passes its pid; a child whose parent pid no longer matches has been
 * re-parented (to init or a subreaper), so its launcher is gone. Polling the parent pid needs
 * no channel the child could hold open or Next could trip over (Next changes behaviour when
 * `process.send` exists, and reads no stdin), and works the same on Linux and macOS.
 */
"use strict";

const launcher = Number(process.env.TOLLGATE_LAUNCHER_PID);
// this process's own children watch nobody: only the launcher's direct children are tied to it
delete process.env.TOLLGATE_LAUNCHER_PID;

if (Number.isInteger(launcher) && launcher > 0) {
  const timer = setInterval(check, 500);
  timer.unref();
  check();

  function check() {
    if (process.ppid === launcher) return;
    clearInterval(timer);
    process.stderr.write(
      `[tollgate] the launcher (pid ${launcher}) is gone; stopping this process (pid ${process.pid})\n`,
    );
    // a graceful stop first (Next closes its server on SIGTERM), then no more waiting
    setTimeout(() => process.exit(1), 3_000).unref();
    process.kill(process.pid, "SIGTERM");
  }
}
