/**
 * cdk-nag 3 acknowledgements. cdk-nag runs as a CDK validation plugin and matches acknowledged
 * finding ids exactly: a wildcard finding is `AwsSolutions-IAM5[Resource::<flattened ARN>]`, where
 * cdk-nag flattens intrinsics (an `Fn::ImportValue` becomes its export name, a `Ref` `<Name>`).
 * See https://github.com/cdklabs/cdk-nag/blob/main/README.md#acknowledging-a-rule
 */
import { Stack, Validations } from 'aws-cdk-lib';
// The function cdk-nag itself uses to build finding ids, so acknowledgements match them exactly.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Acknowledges IAM5 for exactly these wildcard ARNs (e.g. `bucket.arnForObjects('inbound/*')`).
 * The ARNs must not depend on automatic cross-stack references, whose final form (an import of a
 * generated export) only exists after synthesis; the stacks use named exports for that reason.
 */
export function acknowledgeWildcardResources(scope: IConstruct, arns: string[], reason: string): void {
  const stack = Stack.of(scope);
  for (const arn of arns) acknowledge(scope, `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(arn))}]`, reason);
}
