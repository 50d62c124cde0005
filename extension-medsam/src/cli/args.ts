/** A small command-line parser: `--name value`, `--name=value`, repeated options, boolean flags, positionals. */
import { CodedError } from '../engine/coded-error';

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

/** A command line that does not parse: exit status 2 with the usage. */
export class UsageError extends CodedError<'USAGE'> {
  constructor(message: string) {
    super('UsageError', 'USAGE', message);
  }
}

/**
 * Bad input that is not a matter of the command's syntax (a file that cannot be read or written, a JSON file of the
 * wrong shape): exit status 2 like a usage error, but one line naming the file and the problem, without the usage.
 */
export class InputError extends CodedError<'BAD_INPUT'> {
  constructor(message: string) {
    super('InputError', 'BAD_INPUT', message);
  }
}

export function parseArgs(
  argv: readonly string[],
  spec: { options: readonly string[]; flags: readonly string[] },
): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq > 0 ? eq : undefined);
    if (spec.flags.includes(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
    } else if (spec.options.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      out.options.set(name, [...(out.options.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return out;
}

export function one(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  if (v && v.length > 1) throw new UsageError(`--${name} given ${v.length} times`);
  return v?.[0];
}

export function required(args: ParsedArgs, name: string): string {
  const v = one(args, name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

export function num(args: ParsedArgs, name: string, fallback: number): number {
  const v = one(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
}
