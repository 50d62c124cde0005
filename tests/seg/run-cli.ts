/** Runs the `medsam` command line in-process with captured output, as the CLI tests call it. */
import type { Io } from '../../extension-medsam/src/cli/io';
import { main } from '../../extension-medsam/src/cli/main';

export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: s => void (stdout += s),
    stderr: { isTTY: false, write: (s: string) => ((stderr += s), true) },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
