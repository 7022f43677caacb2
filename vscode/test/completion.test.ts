import assert from "node:assert/strict";
import { test } from "node:test";

import { completionContext, inComment, withoutPartial } from "../src/logic/completionContext";
import type { CompletionContext } from "../src/logic/completionContext";
import { completionItems } from "../src/logic/completions";
import { indexFromYaml } from "../src/logic/projectIndex";
import { PROJECT_FILE } from "./helpers";

/** The context with the cursor at the `|` in `source` (which is removed). */
function at(source: string): CompletionContext | undefined {
  const offset = source.indexOf("|");
  assert.ok(offset >= 0, "the test text needs a | for the cursor");
  const text = source.slice(0, offset) + source.slice(offset + 1);
  const before = text.slice(0, offset).split("\n");
  return completionContext(text, before.length - 1, before[before.length - 1].length);
}

test("connection: in block and flow style, with and without a partial name", () => {
  assert.deepEqual(at("    read:\n      connection: |"), { kind: "connection", partial: "", replaceStart: 18, exclude: [] });
  assert.deepEqual(at("    write: {connection: la|"), { kind: "connection", partial: "la", replaceStart: 24, exclude: [] });
  assert.equal(at("    write: {format: csv, connection: \"la|")?.kind, "connection");
  assert.equal(at("story: {connection: l|")?.partial, "l");
});

test("transformer:, operation: and function: all complete transformer names", () => {
  assert.equal(at("        transformer: dedu|")?.kind, "transformer");
  assert.equal(at("            - operation: |")?.kind, "transformer");
  assert.equal(at("            - function: add_|")?.partial, "add_");
  // A key that merely ends in one of these words is not one of them.
  assert.equal(at("        my_transformer: x|"), undefined);
  assert.equal(at("        connection_name: x|"), undefined);
});

test("depends_on: flow lists skip the names already listed; block lists find their key above", () => {
  assert.deepEqual(at("        depends_on: [a, \"b\", c|"), { kind: "node", partial: "c", replaceStart: 29, exclude: ["a", "b"] });
  assert.deepEqual(at("        depends_on: [|"), { kind: "node", partial: "", replaceStart: 21, exclude: [] });
  const block = "      - name: n\n        depends_on:\n          - first\n          # a comment\n          - sec|";
  assert.deepEqual(at(block), { kind: "node", partial: "sec", replaceStart: 12, exclude: ["first"] });
  // Dashes at the key's own indentation are a list of depends_on too.
  assert.equal(at("        depends_on:\n        - |")?.kind, "node");
  assert.equal(at("        depends_on: x|")?.kind, "node");
});

test("a list item under another key is not a node reference", () => {
  assert.equal(at("        tags:\n          - da|"), undefined);
  assert.equal(at("    nodes:\n      - |"), undefined);
  assert.equal(at("        depends_on: [a]\n        tags:\n          - |"), undefined);
});

test("$pipeline.node after a colon (inputs) completes as one name after the $", () => {
  assert.deepEqual(at("        inputs: {raw: $bro|"), { kind: "inputRef", partial: "bro", replaceStart: 23, exclude: [] });
  assert.deepEqual(at("          raw: $bronze.raw_|"), { kind: "inputRef", partial: "bronze.raw_", replaceStart: 16, exclude: [] });
  // ${...} is a substitution, not a reference.
  assert.equal(at("        path: ${|"), undefined);
});

test("nothing is offered inside a comment, and a # inside quotes is not a comment", () => {
  assert.equal(at("        # connection: |"), undefined);
  assert.equal(at("        read: {path: x} # transformer: |"), undefined);
  assert.equal(inComment("path: \"a # b\", connection: "), false);
  assert.equal(inComment("path: a#b"), false);
});

test("withoutPartial removes only the half-typed name, so the YAML reader does not offer it back", () => {
  const text = "pipelines:\n  - pipeline: p\n    nodes:\n      - name: n\n        transformer: dedu\n        tags: [a]\n";
  const ctx = completionContext(text, 4, 25);
  assert.ok(ctx);
  const cleaned = withoutPartial(text, 4, ctx, 25);
  assert.equal(cleaned, text.replace("transformer: dedu", "transformer: "));
  const used = (t: string) => indexFromYaml("/p/odibi.yaml", () => undefined, new Map([["/p/odibi.yaml", t]])).transformers;
  assert.ok(used(text).some((t) => t.name === "dedu"), "the fragment is seen when not removed");
  assert.ok(!used(cleaned).some((t) => t.name === "dedu"));
});

test("items: connections, transformers, same-pipeline nodes for depends_on, other pipelines first for $refs", () => {
  const index = indexFromYaml(PROJECT_FILE, (f) => require("fs").readFileSync(f, "utf8"));
  const names = (ctx: CompletionContext, where = {}) => completionItems(ctx, index, where).map((i) => i.label);
  const ctx = (kind: CompletionContext["kind"], exclude: string[] = []): CompletionContext => ({ kind, partial: "", replaceStart: 0, exclude });

  assert.deepEqual(names(ctx("connection")), ["landing", "lake"]);
  const transformers = completionItems(ctx("transformer"), index);
  assert.ok(transformers.some((t) => t.label === "deduplicate" && t.documentation?.includes("params: keys, order_by")));
  assert.ok(transformers.some((t) => t.label === "add_band"), "a function the project uses is offered without the CLI");

  assert.deepEqual(names(ctx("node"), { node: "customers", pipeline: "silver" }), ["orders"]);
  assert.deepEqual(names(ctx("node", ["daily_revenue"]), { node: "best_days", pipeline: "gold" }), ["weekly_revenue"]);
  assert.deepEqual(names(ctx("node"), {}).sort(), [
    "best_days", "customers", "daily_revenue", "orders", "raw_customers", "raw_orders", "weekly_revenue",
  ]);

  const refs = completionItems(ctx("inputRef"), index, { node: "orders", pipeline: "silver" });
  const sorted = [...refs].sort((a, b) => a.sortText.localeCompare(b.sortText)).map((r) => r.label);
  assert.deepEqual(sorted, [
    "bronze.raw_customers", "bronze.raw_orders", "gold.best_days", "gold.daily_revenue", "gold.weekly_revenue", "silver.customers",
  ]);
});
