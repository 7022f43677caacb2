import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";

import type { ListRequest, ListResult } from "../src/logic/cliRunner";
import { IndexService } from "../src/logic/indexService";
import { indexFromYaml, mergeIndexes } from "../src/logic/projectIndex";
import { emptyIndex } from "../src/logic/types";
import { fakeCli } from "./fakeCli";
import { PROJECT, PROJECT_FILE, tempDir } from "./helpers";

const read = (f: string): string | undefined => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined);
const posixOnly = { skip: process.platform === "win32" ? "the fake CLI is a shell script" : false };

test("indexFromYaml follows imports and reads live text over the disk", () => {
  const index = indexFromYaml(PROJECT_FILE, read);
  assert.equal(index.project, "shop");
  assert.deepEqual(index.nodes.map((n) => n.name).sort(), [
    "best_days", "customers", "daily_revenue", "orders", "raw_customers", "raw_orders", "weekly_revenue",
  ]);
  assert.equal(index.nodes.find((n) => n.name === "best_days")?.file, path.join(PROJECT, "pipelines", "gold.yaml"));
  assert.deepEqual(index.files, [PROJECT_FILE, path.join(PROJECT, "pipelines", "gold.yaml")]);

  const gold = path.join(PROJECT, "pipelines", "gold.yaml");
  const live = new Map([[gold, read(gold)!.replace("name: best_days", "name: worst_days")]]);
  const edited = indexFromYaml(PROJECT_FILE, read, live);
  assert.ok(edited.nodes.some((n) => n.name === "worst_days"));
  assert.ok(!edited.nodes.some((n) => n.name === "best_days"));

  const elsewhere = new Map([
    [path.join(PROJECT, "env.dev.yaml"), "connections: {dev_only: {type: local}}\n"],
    [path.resolve(PROJECT, "..", "other", "odibi.yaml"), "connections: {other_project: {type: local}}\n"],
  ]);
  const names = indexFromYaml(PROJECT_FILE, read, elsewhere).connections.map((c) => c.name);
  assert.ok(names.includes("dev_only"), "an open overlay of this project counts");
  assert.ok(!names.includes("other_project"), "an open file of another project does not");
});

test("indexFromYaml survives import cycles and missing imports", () => {
  const dir = tempDir("odibi-cycle-");
  fs.writeFileSync(path.join(dir, "odibi.yaml"), "project: c\nimports: [a.yaml, missing.yaml]\nconnections: {x: {type: local}}\n");
  fs.writeFileSync(path.join(dir, "a.yaml"), "imports: [odibi.yaml]\npipelines:\n  - pipeline: p\n    nodes:\n      - name: n\n");
  const index = indexFromYaml(path.join(dir, "odibi.yaml"), read);
  assert.deepEqual(index.nodes.map((n) => n.name), ["n"]);
  assert.deepEqual(index.connections.map((c) => c.name), ["x"]);
});

test("mergeIndexes keeps the CLI's transformers alone and adds names only the live YAML has", () => {
  const yaml = indexFromYaml(PROJECT_FILE, read);
  const cli = { ...emptyIndex("cli"), nodes: [{ name: "from_cli", pipeline: "p" }], transformers: [{ name: "only_cli" }] };
  const merged = mergeIndexes(cli, yaml);
  assert.equal(merged.source, "merged");
  assert.deepEqual(merged.transformers.map((t) => t.name), ["only_cli"]);
  assert.equal(merged.nodes[0].name, "from_cli");
  assert.ok(merged.nodes.some((n) => n.name === "orders"));
  assert.equal(mergeIndexes(undefined, yaml), yaml);
});

test("IndexService runs the CLI once per saved version of the project files", async () => {
  const calls: ListRequest[] = [];
  let version = "1";
  const service = new IndexService({
    readFile: read,
    fileVersion: () => version,
    runList: async (req): Promise<ListResult> => {
      calls.push(req);
      return { ok: true, index: { ...emptyIndex("cli"), transformers: [{ name: `t${calls.length}` }] } };
    },
  });
  const request = { cli: "odibi", configFile: PROJECT_FILE, timeoutMs: 1000, live: new Map<string, string>() };
  const [a, b] = await Promise.all([service.index(request), service.index(request)]);
  assert.equal(calls.length, 1, "two requests at once share one run");
  assert.deepEqual([a.transformers[0].name, b.transformers[0].name], ["t1", "t1"]);
  // Unsaved edits (live text) do not re-run the CLI: it would read the same files from disk.
  await service.index({ ...request, live: new Map([[PROJECT_FILE, "project: shop\n"]]) });
  assert.equal(calls.length, 1);
  version = "2";
  assert.equal((await service.index(request)).transformers[0].name, "t2");
  await service.index({ ...request, env: "prod" });
  assert.deepEqual(calls.map((c) => c.env), [undefined, undefined, "prod"]);
  service.invalidate();
  await service.index(request);
  assert.equal(calls.length, 4);
});

test("IndexService falls back to the YAML when the CLI fails, logs why once, and retries on a new version", async () => {
  const logs: string[] = [];
  let version = "1";
  let calls = 0;
  const service = new IndexService({
    readFile: read,
    fileVersion: () => version,
    log: (m) => logs.push(m),
    runList: async (): Promise<ListResult> => {
      calls += 1;
      return { ok: false, reason: "missing", message: "could not start 'odibi'" };
    },
  });
  const request = { cli: "odibi", configFile: PROJECT_FILE, timeoutMs: 1000, live: new Map<string, string>() };
  const first = await service.index(request);
  await service.index(request);
  assert.equal(first.source, "yaml");
  assert.ok(first.transformers.some((t) => t.name === "deduplicate"), "built-in names without the CLI");
  assert.deepEqual(logs, ["names from the YAML only: could not start 'odibi'"]);
  assert.equal(calls, 1);
  version = "2";
  await service.index(request);
  assert.equal(calls, 2);
});

test("IndexService with a real child process: the fake CLI's names, merged with the YAML's", posixOnly, async () => {
  const cli = fakeCli("ok");
  const service = new IndexService();
  const request = { cli: cli.path, configFile: PROJECT_FILE, timeoutMs: 10000, live: new Map<string, string>() };
  const index = await service.index(request);
  await service.index(request);
  assert.equal(cli.calls().length, 1, "cached by the files' mtime and size");
  assert.deepEqual(index.transformers.map((t) => t.name), ["add_band", "deduplicate", "filter_rows"]);
  assert.equal(index.source, "merged");
});
