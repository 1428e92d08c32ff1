import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { COMPOSE_ROUTE_KEYS } from '../../shared/api/routes-outbox-spec.js';
import { OPENAPI_ROUTE_KEY, WORKSPACE_ROUTE_KEYS } from '../../shared/api/routes-workspace.js';
import { ENV } from '../../shared/config/env.js';
import { functionAlarms, notifyingAlarm } from './alarms.js';
import { grantObjects, grantTableData } from './grants.js';
import { MAIL_PREFIXES } from './mail-layout.js';
import { MailroomFunction } from './mailroom-function.js';
import { acknowledge } from './nag.js';

/** Steady-state requests per second for the whole stage; a shared inbox UI polls, it does not stream. */
export const API_RATE_LIMIT = 50;
export const API_BURST_LIMIT = 100;
/** Below API Gateway's 30 s integration timeout, so the client gets the function's error, not a 503. */
export const API_TIMEOUT = Duration.seconds(15);
export const API_MEMORY_MB = 512;

export interface MailroomHttpApiProps {
  readonly stageName: string;
  readonly userPool: cognito.IUserPool;
  readonly webClient: cognito.IUserPoolClient;
  readonly corsAllowOrigins: string[];
  readonly mailBucket: s3.IBucket;
  readonly table: dynamodb.ITable;
  /** The table's name as a plain value (an imported table only knows it as a split of its ARN). */
  readonly tableName: string;
  readonly eventBus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  readonly tracing: boolean;
}

/**
 * The web app's API: one HTTP API (cheaper and faster than a REST API, and JWT authorizers are
 * built in) in front of three functions that route internally: the compose function serves the
 * outbox routes (`COMPOSE_ROUTE_KEYS`), the workspace function administration, accounts,
 * templates, drafts, contacts, cases and the OpenAPI document (`WORKSPACE_ROUTE_KEYS`), the API
 * function everything else: what a team uses all day. The outbox's code (MIME builder, HTML
 * sanitiser, S3, SQS and Scheduler clients) and the workspace's would more than double the API
 * function's bundle and its cold start; API Gateway picks the most specific route, so the exact
 * route keys win over the greedy one. The compose function's outbox grants and settings come
 * from `Outbox.grantCompose`.
 * See https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html#http-api-develop-routes.evaluation
 *
 * - `ANY /api/{proxy+}` and the outbox routes require a Cognito JWT whose `aud` (ID token) or `client_id` (access
 *   token) is the web client. The handler identifies users by the `email` claim, which Cognito
 *   puts in the ID token only, so the web app sends its ID token.
 *   See https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 * - `GET /api/openapi.json` is public: it describes the API, holds no data, and lets tools fetch it.
 * - With CORS origins configured, `OPTIONS /api/{proxy+}` is public too: browsers send preflights
 *   without credentials and the greedy `ANY` route would otherwise reject them with 401. API Gateway
 *   adds the configured CORS headers to whatever the function answers (204 expected).
 *   See https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
 */
