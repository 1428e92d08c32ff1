/**
 * Key layout of the mail bucket and names that must be known before the resources exist.
 *
 * The inbound prefix is also handed to the functions as `MAILROOM_INBOUND_PREFIX`, so the value here
 * is the single source for both the SES action and the code that reads what SES wrote.
 */
export const MAIL_PREFIXES = {
  /** Raw RFC 5322 messages as received, written by SES (or a connector). Never modified. */
  inbound: 'inbound/',
  /** Decoded attachments, one object per part, written by the inbound function. */
  attachments: 'attachments/',
  /** Bodies too large to keep inline in the DynamoDB item (items are capped at 400 KB). */
  bodies: 'bodies/',
  /**
   * Files a browser uploads for a message being written (presigned PUT). Compose copies what it
   * sends under `attachments/`, so what is left here is only ever abandoned.
   */
  uploads: 'uploads/',
} as const;

/**
 * Receipt rule set and rule names derived from the stage.
 *
 * They are fixed strings rather than generated names because the mail bucket policy (in the
 * stateful stack) must name the rule in its `aws:SourceArn` condition before the rule (in the
 * stateless stack) exists; a token would create a dependency cycle between the stacks.
 * See https://docs.aws.amazon.com/ses/latest/dg/receiving-email-permissions.html
 */
export function receiptNames(stageName: string): { ruleSetName: string; ruleName: string } {
  return { ruleSetName: `mailroom-${stageName}`, ruleName: `mailroom-${stageName}-store` };
}

/** ARN of a receipt rule, the value SES sends as `aws:SourceArn` when it writes to S3 or publishes to SNS. */
export function receiptRuleArn(partition: string, region: string, account: string, stageName: string): string {
  const { ruleSetName, ruleName } = receiptNames(stageName);
  return `arn:${partition}:ses:${region}:${account}:receipt-rule-set/${ruleSetName}:receipt-rule/${ruleName}`;
}
