import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcardResources } from './nag.js';

/** `web/dist` of this checkout: `npm run build:web` (cdk.json's app command builds it when stale). */
export const WEB_DIST = resolve(fileURLToPath(new URL('../../web/dist/', import.meta.url)));

export interface WebDeploymentProps {
  readonly bucket: s3.IBucket;
  readonly distributionId: string;
  readonly domainName: string;
  /** Base URL of the HTTP API. */
  readonly apiUrl: string;
  /** Cognito hosted UI base URL. */
  readonly authBaseUrl: string;
  /** Origin of the mail bucket, where the app PUTs attachments through presigned links. */
  readonly uploadOrigin: string;
  readonly webClientId: string;
  /** Built app to deploy; defaults to {@link WEB_DIST}. */
  readonly distDir?: string;
}

/**
 * The app's `<meta>` Content-Security-Policy with the API and the hosted UI's token endpoint added
 * to `connect-src`: the build does not know them, the deployment does. Nothing else is loosened.
 */
export function deployedIndexHtml(html: string, origins: string[]): string {
  const rewritten = html.replace(/connect-src 'self'[^;"]*/, `connect-src 'self' ${origins.join(' ')}`);
  if (rewritten === html) throw new Error('web/dist/index.html has no connect-src directive to extend; was the Content-Security-Policy <meta> changed?');
  return rewritten;
}

/**
 * Writes the built web app and its `/config.json` into the site bucket (web-hosting.ts) and
 * invalidates what CloudFront cached of the unhashed files.
 *
 * Two deployments: hashed files under `assets/` are cached for good and never pruned (a tab
 * opened before a release keeps loading its chunks); everything else is `no-cache` and pruned.
 * `index.html` and `config.json` carry deploy-time values (the API URL, the user pool domain and
 * client id), which `Source.data` fills in during the deployment.
 */
export class WebDeployment extends Construct {
  constructor(scope: Construct, id: string, props: WebDeploymentProps) {
    super(scope, id);
    const dist = props.distDir ?? WEB_DIST;
    const indexPath = join(dist, 'index.html');
    if (!existsSync(indexPath)) {
      throw new Error(`${indexPath} not found: build the web app first (npm run build:web; cdk.json's app command and npm test do it).`);
    }
    const origin = `https://${props.domainName}`;
    const distribution = cloudfront.Distribution.fromDistributionAttributes(this, 'Distribution', {
      distributionId: props.distributionId,
      domainName: props.domainName,
    });
    const config = {
      apiBaseUrl: props.apiUrl,
      auth: {
        kind: 'cognito',
        baseUrl: props.authBaseUrl,
        clientId: props.webClientId,
        redirectUri: `${origin}/auth/callback`,
        logoutUri: `${origin}/`,
      },
    };

    new s3deploy.BucketDeployment(this, 'Assets', {
      sources: [s3deploy.Source.asset(join(dist, 'assets'))],
      destinationBucket: props.bucket,
      destinationKeyPrefix: 'assets/',
      cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
      prune: false,
    });
    const app = new s3deploy.BucketDeployment(this, 'App', {
      sources: [
        s3deploy.Source.asset(dist, { exclude: ['assets', 'assets/*', 'index.html'] }),
        s3deploy.Source.data('index.html', deployedIndexHtml(readFileSync(indexPath, 'utf8'), [props.apiUrl, props.authBaseUrl, props.uploadOrigin])),
        s3deploy.Source.jsonData('config.json', config),
      ],
      destinationBucket: props.bucket,
      // Pruning spares `assets/`, which the other deployment owns.
      exclude: ['assets/*'],
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution,
      distributionPaths: ['/', '/index.html', '/config.json'],
    });
    app.node.addDependency(this.node.findChild('Assets'));
    acknowledgeBucketDeploymentFindings(Stack.of(this), props.bucket.bucketArn);
  }
}

/** The function behind `BucketDeployment` is one singleton per stack whose code and role aws-cdk-lib owns. */
function acknowledgeBucketDeploymentFindings(stack: Stack, bucketArn: string): void {
  const singleton = stack.node.tryFindChild('Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C');
  if (singleton === undefined) return;
  acknowledge(
    singleton,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'The BucketDeployment handler is provided by aws-cdk-lib; the AWS-managed policy only lets it write its own logs.',
  );
  const copies = 'aws-cdk-lib grants the BucketDeployment handler these action groups on the CDK asset bucket (read) and the site bucket (write, prune): the files it copies.';
  for (const action of ['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*']) {
    acknowledge(singleton, `AwsSolutions-IAM5[Action::${action}]`, copies);
  }
  acknowledge(singleton, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]', copies);
  acknowledgeWildcardResources(singleton, [`${bucketArn}/*`], copies);
  acknowledge(singleton, 'AwsSolutions-IAM5[Resource::*]', 'CloudFront invalidation actions (CreateInvalidation, GetInvalidation) as aws-cdk-lib grants them to the BucketDeployment handler.');
  acknowledge(singleton, 'AwsSolutions-L1', 'The BucketDeployment handler runtime is chosen by aws-cdk-lib and moves with its upgrades.');
}
