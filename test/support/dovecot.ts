/**
 * A real IMAP server for connector tests: Debian's Dovecot (package `dovecot-imapd`), run in the
 * foreground from a configuration of its own under a temp dir, on a free loopback port, with
 * passwd-file users, no TLS and Maildir storage. Nothing outside the temp dir is read or written,
 * so several test files (or a developer's own Dovecot) can run side by side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerEndpoint } from '../../shared/connectors/types.js';

export const DOVECOT_BINARY = '/usr/sbin/dovecot';

export interface DovecotUser {
  username: string;
  password: string;
}

export interface Dovecot {
  host: string;
  port: number;
  dir: string;
  users: DovecotUser[];
  /** Endpoint of one of the configured users (the first by default). */
  endpoint(username?: string): ServerEndpoint;
  /** Maildir root of a user: `cur/`, `new/`, `tmp/` of INBOX, `.<Folder>/` for the others. */
  maildir(username: string): string;
  /** Dovecot's own log, for a failing test's message. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once the server sends its `* OK` greeting. */
function greets(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('* OK')));
  });
}

/** Dovecot refuses to access mail as root: as root, mail belongs to `nobody`. Files written into a Maildir directly need this owner. */
export const MAIL_UID = process.getuid?.() === 0 ? 65534 : (process.getuid?.() ?? 65534);
export const MAIL_GID = process.getuid?.() === 0 ? 65534 : (process.getgid?.() ?? 65534);

function config(dir: string, port: number): string {
  return `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = mailroom-test-${port}
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests check refused logins: answer them at once rather than after Dovecot's usual 2 s.
auth_failure_delay = 0
mail_location = maildir:${dir}/mail/%u
mail_fsync = never
mail_max_userip_connections = 200
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${MAIL_UID} gid=${MAIL_GID} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  process_min_avail = 1
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
  }
}
`;
}

/**
 * Starts Dovecot with the given users (one `mailroom` user by default) and waits for its
 * greeting. `extraConfig` is appended to the configuration (to mimic a server's capabilities).
 * Throws with Dovecot's log when it does not come up.
 */
export async function startDovecot(options: { users?: DovecotUser[]; extraConfig?: string } = {}): Promise<Dovecot> {
  if (!existsSync(DOVECOT_BINARY)) {
    throw new Error(`${DOVECOT_BINARY} is missing: install Debian's dovecot-imapd (see .ci/run)`);
  }
  const users = options.users ?? [{ username: 'mailroom', password: 'secret-pass' }];
  const dir = await mkdtemp(join(tmpdir(), 'mailroom-dovecot-'));
  // Dovecot's auth process runs as its own unprivileged user and must reach the passwd file.
  await chmod(dir, 0o711);
  for (const sub of ['run', 'state', 'mail', 'home']) await mkdir(join(dir, sub), { recursive: true });
  for (const sub of ['mail', 'home']) await chown(join(dir, sub), MAIL_UID, MAIL_GID);
  await writeFile(join(dir, 'passwd'), users.map((u) => `${u.username}:{PLAIN}${u.password}::::::\n`).join(''), { mode: 0o644 });

  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const configPath = join(dir, 'dovecot.conf');
    await writeFile(configPath, config(dir, port) + (options.extraConfig ?? ''));
    const child: ChildProcess = spawn(DOVECOT_BINARY, ['-F', '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    let exited = false;
    // A test process that dies without stop() must not leave the server running.
    const killOnExit = () => child.kill('SIGTERM');
    process.once('exit', killOnExit);
    child.once('exit', () => { exited = true; process.off('exit', killOnExit); });

    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline) {
      if (await greets('127.0.0.1', port)) {
        return handle(dir, port, users, child);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    lastError = `${stderr}\n${await readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '')}`;
    await stopChild(child);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`Dovecot did not start: ${lastError}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function handle(dir: string, port: number, users: DovecotUser[], child: ChildProcess): Dovecot {
  return {
    host: '127.0.0.1',
    port,
    dir,
    users,
    endpoint(username = users[0]!.username) {
      const user = users.find((u) => u.username === username);
      if (!user) throw new Error(`No Dovecot user ${username}`);
      return { host: '127.0.0.1', port, security: 'none', username: user.username, password: user.password };
    },
    maildir: (username: string) => join(dir, 'mail', username),
    log: () => readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => ''),
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
