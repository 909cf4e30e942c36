export default {
	async fetch(): Promise<Response> {
		return new Response("ok");
	},
	async queue(batch: MessageBatch<unknown>): Promise<void> {
		for (const m of batch.messages) m.ack();
	},
} satisfies ExportedHandler<Env>;
