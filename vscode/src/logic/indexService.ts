/**
 * The project index completion uses: `odibi list --json` (cached per saved version of the
 * project's files) merged with the YAML reader's view of the live, unsaved text.
 *
 * Free of the VS Code API: the adapter hands in the open documents' text, and tests hand in a
 * fake CLI and fake file versions.
 */

import * as fs from "fs";

import { runOdibiList } from "./cliRunner";
import type { ListRequest, ListResult } from "./cliRunner";
import { indexFromYaml, mergeIndexes } from "./projectIndex";
import type { ReadFile } from "./projectIndex";
import type { ProjectIndex } from "./types";
import { VersionedCache } from "./versionedCache";

export interface IndexRequest {
  cli: string;
  configFile: string;
  env?: string;
  timeoutMs: number;
  /** Absolute path -> text of the files open in the editor (their unsaved text wins over the disk). */
  live: ReadonlyMap<string, string>;
}

export interface IndexServiceDeps {
  runList?: (req: ListRequest) => Promise<ListResult>;
  readFile?: ReadFile;
  /** A string that changes whenever the file changes on disk (default: its mtime and size); undefined if absent. */
  fileVersion?: (file: string) => string | undefined;
  log?: (message: string) => void;
}

function readFileOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function statVersion(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return undefined;
  }
}

export class IndexService {
  private readonly cache = new VersionedCache<ListResult>();
  private readonly runList: (req: ListRequest) => Promise<ListResult>;
  private readonly readFile: ReadFile;
  private readonly fileVersion: (file: string) => string | undefined;
  private readonly log: (message: string) => void;
  private lastMessage: string | undefined;

  constructor(deps: IndexServiceDeps = {}) {
    this.runList = deps.runList ?? runOdibiList;
    this.readFile = deps.readFile ?? readFileOrUndefined;
    this.fileVersion = deps.fileVersion ?? statVersion;
    this.log = deps.log ?? (() => undefined);
  }

  async index(req: IndexRequest): Promise<ProjectIndex> {
    const yaml = indexFromYaml(req.configFile, this.readFile, req.live);
    const key = [req.cli, req.configFile, req.env ?? ""].join("\u0000");
    // The CLI reads the disk, so its answer changes only when a project file changes there: the
    // version is that of the files the project on disk is made of (unsaved edits do not count).
    const onDisk = req.live.size > 0 ? indexFromYaml(req.configFile, this.readFile).files : yaml.files;
    const files = onDisk && onDisk.length > 0 ? onDisk : [req.configFile];
    const version = files.map((f) => `${f}=${this.fileVersion(f) ?? "-"}`).join("|");
    const listed = await this.cache.get(key, version, () =>
      this.runList({ cli: req.cli, configFile: req.configFile, env: req.env, timeoutMs: req.timeoutMs }),
    );
    if (!listed.ok) {
      this.report(`names from the YAML only: ${listed.message}`);
      return yaml;
    }
    this.lastMessage = undefined;
    return mergeIndexes(listed.index, yaml);
  }

  /** Forget the CLI's answers: the next request runs it again (the "Refresh names" command). */
  invalidate(): void {
    this.cache.invalidate();
  }

  private report(message: string): void {
    if (message !== this.lastMessage) {
      this.lastMessage = message;
      this.log(message);
    }
  }
}
