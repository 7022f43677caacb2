/**
 * Decides, from the text before the cursor, whether the cursor is where an Odibi name goes and
 * which kind of name: a connection (`connection:`), a node (`depends_on:` in flow or block style),
 * a transformer (`transformer:`, `operation:`, `function:`) or a `$pipeline.node` input reference.
 *
 * Works on lines rather than on a parsed document because the document is usually not valid YAML
 * at the moment completion is asked for (`connection: ` with nothing after it yet, an unclosed
 * `[`): the current line and the indentation of the lines above are enough to tell.
 */

export type CompletionKind = "connection" | "node" | "transformer" | "inputRef";

export interface CompletionContext {
  kind: CompletionKind;
  /** What has been typed of the name so far (for `$bronze.ra`, `bronze.ra`). */
  partial: string;
  /** 0-based character where the name starts on the line: the range a chosen item replaces. */
  replaceStart: number;
  /** Names already listed next to this one (`depends_on: [a, b, |]`), not to offer again. */
  exclude: string[];
}

const NAME = "[A-Za-z0-9_.-]*";
const KEY_BOUNDARY = "(?:^|[\\s{,])";
const TRANSFORMER_KEYS: Record<string, CompletionKind> = {
  connection: "connection",
  transformer: "transformer",
  operation: "transformer",
  function: "transformer",
};

const INPUT_REF = /:\s*["']?\$([A-Za-z0-9_]*(?:\.[A-Za-z0-9_]*)?)$/;
const NAMED_KEY = new RegExp(`${KEY_BOUNDARY}(connection|transformer|operation|function)\\s*:\\s*["']?(${NAME})$`);
const DEPENDS_FLOW = new RegExp(`${KEY_BOUNDARY}depends_on\\s*:\\s*\\[([^\\]]*)$`);
const DEPENDS_SCALAR = new RegExp(`${KEY_BOUNDARY}depends_on\\s*:\\s*["']?(${NAME})$`);
const BLOCK_ITEM = new RegExp(`^([ \\t]*)-[ \\t]+["']?(${NAME})$`);
const DEPENDS_BLOCK_KEY = /^[ \t]*(?:-[ \t]+)?depends_on[ \t]*:[ \t]*(?:#.*)?$/;

/** True when the prefix ends inside a YAML comment (a `#` after whitespace, outside quotes). */
export function inComment(prefix: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < prefix.length; i += 1) {
    const ch = prefix[i];
    if (quote) {
      if (ch === quote) {
        quote = undefined;
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === "#" && (i === 0 || /\s/.test(prefix[i - 1]))) {
      return true;
    }
  }
  return false;
}

function unquote(item: string): string {
  return item.trim().replace(/^["']|["']$/g, "");
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** The completion context at 0-based (`line`, `character`) of `text`, or undefined if no name goes there. */
export function completionContext(text: string, line: number, character: number): CompletionContext | undefined {
  const lines = text.split(/\r?\n/);
  const current = lines[line];
  if (current === undefined) {
    return undefined;
  }
  const prefix = current.slice(0, character);
  if (inComment(prefix)) {
    return undefined;
  }

  let match = INPUT_REF.exec(prefix);
  if (match) {
    return { kind: "inputRef", partial: match[1], replaceStart: character - match[1].length, exclude: [] };
  }
  match = NAMED_KEY.exec(prefix);
  if (match) {
    return { kind: TRANSFORMER_KEYS[match[1]], partial: match[2], replaceStart: character - match[2].length, exclude: [] };
  }
  match = DEPENDS_FLOW.exec(prefix);
  if (match) {
    const items = match[1].split(",");
    const partial = unquote(items[items.length - 1]);
    const exclude = items.slice(0, -1).map(unquote).filter((s) => s !== "");
    return { kind: "node", partial, replaceStart: character - partial.length, exclude };
  }
  match = DEPENDS_SCALAR.exec(prefix);
  if (match) {
    return { kind: "node", partial: match[1], replaceStart: character - match[1].length, exclude: [] };
  }
  match = BLOCK_ITEM.exec(prefix);
  if (match) {
    const siblings = blockListOwner(lines, line, match[1].length);
    if (siblings) {
      return { kind: "node", partial: match[2], replaceStart: character - match[2].length, exclude: siblings };
    }
  }
  return undefined;
}

/**
 * For a `- item` at `dashIndent` on `line`, walks up past its sibling items to the key that owns
 * the list. Returns the siblings' values when that key is `depends_on:`, else undefined.
 */
function blockListOwner(lines: string[], line: number, dashIndent: number): string[] | undefined {
  const siblings: string[] = [];
  for (let i = line - 1; i >= 0; i -= 1) {
    const text = lines[i];
    const trimmed = text.trim();
    if (trimmed === "" || trimmed.startsWith("#")) {
      continue;
    }
    const indent = indentOf(text);
    if (indent > dashIndent) {
      continue; // the continuation of an earlier item
    }
    if (indent === dashIndent && trimmed.startsWith("-")) {
      const value = unquote(trimmed.slice(1).replace(/\s#.*$/, ""));
      if (value !== "") {
        siblings.push(value);
      }
      continue;
    }
    return DEPENDS_BLOCK_KEY.test(text) ? siblings : undefined;
  }
  return undefined;
}

/**
 * `text` without the half-typed name at the cursor. The YAML reader would otherwise count the
 * fragment (`transformer: dedu`) as a transformer the project uses and offer it back.
 */
export function withoutPartial(text: string, line: number, ctx: CompletionContext, character: number): string {
  const lines = text.split(/(?<=\n)/);
  const current = lines[line];
  if (current === undefined || ctx.partial === "") {
    return text;
  }
  lines[line] = current.slice(0, ctx.replaceStart) + current.slice(character);
  return lines.join("");
}
