/**
 * Reads one Odibi YAML file (a project, an imported file or an `env.<name>.yaml` overlay) into the
 * names and positions the editor needs: connections, pipelines, nodes (for the "Run this node"
 * lens) and the transformer names the file already uses.
 *
 * It parses with the `yaml` package rather than with regular expressions because the same names
 * appear in block and flow style (`- name: a` and `- {name: a, ...}`), and because the package keeps
 * going past syntax errors, which is the normal state of a file while someone types in it.
 */

import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from "yaml";
import type { Node as YamlNode, YAMLMap } from "yaml";

import type { ConnectionEntry, NodeEntry, PipelineEntry } from "./types";

export interface ScannedNode extends NodeEntry {
  /** 1-based line where the node's list item starts: the line a code lens goes above. */
  itemLine: number;
  /** 1-based last line of the node's item, to tell which node (and pipeline) a cursor is in. */
  endLine: number;
}

export interface ScannedPipeline extends PipelineEntry {
  itemLine: number;
  endLine: number;
}

export interface ScanResult {
  /** True when the file has a top-level `project:` key: it is a project file, not an import or overlay. */
  isProject: boolean;
  project?: string;
  connections: ConnectionEntry[];
  pipelines: ScannedPipeline[];
  nodes: ScannedNode[];
  /** Values of `transformer:`, `operation:` and `function:` keys anywhere in the file. */
  transformersUsed: string[];
  /** The file's `imports:` entries, as written (relative to the file). */
  imports: string[];
  /** True when the parser reported errors: what was found is what could be read. */
  hasErrors: boolean;
}

const TRANSFORMER_KEYS = new Set(["transformer", "operation", "function"]);

function str(node: unknown): string | undefined {
  if (isScalar(node) && (typeof node.value === "string" || typeof node.value === "number")) {
    const text = String(node.value).trim();
    return text === "" ? undefined : text;
  }
  return undefined;
}

function get(map: YAMLMap, key: string): unknown {
  for (const item of map.items) {
    if (isScalar(item.key) && item.key.value === key) {
      return item.value;
    }
  }
  return undefined;
}

export function scanYaml(text: string, file?: string): ScanResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false, uniqueKeys: false });
  const lineOf = (offset: number): number => lines.linePos(offset).line;
  const lastLineOf = (node: YamlNode): number => {
    const end = node.range ? node.range[1] : 0;
    // range[1] is just past the value; step back over trailing newlines so the end is on real text.
    let at = Math.max(0, end - 1);
    while (at > 0 && (text[at] === "\n" || text[at] === "\r")) {
      at -= 1;
    }
    return lineOf(at);
  };

  const result: ScanResult = {
    isProject: false,
    connections: [],
    pipelines: [],
    nodes: [],
    transformersUsed: [],
    imports: [],
    hasErrors: doc.errors.length > 0,
  };
  const root = doc.contents;
  if (!isMap(root)) {
    return result;
  }

  const project = get(root, "project");
  if (project !== undefined) {
    result.isProject = true;
    result.project = str(project);
  }

  const imports = get(root, "imports");
  if (isSeq(imports)) {
    for (const item of imports.items) {
      const path = str(item);
      if (path) {
        result.imports.push(path);
      }
    }
  }

  const connections = get(root, "connections");
  if (isMap(connections)) {
    for (const pair of connections.items) {
      const name = str(pair.key);
      if (!name) {
        continue;
      }
      const value = pair.value;
      const type = isMap(value) ? str(get(value, "type")) : undefined;
      const keyNode = pair.key as YamlNode;
      result.connections.push({ name, type, file, line: keyNode.range ? lineOf(keyNode.range[0]) : undefined });
    }
  }

  const pipelines = get(root, "pipelines");
  if (isSeq(pipelines)) {
    for (const item of pipelines.items) {
      if (!isMap(item) || !item.range) {
        continue;
      }
      const pipelineName = str(get(item, "pipeline"));
      if (pipelineName) {
        result.pipelines.push({
          name: pipelineName,
          layer: str(get(item, "layer")),
          file,
          line: lineOf(item.range[0]),
          itemLine: lineOf(item.range[0]),
          endLine: lastLineOf(item),
        });
      }
      const nodes = get(item, "nodes");
      if (!isSeq(nodes)) {
        continue;
      }
      for (const nodeItem of nodes.items) {
        if (isMap(nodeItem) && nodeItem.range) {
          const scanned = scanNode(nodeItem, pipelineName, file, lineOf, lastLineOf);
          if (scanned) {
            result.nodes.push(scanned);
          }
        }
      }
    }
  }

  const used = new Set<string>();
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && TRANSFORMER_KEYS.has(String(pair.key.value))) {
        const name = str(pair.value);
        if (name) {
          used.add(name);
        }
      }
    },
  });
  result.transformersUsed = [...used].sort();
  return result;
}

function scanNode(
  map: YAMLMap,
  pipeline: string | undefined,
  file: string | undefined,
  lineOf: (offset: number) => number,
  lastLineOf: (node: YamlNode) => number,
): ScannedNode | undefined {
  const nameNode = get(map, "name");
  const name = str(nameNode);
  if (!name || !map.range) {
    return undefined;
  }
  const tagsNode = get(map, "tags");
  const tags = isSeq(tagsNode) ? tagsNode.items.map(str).filter((t): t is string => !!t) : undefined;
  const sqlSteps: number[] = [];
  const transform = get(map, "transform");
  const steps = isMap(transform) ? get(transform, "steps") : undefined;
  if (isSeq(steps)) {
    for (const step of steps.items) {
      if (!isMap(step)) {
        continue;
      }
      for (const pair of step.items) {
        if (isPair(pair) && isScalar(pair.key) && pair.key.value === "sql" && pair.key.range) {
          sqlSteps.push(lineOf(pair.key.range[0]));
        }
      }
    }
  }
  return {
    name,
    pipeline,
    file,
    // Where the list item starts, as `odibi list --json` reports it (its first key, usually name:).
    line: lineOf(map.range[0]),
    tags,
    transformer: str(get(map, "transformer")),
    sqlSteps,
    itemLine: lineOf(map.range[0]),
    endLine: lastLineOf(map),
  };
}

/** The node whose item spans the 1-based `line`, if any (the innermost is the only one: nodes do not nest). */
export function nodeAtLine(scan: ScanResult, line: number): ScannedNode | undefined {
  return scan.nodes.find((n) => n.itemLine <= line && line <= n.endLine);
}

/** The pipeline whose item spans the 1-based `line`, if any. */
export function pipelineAtLine(scan: ScanResult, line: number): ScannedPipeline | undefined {
  return scan.pipelines.find((p) => p.itemLine <= line && line <= p.endLine);
}
