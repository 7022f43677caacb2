/**
 * Executables that run test/fixtures/fake-odibi.js in a given mode: real child processes, started
 * by the same execFile call the extension uses, so timeouts, exit codes and ENOENT are the real ones.
 */

import * as fs from "fs";
import * as path from "path";

import { FIXTURES, tempDir } from "./helpers";

export interface FakeCli {
  path: string;
  log: string;
  /** The calls made so far: arguments and working folder. */
  calls(): { args: string[]; cwd: string }[];
}

export function fakeCli(mode: "ok" | "slow" | "fail" | "garbage"): FakeCli {
  const dir = tempDir(`fake-odibi-${mode}-`);
  const log = path.join(dir, "calls.log");
  const exe = path.join(dir, "odibi");
  const script = path.join(FIXTURES, "fake-odibi.js");
  fs.writeFileSync(
    exe,
    `#!/bin/sh\nFAKE_MODE=${mode} FAKE_LOG='${log}' exec '${process.execPath}' '${script}' "$@"\n`,
    { mode: 0o755 },
  );
  return {
    path: exe,
    log,
    calls() {
      if (!fs.existsSync(log)) {
        return [];
      }
      return fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    },
  };
}
