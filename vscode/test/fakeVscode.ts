/**
 * A stand-in for the `vscode` module: just the API src/extension.ts calls, recording what it is
 * asked to do (providers registered, terminals created, text sent, diagnostics set). It lets a test
 * drive the adapters' wiring (0- vs 1-based lines, replace ranges, command arguments) without
 * downloading VS Code. It is not VS Code: how the real editor renders lenses or filters items is
 * not tested by it.
 */

import * as path from "path";

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  };
  fire(value: T): void {
    this.listeners.forEach((l) => l(value));
  }
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
  translate(lines: number, chars: number): Position {
    return new Position(this.line + lines, this.character + chars);
  }
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    this.start = typeof a === "number" ? new Position(a, b as number) : a;
    this.end = typeof a === "number" ? new Position(c as number, d as number) : (b as Position);
  }
}

export class Uri {
  private constructor(readonly fsPath: string, readonly scheme = "file") {}
  static file(p: string): Uri {
    return new Uri(path.resolve(p));
  }
  toString(): string {
    return `file://${this.fsPath}`;
  }
}

export class MarkdownString {
  constructor(readonly value: string) {}
}

export enum CompletionItemKind { Reference = 17, Module = 8, Function = 2 }
export enum DiagnosticSeverity { Error = 0 }
export enum ProgressLocation { Window = 10 }

export class CompletionItem {
  detail?: string;
  documentation?: MarkdownString;
  sortText?: string;
  range?: Range;
  constructor(readonly label: string, readonly kind: CompletionItemKind) {}
}

export class CodeLens {
  constructor(readonly range: Range, readonly command: { title: string; command: string; arguments: unknown[]; tooltip?: string }) {}
}

export class Diagnostic {
  source?: string;
  constructor(readonly range: Range, readonly message: string, readonly severity: DiagnosticSeverity) {}
}

export interface FakeDocument {
  uri: Uri;
  languageId: string;
  version: number;
  isDirty: boolean;
  getText(): string;
  save(): Promise<boolean>;
}

export function document(file: string, text: string, version = 1): FakeDocument {
  return { uri: Uri.file(file), languageId: "yaml", version, isDirty: false, getText: () => text, save: async () => true };
}

/** Everything the extension did, for the test to look at. */
export const recorded = {
  settings: {} as Record<string, unknown>,
  documents: [] as FakeDocument[],
  workspaceFolder: undefined as string | undefined,
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  completionProviders: [] as { provideCompletionItems: (...args: unknown[]) => Promise<CompletionItem[] | undefined> }[],
  lensProviders: [] as { provideCodeLenses: (doc: FakeDocument) => CodeLens[] }[],
  terminals: [] as { name: string; cwd: string; sent: string[]; exitStatus: undefined }[],
  diagnostics: new Map<string, Diagnostic[]>(),
  messages: [] as string[],
  output: [] as string[],
  activeDocument: undefined as FakeDocument | undefined,
};

const disposable = { dispose: () => undefined };

export const workspace = {
  getConfiguration: () => ({ get: (key: string) => recorded.settings[key] }),
  getWorkspaceFolder: () => (recorded.workspaceFolder ? { uri: Uri.file(recorded.workspaceFolder) } : undefined),
  get textDocuments() {
    return recorded.documents;
  },
  findFiles: async () => [],
  asRelativePath: (uri: Uri) => uri.fsPath,
  onDidChangeConfiguration: () => disposable,
  onDidCloseTextDocument: () => disposable,
};

export const window = {
  createOutputChannel: () => ({
    appendLine: (s: string) => recorded.output.push(s),
    append: (s: string) => recorded.output.push(s),
    show: () => undefined,
    dispose: () => undefined,
  }),
  createTerminal: (opts: { name: string; cwd: string }) => {
    const terminal = { ...opts, sent: [] as string[], exitStatus: undefined, show: () => undefined,
      sendText(text: string) { this.sent.push(text); } };
    recorded.terminals.push(terminal);
    return terminal;
  },
  get activeTextEditor() {
    const doc = recorded.activeDocument;
    return doc ? { document: doc, selection: { active: new Position(0, 0) } } : undefined;
  },
  showWarningMessage: async (m: string) => recorded.messages.push(`warning: ${m}`),
  showErrorMessage: async (m: string) => recorded.messages.push(`error: ${m}`),
  showInformationMessage: async (m: string) => recorded.messages.push(`info: ${m}`),
  showQuickPick: async () => undefined,
  withProgress: async (_opts: unknown, task: () => Promise<unknown>) => task(),
  onDidCloseTerminal: () => disposable,
};

export const languages = {
  createDiagnosticCollection: () => ({
    clear: () => recorded.diagnostics.clear(),
    set: (uri: Uri, list: Diagnostic[]) => recorded.diagnostics.set(uri.fsPath, list),
    dispose: () => undefined,
  }),
  registerCompletionItemProvider: (_selector: unknown, provider: (typeof recorded.completionProviders)[number]) => {
    recorded.completionProviders.push(provider);
    return disposable;
  },
  registerCodeLensProvider: (_selector: unknown, provider: (typeof recorded.lensProviders)[number]) => {
    recorded.lensProviders.push(provider);
    return disposable;
  },
};

export const commands = {
  registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
    recorded.commands.set(id, fn);
    return disposable;
  },
};

export const env = { shell: "/bin/bash" };
