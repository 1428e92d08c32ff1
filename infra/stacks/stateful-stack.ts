import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { TABLE } from '../../shared/model/table.js';
import { MailStore } from '../constructs/mail-store.js';
import { WebHosting } from '../constructs/web-hosting.js';
import { acknowledge } from '../constructs/nag.js';
import { exportName, importStatefulRefs, type StatefulRefName, type StatefulRefs } from '../constructs/stateful-refs.js';

export interface StatefulStackProps extends StackProps {
  readonly stageName: string;
  readonly rawMailRetentionDays?: number;
  readonly webCallbackUrls: string[];
  readonly webLogoutUrls: string[];
  /** Cognito domain prefix; defaults to `mailroom-<stage>-<account>`. */
  readonly authDomainPrefix?: string;
}

/** Event archive retention: long enough to replay a bad week into a fixed consumer, short enough to stay cheap. */
export const EVENT_ARCHIVE_RETENTION_DAYS = 90;

/**
 * Everything that holds data or identity: the table, the mail bucket, the event bus and the user
 * pool. It changes rarely and every resource is retained on delete, so the stateless stack
 * (functions, API, queues, SES rules) can be destroyed and redeployed freely.
 */
export class StatefulStack extends Stack {
  readonly table: dynamodb.Table;
  readonly mailBucket: s3.Bucket;
  readonly eventBus: events.EventBus;
  readonly userPool: cognito.UserPool;
  readonly webClient: cognito.UserPoolClient;
  readonly web: WebHosting;
  /**
   * The stateful values as `Fn::ImportValue` of their named exports: what another stack uses
   * (see `stateful-refs.ts`). Within this stack, use the constructs.
   */
  readonly refs: StatefulRefs;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    this.table = createTable(this);
    const mailStore = new MailStore(this, 'MailStore', {
      stageName: props.stageName,
      ...(props.rawMailRetentionDays !== undefined ? { rawMailRetentionDays: props.rawMailRetentionDays } : {}),
    });
    this.mailBucket = mailStore.bucket;
    this.web = new WebHosting(this, 'Web', { accessLogsBucket: mailStore.accessLogsBucket });
    mailStore.allowBrowserUploads([this.web.origin]);

    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: `mailroom-${props.stageName}` });
    this.eventBus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // Every event of this account on the bus, for replay after a consumer bug.
    // See https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html
    this.eventBus.archive('Archive', {
      archiveName: `mailroom-${props.stageName}`,
      description: 'Every Mailroom event, for replay',
      eventPattern: { account: [this.account] },
      retention: Duration.days(EVENT_ARCHIVE_RETENTION_DAYS),
    });

    const { userPool, webClient, domain } = createUserPool(this, {
      ...props,
      // The deployed app signs in from its own origin, besides any URL given in context (a dev server).
      webCallbackUrls: [`${this.web.origin}/auth/callback`, ...props.webCallbackUrls],
      webLogoutUrls: [`${this.web.origin}/`, ...props.webLogoutUrls],
    });
    this.userPool = userPool;
    this.webClient = webClient;

    const values: StatefulRefs = {
      tableName: this.table.tableName,
      tableArn: this.table.tableArn,
      mailBucketName: this.mailBucket.bucketName,
      mailBucketArn: this.mailBucket.bucketArn,
      eventBusName: this.eventBus.eventBusName,
      eventBusArn: this.eventBus.eventBusArn,
      userPoolArn: userPool.userPoolArn,
      webClientId: webClient.userPoolClientId,
      authBaseUrl: domain.baseUrl(),
      webBucketName: this.web.bucket.bucketName,
      webBucketArn: this.web.bucket.bucketArn,
      webDistributionId: this.web.distribution.distributionId,
      webDomainName: this.web.distribution.distributionDomainName,
    };
    const outputIds: Record<StatefulRefName, string> = {
      tableName: 'TableName',
      tableArn: 'TableArn',
      mailBucketName: 'MailBucketName',
      mailBucketArn: 'MailBucketArn',
      eventBusName: 'EventBusName',
      eventBusArn: 'EventBusArn',
      userPoolArn: 'UserPoolArn',
      webClientId: 'WebClientId',
      authBaseUrl: 'AuthBaseUrl',
      webBucketName: 'WebBucketName',
      webBucketArn: 'WebBucketArn',
      webDistributionId: 'WebDistributionId',
      webDomainName: 'WebDomainName',
    };
    for (const key of Object.keys(values) as StatefulRefName[]) {
      new CfnOutput(this, outputIds[key], { value: values[key], exportName: exportName(props.stageName, key) });
    }
    this.refs = importStatefulRefs(props.stageName);
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'WebUrl', { value: `${this.web.origin}/`, description: 'The web app' });
  }
}

