/** Paths and small helpers shared by the tests (compiled to out/test/, fixtures stay in test/fixtures/). */

import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const EXTENSION_ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(EXTENSION_ROOT, "test", "fixtures");
export const PROJECT = path.join(FIXTURES, "project");
export const PROJECT_FILE = path.join(PROJECT, "odibi.yaml");

export function readFixture(...parts: string[]): string {
  return fs.readFileSync(path.join(FIXTURES, ...parts), "utf8");
}

/** A fresh temporary folder, removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The 1-based line of the first line of `text` that contains `needle`. */
export function lineOf(text: string, needle: string): number {
  const index = text.split("\n").findIndex((l) => l.includes(needle));
  if (index < 0) {
    throw new Error(`'${needle}' is not in the text`);
  }
  return index + 1;
}
