/**
 * Builds the Mailroom stacks into an app. Shared by `infra/app.ts` (the CDK entry point) and the
 * infrastructure tests, so both synthesize exactly the same thing.
 */
import { Annotations, App, Tags, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig, type MailroomConfig } from './config.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { StatelessStack } from './stacks/stateless-stack.js';

export interface Mailroom {
  config: MailroomConfig;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export function createMailroom(app: App): Mailroom {
  const config = readConfig(app.node);
  // Without account/region in context the stacks are environment-agnostic: synth needs no
  // credentials and performs no lookups; CloudFormation resolves AWS::AccountId/Region at deploy.
  const env: Environment | undefined =
    config.account !== undefined || config.region !== undefined
      ? { ...(config.account !== undefined ? { account: config.account } : {}), ...(config.region !== undefined ? { region: config.region } : {}) }
      : undefined;
  const prefix = `Mailroom-${config.stageName}`;

  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    ...(env !== undefined ? { env } : {}),
    description: `Mailroom ${config.stageName}: data and identity (table, mail bucket, event bus, user pool). Retained on delete.`,
    terminationProtection: true,
    stageName: config.stageName,
    ...(config.rawMailRetentionDays !== undefined ? { rawMailRetentionDays: config.rawMailRetentionDays } : {}),
    webCallbackUrls: config.webCallbackUrls,
    webLogoutUrls: config.webLogoutUrls,
    ...(config.authDomainPrefix !== undefined ? { authDomainPrefix: config.authDomainPrefix } : {}),
  });

  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    ...(env !== undefined ? { env } : {}),
    description: `Mailroom ${config.stageName}: functions, HTTP API, inbound pipeline, SES receipt rules, alarms.`,
    stageName: config.stageName,
    recipientDomains: config.recipientDomains,
    requireTls: config.requireTls,
    activateReceiptRuleSet: config.activateReceiptRuleSet,
    corsAllowOrigins: config.corsAllowOrigins,
    ...(config.alarmEmail !== undefined ? { alarmEmail: config.alarmEmail } : {}),
    xrayTracing: config.xrayTracing,
    stateful: stateful.refs,
  });
  // The references are named imports, which CDK does not track: order the deployment explicitly.
  stateless.addStackDependency(stateful);

  if (config.recipientDomainsIsDefault) {
    Annotations.of(stateless).addWarningV2(
      'mailroom:recipientDomains',
      'recipientDomains is not set: the receipt rule accepts mail for the placeholder example.com. Pass -c recipientDomains=your.domain before deploying.',
    );
  }

  for (const stack of [stateful, stateless]) {
    Tags.of(stack).add('project', 'mailroom');
    Tags.of(stack).add('stage', config.stageName);
  }
  // cdk-nag's AWS Solutions rules run as a validation plugin after synthesis: an unacknowledged
  // error fails `cdk synth`. See https://github.com/cdklabs/cdk-nag/blob/main/RULES.md
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  return { config, stateful, stateless };
}
