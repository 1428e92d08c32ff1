/**
 * The embedded local stack: the whole system on one machine, running the same Lambda handlers
 * with the real AWS SDK clients pointed at local emulators (dynalite for DynamoDB; fauxqs for SQS,
 * SNS and S3; aws-ses-v2-local for SES sending) and at thin stand-ins for what no emulator
 * provides (SES receiving over SMTP, the SQS event source mapping, API Gateway with its JWT
 * authorizer, EventBridge). The handlers only see environment variables: nothing in `functions/`
 * or `shared/` imports from here.
 *
 * One stack per process at a time: the handlers read `process.env`, which `startLocalStack` sets
 * and `stop()` restores. Integration tests therefore start one stack per test file (vitest's
 * `forks` pool gives each file its own process); stacks started one after another in the same
 * process are fine, and reuse the first one's emulator ports (see `stickyPorts`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import sesLocal from 'aws-ses-v2-local';
import { clearStore as clearSesStore } from 'aws-ses-v2-local/dist/store.js';
import { ENV } from '../../shared/config/env.js';
import { ENDPOINT_ENV } from '../../shared/adapters/aws.js';
import { OUTBOX_ENV } from '../../shared/outbox/env.js';
import { EVENT_SOURCE } from '../../shared/events/contracts.js';
import { CONSUMED_DETAIL_TYPES, TIMERS_ENV } from '../../shared/workflow/timers.js';
import { MAIL_PREFIXES } from '../constructs/mail-layout.js';
import type { Seed } from '../../shared/org/seed.js';
import { matchesRouteKey } from '../../shared/api/router.js';
import { COMPOSE_ROUTE_KEYS } from '../../shared/api/routes-outbox-spec.js';
import { WORKSPACE_ROUTE_KEYS } from '../../shared/api/routes-workspace.js';
import type { DevUser } from './dev-tokens.js';
import { signDevToken } from './dev-tokens.js';
import type { EventPattern } from './event-pattern.js';
import { startEventBus, type BusEvent, type RuleTarget } from './event-bus.js';
import { addDeliveryRule, putSesEvent, type DeliveryHandler, type SesEventInput } from './ses-events.js';
import { startFauxqsServer, type FauxqsHandle } from './fauxqs-server.js';
import { startHttpGateway, type ApiHandler, type HttpGateway } from './http-gateway.js';
import { createLogger } from './logger.js';
import { ensureBucket, ensureInbound, ensureOutbox, ensureTable, ensureTimers, LOCAL_NAMES, type InboundResources, type OutboxResources } from './resources.js';
import { startLocalScheduler } from './scheduler.js';
import { startAccountSync } from './account-sync.js';
import { startSmtpReceiver, type SmtpReceiver } from './smtp-receiver.js';
import { startSqsPoller, type SqsHandler, type SqsPoller } from './sqs-poller.js';

export type { BusEvent, RuleTarget } from './event-bus.js';
export type { EventPattern } from './event-pattern.js';

export const DEFAULT_DATA_DIR = '.mailroom/data';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const INBOUND_PREFIX = MAIL_PREFIXES.inbound;
/**
 * As deployed (infra/constructs/inbound-mail.ts and http-api.ts; not imported from there because
 * those modules load aws-cdk-lib, which takes seconds).
 */
const INBOUND_MAX_RECEIVES = 3;
const INBOUND_BATCH_SIZE = 5;
const INBOUND_TIMEOUT_MS = 60_000;
const API_TIMEOUT_MS = 15_000;
/** As deployed in infra/constructs/outbox.ts. */
const SENDER_TIMEOUT_MS = 60_000;
const DELIVERY_TIMEOUT_MS = 30_000;
const OUTBOX_MAX_RECEIVES = 5;
const OUTBOX_BATCH_SIZE = 10;
const TIMERS_TIMEOUT_MS = 30_000;
const TIMERS_MAX_RECEIVES = 5;

/**
 * Per-service endpoint variables read by `shared/adapters/aws.ts`: the emulators listen on
 * different ports, so one endpoint cannot serve them all.
 */
export const ENDPOINT_VARS = ENDPOINT_ENV;