export class MailroomHttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly handler: MailroomFunction;
  /** Serves the outbox routes (functions/compose/). */
  readonly composeHandler: MailroomFunction;
  /** Serves the workspace routes and the OpenAPI document (functions/workspace/). */
  readonly workspaceHandler: MailroomFunction;

  constructor(scope: Construct, id: string, props: MailroomHttpApiProps) {
    super(scope, id);

    this.handler = new MailroomFunction(this, 'Handler', {
      entry: 'api',
      description: `Mailroom ${props.stageName}: web app API`,
      memorySize: API_MEMORY_MB,
      timeout: API_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.mailBucket]: props.mailBucket.bucketName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.inboundPrefix]: MAIL_PREFIXES.inbound,
        [ENV.stage]: props.stageName,
      },
    });
    this.composeHandler = new MailroomFunction(this, 'ComposeHandler', {
      entry: 'compose',
      description: `Mailroom ${props.stageName}: web app API, outbox routes (compose, reply, cancel, retry)`,
      memorySize: API_MEMORY_MB,
      timeout: API_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.mailBucket]: props.mailBucket.bucketName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.stage]: props.stageName,
      },
    });
    this.workspaceHandler = new MailroomFunction(this, 'WorkspaceHandler', {
      entry: 'workspace',
      description: `Mailroom ${props.stageName}: web app API, workspace routes (administration, accounts, templates, drafts, contacts, cases)`,
      memorySize: API_MEMORY_MB,
      timeout: API_TIMEOUT,
      tracing: props.tracing,
      environment: {
        [ENV.tableName]: props.tableName,
        [ENV.mailBucket]: props.mailBucket.bucketName,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.inboundPrefix]: MAIL_PREFIXES.inbound,
        [ENV.stage]: props.stageName,
      },
    });
    // Case documents and exports hand out links to stored mail, like the API function's downloads.
    grantTableData(this.workspaceHandler, props.table);
    grantObjects(this.workspaceHandler, props.mailBucket, [
      { prefix: MAIL_PREFIXES.inbound, access: 'read' },
      { prefix: MAIL_PREFIXES.attachments, access: 'read' },
      { prefix: MAIL_PREFIXES.bodies, access: 'read' },
    ]);
    props.eventBus.grantPutEventsTo(this.workspaceHandler);
    grantTableData(this.composeHandler, props.table);
    props.eventBus.grantPutEventsTo(this.composeHandler);
    grantTableData(this.handler, props.table);
    grantObjects(this.handler, props.mailBucket, [
      { prefix: MAIL_PREFIXES.inbound, access: 'read' },
      { prefix: MAIL_PREFIXES.attachments, access: 'read' },
      { prefix: MAIL_PREFIXES.bodies, access: 'read' },
    ]);
    props.eventBus.grantPutEventsTo(this.handler);

    const cors = props.corsAllowOrigins.length > 0;
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `mailroom-${props.stageName}`,
      description: 'Mailroom web app API',
      createDefaultStage: false,
      ...(cors
        ? {
            corsPreflight: {
              allowOrigins: props.corsAllowOrigins,
              allowMethods: [apigwv2.CorsHttpMethod.ANY],
              allowHeaders: ['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key'],
              exposeHeaders: ['etag', 'location'],
              maxAge: Duration.hours(1),
              allowCredentials: false,
            },
          }
        : {}),
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: API_RATE_LIMIT, burstLimit: API_BURST_LIMIT },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            // The Cognito subject, not the email: access logs should not collect addresses.
            sub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration('Handler', this.handler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    const authorizer = new HttpUserPoolAuthorizer('Cognito', props.userPool, {
      userPoolClients: [props.webClient],
      identitySource: ['$request.header.Authorization'],
    });

    this.api.addRoutes({ path: '/api/{proxy+}', methods: [apigwv2.HttpMethod.ANY], integration, authorizer });
    const composeIntegration = new HttpLambdaIntegration('ComposeHandler', this.composeHandler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const routeKey of COMPOSE_ROUTE_KEYS) {
      const [method, path] = routeKey.split(' ') as [apigwv2.HttpMethod, string];
      this.api.addRoutes({ path, methods: [method], integration: composeIntegration, authorizer });
    }
    const workspaceIntegration = new HttpLambdaIntegration('WorkspaceHandler', this.workspaceHandler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const routeKey of WORKSPACE_ROUTE_KEYS.filter((key) => key !== OPENAPI_ROUTE_KEY)) {
      const [method, path] = routeKey.split(' ') as [apigwv2.HttpMethod, string];
      this.api.addRoutes({ path, methods: [method], integration: workspaceIntegration, authorizer });
    }
    const publicRoutes = this.api.addRoutes({ path: '/api/openapi.json', methods: [apigwv2.HttpMethod.GET], integration: workspaceIntegration });
    if (cors) {
      publicRoutes.push(...this.api.addRoutes({ path: '/api/{proxy+}', methods: [apigwv2.HttpMethod.OPTIONS], integration }));
    }
    for (const route of publicRoutes) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'Deliberately public: GET /api/openapi.json serves the API description (no data) and OPTIONS answers CORS preflights, which browsers send without credentials. Every other route requires the Cognito JWT.',
      );
    }

    functionAlarms(this, 'Handler', this.handler, props.alarmTopic);
    functionAlarms(this, 'ComposeHandler', this.composeHandler, props.alarmTopic);
    functionAlarms(this, 'WorkspaceHandler', this.workspaceHandler, props.alarmTopic);
    notifyingAlarm(this, 'ServerErrorAlarm', {
      metric: this.stage.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 5,
      description: 'The API answered more than 5 server errors in 5 minutes.',
      topic: props.alarmTopic,
    });
  }

  /** Base URL of the API (the `$default` stage serves it at the root). */
  get url(): string {
    return this.stage.url;
  }
}
