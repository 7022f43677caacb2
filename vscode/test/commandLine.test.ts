import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";

import {
  commandLine, listArgs, parseProblems, quoteArg, runNodeArgv, shellKindFromPath, validateArgv,
} from "../src/logic/commandLine";
import { FIXTURES } from "./helpers";

const AWKWARD = [
  "plain_name",
  "/projects/my shop/odibi.yaml",
  "it's",
  'say "hi"',
  "$HOME and ${vars.x} and `date` and $(date)",
  "a;b|c&d>e<f",
  "*.yaml ? [ab]",
  "~/odibi.yaml",
  "!event",
  "=word",
  "tab\there",
  "dos\\path\\odibi.yaml",
  "ünïcödé",
  "",
  "-n",
];

function shells(): [string, string][] {
  return [["sh", "/bin/sh"], ["bash", "/bin/bash"], ["zsh", "/usr/bin/zsh"], ["dash", "/usr/bin/dash"]]
    .filter(([, p]) => fs.existsSync(p)) as [string, string][];
}

for (const [name, shellPath] of shells()) {
  test(`posix quoting survives a real ${name}: every argument arrives unchanged`, () => {
    const line = commandLine([process.execPath, path.join(FIXTURES, "print-argv.js"), ...AWKWARD], "posix");
    const printed = execFileSync(shellPath, ["-c", line], { encoding: "utf8", env: { ...process.env, HOME: "/nowhere" } });
    assert.deepEqual(JSON.parse(printed), AWKWARD);
  });
}

test("arguments that need no quoting are typed as they are, for a readable command", () => {
  assert.equal(
    commandLine(runNodeArgv({ cli: "odibi", configFile: "/p/odibi.yaml", node: "raw_orders", env: "dev" }), "posix"),
    "odibi run /p/odibi.yaml --node raw_orders --env dev",
  );
  assert.equal(commandLine(runNodeArgv({ cli: "odibi", configFile: "/p/odibi.yaml", node: "n", env: "  " }), "posix"),
    "odibi run /p/odibi.yaml --node n");
});

test("PowerShell: single quotes with doubled inner quotes, and & before a quoted program", () => {
  assert.equal(quoteArg("C:\\My Projects\\odibi.yaml", "powershell"), "'C:\\My Projects\\odibi.yaml'");
  assert.equal(quoteArg("it's", "powershell"), "'it''s'");
  assert.equal(quoteArg("$env:HOME", "powershell"), "'$env:HOME'");
  assert.equal(quoteArg("a,b", "powershell"), "'a,b'");
  assert.equal(
    commandLine(["C:\\Program Files\\odibi\\odibi.exe", "run", "C:\\p\\odibi.yaml", "--node", "n"], "powershell"),
    "& 'C:\\Program Files\\odibi\\odibi.exe' run C:\\p\\odibi.yaml --node n",
  );
  assert.equal(commandLine(["odibi", "validate", "x.yaml"], "powershell"), "odibi validate x.yaml");
});

test("cmd: double quotes with doubled inner quotes", () => {
  assert.equal(quoteArg("C:\\My Projects\\odibi.yaml", "cmd"), '"C:\\My Projects\\odibi.yaml"');
  assert.equal(quoteArg('say "hi"', "cmd"), '"say ""hi"""');
  assert.equal(quoteArg("a&b", "cmd"), '"a&b"');
  assert.equal(quoteArg("", "cmd"), '""');
});

test("the shell family is read from the default shell's path", () => {
  assert.equal(shellKindFromPath("/bin/zsh", "darwin"), "posix");
  assert.equal(shellKindFromPath("C:\\Program Files\\PowerShell\\7\\pwsh.exe", "win32"), "powershell");
  assert.equal(shellKindFromPath("C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "win32"), "powershell");
  assert.equal(shellKindFromPath("C:\\Windows\\System32\\cmd.exe", "win32"), "cmd");
  assert.equal(shellKindFromPath("C:\\Program Files\\Git\\bin\\bash.exe", "win32"), "posix");
  assert.equal(shellKindFromPath(undefined, "win32"), "powershell");
  assert.equal(shellKindFromPath("", "linux"), "posix");
});

test("validate and list argument vectors", () => {
  assert.deepEqual(validateArgv("odibi", "/p/odibi.yaml", "prod"), ["odibi", "validate", "/p/odibi.yaml", "--env", "prod"]);
  assert.deepEqual(validateArgv("odibi", "/p/odibi.yaml"), ["odibi", "validate", "/p/odibi.yaml"]);
  assert.deepEqual(listArgs("/p/odibi.yaml"), ["list", "/p/odibi.yaml", "--json"]);
});

test("parseProblems reads odibi's file:line:col errors, Windows paths and relative paths included", () => {
  const output = [
    "Usage: odibi [OPTIONS]",
    "error: /tmp/p/odibi.yaml:34:16: pipelines[0].nodes[2].read.connection: unknown connection 'landin' (did you mean 'landing'?)",
    "error: C:\\p\\env.dev.yaml:2:6: YAML syntax error: mapping values are not allowed here",
    "error: pipelines/gold.yaml:7:13: pipelines[0].nodes[0].depends_on[0]: bad",
    "warning: something without a place",
  ].join("\n");
  assert.deepEqual(parseProblems(output, "/tmp/p"), [
    { file: "/tmp/p/odibi.yaml", line: 34, column: 16,
      message: "pipelines[0].nodes[2].read.connection: unknown connection 'landin' (did you mean 'landing'?)" },
    { file: "C:\\p\\env.dev.yaml", line: 2, column: 6, message: "YAML syntax error: mapping values are not allowed here" },
    { file: "/tmp/p/pipelines/gold.yaml", line: 7, column: 13, message: "pipelines[0].nodes[0].depends_on[0]: bad" },
  ]);
});
