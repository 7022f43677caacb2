/**
 * Checks of the wiring that the unit tests of src/logic/ cannot see: package.json against the
 * files and the command ids in src/extension.ts, and the promise that the logic runs without VS Code.
 */

import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";

import { EXTENSION_ROOT } from "./helpers";

const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_ROOT, "package.json"), "utf8"));
const extensionSource = fs.readFileSync(path.join(EXTENSION_ROOT, "src", "extension.ts"), "utf8");

test("every command the extension registers is declared in package.json, and the reverse", () => {
  const registered = [...extensionSource.matchAll(/registerCommand\("([^"]+)"/g)].map((m) => m[1]).sort();
  const declared = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(registered, declared);
  assert.ok(registered.includes("odibi.runNode") && registered.includes("odibi.validateProject"));
  // The lens calls the command by this id.
  assert.match(extensionSource, /command: "odibi\.runNode"/);
});

test("every setting read in extension.ts is declared with a default", () => {
  const read = [...extensionSource.matchAll(/config\.get<[^>]+>\("([^"]+)"\)/g)].map((m) => `odibi.${m[1]}`).sort();
  const declared = Object.keys(manifest.contributes.configuration.properties).sort();
  assert.deepEqual(read, declared);
});

test("main points at the compiled extension, and the logic modules load without the vscode module", () => {
  assert.ok(fs.existsSync(path.join(EXTENSION_ROOT, manifest.main)), manifest.main);
  const logic = path.join(EXTENSION_ROOT, "out", "src", "logic");
  const modules = fs.readdirSync(logic).filter((f) => f.endsWith(".js"));
  assert.ok(modules.length >= 10, modules.join(", "));
  for (const file of modules) {
    assert.doesNotMatch(fs.readFileSync(path.join(logic, file), "utf8"), /require\("vscode"\)/, file);
    require(path.join(logic, file)); // throws if it needed VS Code
  }
});

test("yamlValidation: the project schema for odibi.yaml, the overlay schema for env.<name>.yaml, both shipped", () => {
  const entries: { fileMatch: string[]; url: string }[] = manifest.contributes.yamlValidation;
  assert.deepEqual(entries.map((e) => [e.fileMatch, e.url]), [
    [["odibi.yaml", "odibi.yml"], "./odibi.schema.json"],
    [["env.*.yaml", "env.*.yml"], "./odibi.overlay.schema.json"],
  ]);
  const load = (url: string) => {
    const file = path.join(EXTENSION_ROOT, url);
    assert.ok(fs.existsSync(file), `${url} is missing: npm run schema copies it from the repository root`);
    return JSON.parse(fs.readFileSync(file, "utf8"));
  };
  const project = load(entries[0].url);
  const overlay = load(entries[1].url);
  assert.ok(project.required.includes("project") && project.properties.pipelines);
  // An overlay holds only what differs: requiring project: there would flag every env file.
  assert.ok(!(overlay.required ?? []).includes("project") && overlay.properties.connections);
});

test("the engine and the VS Code API types agree, and every dependency is pinned exactly", () => {
  const typesVersion = manifest.devDependencies["@types/vscode"];
  assert.equal(manifest.engines.vscode, `^${typesVersion}`, "the API used must exist in the oldest VS Code allowed");
  for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
    assert.match(String(version), /^\d+\.\d+\.\d+$/, `${name} is not pinned: ${String(version)}`);
  }
});
