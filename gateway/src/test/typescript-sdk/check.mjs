// The official TypeScript SDK against a promptq gateway: every call the gateway serves, and the
// SDK's typed errors. Run by GatewayTypeScriptIT with GATEWAY_URL, PROMPTQ_KEY and
// PROMPTQ_LIMITED_KEY (one request a minute); prints one JSON object of what it saw.
import Anthropic from '@anthropic-ai/sdk';

const { GATEWAY_URL, PROMPTQ_KEY, PROMPTQ_LIMITED_KEY } = process.env;
const client = new Anthropic({ baseURL: GATEWAY_URL, apiKey: PROMPTQ_KEY, maxRetries: 0 });
const params = (prompt) => ({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: prompt }] });
const out = {};

const m = await client.messages.create(params('hello from typescript'));
out.create = { type: m.type, hasText: m.content[0].text.length > 0, inputTokens: m.usage.input_tokens };

const plain = await client.messages.create(params('stream from typescript'));
const stream = client.messages.stream(params('stream from typescript'));
let textEvents = 0;
stream.on('text', () => { textEvents++; });
const final = await stream.finalMessage();
out.stream = {
  sameContent: JSON.stringify(final.content) === JSON.stringify(plain.content),
  sameStop: final.stop_reason === plain.stop_reason,
  textEvents,
};

const counted = await client.messages.countTokens({ model: 'claude-haiku-4-5',
  messages: [{ role: 'user', content: 'count me from typescript' }] });
out.countTokens = counted.input_tokens;
const beta = await client.beta.messages.create({ ...params('betas from typescript'),
  betas: ['context-1m-2025-08-07'] });
out.beta = beta.type;

async function failure(call) {
  try {
    await call();
    return 'none';
  } catch (e) {
    return `${e.constructor.name}:${e.status}`;
  }
}
const wrong = new Anthropic({ baseURL: GATEWAY_URL, apiKey: 'pqk_000000000000_' + 'A'.repeat(43), maxRetries: 0 });
const limited = new Anthropic({ baseURL: GATEWAY_URL, apiKey: PROMPTQ_LIMITED_KEY, maxRetries: 0 });
out.errors = {
  badRequest: await failure(() => client.messages.create(params('[sim:invalid_request] refuse me'))),
  unauthorized: await failure(() => wrong.messages.create(params('who am I'))),
  firstOfMinute: await failure(() => limited.messages.create(params('my one request'))),
  rateLimited: await failure(() => limited.messages.create(params('one too many'))),
  overloaded: await failure(() => client.messages.create(params('[sim:overloaded] always'),
    { headers: { 'promptq-route': 'api_only' } })),
};

const batch = await client.messages.batches.create({ requests: [
  { custom_id: 'ts-0', params: params('batch request 0') },
  { custom_id: 'ts-1', params: params('[sim:invalid_request] batch request 1') },
] });
let seen = batch;
const until = Date.now() + 60_000;
while (seen.processing_status !== 'ended' && Date.now() < until) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  seen = await client.messages.batches.retrieve(batch.id);
}
const results = {};
for await (const line of await client.messages.batches.results(batch.id)) {
  results[line.custom_id] = line.result.type;
}
const other = await client.messages.batches.create({ requests: [{ custom_id: 'later', params: params('later') }] });
const listed = [];
for await (const b of client.messages.batches.list({ limit: 1 })) {  // one per page: the SDK pages with after_id
  listed.push(b.id);
}
const canceled = await client.messages.batches.cancel(other.id);
const deleted = await client.messages.batches.delete(batch.id);
out.batches = {
  created: batch.processing_status,
  ended: seen.processing_status,
  counts: seen.request_counts,
  results,
  listedWithPaging: listed.includes(batch.id) && listed.length >= 2,
  cancel: canceled.id === other.id && ['canceling', 'ended'].includes(canceled.processing_status),
  deleted: deleted.type,
};
console.log(JSON.stringify(out));
