import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";

import { nodeLenses } from "../src/logic/lenses";
import { envFromFileName, findProjectFile, isOdibiFile, resolveCliPath } from "../src/logic/projectFile";
import { scanYaml } from "../src/logic/yamlScan";
import { lineOf, PROJECT, PROJECT_FILE, readFixture, tempDir } from "./helpers";

test("isOdibiFile: project and overlay names, and YAML with pipelines: or connections:, but not other YAML", () => {
  assert.equal(isOdibiFile("/p/odibi.yaml", ""), true);
  assert.equal(isOdibiFile("/p/env.prod.yml", ""), true);
  assert.equal(isOdibiFile("/p/pipelines/gold.yaml", readFixture("project", "pipelines", "gold.yaml")), true);
  assert.equal(isOdibiFile("/p/.github/workflows/ci.yaml", "on: push\njobs:\n  test: {runs-on: x}\n"), false);
  assert.equal(isOdibiFile("/p/k8s.yaml", "spec:\n  pipelines: 3\n"), false, "only a top-level key counts");
});

test("envFromFileName reads the overlay's environment", () => {
  assert.equal(envFromFileName("/p/env.prod.yaml"), "prod");
  assert.equal(envFromFileName("C:/p/env.dev-eu.yml"), "dev-eu");
  assert.equal(envFromFileName("/p/odibi.yaml"), undefined);
  assert.equal(envFromFileName("/p/env.yaml"), undefined);
});

test("findProjectFile: the file itself when it is a project, else the nearest odibi.yaml above, within the workspace", () => {
  assert.equal(findProjectFile(PROJECT_FILE, true, fs.existsSync), PROJECT_FILE);
  assert.equal(findProjectFile(path.join(PROJECT, "pipelines", "gold.yaml"), false, fs.existsSync), PROJECT_FILE);
  assert.equal(findProjectFile(path.join(PROJECT, "env.dev.yaml"), false, fs.existsSync), PROJECT_FILE);
  const lonely = tempDir("odibi-lonely-");
  fs.mkdirSync(path.join(lonely, "a", "b"), { recursive: true });
  assert.equal(findProjectFile(path.join(lonely, "a", "b", "x.yaml"), false, fs.existsSync, lonely), undefined);
  fs.writeFileSync(path.join(lonely, "odibi.yml"), "project: x\n");
  assert.equal(findProjectFile(path.join(lonely, "a", "b", "x.yaml"), false, fs.existsSync, lonely), path.join(lonely, "odibi.yml"));
  // Stops at the workspace folder: a project above it is not this workspace's.
  assert.equal(findProjectFile(path.join(lonely, "a", "b", "x.yaml"), false, fs.existsSync, path.join(lonely, "a")), undefined);
});

test("resolveCliPath: the setting, else the workspace's .venv, else odibi on the PATH", () => {
  const ws = tempDir("odibi-ws-");
  assert.equal(resolveCliPath(" /opt/odibi ", ws, fs.existsSync), "/opt/odibi");
  assert.equal(resolveCliPath("", ws, fs.existsSync, "linux"), "odibi");
  fs.mkdirSync(path.join(ws, ".venv", "bin"), { recursive: true });
  fs.writeFileSync(path.join(ws, ".venv", "bin", "odibi"), "");
  assert.equal(resolveCliPath(undefined, ws, fs.existsSync, "linux"), path.join(ws, ".venv", "bin", "odibi"));
  assert.equal(resolveCliPath(undefined, ws, fs.existsSync, "win32"), "odibi", "Windows venvs keep it in Scripts");
  assert.equal(resolveCliPath(undefined, undefined, fs.existsSync), "odibi");
});

test("one lens per node, above its list item, carrying the run request", () => {
  const text = readFixture("project", "odibi.yaml");
  const lenses = nodeLenses(scanYaml(text, PROJECT_FILE), "odibi", PROJECT_FILE, "dev");
  assert.deepEqual(lenses.map((l) => [l.line, l.request.node]), [
    [lineOf(text, "- name: raw_orders") - 1, "raw_orders"],
    [lineOf(text, "- {name: raw_customers") - 1, "raw_customers"],
    [lineOf(text, "- name: orders") - 1, "orders"],
    [lineOf(text, "- name: customers") - 1, "customers"],
  ]);
  assert.deepEqual(lenses[2].request, { cli: "odibi", configFile: PROJECT_FILE, node: "orders", env: "dev" });
  assert.equal(lenses[2].title, "$(play) Run this node (env dev)");
  assert.equal(lenses[2].tooltip, "odibi run --node orders --env dev (pipeline silver)");
  const noEnv = nodeLenses(scanYaml(text, PROJECT_FILE), "odibi", PROJECT_FILE, "");
  assert.equal(noEnv[0].request.env, undefined);
  assert.equal(noEnv[0].title, "$(play) Run this node");
});
