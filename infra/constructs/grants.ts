import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeWildcardResources } from './nag.js';

export interface PrefixGrant {
  /** Key prefix ending in `/`. */
  readonly prefix: string;
  readonly access: 'read' | 'readWrite';
}

const READ_ACTIONS = ['s3:GetObject'];
/** `AbortMultipartUpload` lets `@aws-sdk/lib-storage` clean up a failed multipart upload of a large attachment. */
const WRITE_ACTIONS = ['s3:PutObject', 's3:AbortMultipartUpload'];

/** The construct cdk-nag reports a grantee's policy findings on (a function's role). */
function findingScope(grantee: iam.IGrantable): IConstruct {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) throw new Error('Grant to a principal that is not a construct: its IAM5 findings cannot be acknowledged');
  return principal;
}

/**
 * Object access limited to key prefixes: narrower than `bucket.grantRead(grantee, pattern)`, which
 * also grants `s3:GetBucket*` and every `s3:List*` action.
 *
 * `s3:ListBucket` (key names, no content) is granted on the bucket because without it S3 answers
 * a GET on a missing key with 403 AccessDenied instead of 404 NoSuchKey, and `S3BlobStore` turns
 * NoSuchKey into `NotFoundError`. A condition on `s3:prefix` does not help: the GET carries no
 * prefix, so the conditioned permission never applies to it.
 * See https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Permissions)
 *
 * The prefix wildcards are what cdk-nag's IAM5 flags; they are acknowledged here, where they are granted.
 */
export function grantObjects(grantee: iam.IGrantable, bucket: s3.IBucket, grants: PrefixGrant[]): void {
  const readArns = grants.map((g) => bucket.arnForObjects(`${g.prefix}*`));
  const writeArns = grants.filter((g) => g.access === 'readWrite').map((g) => bucket.arnForObjects(`${g.prefix}*`));
  iam.Grant.addToPrincipal({ grantee, actions: READ_ACTIONS, resourceArns: readArns });
  if (writeArns.length > 0) iam.Grant.addToPrincipal({ grantee, actions: WRITE_ACTIONS, resourceArns: writeArns });
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
  acknowledgeWildcardResources(findingScope(grantee), readArns,
    'Object keys are generated per message, so access is granted per key prefix of the mail bucket, never to the whole bucket.');
}

/**
 * Item-level DynamoDB actions the adapters use (`shared/adapters/dynamodb-table.ts`), plus
 * ConditionCheckItem for transactions. Narrower than `grantReadWriteData`, which adds Scan,
 * DescribeTable and the stream reads no Mailroom code performs. Transactions need no action of
 * their own: each item is authorized by the action it performs.
 * See https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
 */
export const TABLE_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/** {@link TABLE_DATA_ACTIONS} on the table and its indexes (`<table arn>/index/*`, acknowledged for cdk-nag here). */
export function grantTableData(grantee: iam.IGrantable, table: dynamodb.ITable): void {
  table.grant(grantee, ...TABLE_DATA_ACTIONS);
  acknowledgeWildcardResources(findingScope(grantee), [`${table.tableArn}/index/*`], 'The table grant covers its GSIs, which Mailroom queries.');
}
