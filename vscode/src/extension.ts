/**
 * The VS Code side of the extension: thin adapters that hand editor state to the modules under
 * src/logic/ and turn their answers into completion items, code lenses, terminals and diagnostics.
 *
 * Everything that decides something lives in src/logic/ (unit-tested without VS Code). This file
 * only reads settings and documents and calls the VS Code API, and is not covered by the tests
 * (see README.md, "What is tested").
 */

import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";

import { completionContext, withoutPartial } from "./logic/completionContext";
import type { CompletionKind } from "./logic/completionContext";
import { completionItems } from "./logic/completions";
import { runCli } from "./logic/cliRunner";
import { commandLine, parseProblems, runNodeArgv, shellKindFromPath, validateArgv } from "./logic/commandLine";
import type { RunNodeRequest } from "./logic/commandLine";
import { IndexService } from "./logic/indexService";
import { indexFromYaml } from "./logic/projectIndex";
import { nodeLenses } from "./logic/lenses";
import { envFromFileName, findProjectFile, isOdibiFile, resolveCliPath } from "./logic/projectFile";
import { nodeAtLine, pipelineAtLine, scanYaml } from "./logic/yamlScan";
import type { ScanResult } from "./logic/yamlScan";

const YAML: vscode.DocumentSelector = { language: "yaml", scheme: "file" };
const VALIDATE_TIMEOUT_MS = 120_000;

const ITEM_KINDS: Record<CompletionKind, vscode.CompletionItemKind> = {
  connection: vscode.CompletionItemKind.Reference,
  node: vscode.CompletionItemKind.Module,
  transformer: vscode.CompletionItemKind.Function,
  inputRef: vscode.CompletionItemKind.Reference,
};

interface Settings {
  cli: string;
  env: string;
  timeoutMs: number;
  lenses: boolean;
}

function settingsFor(uri: vscode.Uri): Settings {
  const config = vscode.workspace.getConfiguration("odibi", uri);
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  return {
    cli: resolveCliPath(config.get<string>("cliPath"), folder, fs.existsSync),
    env: config.get<string>("env") ?? "",
    timeoutMs: config.get<number>("listTimeoutMs") ?? 8000,
    lenses: config.get<boolean>("codeLens.enabled") ?? true,
  };
}

/** One scan per document version: lenses and completion ask for it on the same version. */
const scans = new Map<string, { version: number; scan: ScanResult }>();

function scanOf(doc: vscode.TextDocument): ScanResult {
  const key = doc.uri.toString();
  const cached = scans.get(key);
  if (cached && cached.version === doc.version) {
    return cached.scan;
  }
  const scan = scanYaml(doc.getText(), doc.uri.fsPath);
  scans.set(key, { version: doc.version, scan });
  return scan;
}

function projectFileOf(doc: vscode.TextDocument): string | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath;
  return findProjectFile(doc.uri.fsPath, scanOf(doc).isProject, fs.existsSync, folder);
}

/** The unsaved text of every open Odibi file, which wins over the disk when names are read. */
function liveTexts(): Map<string, string> {
  const live = new Map<string, string>();
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.uri.scheme === "file" && doc.languageId === "yaml" && isOdibiFile(doc.uri.fsPath, doc.getText())) {
      live.set(path.resolve(doc.uri.fsPath), doc.getText());
    }
  }
  return live;
}

function completionProvider(service: IndexService): vscode.CompletionItemProvider {
  return {
    async provideCompletionItems(doc, position, token) {
      const text = doc.getText();
      if (!isOdibiFile(doc.uri.fsPath, text)) {
        return undefined;
      }
      const ctx = completionContext(text, position.line, position.character);
      if (!ctx) {
        return undefined;
      }
      const live = liveTexts();
      live.set(path.resolve(doc.uri.fsPath), withoutPartial(text, position.line, ctx, position.character));
      const settings = settingsFor(doc.uri);
      const configFile = projectFileOf(doc);
      const env = envFromFileName(doc.uri.fsPath) ?? settings.env;
      const index = configFile
        ? await service.index({ cli: settings.cli, configFile, env, timeoutMs: settings.timeoutMs, live })
        : indexFromYaml(doc.uri.fsPath, () => undefined, live);
      if (token.isCancellationRequested) {
        return undefined;
      }
      const scan = scanOf(doc);
      const where = { node: nodeAtLine(scan, position.line + 1)?.name, pipeline: pipelineAtLine(scan, position.line + 1)?.name };
      const range = new vscode.Range(position.line, ctx.replaceStart, position.line, position.character);
      return completionItems(ctx, index, where).map((item) => {
        const out = new vscode.CompletionItem(item.label, ITEM_KINDS[item.kind]);
        out.detail = item.detail;
        out.documentation = item.documentation ? new vscode.MarkdownString(item.documentation) : undefined;
        out.sortText = item.sortText;
        out.range = range;
        return out;
      });
    },
  };
}

class NodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const settings = settingsFor(doc.uri);
    if (!settings.lenses || !isOdibiFile(doc.uri.fsPath, doc.getText())) {
      return [];
    }
    const configFile = projectFileOf(doc);
    if (!configFile) {
      return [];
    }
    const env = envFromFileName(doc.uri.fsPath) ?? settings.env;
    return nodeLenses(scanOf(doc), settings.cli, configFile, env).map(
      (lens) =>
        new vscode.CodeLens(new vscode.Range(lens.line, 0, lens.line, 0), {
          title: lens.title,
          tooltip: lens.tooltip,
          command: "odibi.runNode",
          arguments: [lens.request],
        }),
    );
  }
}

