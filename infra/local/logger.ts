/**
 * The local stack's console output. `quiet` (tests, benchmarks) silences progress lines but keeps
 * warnings and errors: a failing handler must stay visible even in a quiet run.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export function createLogger(quiet: boolean): Logger {
  return {
    info: (message) => {
      if (!quiet) console.log(`[local] ${message}`);
    },
    warn: (message) => console.warn(`[local] ${message}`),
    error: (message, error) => {
      if (error === undefined) console.error(`[local] ${message}`);
      else console.error(`[local] ${message}:`, error);
    },
  };
}
