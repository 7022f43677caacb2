/**
 * The completion items for a context: which names, in which order, with what explanation.
 * Adapters only turn these into VS Code CompletionItems.
 */

import type { CompletionContext, CompletionKind } from "./completionContext";
import type { ProjectIndex } from "./types";

export interface NameItem {
  label: string;
  kind: CompletionKind;
  detail: string;
  documentation?: string;
  /** Sorts items that fit best first (for `$` references, nodes of other pipelines). */
  sortText: string;
}

export interface Where {
  /** The node the cursor is in: a node never depends on itself. */
  node?: string;
  /** The pipeline the cursor is in. */
  pipeline?: string;
}

export function completionItems(ctx: CompletionContext, index: ProjectIndex, where: Where = {}): NameItem[] {
  switch (ctx.kind) {
    case "connection":
      return index.connections.map((c) => ({
        label: c.name,
        kind: ctx.kind,
        detail: c.type ? `connection (${c.type})` : "connection",
        documentation: c.file ? `Defined in ${c.file}${c.line ? `:${c.line}` : ""}` : undefined,
        sortText: c.name,
      }));
    case "transformer":
      return index.transformers.map((t) => ({
        label: t.name,
        kind: ctx.kind,
        detail: "transformer",
        documentation: [t.description, t.params && t.params.length > 0 ? `params: ${t.params.join(", ")}` : undefined]
          .filter((s): s is string => !!s)
          .join("\n\n") || undefined,
        sortText: t.name,
      }));
    case "node": {
      // depends_on names nodes of the same pipeline (odibi refuses others and points to inputs:).
      const skip = new Set([...ctx.exclude, ...(where.node ? [where.node] : [])]);
      const samePipeline = (pipeline: string | undefined): boolean =>
        where.pipeline === undefined || pipeline === undefined || pipeline === where.pipeline;
      return index.nodes
        .filter((n) => !skip.has(n.name) && samePipeline(n.pipeline))
        .map((n) => ({
          label: n.name,
          kind: ctx.kind,
          detail: n.pipeline ? `node in pipeline ${n.pipeline}` : "node",
          documentation: nodeDoc(n.transformer, n.tags),
          sortText: n.name,
        }));
    }
    case "inputRef":
      return index.nodes
        .filter((n) => n.pipeline !== undefined && n.name !== where.node)
        .map((n) => ({
          label: `${n.pipeline}.${n.name}`,
          kind: ctx.kind,
          detail: "output of a node in another pipeline",
          documentation: nodeDoc(n.transformer, n.tags),
          // Cross-pipeline inputs usually name another pipeline: those first.
          sortText: `${n.pipeline === where.pipeline ? "1" : "0"}_${n.pipeline}.${n.name}`,
        }));
  }
}

function nodeDoc(transformer: string | undefined, tags: string[] | undefined): string | undefined {
  const parts = [
    transformer ? `transformer: ${transformer}` : undefined,
    tags && tags.length > 0 ? `tags: ${tags.join(", ")}` : undefined,
  ].filter((s): s is string => !!s);
  return parts.length > 0 ? parts.join("\n\n") : undefined;
}
