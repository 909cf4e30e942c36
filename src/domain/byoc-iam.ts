/**
 * What a BYOC connection asks of the customer's IAM (src/domain/byoc.ts): the role's trust
 * policy, the permissions policy for the role or the access key's user, and the names SendFleet
 * gives itself in their account.
 *
 * The external id is `sendfleet-<account id>`: AWS's confused-deputy protection needs it to be
 * unique per SendFleet account and chosen by SendFleet, not secret, so it can be shown before
 * anything is saved and needs no storage.
 */
export const externalIdFor = (accountId: string) => `sendfleet-${accountId}`;

/** Shows in the customer's CloudTrail as who assumed their role (STS allows 2–64 characters). */
export const sessionName = (accountId: string) => `sendfleet-${accountId}`.slice(0, 64);

/** The IAM actions SendFleet uses in the customer's account, and nothing more. */
export const BYOC_IAM_ACTIONS = [
	"ses:GetAccount",
	"ses:SendEmail",
	"ses:CreateEmailIdentity",
	"ses:GetEmailIdentity",
	"ses:DeleteEmailIdentity",
	"ses:PutEmailIdentityMailFromAttributes",
	"ses:VerifyDomainIdentity",
	"ses:GetIdentityVerificationAttributes",
] as const;

/** The permissions policy to attach to the role (or the access key's user). */
export const byocPermissionsPolicy = () => ({
	Version: "2012-10-17",
	Statement: [
		{ Sid: "SendFleetByoc", Effect: "Allow", Action: [...BYOC_IAM_ACTIONS], Resource: "*" },
	],
});

/** The role's trust policy: SendFleet's AWS account, with this account's external id only. */
export const byocTrustPolicy = (platformAwsAccountId: string, externalId: string) => ({
	Version: "2012-10-17",
	Statement: [
		{
			Effect: "Allow",
			Principal: { AWS: `arn:aws:iam::${platformAwsAccountId}:root` },
			Action: "sts:AssumeRole",
			Condition: { StringEquals: { "sts:ExternalId": externalId } },
		},
	],
});
