/**
 * Runs the embedded local stack (emulators and glue) in its own process for benchmarks, so the
 * benchmark process's CPU time is the handlers' alone. Prints one JSON line with the environment
 * handlers need, then runs until its standard input closes.
 */
import { startLocalStack } from '../../infra/local/stack.js';

const stack = await startLocalStack({ inMemory: true, httpPort: 0, smtpPort: 0, quiet: true });
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MAILROOM_') || k.startsWith('AWS_')));
process.stdout.write(`${JSON.stringify({ env, httpUrl: stack.httpUrl, startupMs: stack.startupMs })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void stack.stop().then(() => process.exit(0));
});
