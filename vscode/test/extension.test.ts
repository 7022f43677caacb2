/**
 * The adapters in src/extension.ts, driven through a stand-in `vscode` module (test/fakeVscode.ts).
 * This checks their wiring: what reaches the logic modules and what comes back as items, lenses,
 * terminal text and diagnostics. The real VS Code API (how the editor shows these) is not tested.
 */

import assert from "node:assert/strict";
import * as path from "path";
import { before, test } from "node:test";

import * as fake from "./fakeVscode";
import { fakeCli } from "./fakeCli";
import { lineOf, PROJECT, PROJECT_FILE, readFixture } from "./helpers";

const Module = require("module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === "vscode" ? require.resolve("./fakeVscode") : resolve.call(this, request, ...rest);
};

const posixOnly = { skip: process.platform === "win32" ? "the fake CLI is a shell script" : false };
const { recorded } = fake;

before(() => {
  const extension = require("../src/extension");
  extension.activate({ subscriptions: [] });
});

test("activate registers one completion provider, one lens provider and the three commands", () => {
  assert.equal(recorded.completionProviders.length, 1);
  assert.equal(recorded.lensProviders.length, 1);
  assert.deepEqual([...recorded.commands.keys()].sort(), ["odibi.refreshIndex", "odibi.runNode", "odibi.validateProject"]);
});

test("lenses sit on each node's item line (0-based) and their command runs the node in a terminal", posixOnly, async () => {
  recorded.settings = { cliPath: "odibi", env: "dev", listTimeoutMs: 5000, "codeLens.enabled": true };
  const text = readFixture("project", "odibi.yaml");
  const doc = fake.document(PROJECT_FILE, text);
  const lenses = recorded.lensProviders[0].provideCodeLenses(doc);
  assert.deepEqual(lenses.map((l) => l.range.start.line), [
    lineOf(text, "- name: raw_orders") - 1, lineOf(text, "- {name: raw_customers") - 1,
    lineOf(text, "- name: orders") - 1, lineOf(text, "- name: customers") - 1,
  ]);
  assert.equal(lenses[2].command.command, "odibi.runNode");

  await recorded.commands.get("odibi.runNode")!(...lenses[2].command.arguments);
  const terminal = recorded.terminals.at(-1)!;
  assert.equal(terminal.cwd, PROJECT);
  assert.deepEqual(terminal.sent, [`odibi run ${PROJECT_FILE} --node orders --env dev`]);

  // In env.dev.yaml the file's environment wins over the setting; the project file is found above it.
  recorded.settings.env = "prod";
  const overlay = fake.document(path.join(PROJECT, "env.dev.yaml"), readFixture("project", "env.dev.yaml"));
  const [overlayLens] = recorded.lensProviders[0].provideCodeLenses(overlay);
  assert.deepEqual(overlayLens.command.arguments, [{ cli: "odibi", configFile: PROJECT_FILE, node: "orders", env: "dev" }]);

  recorded.settings["codeLens.enabled"] = false;
  assert.deepEqual(recorded.lensProviders[0].provideCodeLenses(doc), []);
});

test("completion replaces the half-typed name and offers the CLI's transformers", posixOnly, async () => {
  recorded.settings = { cliPath: fakeCli("ok").path, env: "", listTimeoutMs: 10000, "codeLens.enabled": true };
  const text = readFixture("project", "odibi.yaml").replace("transformer: deduplicate", "transformer: ded");
  const doc = fake.document(PROJECT_FILE, text);
  recorded.documents = [doc];
  const line = lineOf(text, "transformer: ded") - 1;
  const character = text.split("\n")[line].length;
  const items = await recorded.completionProviders[0].provideCompletionItems(
    doc, new fake.Position(line, character), { isCancellationRequested: false },
  );
  assert.ok(items);
  assert.deepEqual(items.map((i) => i.label), ["add_band", "deduplicate", "filter_rows"]);
  assert.deepEqual([items[0].range!.start, items[0].range!.end], [
    new fake.Position(line, character - 3), new fake.Position(line, character),
  ]);
  assert.equal(items[1].kind, fake.CompletionItemKind.Function);

  const other = await recorded.completionProviders[0].provideCompletionItems(
    fake.document("/elsewhere/ci.yaml", "jobs:\n  transformer: "), new fake.Position(1, 15), { isCancellationRequested: false },
  );
  assert.equal(other, undefined, "non-Odibi YAML gets nothing");
});

test("validate turns odibi's errors into diagnostics on the file and line it names", posixOnly, async () => {
  recorded.settings = { cliPath: fakeCli("fail").path, env: "", listTimeoutMs: 5000, "codeLens.enabled": true };
  recorded.activeDocument = fake.document(PROJECT_FILE, readFixture("project", "odibi.yaml"));
  await recorded.commands.get("odibi.validateProject")!();
  const diagnostics = recorded.diagnostics.get(PROJECT_FILE);
  assert.ok(diagnostics, [...recorded.diagnostics.keys()].join(", "));
  assert.equal(diagnostics[0].message, "connections: unknown connection type 'ftp'");
  assert.deepEqual(diagnostics[0].range.start, new fake.Position(2, 0));
  assert.match(recorded.messages.at(-1)!, /^error: Odibi: validation failed \(exit code 2\)/);
});