export type LocalEndpoints = { [K in keyof typeof ENDPOINT_VARS]: string };

/** Ports of the emulators; 0 picks a free one. */
export interface EmulatorPorts {
  dynamodb?: number;
  /** fauxqs: SQS, SNS and S3 on one port. */
  fauxqs?: number;
  ses?: number;
  eventBus?: number;
  /** EventBridge Scheduler stand-in (one-time schedules to SQS). */
  scheduler?: number;
}

export interface LocalStackOptions {
  /** Where tables, objects and the token secret live (default `.mailroom/data`). */
  dataDir?: string;
  /** Keep everything in memory (tests): nothing is read from or written to `dataDir`. */
  inMemory?: boolean;
  /** API Gateway stand-in (default 3000; 0 = any free port). */
  httpPort?: number;
  /** SMTP listener standing in for SES receiving (default 2525; 0 = any free port). */
  smtpPort?: number;
  ports?: EmulatorPorts;
  /** Organisation seed applied on first start instead of the demo organisation. */
  seedFile?: string;
  /** Every event put on the local bus is also POSTed there. */
  webhookUrl?: string;
  /** Only warnings and errors on the console. */
  quiet?: boolean;
  /** Visibility timeout of the inbound queue in seconds (default 2: failed mail retries quickly). */
  visibilityTimeoutSeconds?: number;
  /** Concurrent inbound invocations (default 1). */
  inboundConcurrency?: number;
  /**
   * Replace a handler (tests of the glue itself, benchmarks of one stage). By default the stack
   * loads `functions/<name>/handler.ts`; `compose` gets the outbox routes, `api` every other one.
   */
  handlers?: { inbound?: SqsHandler; api?: ApiHandler; compose?: ApiHandler; workspace?: ApiHandler; sender?: SqsHandler; delivery?: DeliveryHandler; timers?: SqsHandler };
  /** Outbox settings, for tests that cannot wait for the deployed defaults (10 s undo, 30 s first retry). */
  outbox?: { undoSeconds?: number; maxAttempts?: number; retryBaseMs?: number; retryMaxMs?: number };
  /**
   * Called once with the SDK clients the glue itself uses (pollers, scheduler deliveries, SMTP
   * stand-in), e.g. to count their requests with a middleware (`npm run bench:outbox`); the
   * handlers' own clients are not among them.
   */
  instrumentClients?: (clients: { dynamodb: DynamoDBClient; s3: S3Client; sqs: SQSClient; sns: SNSClient }) => void;
}

export interface LocalStack {
  /** API Gateway stand-in: `/api/*`, plus `/local/sign-in`, `/local/events`, `/local/health`. */
  httpUrl: string;
  /** SMTP port on 127.0.0.1 (SES receiving stand-in). */
  smtpPort: number;
  /** aws-ses-v2-local: SES v2 API, viewer at `/`, JSON at `/store`. */
  sesUrl: string;
  /** EventBridge stand-in (PutEvents). */
  eventBusUrl: string;
  /** Endpoint per AWS service, as exported in `MAILROOM_ENDPOINT_*`. */
  endpoints: LocalEndpoints;
  /** Names and ARNs of the stateful resources. */
  resources: {
    tableName: string;
    mailBucket: string;
    eventBusName: string;
    inboundPrefix: string;
    /** Outbox queue (sender triggers) and its DLQ. */
    outbox: OutboxResources;
  } & InboundResources;
  /** Data directory in use, or null in memory. */
  dataDir: string | null;
  /** Ports the emulators got (pass them to a later stack to keep the same endpoints). */
  ports: Required<EmulatorPorts>;
  /** Whether this start applied the seed (first start of a data directory). */
  seeded: boolean;
  /** Wall time of `startLocalStack`, in milliseconds. */
  startupMs: number;
  /** Where that time went: emulators, resources, seed, handler import, listeners. */
  startupPhases: Record<string, number>;
  /**
   * Resolves once the inbound queue is empty, no SMTP message is being stored, no inbound
   * invocation runs and no event-bus target is running; rejects after `timeoutMs`.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Events received by the local bus, oldest first. */
  events(): BusEvent[];
  /** Routes matching bus events to `target` (EventBridge pattern syntax); returns a remover. */
  addRule(pattern: EventPattern, target: RuleTarget): () => void;
  /**
   * Publishes an SES event record (delivery, bounce, complaint, delay, reject) as SES event
   * publishing would: it reaches the delivery handler through the bus and the deployed rule
   * pattern (ses-events.ts). `drain()` waits for it.
   */
  injectSesEvent(record: SesEventInput): Promise<void>;
  /** A development token for a user of the directory (what `POST /local/sign-in` returns). */
  signIn(email: string): Promise<string>;
  /** Users of the directory (from the table, so also after a restart). */
  users(): Promise<DevUser[]>;
  /** Closes every listener and emulator and restores `process.env`. */
  stop(): Promise<void>;
}

