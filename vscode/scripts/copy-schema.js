#!/usr/bin/env node
/*
 * Copies the project's published JSON Schemas into the extension, where package.json's
 * yamlValidation points: odibi.schema.json (`odibi schema`, for odibi.yaml) and
 * odibi.overlay.schema.json (`odibi schema --overlay`, for env.<name>.yaml), both at the
 * repository root. Copies rather than paths outside the folder because an installed extension
 * only has its own files.
 *
 * ODIBI_SCHEMA_DIR names another folder holding both files (for building outside the repository).
 */
"use strict";

const fs = require("fs");
const path = require("path");

const here = path.resolve(__dirname, "..");
const sourceDir = process.env.ODIBI_SCHEMA_DIR || path.join(here, "..");
const SCHEMAS = [
  { file: "odibi.schema.json", command: "odibi schema", projectRequired: true },
  { file: "odibi.overlay.schema.json", command: "odibi schema --overlay", projectRequired: false },
];

function fail(message) {
  console.error(`copy-schema: ${message}`);
  process.exit(1);
}

for (const { file, command, projectRequired } of SCHEMAS) {
  const source = path.join(sourceDir, file);
  let text;
  try {
    text = fs.readFileSync(source, "utf8");
  } catch (err) {
    fail(`cannot read ${source} (${err.code || err.message}). Publish it at the repository root with ` +
      `\`${command} > ${file}\`, or set ODIBI_SCHEMA_DIR to a folder that has it.`);
  }
  let schema;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    fail(`${source} is not JSON (${err.message}); regenerate it with \`${command}\`.`);
  }
  const isOdibi = schema && schema.properties && schema.properties.pipelines && schema.properties.connections;
  const requiresProject = Array.isArray(schema && schema.required) && schema.required.includes("project");
  if (!isOdibi || requiresProject !== projectRequired) {
    fail(`${source} is not the schema \`${command}\` prints (properties or required keys differ).`);
  }
  fs.writeFileSync(path.join(here, file), text);
  console.log(`copy-schema: ${source} -> ${file}`);
}
