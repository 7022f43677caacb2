/**
 * Turns the output of `odibi list --json` into a ProjectIndex.
 *
 * The CLI is another program, possibly a newer or older release than this extension, so the
 * reading is defensive: entries without a usable name are dropped, unknown fields are ignored and
 * fields of the wrong type are left out, rather than failing completion as a whole. Output that
 * is not a JSON object at all is an error with a message that says what came back.
 */

import type { ConnectionEntry, NodeEntry, PipelineEntry, ProjectIndex, TransformerEntry } from "./types";

export class ListOutputError extends Error {}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function lineNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

function strings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) {
    return undefined;
  }
  return value.filter((v): v is string => typeof v === "string");
}

function entries(root: Json, key: string): Json[] {
  const value = root[key];
  if (!Array.isArray(value)) {
    return [];
  }
  return value.filter((e): e is Json => isObject(e) && text(e.name) !== undefined);
}

/** Params may come as names or as objects with a `name` (a richer CLI); either gives the names. */
function paramNames(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) {
    return undefined;
  }
  const names: string[] = [];
  for (const item of value) {
    if (typeof item === "string") {
      names.push(item);
    } else if (isObject(item) && text(item.name)) {
      names.push(item.name as string);
    }
  }
  return names;
}

export function parseListJson(output: string): ProjectIndex {
  let root: unknown;
  try {
    root = JSON.parse(output);
  } catch (err) {
    const start = output.trim().slice(0, 80);
    throw new ListOutputError(`odibi list --json did not print JSON (${(err as Error).message}); it printed: ${start || "nothing"}`);
  }
  if (!isObject(root)) {
    throw new ListOutputError("odibi list --json printed JSON that is not an object");
  }
  const connections: ConnectionEntry[] = entries(root, "connections").map((e) => ({
    name: e.name as string,
    type: text(e.type),
    file: text(e.file),
    line: lineNumber(e.line),
  }));
  const pipelines: PipelineEntry[] = entries(root, "pipelines").map((e) => ({
    name: e.name as string,
    layer: text(e.layer),
    file: text(e.file),
    line: lineNumber(e.line),
  }));
  const nodes: NodeEntry[] = entries(root, "nodes").map((e) => ({
    name: e.name as string,
    pipeline: text(e.pipeline),
    file: text(e.file),
    line: lineNumber(e.line),
    tags: strings(e.tags),
    transformer: text(e.transformer),
    sqlSteps: Array.isArray(e.sql_steps) ? e.sql_steps.map(lineNumber).filter((n): n is number => n !== undefined) : undefined,
  }));
  const transformers: TransformerEntry[] = entries(root, "transformers").map((e) => ({
    name: e.name as string,
    description: text(e.description),
    params: paramNames(e.params),
  }));
  return {
    project: text(root.project),
    configFile: text(root.config_file),
    connections,
    pipelines,
    nodes,
    transformers,
    source: "cli",
  };
}
