/**
 * Assertions on the web app's hosting: the private bucket behind CloudFront (stateful stack), the
 * Cognito client that lets the app sign in from its own origin, the API's CORS origin, and the
 * deployment that writes the app with its `/config.json` and a CSP naming the API and sign-in.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployedIndexHtml } from '../../infra/constructs/web-deployment.js';
import { synthesiseMailroom, type Synthesised } from './synth.js';

let stateful: Template;
let stateless: Template;
let resources: Synthesised['resources'];

beforeAll(() => {
  // Prepare / Act
  const synthesised = synthesiseMailroom();
  ({ stateless, resources } = synthesised);
  stateful = Template.fromStack(synthesised.mailroom.stateful);
});

function distributionId(): string {
  const ids = Object.keys(stateful.findResources('AWS::CloudFront::Distribution'));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe('web hosting (stateful stack)', () => {
  it('serves a private bucket through CloudFront with origin access control, HTTPS only', () => {
    stateful.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ SigningBehavior: 'always', SigningProtocol: 'sigv4' }) });
    stateful.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', Compress: true }),
        CustomErrorResponses: [
          Match.objectLike({ ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html' }),
          Match.objectLike({ ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html' }),
        ],
      }),
    });
    const policies = Object.values(stateful.findResources('AWS::S3::BucketPolicy')).map((p) => JSON.stringify(p));
    const sitePolicy = policies.find((p) => p.includes('cloudfront.amazonaws.com'));
    expect(sitePolicy).toContain(distributionId());
    expect(sitePolicy).toContain('s3:GetObject');
  });

  it('sends security headers: HSTS, nosniff, no framing', () => {
    stateful.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31_536_000 }),
        }),
      }),
    });
  });

  it('lets the app sign in and out from its own origin through the hosted UI', () => {
    const client = Object.values(stateful.findResources('AWS::Cognito::UserPoolClient'))[0]!;
    const callbacks = JSON.stringify(client.Properties.CallbackURLs);
    const logouts = JSON.stringify(client.Properties.LogoutURLs);
    expect(callbacks).toContain(`"${distributionId()}","DomainName"`);
    expect(callbacks).toContain('/auth/callback');
    expect(logouts).toContain(`"${distributionId()}","DomainName"`);
  });

  it('lets the app PUT uploads to the mail bucket from its origin only, and expires abandoned ones', () => {
    const buckets = Object.values(stateful.findResources('AWS::S3::Bucket', { Properties: { CorsConfiguration: Match.anyValue() } }));
    expect(buckets).toHaveLength(1);
    const [rule] = buckets[0]!.Properties.CorsConfiguration.CorsRules;
    expect(rule.AllowedMethods).toEqual(['PUT']);
    expect(JSON.stringify(rule.AllowedOrigins)).toContain(`"${distributionId()}","DomainName"`);
    expect(buckets[0]!.Properties.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ Id: 'AbandonedUploads', Prefix: 'uploads/', ExpirationInDays: 2 }));
  });

  it('exports the site bucket, distribution and hosted UI for the stateless stack', () => {
    for (const name of ['web-bucket-name', 'web-bucket-arn', 'web-distribution-id', 'web-domain-name', 'auth-base-url']) {
      expect(Object.values(stateful.findOutputs('*', { Export: { Name: `mailroom-test:${name}` } }))).toHaveLength(1);
    }
  });
});

describe('web deployment (stateless stack)', () => {
  it('writes config.json with the API URL and the Cognito client, and invalidates the unhashed files', () => {
    const deployments = resources('Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(2);
    const app = deployments.find((d) => d.Properties.DistributionPaths !== undefined)!;
    expect(app.Properties.DistributionPaths).toEqual(['/', '/index.html', '/config.json']);
    expect(app.Properties.Prune).toBe(true);
    expect(app.Properties.Exclude).toEqual(['assets/*']);
    const markers = JSON.stringify(app.Properties.SourceMarkers);
    expect(markers).toContain('mailroom-test:web-client-id');
    expect(markers).toContain('mailroom-test:auth-base-url');
    const assets = deployments.find((d) => d.Properties.DistributionPaths === undefined)!;
    expect(assets.Properties).toMatchObject({ DestinationBucketKeyPrefix: 'assets/', Prune: false, SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' } });
  });

  it('allows the deployed app origin in the API CORS configuration', () => {
    const [api] = resources('AWS::ApiGatewayV2::Api');
    expect(JSON.stringify(api!.Properties.CorsConfiguration.AllowOrigins)).toContain('mailroom-test:web-domain-name');
  });

  it('extends only the CSP connect-src of the built index.html', () => {
    const html = `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self' ; frame-src 'self'">`;
    expect(deployedIndexHtml(html, ['https://api.example', 'https://auth.example'])).toBe(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self' https://api.example https://auth.example; frame-src 'self'">`,
    );
    expect(() => deployedIndexHtml('<title>no csp</title>', ['https://api.example'])).toThrow(/connect-src/);
  });
});
