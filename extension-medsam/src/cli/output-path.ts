/**
 * Checks of the files the command line is asked to write, made before any long work (reading a series, running a
 * model), so that a typing mistake in --out does not cost a whole inference run and its result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from './args';

/** Throws an InputError naming the option, the file and the problem when `file` cannot be written. */
export function checkOutputPath(file: string, option: string): void {
  const where = `--${option} ${file}`;
  const parent = path.dirname(path.resolve(file));
  let parentStat: fs.Stats;
  try {
    parentStat = fs.statSync(parent);
  } catch {
    throw new InputError(`${where}: the folder ${parent} does not exist`);
  }
  if (!parentStat.isDirectory()) throw new InputError(`${where}: ${parent} is a file, not a folder`);
  try {
    fs.accessSync(parent, fs.constants.W_OK);
  } catch {
    throw new InputError(`${where}: the folder ${parent} is not writable`);
  }
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw new InputError(`${where}: is a folder; give a file name`);
  if (stat) {
    try {
      fs.accessSync(file, fs.constants.W_OK);
    } catch {
      throw new InputError(`${where}: the file exists and is not writable`);
    }
  }
}
