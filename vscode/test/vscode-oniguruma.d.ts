/** vscode-oniguruma 2.0.1 ships no type declarations (its package.json names a main.d.ts it lacks): the part the tests use. */
declare module "vscode-oniguruma" {
  export function loadWASM(data: ArrayBuffer | { data: ArrayBuffer }): Promise<void>;
  export class OnigScanner {
    constructor(patterns: string[]);
    findNextMatchSync(string: string | OnigString, startPosition: number, options: number): unknown;
    dispose(): void;
  }
  export class OnigString {
    constructor(content: string);
    readonly content: string;
    dispose(): void;
  }
}
