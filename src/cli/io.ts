/**
 * Where the CLI writes. Commands take a CliIo instead of touching process.stdout, so tests run
 * them in-process and read exactly what a user would see.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** true when stderr is a terminal: progress bars instead of plain lines */
  readonly isTTY: boolean;
  /** environment variables (CONVSCOPE_DATA, CONVSCOPE_KERNELS) */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** the working directory relative paths resolve against */
  readonly cwd: string;
}

export function processIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}