/** One terminal per project folder, reused while it is open. */
const terminals = new Map<string, vscode.Terminal>();

function terminalFor(configFile: string): vscode.Terminal {
  const cwd = path.dirname(configFile);
  const existing = terminals.get(cwd);
  if (existing && existing.exitStatus === undefined) {
    return existing;
  }
  const terminal = vscode.window.createTerminal({ name: `odibi: ${path.basename(cwd)}`, cwd });
  terminals.set(cwd, terminal);
  return terminal;
}

async function runNode(request?: RunNodeRequest): Promise<void> {
  let req = request;
  const editor = vscode.window.activeTextEditor;
  if (!req && editor) {
    // From a key binding: the node under the cursor.
    const doc = editor.document;
    const node = nodeAtLine(scanOf(doc), editor.selection.active.line + 1);
    const configFile = projectFileOf(doc);
    if (node && configFile) {
      const settings = settingsFor(doc.uri);
      req = { cli: settings.cli, configFile, node: node.name, env: envFromFileName(doc.uri.fsPath) ?? settings.env };
    }
  }
  if (!req) {
    void vscode.window.showWarningMessage("Odibi: put the cursor in a node of a project file to run it.");
    return;
  }
  // odibi reads the files on disk: run what the editor shows.
  await Promise.all(
    vscode.workspace.textDocuments
      .filter((d) => d.isDirty && d.languageId === "yaml" && isOdibiFile(d.uri.fsPath, d.getText()))
      .map((d) => d.save()),
  );
  const terminal = terminalFor(req.configFile);
  terminal.show(true);
  terminal.sendText(commandLine(runNodeArgv(req), shellKindFromPath(vscode.env.shell)));
}

async function pickProjectFile(): Promise<string | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && doc.languageId === "yaml") {
    const configFile = projectFileOf(doc);
    if (configFile) {
      return configFile;
    }
  }
  const found = await vscode.workspace.findFiles("**/odibi.{yaml,yml}", "**/node_modules/**", 50);
  if (found.length <= 1) {
    return found[0]?.fsPath;
  }
  const picked = await vscode.window.showQuickPick(
    found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: "Which project?" },
  );
  return picked?.uri.fsPath;
}

async function validateProject(output: vscode.OutputChannel, diagnostics: vscode.DiagnosticCollection): Promise<void> {
  const configFile = await pickProjectFile();
  if (!configFile) {
    void vscode.window.showWarningMessage("Odibi: no odibi.yaml found in this workspace.");
    return;
  }
  await Promise.all(vscode.workspace.textDocuments.filter((d) => d.isDirty && d.languageId === "yaml").map((d) => d.save()));
  const settings = settingsFor(vscode.Uri.file(configFile));
  const [program, ...args] = validateArgv(settings.cli, configFile, settings.env);
  const cwd = path.dirname(configFile);
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: "odibi validate" },
    () => runCli(program, args, { cwd, timeoutMs: VALIDATE_TIMEOUT_MS }),
  );
  output.appendLine(`$ ${[program, ...args].join(" ")}`);
  output.append(outcome.stdout + outcome.stderr);
  diagnostics.clear();
  if (outcome.failure === "missing") {
    void vscode.window.showErrorMessage(`Odibi: could not start '${program}'. Install odibi or set odibi.cliPath.`);
    return;
  }
  if (outcome.failure === "timeout") {
    void vscode.window.showErrorMessage(`Odibi: validation took longer than ${VALIDATE_TIMEOUT_MS / 1000} s and was stopped.`);
    return;
  }
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const p of parseProblems(outcome.stderr + outcome.stdout, cwd)) {
    const at = new vscode.Position(Math.max(0, p.line - 1), Math.max(0, p.column - 1));
    const diag = new vscode.Diagnostic(new vscode.Range(at, at.translate(0, 1)), p.message, vscode.DiagnosticSeverity.Error);
    diag.source = "odibi";
    byFile.set(p.file, [...(byFile.get(p.file) ?? []), diag]);
  }
  byFile.forEach((list, file) => diagnostics.set(vscode.Uri.file(file), list));
  if (outcome.exitCode === 0) {
    void vscode.window.showInformationMessage(outcome.stdout.trim().split(/\r?\n/).pop() || "Odibi: the project is valid.");
  } else {
    output.show(true);
    void vscode.window.showErrorMessage(`Odibi: validation failed (exit code ${String(outcome.exitCode)}); see Problems and the Odibi output.`);
  }
}

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel("Odibi");
  const diagnostics = vscode.languages.createDiagnosticCollection("odibi");
  const service = new IndexService({ log: (message) => output.appendLine(message) });
  const lenses = new NodeLensProvider();

  context.subscriptions.push(
    output,
    diagnostics,
    vscode.languages.registerCompletionItemProvider(YAML, completionProvider(service), ":", " ", "$", ".", "[", ",", "-"),
    vscode.languages.registerCodeLensProvider(YAML, lenses),
    vscode.commands.registerCommand("odibi.runNode", (request?: RunNodeRequest) => runNode(request)),
    vscode.commands.registerCommand("odibi.validateProject", () => validateProject(output, diagnostics)),
    vscode.commands.registerCommand("odibi.refreshIndex", () => {
      service.invalidate();
      lenses.refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("odibi")) {
        service.invalidate();
        lenses.refresh();
      }
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => scans.delete(doc.uri.toString())),
    vscode.window.onDidCloseTerminal((closed) => {
      terminals.forEach((terminal, cwd) => terminal === closed && terminals.delete(cwd));
    }),
  );
}

export function deactivate(): void {
  scans.clear();
  terminals.clear();
}
