// How the simulator signs SNS messages: SignatureVersion 2 (RSASSA-PKCS1-v1_5 with SHA-256 over
// AWS's documented string to sign), with a key and self-signed certificate made at first use and
// served at `<publicUrl>/sns/…pem`, so the Worker's verifier runs for real against it.

import { createSigningIdentity, type SigningIdentity } from "../x509.ts";
import type { SnsMessage, UnsignedSnsMessage } from "./messages.ts";
import type { SimulatorSns } from "./types.ts";

/**
 * Each simulator has its own key, so its certificate gets its own file name, as SNS names each
 * of its certificates differently: a verifier caching keys by URL never mixes two simulators.
 */
export function certificatePath(): string {
	const id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");
	return `/sns/SimpleNotificationService-${id}.pem`;
}

/**
 * AWS's string to sign ("Verifying the signatures of Amazon SNS messages"): `Key\nValue\n` for
 * these keys in this order; Subject only when the message has one.
 */
export function snsStringToSign(message: UnsignedSnsMessage): string {
	const pairs: [string, string | undefined][] =
		message.Type === "Notification"
			? [
					["Message", message.Message],
					["MessageId", message.MessageId],
					["Subject", message.Subject],
					["Timestamp", message.Timestamp],
					["TopicArn", message.TopicArn],
					["Type", message.Type],
				]
			: [
					["Message", message.Message],
					["MessageId", message.MessageId],
					["SubscribeURL", message.SubscribeURL],
					["Timestamp", message.Timestamp],
					["Token", message.Token],
					["TopicArn", message.TopicArn],
					["Type", message.Type],
				];
	return pairs
		.filter((pair): pair is [string, string] => pair[1] !== undefined)
		.map(([key, value]) => `${key}\n${value}\n`)
		.join("");
}

/** The signing half of the SNS controls (`SesSimulator.sns`). */
export type SnsSigner = Pick<SimulatorSns, "certUrl" | "certificatePem" | "sign">;

/** A signer whose certificate is served under `publicUrl` (no trailing slash). */
export function createSnsSigner(publicUrl: string): SnsSigner {
	const certUrl = `${publicUrl}${certificatePath()}`;

	let identity: Promise<SigningIdentity> | undefined;
	const signingIdentity = () => {
		identity ??= createSigningIdentity({ commonName: "sns.sendfleet-simulator.local" }).catch(
			(error: unknown) => {
				identity = undefined;
				throw error;
			},
		);
		return identity;
	};

	async function sign(message: UnsignedSnsMessage): Promise<SnsMessage> {
		const signer = await signingIdentity();
		const Signature = await signer.sign(snsStringToSign(message), "2");
		return { ...message, SignatureVersion: "2", Signature, SigningCertURL: certUrl } as SnsMessage;
	}

	return { certUrl, certificatePem: async () => (await signingIdentity()).pem, sign };
}
