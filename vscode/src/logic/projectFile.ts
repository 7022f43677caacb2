/**
 * Which YAML files are Odibi files, which project file a given file belongs to, and which
 * environment a file implies. Kept apart from the VS Code API so that the rules, which decide what
 * command a lens runs, can be tested directly.
 */

import * as path from "path";

const PROJECT_NAMES = ["odibi.yaml", "odibi.yml"];
const ENV_FILE = /^env\.([A-Za-z0-9_-]+)\.ya?ml$/;

/**
 * True for files the extension should act on: `odibi.yaml`, `env.<name>.yaml`, and any YAML with a
 * top-level `pipelines:` or `connections:` key (imported files, projects under another name).
 * Other YAML (CI workflows, Kubernetes manifests) is left alone.
 */
export function isOdibiFile(file: string, text: string): boolean {
  const base = path.basename(file);
  if (PROJECT_NAMES.includes(base) || ENV_FILE.test(base)) {
    return true;
  }
  return /^(pipelines|connections)[ \t]*:/m.test(text);
}

/** `prod` for `env.prod.yaml`: the environment an overlay file is written for. */
export function envFromFileName(file: string): string | undefined {
  const match = ENV_FILE.exec(path.basename(file));
  return match ? match[1] : undefined;
}

/**
 * The project file to run for a file: the file itself when it has a top-level `project:` key,
 * else the nearest `odibi.yaml` (or `.yml`) in its folder or above, up to `stopAt` (the workspace
 * folder) when given. Undefined when there is none: the lens then has nothing to run.
 */
export function findProjectFile(
  file: string,
  isProject: boolean,
  exists: (candidate: string) => boolean,
  stopAt?: string,
): string | undefined {
  if (isProject) {
    return path.resolve(file);
  }
  const stop = stopAt ? path.resolve(stopAt) : undefined;
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    for (const name of PROJECT_NAMES) {
      const candidate = path.join(dir, name);
      if (exists(candidate)) {
        return candidate;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir || dir === stop) {
      return undefined;
    }
    dir = parent;
  }
}

/**
 * The `odibi` executable to use: the setting when given, else the workspace's `.venv` (where
 * `make setup` installs it), else `odibi` on the PATH.
 */
export function resolveCliPath(
  setting: string | undefined,
  workspaceFolder: string | undefined,
  exists: (candidate: string) => boolean,
  platform: NodeJS.Platform = process.platform,
): string {
  if (setting && setting.trim() !== "") {
    return setting.trim();
  }
  if (workspaceFolder) {
    const venv = platform === "win32"
      ? path.join(workspaceFolder, ".venv", "Scripts", "odibi.exe")
      : path.join(workspaceFolder, ".venv", "bin", "odibi");
    if (exists(venv)) {
      return venv;
    }
  }
  return "odibi";
}
