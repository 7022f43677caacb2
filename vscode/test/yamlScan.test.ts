import assert from "node:assert/strict";
import { test } from "node:test";

import { nodeAtLine, pipelineAtLine, scanYaml } from "../src/logic/yamlScan";
import { lineOf, PROJECT_FILE, readFixture } from "./helpers";

const text = readFixture("project", "odibi.yaml");

test("finds every node of a project file, in block and flow style, with the line of its list item", () => {
  const scan = scanYaml(text, PROJECT_FILE);
  assert.deepEqual(
    scan.nodes.map((n) => [n.pipeline, n.name, n.itemLine]),
    [
      ["bronze", "raw_orders", lineOf(text, "- name: raw_orders")],
      ["bronze", "raw_customers", lineOf(text, "- {name: raw_customers")],
      ["silver", "orders", lineOf(text, "- name: orders")],
      ["silver", "customers", lineOf(text, "- name: customers")],
    ],
  );
  assert.equal(scan.isProject, true);
  assert.equal(scan.project, "shop");
  assert.deepEqual(scan.imports, ["pipelines/gold.yaml"]);
  assert.equal(scan.hasErrors, false);
});

test("reads connections with their type and line, and the node details the CLI also reports", () => {
  const scan = scanYaml(text, PROJECT_FILE);
  assert.deepEqual(
    scan.connections.map((c) => [c.name, c.type, c.line]),
    [
      ["landing", "local", lineOf(text, "landing: {type")],
      ["lake", "local", lineOf(text, "  lake:")],
    ],
  );
  const orders = scan.nodes.find((n) => n.name === "orders");
  assert.deepEqual(orders?.tags, ["core", "daily"]);
  assert.equal(orders?.transformer, "deduplicate");
  assert.deepEqual(orders?.sqlSteps, [lineOf(text, "- sql: |")]);
  assert.deepEqual(scan.transformersUsed, ["add_band", "deduplicate", "filter_rows"]);
});

test("tells which node and pipeline a line belongs to", () => {
  const scan = scanYaml(text, PROJECT_FILE);
  assert.equal(nodeAtLine(scan, lineOf(text, "FROM df"))?.name, "orders");
  assert.equal(nodeAtLine(scan, lineOf(text, "condition: country"))?.name, "customers");
  assert.equal(pipelineAtLine(scan, lineOf(text, "condition: country"))?.name, "silver");
  assert.equal(nodeAtLine(scan, lineOf(text, "vars:")), undefined);
  assert.equal(pipelineAtLine(scan, lineOf(text, "layer: bronze"))?.name, "bronze");
});

test("keeps reading past a syntax error, as while someone types", () => {
  const broken = [
    "pipelines:",
    "  - pipeline: p",
    "    nodes:",
    "      - name: first",
    "        read: {connection: ",
    "      - name: second",
    "        depends_on: [fi",
    "",
  ].join("\n");
  const scan = scanYaml(broken);
  assert.equal(scan.hasErrors, true);
  assert.ok(scan.nodes.some((n) => n.name === "first"), JSON.stringify(scan.nodes));
  assert.equal(scan.isProject, false);
});

test("an import or overlay file without project: is not a project, and non-mapping YAML gives nothing", () => {
  const overlay = scanYaml(readFixture("project", "env.dev.yaml"));
  assert.equal(overlay.isProject, false);
  assert.deepEqual(overlay.nodes.map((n) => n.name), ["orders"]);
  assert.deepEqual(scanYaml("- a\n- b\n").nodes, []);
  assert.deepEqual(scanYaml("").connections, []);
});

test("a node whose name is not its first key: the lens line is where its item starts, as the CLI reports", () => {
  const gold = readFixture("project", "pipelines", "gold.yaml");
  const node = scanYaml(gold).nodes.find((n) => n.name === "weekly_revenue");
  assert.equal(node?.itemLine, lineOf(gold, "- description: A node whose name"));
  assert.equal(node?.line, node?.itemLine);
  assert.equal(node?.endLine, lineOf(gold, "date_trunc"));
});
