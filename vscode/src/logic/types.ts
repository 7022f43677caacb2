/**
 * The names the extension completes and the places it points at, whichever source they came from
 * (`odibi list --json` or the extension's own reading of the YAML). One shape for both sources so
 * completion and code lenses never care where a name was learnt.
 *
 * Lines are 1-based, as the CLI reports them; adapters convert to VS Code's 0-based positions.
 */

export interface ConnectionEntry {
  name: string;
  type?: string;
  file?: string;
  line?: number;
}

export interface PipelineEntry {
  name: string;
  layer?: string;
  file?: string;
  line?: number;
}

export interface NodeEntry {
  name: string;
  pipeline?: string;
  file?: string;
  line?: number;
  tags?: string[];
  transformer?: string;
  /** 1-based lines of the node's `sql:` steps (from the CLI; the YAML reader fills them too). */
  sqlSteps?: number[];
}

export interface TransformerEntry {
  name: string;
  description?: string;
  params?: string[];
}

export interface ProjectIndex {
  project?: string;
  configFile?: string;
  connections: ConnectionEntry[];
  pipelines: PipelineEntry[];
  nodes: NodeEntry[];
  transformers: TransformerEntry[];
  /** The YAML files read to build the index (the YAML reader fills it; the CLI does not report it). */
  files?: string[];
  /** Where the names came from, for the completion item's detail and for troubleshooting. */
  source: "cli" | "yaml" | "merged";
}

export function emptyIndex(source: ProjectIndex["source"] = "yaml"): ProjectIndex {
  return { connections: [], pipelines: [], nodes: [], transformers: [], source };
}
