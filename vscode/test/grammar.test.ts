/**
 * The injection grammars, tokenized for real: vscode-textmate and vscode-oniguruma are the engine
 * VS Code itself tokenizes with. The base grammars come from the tm-grammars package: YAML is
 * TextMate's yaml.tmbundle, an older grammar (the one current VS Code releases ship is on no npm
 * package, so it is not tested here), and SQL is VS Code's own.
 */

import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { before, test } from "node:test";

import * as oniguruma from "vscode-oniguruma";
import * as vsctm from "vscode-textmate";

import { EXTENSION_ROOT, readFixture } from "./helpers";

interface Contributed {
  scopeName: string;
  path: string;
  injectTo?: string[];
}

const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_ROOT, "package.json"), "utf8"));
const contributed: Contributed[] = manifest.contributes.grammars;
const BASE: Record<string, string> = {
  "source.yaml": require.resolve("tm-grammars/grammars/yaml.json"),
  "source.sql": require.resolve("tm-grammars/grammars/sql.json"),
};

let yaml: vsctm.IGrammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources) as unknown as vsctm.OnigScanner,
      createOnigString: (text: string) => new oniguruma.OnigString(text) as unknown as vsctm.OnigString,
    }),
    loadGrammar: async (scopeName) => {
      const own = contributed.find((g) => g.scopeName === scopeName);
      const file = own ? path.join(EXTENSION_ROOT, own.path) : BASE[scopeName];
      return file ? vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file) : null;
    },
    // What VS Code does with `injectTo` in package.json.
    getInjections: (scopeName) => contributed.filter((g) => g.injectTo?.includes(scopeName)).map((g) => g.scopeName),
  });
  const grammar = await registry.loadGrammar("source.yaml");
  assert.ok(grammar, "the YAML grammar loads");
  yaml = grammar;
});

interface Token {
  text: string;
  scopes: string[];
}

