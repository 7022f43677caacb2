import assert from "node:assert/strict";
import * as path from "path";
import { test } from "node:test";

import { runCli, runOdibiList } from "../src/logic/cliRunner";
import { ListOutputError, parseListJson } from "../src/logic/listJson";
import { fakeCli } from "./fakeCli";
import { PROJECT, PROJECT_FILE, readFixture } from "./helpers";

const posixOnly = { skip: process.platform === "win32" ? "the fake CLI is a shell script" : false };

test("parseListJson reads the documented shape", () => {
  const index = parseListJson(readFixture("list.json"));
  assert.equal(index.project, "shop");
  assert.equal(index.configFile, "odibi.yaml");
  assert.equal(index.source, "cli");
  assert.deepEqual(index.connections.map((c) => [c.name, c.type]), [["landing", "local"], ["lake", "local"]]);
  assert.deepEqual(index.pipelines.map((p) => p.name), ["gold", "bronze", "silver"]);
  const orders = index.nodes.find((n) => n.name === "orders");
  assert.deepEqual(orders?.tags, ["core", "daily"]);
  assert.equal(orders?.transformer, "deduplicate");
  assert.equal(orders?.sqlSteps?.length, 1);
  // Params given as objects with a name are read as names too.
  assert.deepEqual(index.transformers.find((t) => t.name === "deduplicate")?.params, ["keys", "order_by"]);
});

test("parseListJson drops malformed entries instead of failing, and rejects non-JSON with what it saw", () => {
  const index = parseListJson(JSON.stringify({
    connections: [{ name: "ok", type: 3, line: -1 }, { type: "local" }, "text", null, { name: "" }],
    nodes: [{ name: "n", tags: ["a", 1], sql_steps: [4, "x", 0] }],
    transformers: "not a list",
    extra: { ignored: true },
  }));
  assert.deepEqual(index.connections, [{ name: "ok", type: undefined, file: undefined, line: undefined }]);
  assert.deepEqual(index.nodes[0].tags, ["a"]);
  assert.deepEqual(index.nodes[0].sqlSteps, [4]);
  assert.deepEqual(index.transformers, []);
  assert.deepEqual(index.pipelines, []);
  assert.throws(() => parseListJson("Traceback: boom"), (err: Error) => err instanceof ListOutputError && /Traceback: boom/.test(err.message));
  assert.throws(() => parseListJson("[1, 2]"), ListOutputError);
  assert.throws(() => parseListJson(""), /printed: nothing/);
});

test("runOdibiList runs `<cli> list <config> --json --env <env>` in the project folder", posixOnly, async () => {
  const cli = fakeCli("ok");
  const result = await runOdibiList({ cli: cli.path, configFile: PROJECT_FILE, env: "dev", timeoutMs: 10000 });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.index.transformers.map((t) => t.name), ["add_band", "deduplicate", "filter_rows"]);
  assert.deepEqual(cli.calls(), [{ args: ["list", PROJECT_FILE, "--json", "--env", "dev"], cwd: PROJECT }]);
});

test("runOdibiList stops a CLI that runs past the timeout", posixOnly, async () => {
  // The fake would print "{}" (a valid, empty answer) after 30 s: "timeout" means it was stopped first.
  const result = await runOdibiList({ cli: fakeCli("slow").path, configFile: PROJECT_FILE, timeoutMs: 700 });
  assert.equal(result.ok ? "ok" : result.reason, "timeout");
});

test("runOdibiList reports a failing CLI with its first error line, and garbage output as such", posixOnly, async () => {
  const failed = await runOdibiList({ cli: fakeCli("fail").path, configFile: PROJECT_FILE, timeoutMs: 10000 });
  assert.ok(!failed.ok);
  assert.equal(failed.reason, "failed");
  assert.match(failed.message, /exited with code 2: error: odibi\.yaml:3:1: connections: unknown connection type 'ftp'/);

  const garbage = await runOdibiList({ cli: fakeCli("garbage").path, configFile: PROJECT_FILE, timeoutMs: 10000 });
  assert.ok(!garbage.ok);
  assert.equal(garbage.reason, "bad-output");
  assert.match(garbage.message, /Traceback/);
});

test("runOdibiList says the CLI is missing when it cannot be started", async () => {
  const result = await runOdibiList({ cli: path.join(PROJECT, "no-such-odibi"), configFile: PROJECT_FILE, timeoutMs: 5000 });
  assert.ok(!result.ok);
  assert.equal(result.reason, "missing");
  assert.match(result.message, /odibi\.cliPath/);
});

test("runCli passes the exit code and both streams through", posixOnly, async () => {
  const outcome = await runCli("/bin/sh", ["-c", "echo out; echo err >&2; exit 7"], { cwd: PROJECT, timeoutMs: 10000 });
  assert.deepEqual(outcome, { exitCode: 7, stdout: "out\n", stderr: "err\n" });
});