/**
 * Emulator ports of the first stack in this process. The handler modules build their SDK clients
 * (and the dependencies holding them) once per process, as a Lambda container does, so a later
 * stack must answer on the same endpoints: by default it reuses these ports.
 */
let stickyPorts: Required<EmulatorPorts> | undefined;
let running = false;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (running) throw new Error('A local stack is already running in this process; stop it first (handlers share process.env)');
  running = true;
  const started = performance.now();
  const phases: Record<string, number> = {};
  let phaseStart = started;
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = Math.round(now - phaseStart);
    phaseStart = now;
  };
  const logger = createLogger(options.quiet ?? false);
  const cleanups: (() => Promise<void>)[] = [];
  const restoreEnv = new Map<string, string | undefined>();
  const setEnv = (name: string, value: string): void => {
    if (!restoreEnv.has(name)) restoreEnv.set(name, process.env[name]);
    process.env[name] = value;
  };
  const undo = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => logger.error('stop: cleanup failed', error));
    cleanups.length = 0;
    for (const [name, value] of restoreEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    restoreEnv.clear();
    running = false;
  };

  try {
    // A broken seed file stops the start before anything listens.
    const seed = await loadSeed(options.seedFile);

    const inMemory = options.inMemory ?? false;
    const dataDir = inMemory ? null : resolve(options.dataDir ?? DEFAULT_DATA_DIR);
    if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
    const tokenSecret = dataDir === null ? randomBytes(32).toString('hex') : persistentSecret(dataDir);

    const wanted = (name: keyof EmulatorPorts): number => {
      const given = options.ports?.[name];
      return given !== undefined && given !== 0 ? given : stickyPorts?.[name] ?? 0;
    };

    // Scheduler targets are the outbox queue, known once the queues exist (below).
    let deliverScheduled: (targetArn: string, input: string) => Promise<void> = async (arn) => {
      throw new Error(`no queue ${arn} yet`);
    };
    const [dynamo, fauxqs, ses, bus, scheduler] = await Promise.all([
      startDynalite(wanted('dynamodb'), dataDir === null ? undefined : join(dataDir, 'dynamodb')),
      startFauxqsServer({ port: wanted('fauxqs'), s3Dir: dataDir === null ? undefined : join(dataDir, 's3') }),
      startSes(wanted('ses')),
      startEventBus({ port: wanted('eventBus'), region: REGION, account: ACCOUNT, webhookUrl: options.webhookUrl, logger }),
      startLocalScheduler({ port: wanted('scheduler'), region: REGION, account: ACCOUNT, deliver: (arn, input) => deliverScheduled(arn, input), logger }),
    ]);
    cleanups.push(dynamo.stop, fauxqs.stop, ses.stop, bus.stop, scheduler.stop);
    phase('emulatorsMs');
    const ports = { dynamodb: dynamo.port, fauxqs: fauxqs.port, ses: ses.port, eventBus: bus.port, scheduler: scheduler.port };
    if (stickyPorts !== undefined && JSON.stringify(stickyPorts) !== JSON.stringify(ports)) {
      throw new Error(`An earlier local stack in this process used the emulator ports ${JSON.stringify(stickyPorts)}, and the handlers keep clients bound to them; this one got ${JSON.stringify(ports)}. Omit \`ports\` (or pass the same ones), or start the stack in another process.`);
    }
    stickyPorts = ports;

    const endpoints: LocalEndpoints = {
      dynamodb: dynamo.url,
      s3: fauxqs.url,
      sqs: fauxqs.url,
      sns: fauxqs.url,
      ses: ses.url,
      eventbridge: bus.url,
      // No Scheduler emulator exists: a stand-in for one-time schedules to SQS (scheduler.ts).
      scheduler: scheduler.url,
    };

    setEnv('AWS_REGION', REGION);
    if (process.env['AWS_ACCESS_KEY_ID'] === undefined) setEnv('AWS_ACCESS_KEY_ID', 'local');
    if (process.env['AWS_SECRET_ACCESS_KEY'] === undefined) setEnv('AWS_SECRET_ACCESS_KEY', 'local');
    for (const [service, name] of Object.entries(ENDPOINT_VARS)) setEnv(name, endpoints[service as keyof LocalEndpoints]);
    setEnv(ENV.tableName, LOCAL_NAMES.table);
    setEnv(ENV.mailBucket, LOCAL_NAMES.mailBucket);
    setEnv(ENV.eventBusName, LOCAL_NAMES.eventBus);
    setEnv(ENV.inboundPrefix, INBOUND_PREFIX);
    setEnv(ENV.inboundMaxReceives, String(INBOUND_MAX_RECEIVES));
    setEnv(ENV.stage, 'local');
    setEnv(ENV.devTokenSecret, tokenSecret);

    // The glue's own clients, configured explicitly (the handlers build theirs from the env).
    const clientConfig = { region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    const dynamodb = new DynamoDBClient({ ...clientConfig, endpoint: endpoints.dynamodb });
    const documents = DynamoDBDocumentClient.from(dynamodb);
    const s3 = new S3Client({ ...clientConfig, endpoint: endpoints.s3, forcePathStyle: true });
    const sqs = new SQSClient({ ...clientConfig, endpoint: endpoints.sqs });
    const sns = new SNSClient({ ...clientConfig, endpoint: endpoints.sns });
    options.instrumentClients?.({ dynamodb, s3, sqs, sns });
    cleanups.push(async () => {
      for (const client of [documents, dynamodb, s3, sqs, sns]) client.destroy();
    });

    const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 2;
    const tableCreated = await ensureTable(dynamodb, LOCAL_NAMES.table, logger);
    await ensureBucket(s3, LOCAL_NAMES.mailBucket);
    const inbound = await ensureInbound(sns, sqs, { visibilityTimeoutSeconds, maxReceiveCount: INBOUND_MAX_RECEIVES });
    const outbox = await ensureOutbox(sqs, { visibilityTimeoutSeconds, maxReceiveCount: OUTBOX_MAX_RECEIVES });
    const timers = await ensureTimers(sqs, { visibilityTimeoutSeconds, maxReceiveCount: TIMERS_MAX_RECEIVES });
    deliverScheduled = async (targetArn, input) => {
      const queueUrl = targetArn === outbox.queueArn ? outbox.queueUrl : targetArn === timers.queueArn ? timers.queueUrl : null;
      if (queueUrl === null) throw new Error(`the local scheduler only targets the outbox and timers queues, not ${targetArn}`);
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: input }));
    };
    setEnv(TIMERS_ENV.queueArn, timers.queueArn);
    setEnv(TIMERS_ENV.scheduleGroup, LOCAL_NAMES.timersScheduleGroup);
    setEnv(TIMERS_ENV.schedulerRoleArn, `arn:aws:iam::${ACCOUNT}:role/mailroom-local-timers-scheduler`);
    setEnv(OUTBOX_ENV.queueUrl, outbox.queueUrl);
    setEnv(OUTBOX_ENV.queueArn, outbox.queueArn);
    setEnv(OUTBOX_ENV.scheduleGroup, LOCAL_NAMES.outboxScheduleGroup);
    setEnv(OUTBOX_ENV.schedulerRoleArn, `arn:aws:iam::${ACCOUNT}:role/mailroom-local-scheduler`);
    const outboxSettings = options.outbox ?? {};
    if (outboxSettings.undoSeconds !== undefined) setEnv(OUTBOX_ENV.undoSeconds, String(outboxSettings.undoSeconds));
    if (outboxSettings.maxAttempts !== undefined) setEnv(OUTBOX_ENV.maxAttempts, String(outboxSettings.maxAttempts));
    if (outboxSettings.retryBaseMs !== undefined) setEnv(OUTBOX_ENV.retryBaseMs, String(outboxSettings.retryBaseMs));
    if (outboxSettings.retryMaxMs !== undefined) setEnv(OUTBOX_ENV.retryMaxMs, String(outboxSettings.retryMaxMs));

    phase('resourcesMs');

    const seedMarker = dataDir === null ? null : join(dataDir, 'seeded.json');
    const mustSeed = tableCreated || (seedMarker !== null && !existsSync(seedMarker));
    if (mustSeed) {
      const { seedOrganisation } = await import('../../shared/org/bootstrap.js');
      const { demoSeed } = await import('../../shared/org/seed.js');
      await seedOrganisation(seed ?? demoSeed);
      if (seedMarker !== null) {
        writeFileSync(seedMarker, JSON.stringify({ at: new Date().toISOString(), source: options.seedFile ?? 'demo' }));
      }
      logger.info(`seeded the directory from ${options.seedFile ?? 'the demo organisation'}`);
    } else if (options.seedFile !== undefined) {
      logger.warn(`${options.seedFile} ignored: ${dataDir ?? ''} was seeded already (delete it to start afresh)`);
    }

    phase('seedMs');

    const inboundHandler = options.handlers?.inbound ?? (await loadHandler<SqsHandler>('inbound'));
    // Loaded now rather than on the first request, so a broken API module fails the start.
    const apiHandler: ApiHandler = dispatchApi(
      options.handlers?.api ?? (await loadHandler<ApiHandler>('api')),
      options.handlers?.compose ?? (await loadHandler<ApiHandler>('compose')),
      options.handlers?.workspace ?? (await loadHandler<ApiHandler>('workspace')),
    );
    const senderHandler = options.handlers?.sender ?? (await loadHandler<SqsHandler>('sender'));
    const deliveryHandler = options.handlers?.delivery ?? (await loadHandler<DeliveryHandler>('delivery'));
    const timersHandler = options.handlers?.timers ?? (await loadHandler<SqsHandler>('timers'));
    phase('handlersMs');
    const removeDeliveryRule = addDeliveryRule(bus, deliveryHandler, { region: REGION, timeoutMs: DELIVERY_TIMEOUT_MS, logger });
    cleanups.push(async () => removeDeliveryRule());
    const poller: SqsPoller = startSqsPoller({
      sqs,
      queueUrl: inbound.queueUrl,
      queueArn: inbound.queueArn,
      region: REGION,
      handler: inboundHandler,
      functionName: 'mailroom-inbound',
      timeoutMs: INBOUND_TIMEOUT_MS,
      batchSize: INBOUND_BATCH_SIZE,
      visibilityTimeoutSeconds,
      concurrency: options.inboundConcurrency ?? 1,
      logger,
    });
    cleanups.push(poller.stop);
    const senderPoller: SqsPoller = startSqsPoller({
      sqs,
      queueUrl: outbox.queueUrl,
      queueArn: outbox.queueArn,
      region: REGION,
      handler: senderHandler,
      functionName: 'mailroom-sender',
      timeoutMs: SENDER_TIMEOUT_MS,
      batchSize: OUTBOX_BATCH_SIZE,
      visibilityTimeoutSeconds,
      concurrency: 2,
      logger,
    });
    cleanups.push(senderPoller.stop);
    // As infra/constructs/timers.ts: a bus rule puts the events that set a timer on the timers queue.
    const removeArmingRule = bus.addRule({ source: [EVENT_SOURCE], 'detail-type': [...CONSUMED_DETAIL_TYPES] }, async (event) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: timers.queueUrl, MessageBody: JSON.stringify(event) }));
    });
    cleanups.push(async () => removeArmingRule());
    const timersPoller: SqsPoller = startSqsPoller({
      sqs,
      queueUrl: timers.queueUrl,
      queueArn: timers.queueArn,
      region: REGION,
      handler: timersHandler,
      functionName: 'mailroom-timers',
      timeoutMs: TIMERS_TIMEOUT_MS,
      batchSize: OUTBOX_BATCH_SIZE,
      visibilityTimeoutSeconds,
      concurrency: 1,
      logger,
    });
    cleanups.push(timersPoller.stop);
    // As infra/constructs/mail-accounts.ts: the sync queue and function, the account-change rule, the rate schedules, the check routes.
    const accountSync = await startAccountSync({
      sqs, bus, region: REGION, account: ACCOUNT, dataDir, inboundQueueUrl: inbound.queueUrl, visibilityTimeoutSeconds, setEnv, logger,
    });
    cleanups.push(accountSync.stop);
    const deliverOutboxOrTimers = deliverScheduled;
    deliverScheduled = (targetArn, input) => (targetArn === accountSync.queueArn ? accountSync.deliver(input) : deliverOutboxOrTimers(targetArn, input));
    // As infra/constructs/contacts.ts: received messages reach the contacts function (address book,
    // cases). Invoked directly with the record the contacts queue would deliver; a failed record fails the target.
    const { handler: contactsHandler } = await import('../../functions/contacts/handler.js');
    const { CONTACTS_DETAIL_TYPES } = await import('../../shared/contacts/participants-consumer.js');
    const { lambdaContext: contactsContext } = await import('./lambda-context.js');
    const removeContactsRule = bus.addRule({ source: [EVENT_SOURCE], 'detail-type': [...CONTACTS_DETAIL_TYPES] }, async (event) => {
      const record = { messageId: event.id, receiptHandle: event.id, body: JSON.stringify(event), attributes: {}, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:mailroom-local-contacts`, awsRegion: REGION };
      const result = await contactsHandler({ Records: [record] } as never, contactsContext('mailroom-contacts', REGION, 60_000));
      if (result && result.batchItemFailures.length > 0) throw new Error(`contacts: ${event['detail-type']} ${event.id} failed`);
    });
    cleanups.push(async () => removeContactsRule());
    // As infra/constructs/stats.ts: a bus rule invokes the stats function with replies sent and conversations closed.
    const { handleStatsEvent } = await import('../../functions/stats/handler.js');
    const { Table: StatsTable } = await import('../../shared/adapters/dynamodb-table.js');
    const { STATS_DETAIL_TYPES } = await import('../../shared/stats/stats.js');
    const statsTable = new StatsTable(documents, LOCAL_NAMES.table);
    const removeStatsRule = bus.addRule({ source: [EVENT_SOURCE], 'detail-type': [...STATS_DETAIL_TYPES] }, async (event) => {
      await handleStatsEvent(event as Parameters<typeof handleStatsEvent>[0], statsTable);
    });
    cleanups.push(async () => removeStatsRule());
    // As infra/constructs/search.ts: received and queued messages are indexed for search. Locally the
    // rule invokes the indexer directly (one record per event), so `drain()`, which waits for bus
    // targets, also waits until a message is searchable.
    const { handleIndexer } = await import('../../functions/indexer/handler.js');
    const { indexerDepsFromEnv } = await import('../../shared/search/deps.js');
    const { INDEXED_DETAIL_TYPES } = await import('../../shared/search/indexer.js');
    const indexerDeps = indexerDepsFromEnv();
    const removeIndexRule = bus.addRule({ source: [EVENT_SOURCE], 'detail-type': [...INDEXED_DETAIL_TYPES] }, async (event) => {
      const record = { messageId: event.id, body: JSON.stringify(event) } as Parameters<typeof handleIndexer>[0]['Records'][number];
      const { batchItemFailures } = await handleIndexer({ Records: [record] }, indexerDeps);
      if (batchItemFailures.length > 0) throw new Error(`indexing ${event.id} failed`);
    });
    cleanups.push(async () => removeIndexRule());
    // As infra/constructs/notifications.ts: events that cause system mail (auto-acknowledgements,
    // notification emails) invoke the notify function, which queues the mail on the outbox queue.
    const { handler: notifyHandler } = await import('../../functions/notify/handler.js');
    const { NOTIFY_DETAIL_TYPES } = await import('../../shared/outbox/notify-events.js');
    const { lambdaContext: notifyContext } = await import('./lambda-context.js');
    const removeNotifyRule = bus.addRule({ source: [EVENT_SOURCE], 'detail-type': [...NOTIFY_DETAIL_TYPES] }, async (event) => {
      await notifyHandler(event, notifyContext('mailroom-notify', REGION, 30_000));
    });
    cleanups.push(async () => removeNotifyRule());

    const smtp: SmtpReceiver = await startSmtpReceiver({
      port: options.smtpPort ?? 2525,
      s3,
      sns,
      bucket: LOCAL_NAMES.mailBucket,
      prefix: INBOUND_PREFIX,
      topicArn: inbound.topicArn,
      logger,
    });
    cleanups.push(smtp.stop);

    const findUser = async (email: string): Promise<DevUser | null> => {
      const { Item } = await documents.send(new GetCommand({ TableName: LOCAL_NAMES.table, Key: { PK: `USER#${email.toLowerCase()}`, SK: 'USER' } }));
      return Item === undefined ? null : toDevUser(Item, email);
    };

    const gateway: HttpGateway = await startHttpGateway({
      port: options.httpPort ?? 3000,
      region: REGION,
      timeoutMs: API_TIMEOUT_MS,
      tokenSecret,
      apiHandler: accountSync.dispatch(apiHandler),
      findUser,
      events: () => bus.events(),
      logger,
      // The app PUTs uploads to this gateway's origin, which forwards them to the S3 emulator.
      s3Endpoint: endpoints.s3,
    });
    cleanups.push(gateway.stop);

    const drain = async (timeoutMs = 30_000): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      let quietChecks = 0;
      let last = '';
      while (quietChecks < 2) {
        const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({
          QueueUrl: inbound.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }));
        const counts = {
          visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
          inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
          delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
          smtp: smtp.pending(),
          invocations: poller.busy(),
          busTargets: bus.pending(),
        };
        last = JSON.stringify(counts);
        quietChecks = Object.values(counts).every((count) => count === 0) ? quietChecks + 1 : 0;
        if (quietChecks >= 2) break;
        if (Date.now() > deadline) throw new Error(`drain: still busy after ${timeoutMs} ms: ${last}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };

    phase('listenersMs');
    const startupMs = Math.round(performance.now() - started);
    logger.info(`local stack up in ${startupMs} ms`);
    let stopped = false;
    return {
      httpUrl: gateway.url,
      smtpPort: smtp.port,
      sesUrl: ses.url,
      eventBusUrl: bus.url,
      endpoints,
      resources: {
        tableName: LOCAL_NAMES.table,
        mailBucket: LOCAL_NAMES.mailBucket,
        eventBusName: LOCAL_NAMES.eventBus,
        inboundPrefix: INBOUND_PREFIX,
        outbox,
        ...inbound,
      },
      dataDir,
      ports,
      seeded: mustSeed,
      startupMs,
      startupPhases: phases,
      drain,
      events: () => bus.events(),
      addRule: (pattern, target) => bus.addRule(pattern, target),
      injectSesEvent: (record) => putSesEvent(bus.url, REGION, record),
      signIn: async (email) => {
        const user = await findUser(email.trim().toLowerCase());
        if (user === null) throw new Error(`No user ${email} in the directory`);
        return (await signDevToken(user, tokenSecret)).token;
      },
      users: async () => {
        const users: DevUser[] = [];
        let ExclusiveStartKey: Record<string, unknown> | undefined;
        do {
          const page = await documents.send(new ScanCommand({
            TableName: LOCAL_NAMES.table,
            FilterExpression: 'SK = :user',
            ExpressionAttributeValues: { ':user': 'USER' },
            ExclusiveStartKey,
          }));
          for (const item of page.Items ?? []) users.push(toDevUser(item, String(item['email'] ?? '')));
          ExclusiveStartKey = page.LastEvaluatedKey;
        } while (ExclusiveStartKey !== undefined);
        return users.sort((a, b) => a.email.localeCompare(b.email));
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await smtp.stop();
        // Queued messages are not persisted (fauxqs keeps SQS in memory): let them finish.
        if (dataDir !== null) await drain(5_000).catch((error: unknown) => logger.warn(String(error)));
        await undo();
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}

async function loadSeed(seedFile: string | undefined): Promise<Seed | undefined> {
  if (seedFile === undefined) return undefined;
  const { parseSeed } = await import('../../shared/org/seed.js');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(seedFile, 'utf8'));
  } catch (error) {
    throw new Error(`Seed file ${seedFile} is not readable JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseSeed(json);
}

/**
 * API Gateway's routing between the API functions (infra/constructs/http-api.ts): requests
 * matching one of `COMPOSE_ROUTE_KEYS` go to the compose function, `WORKSPACE_ROUTE_KEYS` to the
 * workspace function, everything else, as `ANY /api/{proxy+}`, to the API function.
 */
export function dispatchApi(api: ApiHandler, compose: ApiHandler, workspace: ApiHandler): ApiHandler {
  return (event, context) => {
    const { method } = event.requestContext.http;
    if (COMPOSE_ROUTE_KEYS.some((key) => matchesRouteKey(key, method, event.rawPath))) return compose(event, context);
    if (WORKSPACE_ROUTE_KEYS.some((key) => matchesRouteKey(key, method, event.rawPath))) return workspace(event, context);
    return api(event, context);
  };
}

/** The handler modules are imported only after the environment is set: they build clients from it. */
async function loadHandler<T>(name: 'inbound' | 'api' | 'compose' | 'workspace' | 'sender' | 'delivery' | 'timers'): Promise<T> {
  const module: { handler?: unknown } = name === 'inbound'
    ? await import('../../functions/inbound/handler.js')
    : name === 'timers' ? await import('../../functions/timers/handler.js')
    : name === 'delivery' ? await import('../../functions/delivery/handler.js')
    : name === 'sender' ? await import('../../functions/sender/handler.js')
      : name === 'compose' ? await import('../../functions/compose/handler.js')
      : name === 'workspace' ? await import('../../functions/workspace/handler.js') : await import('../../functions/api/handler.js');
  if (typeof module.handler !== 'function') throw new Error(`functions/${name}/handler.ts must export a function named handler`);
  return module.handler as T;
}

function toDevUser(item: Record<string, unknown>, fallbackEmail: string): DevUser {
  const groups = item['groups'];
  return {
    email: typeof item['email'] === 'string' ? item['email'] : fallbackEmail,
    name: typeof item['name'] === 'string' ? item['name'] : fallbackEmail,
    groups: groups instanceof Set ? [...groups].map(String) : Array.isArray(groups) ? groups.map(String) : [],
  };
}

/** One secret per data directory, so tokens survive restarts but not a new directory. */
function persistentSecret(dataDir: string): string {
  const file = join(dataDir, 'dev-token-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

interface Listening {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function startDynalite(port: number, path: string | undefined): Promise<Listening> {
  if (path !== undefined) mkdirSync(path, { recursive: true });
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path !== undefined ? { path } : {}) });
  const actual = await listen(server, port);
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    // dynalite's close also closes LevelDB, which must happen before the directory is reopened.
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function startSes(port: number): Promise<Listening> {
  // aws-ses-v2-local reports a busy port as an uncaught 'error' event: check it first.
  if (port !== 0) {
    const probe = createServer();
    await listen(probe, port);
    await new Promise((resolve) => probe.close(resolve));
  }
  // A CommonJS module with `exports.default`: Node's ESM loader hands over `module.exports`,
  // bundler-style interop (vitest) the function itself.
  const interop = sesLocal as unknown as typeof sesLocal.default | typeof sesLocal;
  const start = typeof interop === 'function' ? interop : interop.default;
  const server = await start({ host: '127.0.0.1', port });
  const actual = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${actual}`;
  // Its store is global to the process; a new stack starts with an empty outbox.
  clearSesStore();
  return {
    url,
    port: actual,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
