/**
 * What the "Run this node" lenses of a file are: one above each node's list item, each carrying
 * the exact request the command will run, so the command needs nothing but its argument.
 */

import type { RunNodeRequest } from "./commandLine";
import type { ScanResult } from "./yamlScan";

export interface NodeLens {
  /** 0-based line of the node's list item (the lens shows above it). */
  line: number;
  title: string;
  tooltip: string;
  request: RunNodeRequest;
}

/**
 * `env` is the environment the file implies (`env.dev.yaml` -> dev) or, failing that, the
 * `odibi.env` setting; empty means none (odibi then reads $ODIBI_ENV).
 */
export function nodeLenses(scan: ScanResult, cli: string, configFile: string, env: string | undefined): NodeLens[] {
  const chosenEnv = env && env.trim() !== "" ? env.trim() : undefined;
  return scan.nodes.map((node) => {
    const request: RunNodeRequest = { cli, configFile, node: node.name, env: chosenEnv };
    return {
      line: node.itemLine - 1,
      title: chosenEnv ? `$(play) Run this node (env ${chosenEnv})` : "$(play) Run this node",
      tooltip: `odibi run --node ${node.name}${chosenEnv ? ` --env ${chosenEnv}` : ""}${node.pipeline ? ` (pipeline ${node.pipeline})` : ""}`,
      request,
    };
  });
}
