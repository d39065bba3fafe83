/** Exit codes and the CLI's error types; `run.ts` maps every error to an exit code in one place. @module */

export const EXIT = { ok: 0, failure: 1, usage: 2, config: 78 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the user can act on: the message names the problem, `hint` the next step. */
export class CliError extends Error {
  override name = "CliError";
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, options: { exitCode?: number; hint?: string } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? EXIT.failure;
    this.hint = options.hint;
  }
}

/** A wrong command line: unknown command or flag, missing or malformed value (exit 2). */
export class UsageError extends CliError {
  override name = "UsageError";
  constructor(message: string, hint?: string) {
    super(message, { exitCode: EXIT.usage, ...(hint ? { hint } : {}) });
  }
}
