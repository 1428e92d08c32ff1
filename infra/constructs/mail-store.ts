import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { MAIL_PREFIXES, receiptRuleArn } from './mail-layout.js';

export interface MailStoreProps {
  readonly stageName: string;
  /** Expire raw mail under `inbound/` after this many days; undefined keeps it forever. */
  readonly rawMailRetentionDays?: number;
}

/** Raw mail stays in S3 Standard for this long, then moves to Standard-IA (it is rarely re-read). */
export const RAW_MAIL_IA_AFTER_DAYS = 90;
/** Standard-IA bills at least 30 days per object; expiring sooner after the transition costs more than staying. */
const IA_MINIMUM_DAYS = 30;
/** An upload not sent by then was abandoned with its message (compose keeps its own copy). */
export const UPLOAD_EXPIRY_DAYS = 2;
/** Overwritten or deleted versions stay recoverable this long. */
const NONCURRENT_VERSION_DAYS = 30;
const ACCESS_LOG_RETENTION_DAYS = 365;

/**
 * The mail bucket (raw messages, attachments, large bodies) and the bucket receiving its access logs.
 *
 * - SSE-S3, not SSE-KMS or SES's own KMS option: SES's `KmsKeyArn` is client-side encryption
 *   that only the S3 Encryption Client can read back, and SSE-KMS would add a key policy for SES and
 *   a KMS request per object for no gain in who can read the mail (IAM already decides that).
 *   See https://docs.aws.amazon.com/ses/latest/dg/receiving-email-action-s3.html
 * - SES may write under `inbound/` only, and only for this account's receipt rule of this stage
 *   (`aws:SourceAccount` + `aws:SourceArn`, the confused-deputy guard AWS documents).
 *   See https://docs.aws.amazon.com/ses/latest/dg/receiving-email-permissions.html
 * - Versioning protects raw mail against an overwrite or a mistaken delete; noncurrent versions
 *   expire after 30 days so they do not accumulate.
 * - Lifecycle transitions skip objects under 128 KB (the S3 default since 2024), so small messages,
 *   which Standard-IA would bill as 128 KB, stay in Standard.
 *   See https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
 */
export class MailStore extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: MailStoreProps) {
    super(scope, id);

    // Server access logs can only be delivered to a bucket encrypted with SSE-S3. cdk-nag's S1 accepts
    // a bucket without logging when it is the log destination of another bucket.
    // See https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'ExpireAccessLogs', expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const retention = props.rawMailRetentionDays;
    const transitionRawMail = retention === undefined || retention >= RAW_MAIL_IA_AFTER_DAYS + IA_MINIMUM_DAYS;
    const rawMailRule: s3.LifecycleRule = {
      id: 'RawMail',
      prefix: MAIL_PREFIXES.inbound,
      ...(transitionRawMail
        ? { transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(RAW_MAIL_IA_AFTER_DAYS) }] }
        : {}),
      ...(retention !== undefined ? { expiration: Duration.days(retention) } : {}),
    };

    this.bucket = new s3.Bucket(this, 'Mail', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'mail/',
      lifecycleRules: [
        rawMailRule,
        { id: 'AbandonedUploads', prefix: MAIL_PREFIXES.uploads, expiration: Duration.days(UPLOAD_EXPIRY_DAYS) },
        {
          id: 'Housekeeping',
          noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const stack = Stack.of(this);
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesToStoreInboundMail',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${MAIL_PREFIXES.inbound}*`)],
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': receiptRuleArn(stack.partition, stack.region, stack.account, props.stageName),
          },
        },
      }),
    );
  }

  /**
   * Lets the web app PUT attachments straight to their presigned upload links (the API cannot take
   * large bodies), from its own origin only, and only under `uploads/` (the signature fixes the key).
   * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
   */
  allowBrowserUploads(origins: string[]): void {
    this.bucket.addCorsRule({
      allowedMethods: [s3.HttpMethods.PUT],
      allowedOrigins: origins,
      allowedHeaders: ['content-type', 'content-length'],
      maxAge: 3600,
    });
  }
}
