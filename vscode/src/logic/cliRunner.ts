/**
 * Runs the `odibi` CLI as a child process, never waiting longer than a timeout, and reads
 * `odibi list --json` into a ProjectIndex.
 *
 * Completion must stay responsive, and the CLI may be missing, slow (a project that imports heavy
 * Python modules) or failing (a project with an error in it). Each case comes back as a reason
 * instead of an exception, so the caller falls back to the YAML reader and can say why in its log.
 */

import { execFile } from "child_process";
import type { ExecFileException } from "child_process";
import * as path from "path";

import { listArgs } from "./commandLine";
import { ListOutputError, parseListJson } from "./listJson";
import type { ProjectIndex } from "./types";

export interface CliOutcome {
  /** The exit code, or undefined when the program did not start or was stopped. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** Why there is no exit code: the program was not found (or not runnable), or ran past the timeout. */
  failure?: "missing" | "timeout";
}

export interface CliOptions {
  cwd: string;
  timeoutMs: number;
  /** Extra environment for the child; merged over process.env. */
  extraEnv?: Record<string, string>;
}

const MAX_OUTPUT = 32 * 1024 * 1024;

export function runCli(program: string, args: readonly string[], opts: CliOptions): Promise<CliOutcome> {
  return new Promise((resolve) => {
    execFile(
      program,
      [...args],
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: MAX_OUTPUT,
        windowsHide: true,
        // Rich (odibi's console library) would colour its output for a terminal; this is read by a program.
        env: { ...process.env, ...opts.extraEnv, NO_COLOR: "1", TERM: "dumb" },
      },
      (error: ExecFileException | null, stdout, stderr) => {
        const out = { stdout: String(stdout), stderr: String(stderr) };
        if (!error) {
          resolve({ exitCode: 0, ...out });
        } else if (error.code === "ENOENT" || error.code === "EACCES") {
          resolve({ exitCode: undefined, ...out, failure: "missing" });
        } else if (error.killed) {
          resolve({ exitCode: undefined, ...out, failure: "timeout" });
        } else {
          resolve({ exitCode: typeof error.code === "number" ? error.code : undefined, ...out });
        }
      },
    );
  });
}

export type ListResult =
  | { ok: true; index: ProjectIndex }
  | { ok: false; reason: "missing" | "timeout" | "failed" | "bad-output"; message: string };

export interface ListRequest {
  cli: string;
  configFile: string;
  env?: string;
  timeoutMs: number;
  extraEnv?: Record<string, string>;
}

export async function runOdibiList(req: ListRequest): Promise<ListResult> {
  const command = `'${req.cli} list --json'`;
  const outcome = await runCli(req.cli, listArgs(req.configFile, req.env), {
    cwd: path.dirname(req.configFile),
    timeoutMs: req.timeoutMs,
    extraEnv: req.extraEnv,
  });
  if (outcome.failure === "missing") {
    return { ok: false, reason: "missing", message: `could not start '${req.cli}'; set odibi.cliPath or install odibi` };
  }
  if (outcome.failure === "timeout") {
    return { ok: false, reason: "timeout", message: `${command} took longer than ${req.timeoutMs} ms and was stopped` };
  }
  if (outcome.exitCode !== 0) {
    const firstLine = outcome.stderr.split(/\r?\n/).find((l) => l.trim() !== "")?.trim();
    return {
      ok: false,
      reason: "failed",
      message: `${command} exited with code ${String(outcome.exitCode)}${firstLine ? `: ${firstLine}` : ""}`,
    };
  }
  try {
    return { ok: true, index: parseListJson(outcome.stdout) };
  } catch (err) {
    if (err instanceof ListOutputError) {
      return { ok: false, reason: "bad-output", message: err.message };
    }
    throw err;
  }
}
