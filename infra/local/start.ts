/**
 * `npm start`: the whole of Mailroom on this machine (see stack.ts), configured by environment
 * variables, until Ctrl-C.
 *
 *   MAILROOM_HTTP_PORT    API and local routes (default 3000)
 *   MAILROOM_SMTP_PORT    SMTP listener standing in for SES receiving (default 2525)
 *   MAILROOM_DATA_DIR     where data survives restarts (default .mailroom/data)
 *   MAILROOM_IN_MEMORY=1  keep nothing on disk
 *   MAILROOM_SEED_FILE    organisation seed (JSON) applied on the first start of a data directory
 *   MAILROOM_WEBHOOK_URL  every event on the local bus is also POSTed there
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from './stack.js';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}

/** Mailbox addresses, for the banner's example commands. */
async function routedAddresses(stack: LocalStack): Promise<string[]> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({
    endpoint: stack.endpoints.dynamodb,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }));
  try {
    const { Items = [] } = await documents.send(new ScanCommand({
      TableName: stack.resources.tableName,
      FilterExpression: 'begins_with(PK, :addr)',
      ExpressionAttributeValues: { ':addr': 'ADDR#' },
    }));
    return Items.map((item) => String(item['PK']).slice('ADDR#'.length)).sort();
  } finally {
    documents.destroy();
  }
}

async function banner(stack: LocalStack): Promise<string> {
  const users = await stack.users();
  const addresses = await routedAddresses(stack);
  const to = addresses[0] ?? 'someone@your-domain.test';
  const firstUser = users[0]?.email ?? 'you@your-domain.test';
  const lines = [
    '',
    '  Mailroom is running locally',
    '',
    `  API              ${stack.httpUrl}/api/   (OpenAPI: ${stack.httpUrl}/api/openapi.json)`,
    `  Events log       ${stack.httpUrl}/local/events`,
    `  SMTP (inbound)   127.0.0.1:${stack.smtpPort}`,
    `  Outbox (SES)     ${stack.sesUrl}/`,
    `  Data             ${stack.dataDir ?? 'in memory (lost on exit)'}`,
    `  Emulators        DynamoDB ${stack.endpoints.dynamodb}, SQS/SNS/S3 ${stack.endpoints.s3}, EventBridge ${stack.endpoints.eventbridge}`,
    `  Started in       ${stack.startupMs} ms (${Object.entries(stack.startupPhases).map(([name, ms]) => `${name.replace(/Ms$/, '')} ${ms}`).join(', ')})${stack.seeded ? ', directory seeded' : ''}`,
    '',
    '  Users (sign in as any of them):',
    ...users.map((user) => `    ${user.email.padEnd(28)} ${user.name}`),
    '',
    '  Addresses that receive mail:',
    `    ${addresses.join(', ') || '(none)'}`,
    '',
    '  Sign in (development token, valid 12 hours):',
    `    curl -s -X POST ${stack.httpUrl}/local/sign-in -H 'content-type: application/json' -d '{"email":"${firstUser}"}'`,
    `    curl -s ${stack.httpUrl}/api/me -H "authorization: Bearer $TOKEN"`,
    '',
    '  Send a test mail:',
    `    swaks --server 127.0.0.1:${stack.smtpPort} --from client@example.org --to ${to} --header 'Subject: Hello' --body 'Bonjour !'`,
    `    node -e "require('nodemailer').createTransport({host:'127.0.0.1',port:${stack.smtpPort},ignoreTLS:true}).sendMail({from:'client@example.org',to:'${to}',subject:'Hello',text:'Bonjour !'}).then(i=>console.log(i.response))"`,
    '',
    '  Ctrl-C to stop.',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const httpPort = portFromEnv('MAILROOM_HTTP_PORT', 3000);
  const smtpPort = portFromEnv('MAILROOM_SMTP_PORT', 2525);
  const inMemory = process.env['MAILROOM_IN_MEMORY'] === '1' || process.env['MAILROOM_IN_MEMORY'] === 'true';
  const seedFile = process.env['MAILROOM_SEED_FILE'] || undefined;
  const webhookUrl = process.env['MAILROOM_WEBHOOK_URL'] || undefined;
  const dataDir = process.env['MAILROOM_DATA_DIR'] || undefined;

  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      httpPort,
      smtpPort,
      inMemory,
      ...(dataDir !== undefined ? { dataDir } : {}),
      ...(seedFile !== undefined ? { seedFile } : {}),
      ...(webhookUrl !== undefined ? { webhookUrl } : {}),
    });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { port?: number };
    if (err.name === 'SeedError') {
      console.error(`\n${seedFile ?? 'The seed'} is not a valid organisation seed.\n${err.message}\n`);
    } else if (err.code === 'EADDRINUSE') {
      console.error(`\nPort ${err.port ?? ''} is already in use. Stop what uses it, or choose other ports with MAILROOM_HTTP_PORT / MAILROOM_SMTP_PORT.\n`);
    } else {
      console.error('\nThe local stack could not start:', error);
    }
    process.exitCode = 1;
    return;
  }

  // Handlers first: a Ctrl-C during the banner must still stop cleanly.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`\n${signal} again: exiting without waiting.`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping (waiting for queued mail to be processed)...`);
    stack.stop().then(
      () => {
        console.log('Stopped.');
        // Everything is closed, so Node exits by itself; if a handle leaked, do not hang.
        setTimeout(() => {
          console.error('Some handles were still open after stop; exiting anyway.');
          process.exit(0);
        }, 3_000).unref();
      },
      (error: unknown) => {
        console.error('Stop failed:', error);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  console.log(await banner(stack));
}

await main();
