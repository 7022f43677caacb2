/**
 * The command lines the extension types into a terminal, quoted for the shell that terminal runs.
 *
 * A terminal receives text, not an argument vector, so a config path with a space or a quote
 * would otherwise split or break the command. Each shell family has its own quoting rule; the
 * adapter picks the family from VS Code's default shell.
 */

import * as path from "path";

export type ShellKind = "posix" | "powershell" | "cmd";

/** Characters no shell treats specially: such an argument is typed as is, for readability. */
// Left out on purpose: `=` (zsh expands a leading `=word`), `,` (an array in PowerShell, a
// separator in cmd) and `@` (splatting in PowerShell).
const SAFE = /^[A-Za-z0-9_\/.:%+-]+$/;
const SAFE_CMD = /^[A-Za-z0-9_\\\/.:+-]+$/;
const SAFE_POWERSHELL = /^[A-Za-z0-9_\\\/.:+-]+$/;

/** The family of a shell from its executable path (`/bin/zsh`, `C:\...\pwsh.exe`, `cmd.exe`). */
export function shellKindFromPath(shellPath: string | undefined, platform: NodeJS.Platform = process.platform): ShellKind {
  const base = (shellPath ?? "").split(/[\\/]/).pop()?.toLowerCase() ?? "";
  if (base.startsWith("pwsh") || base.startsWith("powershell")) {
    return "powershell";
  }
  if (base === "cmd" || base === "cmd.exe") {
    return "cmd";
  }
  if (base === "" && platform === "win32") {
    return "powershell"; // VS Code's default terminal on Windows
  }
  return "posix";
}

export function quoteArg(arg: string, shell: ShellKind): string {
  if (arg === "") {
    return shell === "cmd" ? '""' : "''";
  }
  switch (shell) {
    case "posix":
      return SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
    case "powershell":
      // Single quotes are literal in PowerShell; a single quote inside is doubled.
      return SAFE_POWERSHELL.test(arg) ? arg : `'${arg.replace(/'/g, "''")}'`;
    case "cmd":
      // cmd has no literal quoting: double quotes group words and an inner quote is doubled.
      return SAFE_CMD.test(arg) ? arg : `"${arg.replace(/"/g, '""')}"`;
  }
}

/** A whole command line. PowerShell needs `&` to call a program whose path had to be quoted. */
export function commandLine(argv: readonly string[], shell: ShellKind): string {
  const [program, ...args] = argv;
  const quotedProgram = quoteArg(program, shell);
  const call = shell === "powershell" && quotedProgram !== program ? `& ${quotedProgram}` : quotedProgram;
  return [call, ...args.map((a) => quoteArg(a, shell))].join(" ");
}

export interface RunNodeRequest {
  cli: string;
  configFile: string;
  node: string;
  env?: string;
}

/** `odibi run <config> --node <node> [--env <env>]`, as an argument vector. */
export function runNodeArgv(req: RunNodeRequest): string[] {
  const argv = [req.cli, "run", req.configFile, "--node", req.node];
  if (req.env && req.env.trim() !== "") {
    argv.push("--env", req.env.trim());
  }
  return argv;
}

/** `odibi validate <config> [--env <env>]`, as an argument vector. */
export function validateArgv(cli: string, configFile: string, env?: string): string[] {
  const argv = [cli, "validate", configFile];
  if (env && env.trim() !== "") {
    argv.push("--env", env.trim());
  }
  return argv;
}

/** Arguments (without the program) of `odibi list <config> --json [--env <env>]`, for execFile. */
export function listArgs(configFile: string, env?: string): string[] {
  const args = ["list", configFile, "--json"];
  if (env && env.trim() !== "") {
    args.push("--env", env.trim());
  }
  return args;
}

export interface CliProblem {
  file: string;
  /** 1-based, as odibi prints them. */
  line: number;
  column: number;
  message: string;
}

/**
 * The problems in odibi's error output. Every configuration error reads
 * `error: <file>:<line>:<col>: <key.path>: <message>` (docs/config.md, "Errors"); a Windows path
 * has a drive letter, so the file part may itself hold one colon. Lines of any other shape are not
 * problems with a place and are left to the output channel.
 */
export function parseProblems(output: string, cwd?: string): CliProblem[] {
  const problems: CliProblem[] = [];
  const pattern = /^(?:error:\s*)?((?:[A-Za-z]:)?[^:\n]+):(\d+):(\d+):\s*(.+)$/;
  for (const raw of output.split(/\r?\n/)) {
    const match = pattern.exec(raw.trim());
    if (!match) {
      continue;
    }
    const absolute = path.isAbsolute(match[1]) || path.win32.isAbsolute(match[1]);
    const file = cwd && !absolute ? path.resolve(cwd, match[1]) : match[1];
    problems.push({ file, line: Number(match[2]), column: Number(match[3]), message: match[4].trim() });
  }
  return problems;
}