function tokenize(text: string): Token[][] {
  let state = vsctm.INITIAL;
  return text.split("\n").map((line) => {
    const result = yaml.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

/** The scopes at the first character of `needle` on the first line (from `fromLine`) that has it. */
function scopesAt(lines: Token[][], needle: string, fromLine = 0): string[] {
  for (let i = fromLine; i < lines.length; i += 1) {
    const text = lines[i].map((t) => t.text).join("");
    const at = text.indexOf(needle);
    if (at >= 0) {
      let offset = 0;
      for (const token of lines[i]) {
        if (at < offset + token.text.length) {
          return token.scopes;
        }
        offset += token.text.length;
      }
    }
  }
  throw new Error(`'${needle}' not found`);
}

const has = (scopes: string[], prefix: string): boolean => scopes.some((s) => s.startsWith(prefix));
const EMBEDDED = "meta.embedded.sql.odibi";

test("the manifest contributes both injections to source.yaml, embedding sql", () => {
  assert.deepEqual(contributed.map((g) => [g.scopeName, g.injectTo]), [
    ["odibi.injection.substitution", ["source.yaml"]],
    ["odibi.injection.sql", ["source.yaml"]],
  ]);
  for (const g of contributed) {
    const raw = JSON.parse(fs.readFileSync(path.join(EXTENSION_ROOT, g.path), "utf8"));
    assert.equal(raw.scopeName, g.scopeName);
    assert.match(raw.injectionSelector, /^L:source\.yaml/);
  }
  assert.deepEqual(manifest.contributes.grammars[1].embeddedLanguages, { [EMBEDDED]: "sql" });
});

test("a sql: block scalar is SQL up to the next key, with ${vars.x} and ${date:...} inside it", () => {
  const lines = tokenize(readFixture("project", "odibi.yaml"));
  assert.ok(has(scopesAt(lines, "SELECT *, "), "keyword.other.DML.sql"));
  assert.ok(has(scopesAt(lines, "SELECT *, "), EMBEDDED));
  assert.ok(has(scopesAt(lines, "FROM df"), "keyword.other.DML.sql"));
  const currency = scopesAt(lines, "currency}'");
  assert.ok(has(currency, "variable.other.vars.odibi") && has(currency, EMBEDDED), currency.join(" "));
  assert.ok(has(currency, "string.quoted.single.sql"), "still inside the SQL string");
  assert.ok(!has(scopesAt(lines, "AS currency"), "string"), "the SQL string ends at its quote");
  assert.ok(has(scopesAt(lines, "${vars"), "punctuation.definition.variable.begin.odibi"));
  assert.ok(has(scopesAt(lines, "-7d}"), "constant.other.date.odibi"));
  // The block ends where the next step starts: back to plain YAML.
  const fn = scopesAt(lines, "function: add_band");
  assert.ok(!has(fn, EMBEDDED) && has(fn, "entity.name.tag.yaml"), fn.join(" "));
  assert.ok(!has(scopesAt(lines, "write: {connection: lake, format: delta, path: silver/orders}"), EMBEDDED));
});

test("quoted, plain and flow-mapping values of SQL keys are SQL, and the YAML around them is intact", () => {
  const project = tokenize(readFixture("project", "odibi.yaml"));
  const total = scopesAt(project, "total >= 0");
  assert.ok(has(total, EMBEDDED), total.join(" "));
  // filter: is in a flow mapping: the mapping's closing brace is still YAML's.
  const closing = scopesAt(project, "}", project.findIndex((l) => l.map((t) => t.text).join("").includes("filter:")));
  assert.ok(!has(closing, EMBEDDED), closing.join(" "));
  assert.ok(has(scopesAt(project, "'XX'"), "string.quoted.single.sql"));
  assert.ok(has(scopesAt(project, "country <>"), EMBEDDED));
  assert.ok(!has(scopesAt(project, "orders.csv"), EMBEDDED), "other keys are not SQL");

  const gold = tokenize(readFixture("project", "pipelines", "gold.yaml"));
  assert.ok(has(scopesAt(gold, "SELECT order_date"), "keyword.other.DML.sql"));
  assert.ok(has(scopesAt(gold, "SUM("), EMBEDDED));
  const plain = scopesAt(gold, "SELECT * FROM daily_revenue");
  assert.ok(has(plain, "keyword.other.DML.sql"), plain.join(" "));
  const comment = scopesAt(gold, "# top ten");
  assert.ok(!has(comment, EMBEDDED) && has(comment, "comment"), comment.join(" "));
});

test("a block ends at the key column, keeps blank lines, and works for > and indented keys", () => {
  const lines = tokenize([
    "steps:",
    "  - sql: |",
    "      SELECT 1",
    "",
    "      FROM t",
    "    params: {a: 1}",
    "  - operation: merge",
    "    params:",
    "      delete_condition: >-",
    "        s.deleted = true",
    "      keys: [id]",
    "read:",
    "  query: SELECT id FROM src",
    "  path: x.csv",
  ].join("\n"));
  assert.ok(has(scopesAt(lines, "FROM t"), EMBEDDED), "still SQL after the blank line");
  assert.ok(!has(scopesAt(lines, "params: {a"), EMBEDDED), "a sibling key at the key's column ends the block");
  assert.ok(has(scopesAt(lines, "s.deleted"), EMBEDDED));
  assert.ok(!has(scopesAt(lines, "keys: [id]"), EMBEDDED));
  assert.ok(has(scopesAt(lines, "SELECT id"), "keyword.other.DML.sql"));
  assert.ok(!has(scopesAt(lines, "x.csv"), EMBEDDED));
});

test("substitutions: ${VAR}, ${env:VAR:-default}, ${date:...}; the $${ escape and comments are left alone", () => {
  const lines = tokenize([
    "connections:",
    "  db: {type: postgres, host: \"${env:PG_HOST:-localhost}\", password: ${PG_PASSWORD}}",
    "vars:",
    "  since: ${date:-7d:%Y%m%d}",
    "  literal: \"$${NOT_A_VAR}\"",
    "  # ${vars.in_a_comment}",
  ].join("\n"));
  assert.ok(has(scopesAt(lines, "PG_HOST"), "variable.other.env.odibi"));
  assert.ok(has(scopesAt(lines, ":-localhost"), "keyword.operator.default.odibi"));
  assert.ok(has(scopesAt(lines, "localhost"), "string.unquoted.default.odibi"));
  assert.ok(has(scopesAt(lines, "PG_PASSWORD"), "variable.other.env.odibi"));
  assert.ok(has(scopesAt(lines, "-7d:%Y"), "constant.other.date.odibi"));
  assert.ok(has(scopesAt(lines, "$${"), "constant.character.escape.odibi"));
  assert.ok(!has(scopesAt(lines, "NOT_A_VAR"), "variable.other"), "an escaped ${ is not a variable");
  const comment = scopesAt(lines, "in_a_comment");
  assert.ok(!comment.some((s) => s.endsWith(".odibi")) && has(comment, "comment"), comment.join(" "));
});