/**
 * The single table, built from `TABLE` so the local stack and AWS create the same shape.
 * - On-demand capacity: traffic follows mail arrival and office hours, far from steady.
 * - Point-in-time recovery, deletion protection and RETAIN: the table is the system of record.
 * - AWS-managed KMS key (aws/dynamodb) instead of the AWS-owned default: key use shows in
 *   CloudTrail at no monthly key cost.
 *   See https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html
 * - GSIs project only the attributes listed in `TABLE` (INCLUDE), so list queries never read the
 *   base item and GSI writes stay small.
 */
function createTable(scope: Construct): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: TABLE.ttlAttribute,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of TABLE.indexes) {
    const projected = index.projection === 'list' ? TABLE.listProjection : TABLE.lookupProjection;
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...projected],
    });
  }
  return table;
}

/**
 * Users are invited by an administrator (no self sign-up) and sign in with their email through the
 * Cognito hosted UI; the web app is a public client using the authorization code grant with PKCE
 * (Cognito enforces PKCE when the authorize request carries a `code_challenge`; a public client has
 * no secret to protect the code otherwise).
 * See https://docs.aws.amazon.com/cognito/latest/developerguide/using-pkce-in-authorization-code.html
 */
function createUserPool(scope: StatefulStack, props: StatefulStackProps) {
  const userPool = new cognito.UserPool(scope, 'UserPool', {
    userPoolName: `mailroom-${props.stageName}`,
    selfSignUpEnabled: false,
    signInAliases: { email: true },
    signInCaseSensitive: false,
    autoVerify: { email: true },
    // A changed email stays unusable for sign-in until the new address is verified.
    keepOriginal: { email: true },
    standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
    passwordPolicy: {
      minLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
      tempPasswordValidity: Duration.days(3),
      passwordHistorySize: 5,
    },
    // Authenticator apps only: SMS costs per message and email MFA needs an SES sending identity.
    mfa: cognito.Mfa.OPTIONAL,
    mfaSecondFactor: { otp: true, sms: false, email: false },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    // Essentials: free up to 10,000 monthly active users and needed for password history.
    // See https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-sign-in-feature-plans.html
    featurePlan: cognito.FeaturePlan.ESSENTIALS,
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledge(
    userPool,
    'AwsSolutions-COG2',
    'MFA is optional (authenticator apps) so invited users can sign in the first time without an enrolment step the web app does not offer yet; an organisation that needs it can switch the pool to required MFA.',
  );
  acknowledge(
    userPool,
    'AwsSolutions-COG8',
    'The Plus plan (threat protection) is billed per monthly active user from the first user; the Essentials plan is free for the small teams Mailroom serves. Re-evaluate for large deployments.',
  );

  const webClient = userPool.addClient('WebClient', {
    userPoolClientName: 'web',
    generateSecret: false,
    // Only the hosted UI signs users in; no password ever reaches the web app.
    authFlows: { user: false, userPassword: false, userSrp: false, custom: false, adminUserPassword: false },
    oAuth: {
      flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
      scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
      callbackUrls: props.webCallbackUrls,
      logoutUrls: props.webLogoutUrls,
    },
    supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    preventUserExistenceErrors: true,
    enableTokenRevocation: true,
    idTokenValidity: Duration.hours(1),
    accessTokenValidity: Duration.hours(1),
    refreshTokenValidity: Duration.days(30),
  });

  const domain = userPool.addDomain('Domain', {
    cognitoDomain: { domainPrefix: props.authDomainPrefix ?? `mailroom-${props.stageName}-${Aws.ACCOUNT_ID}` },
  });

  return { userPool, webClient, domain };
}
