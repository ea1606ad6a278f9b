import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one AwsSolutions-IAM5 wildcard finding below `scope`.
 * cdk-nag reports each wildcard as its own finding, named after the action
 * (`Action::s3:GetObject*`) or the resource as the template spells it
 * (`Resource::*`, `Resource::<LogicalId.Arn>/prefix/*`), and a finding is
 * acknowledged only under its exact name.
 */
export function acknowledgeWildcard(
  scope: IConstruct,
  finding: string,
  reason: string,
): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[${finding}]`,
    reason,
  });
}

/**
 * Returns the finding name of a wildcard resource built from `construct`'s
 * ARN: `Resource::<LogicalId.Arn><suffix>`.
 */
export function arnWildcardFinding(
  construct: IConstruct,
  suffix: string,
): string {
  const resource = construct.node.defaultChild ?? construct;
  if (!CfnResource.isCfnResource(resource)) {
    throw new Error(
      `${construct.node.path} has no CloudFormation resource to name in a cdk-nag finding.`,
    );
  }
  const logicalId = Stack.of(resource).getLogicalId(resource);
  return `Resource::<${logicalId}.Arn>${suffix}`;
}
