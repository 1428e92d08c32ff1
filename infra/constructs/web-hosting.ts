import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

export interface WebHostingProps {
  /** Where the site bucket's server access logs go (the mail store's log bucket, under `web/`). */
  readonly accessLogsBucket: s3.IBucket;
}

/** App paths answered with `index.html` (the app routes in the browser); hashed files are found as they are. */
const SPA_FALLBACK_TTL = Duration.seconds(10);

/**
 * Where the web app lives in AWS: a private bucket behind CloudFront with origin access control.
 *
 * In the stateful stack because its address is the app's identity: Cognito's allowed callback and
 * logout URLs and the API's CORS origin all name the distribution's domain, so it must not change
 * when the stateless stack is redeployed. The files themselves are written by the stateless stack
 * (web-deployment.ts), which knows the API's URL.
 *
 * - Origin access control, not a public bucket or the legacy origin access identity: only this
 *   distribution may read, with SigV4. See https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
 * - A missing key answers 403 through OAC (no ListBucket); 403 and 404 become `index.html` so deep
 *   links such as `/mailboxes/support/conversations/c1` load the app.
 * - Security headers on every response; the Content-Security-Policy is the app's own `<meta>`,
 *   which the deployment rewrites with the API and sign-in origins.
 */
export class WebHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`, the app's origin. */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: WebHostingProps) {
    super(scope, id);

    this.bucket = new s3.Bucket(this, 'Site', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'web/',
      versioned: false,
      // Rebuilt by every deployment; retained like the rest of this stack so a stack deletion never
      // leaves CloudFormation stuck on a non-empty bucket.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Mailroom web app: HSTS, no sniffing, no framing, same-origin referrer',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Mailroom web app',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        // Honours each object's Cache-Control: immutable for hashed assets, no-cache for index.html and config.json.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: SPA_FALLBACK_TTL })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // North America and Europe edge locations: the lowest price class, where the teams Mailroom targets work.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;

    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'A shared inbox is used wherever its team travels; sign-in (Cognito) and the API guard access, not geography.');
    acknowledge(this.distribution, 'AwsSolutions-CFR2', 'The distribution serves static files only; the API behind API Gateway does the access checks. AWS WAF costs a monthly fee per web ACL plus per request, too much for the small teams Mailroom serves; add one for large deployments.');
    acknowledge(this.distribution, 'AwsSolutions-CFR3', 'CloudFront standard logs need an ACL-enabled bucket; the site bucket has S3 server access logs and the files are public app code, not data.');
    acknowledge(this.distribution, 'AwsSolutions-CFR4', 'The default *.cloudfront.net certificate cannot set a minimum TLS version; a deployment with its own domain and ACM certificate gets TLSv1.2_2021 by setting it on the distribution.');
    acknowledge(this.distribution, 'AwsSolutions-CFR7', 'The origin uses origin access control (S3BucketOrigin.withOriginAccessControl); this rule predates OAC and looks for an origin access identity.');
  }
}
