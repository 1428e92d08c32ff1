/**
 * One synthesis of the Mailroom stacks for assertion tests: the repository's `cdk.json` context,
 * a test stage, and bundling skipped (Lambda code is a placeholder; `bundle.test.ts` covers real
 * bundles). Each test file synthesises once, in `beforeAll`.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { createMailroom, type Mailroom } from '../../infra/mailroom.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

export type Resource = { Properties: Record<string, any> };

export interface Synthesised {
  mailroom: Mailroom;
  stateless: Template;
  /** Stateless resources of a type whose properties match `props` (objectLike). */
  resources(type: string, props?: Record<string, unknown>): Resource[];
}

export function synthesiseMailroom(context: Record<string, unknown> = {}): Synthesised {
  const app = new App({ context: { ...cdkJson.context, stageName: 'test', recipientDomains: ['mail.example.org'], ...context, 'aws:cdk:bundling-stacks': [] } });
  const mailroom = createMailroom(app);
  const stateless = Template.fromStack(mailroom.stateless);
  return {
    mailroom,
    stateless,
    resources: (type, props = {}) => Object.values(stateless.findResources(type, { Properties: Match.objectLike(props) })) as Resource[],
  };
}
