import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { REPO_ROOT, cdkBundlingOptions, entryPath, type FunctionName } from './bundling.js';
import { acknowledge } from './nag.js';

export interface MailroomFunctionProps {
  /** Which entry of `FUNCTION_ENTRIES` to deploy. */
  readonly entry: FunctionName;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Values keyed by the names in `shared/config/env.ts`. */
  readonly environment: Record<string, string>;
  /** Active X-Ray tracing; off by default because traces are billed per recorded segment. */
  readonly tracing?: boolean;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The only way Mailroom deploys a function, so every function gets the same runtime, architecture,
 * bundle format and logging.
 *
 * - arm64 (Graviton) is ~20% cheaper per GB-second than x86 for the same code.
 *   See https://aws.amazon.com/lambda/pricing/
 * - The runtime is pinned to Node.js 22 rather than "latest" so a CDK upgrade never changes it
 *   silently. See https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
 * - The log group is created by the stack (retention, removal with the stack) and the role gets
 *   write access to that group only, instead of the `AWSLambdaBasicExecutionRole` managed policy,
 *   which allows writing to every log group in the account.
 * - No reserved concurrency: it would be carved out of the account pool even when idle. Consumers
 *   that need a ceiling (the inbound queue) set `maxConcurrency` on their event source instead.
 *   See https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
 */
export class MailroomFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: MailroomFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: entryPath(props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}/package-lock.json`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: props.tracing === true ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      bundling: cdkBundlingOptions(),
      environment: {
        ...props.environment,
        // Maps stack traces from the minified bundle back to the TypeScript sources.
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 is pinned on purpose: it is the version the project builds and tests against, and Lambda supports it until 2027. Moving to a newer runtime is a deliberate change, not a side effect of upgrading CDK.',
    );
    if (props.tracing === true) {
      acknowledge(
        role,
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions; "*" is the only valid resource.',
      );
    }
  }
}
