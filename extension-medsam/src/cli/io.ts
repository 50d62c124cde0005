/**
 * Where a command writes: results to stdout, progress, warnings and errors to stderr. main() passes the process's
 * streams; tests pass collectors. A leaf module, so that every command can take it without importing main.ts.
 */
export interface Io {
  stdout: (s: string) => void;
  stderr: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): boolean };
}
