/**
 * Builds the completion index from the project's YAML and merges it with what `odibi list --json`
 * reported.
 *
 * Two sources because each misses something: the CLI sees the project as odibi does (imports,
 * custom transformer functions registered in Python) but only what is saved on disk, and it is
 * absent when odibi is not installed; the YAML reader sees the unsaved text of the open file
 * (a node typed a second ago) but cannot know Python-registered functions.
 */

import * as path from "path";

import { BUILTIN_TRANSFORMERS } from "./builtinTransformers";
import type { ProjectIndex, TransformerEntry } from "./types";
import { emptyIndex } from "./types";
import { scanYaml } from "./yamlScan";

/** Returns a file's text, or undefined when it cannot be read. */
export type ReadFile = (file: string) => string | undefined;

/** How deep `imports:` are followed; a project deeper than this is almost surely a cycle. */
const MAX_IMPORT_DEPTH = 8;

/**
 * Reads `configFile` and the files it imports (recursively). `live` maps absolute paths to the
 * text open in the editor, which wins over the disk. A live file in the project's folder (or
 * below) is read even when nothing imports it, so an `env.dev.yaml` being edited contributes its
 * names; open files of other projects do not.
 */
export function indexFromYaml(configFile: string, readFile: ReadFile, live: ReadonlyMap<string, string> = new Map()): ProjectIndex {
  const index = emptyIndex("yaml");
  index.configFile = configFile;
  index.files = [];
  const used = new Set<string>();
  const seen = new Set<string>();

  const visitFile = (file: string, depth: number): void => {
    const key = path.resolve(file);
    if (seen.has(key) || depth > MAX_IMPORT_DEPTH) {
      return;
    }
    seen.add(key);
    const text = live.get(key) ?? readFile(key);
    if (text === undefined) {
      return;
    }
    index.files?.push(key);
    const scan = scanYaml(text, key);
    if (scan.isProject && index.project === undefined) {
      index.project = scan.project;
    }
    index.connections.push(...scan.connections);
    index.pipelines.push(...scan.pipelines.map(({ name, layer, file: f, line }) => ({ name, layer, file: f, line })));
    index.nodes.push(
      ...scan.nodes.map(({ name, pipeline, file: f, line, tags, transformer, sqlSteps }) => ({
        name, pipeline, file: f, line, tags, transformer, sqlSteps,
      })),
    );
    scan.transformersUsed.forEach((t) => used.add(t));
    for (const imported of scan.imports) {
      visitFile(path.resolve(path.dirname(key), imported), depth + 1);
    }
  };

  visitFile(configFile, 0);
  const projectDir = path.dirname(path.resolve(configFile)) + path.sep;
  for (const file of live.keys()) {
    if (path.resolve(file).startsWith(projectDir)) {
      visitFile(file, 0);
    }
  }
  index.connections = uniqueByName(index.connections);
  index.pipelines = uniqueByName(index.pipelines);
  index.nodes = uniqueByName(index.nodes);
  index.transformers = withUsed([...BUILTIN_TRANSFORMERS], used);
  return index;
}

function withUsed(builtins: TransformerEntry[], used: Set<string>): TransformerEntry[] {
  const known = new Set(builtins.map((t) => t.name));
  const extra = [...used]
    .filter((name) => !known.has(name))
    .map((name) => ({ name, description: "Used in this project (odibi list --json was not available to describe it)." }));
  return [...builtins, ...extra];
}

/** First entry per name wins: overlays repeat names from the project file, and the project file is read first. */
function uniqueByName<T extends { name: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.name)) {
      return false;
    }
    seen.add(item.name);
    return true;
  });
}

/**
 * The CLI's index, plus the names only the live YAML has. The CLI's transformer list is taken
 * alone when present: it is complete (built-ins and the project's functions), whereas the YAML's
 * "used" names may include a half-typed or misspelt one.
 */
export function mergeIndexes(cli: ProjectIndex | undefined, yaml: ProjectIndex): ProjectIndex {
  if (!cli) {
    return yaml;
  }
  return {
    project: cli.project ?? yaml.project,
    configFile: cli.configFile ?? yaml.configFile,
    connections: uniqueByName([...cli.connections, ...yaml.connections]),
    pipelines: uniqueByName([...cli.pipelines, ...yaml.pipelines]),
    nodes: uniqueByName([...cli.nodes, ...yaml.nodes]),
    transformers: cli.transformers.length > 0 ? cli.transformers : yaml.transformers,
    source: "merged",
  };
}
