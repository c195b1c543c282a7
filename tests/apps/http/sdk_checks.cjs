// The OpenAI-compatible front door of a running wardend, through the
// official `openai` npm package (pinned in tests/third_party).
//
// Usage: node sdk_checks.cjs API_URL KEYS_JSON
// KEYS_JSON: {"acme": key, "tight": key}; tenant tight may run one run at a
// time and queue none, and agent `slow` holds its run for seconds.
// Prints one "ok   - name" or "FAIL - name" line per check; exits 1 after a
// failure.
'use strict';
const fs = require('fs');
const OpenAI = require('openai');

const [url, keysPath] = process.argv.slice(2);
const keys = JSON.parse(fs.readFileSync(keysPath, 'utf8'));
let failures = 0;

function check(name, ok, detail) {
  if (ok) {
    console.log(`ok   - ${name}`);
  } else {
    failures += 1;
    console.log(`FAIL - ${name}${detail === undefined ? '' : ': ' + detail}`);
  }
}

async function main() {
  const acme = new OpenAI({ baseURL: `${url}/v1`, apiKey: keys.acme, maxRetries: 0 });

  const models = [];
  for await (const model of acme.models.list()) models.push(model.id);
  check('models.list() names the agents', models.includes('quick') && models.includes('slow'),
        JSON.stringify(models));

  const plain = await acme.chat.completions.create({
    model: 'quick',
    messages: [{ role: 'user', content: 'hello from the sdk' }],
  });
  check('a plain answer is a chat.completion with the run output',
        plain.object === 'chat.completion' &&
        plain.choices[0].message.role === 'assistant' &&
        plain.choices[0].message.content.includes('hello from the sdk') &&
        plain.choices[0].finish_reason === 'stop', JSON.stringify(plain));
  check('its usage is the run usage',
        plain.usage.prompt_tokens > 0 && plain.usage.completion_tokens > 0 &&
        plain.usage.total_tokens === plain.usage.prompt_tokens + plain.usage.completion_tokens,
        JSON.stringify(plain.usage));

  // History opens a session; its id comes back in a header, and a request
  // naming it continues that session.
  const { data: seeded, response } = await acme.chat.completions
    .create({
      model: 'quick',
      messages: [
        { role: 'system', content: 'answer briefly' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
    })
    .withResponse();
  const session = response.headers.get('x-warden-session');
  check('a request with history answers and names its session',
        seeded.choices[0].message.content.includes('second question') && /^[0-9]+$/.test(session || ''),
        `${session} ${JSON.stringify(seeded)}`);
  const { response: next } = await acme.chat.completions
    .create({ model: 'quick', messages: [{ role: 'user', content: 'third question' }] },
            { headers: { 'X-Warden-Session': session } })
    .withResponse();
  check('X-Warden-Session continues the session',
        next.headers.get('x-warden-session') === session, next.headers.get('x-warden-session'));
  const history = await fetch(`${url}/v1/sessions/${session}`,
                              { headers: { Authorization: `Bearer ${keys.acme}` } });
  const info = await history.json();
  check('the session ran both turns', info.last_run_id === Number(next.headers.get('x-warden-run')),
        JSON.stringify(info));

  const stream = await acme.chat.completions.create({
    model: 'quick',
    messages: [{ role: 'user', content: 'stream this' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    if (chunk.choices.length > 0 && chunk.choices[0].delta.content) text += chunk.choices[0].delta.content;
    if (chunk.usage) usage = chunk.usage;
  }
  check('a streamed answer arrives as chunks with usage',
        text.includes('stream this') && chunks >= 3 && usage && usage.total_tokens > 0,
        `${chunks} ${text} ${JSON.stringify(usage)}`);

  // Agent `streamer`'s provider streams from mock-llm: the chunks come as
  // the model writes, and add up to the answer it gives unstreamed.
  const whole = await acme.chat.completions.create({
    model: 'streamer', messages: [{ role: 'user', content: 'tell me' }],
  });
  const answer = whole.choices[0].message.content;
  const live = await acme.chat.completions.create({
    model: 'streamer', messages: [{ role: 'user', content: 'tell me' }],
    stream: true, stream_options: { include_usage: true },
  });
  const pieces = [];
  let finish = null;
  let liveUsage = null;
  for await (const chunk of live) {
    const choice = chunk.choices[0];
    if (choice && choice.delta.content) pieces.push(choice.delta.content);
    if (choice && choice.finish_reason) finish = choice.finish_reason;
    if (chunk.usage) liveUsage = chunk.usage;
  }
  console.log(`# the streamed answer came in ${pieces.length} content chunks`);
  check('a streaming model answer arrives in more than one content chunk',
        pieces.length > 1, JSON.stringify(pieces));
  check('its chunks add up to the answer given unstreamed',
        answer.length > 0 && pieces.join('') === answer, `${JSON.stringify(pieces)} vs ${answer}`);
  check('it ends with stop and the run usage',
        finish === 'stop' && liveUsage && liveUsage.total_tokens > 0,
        `${finish} ${JSON.stringify(liveUsage)}`);

  try {
    await acme.chat.completions.create({ model: 'poet', messages: [{ role: 'user', content: 'x' }] });
    check('an unknown model is the SDK NotFoundError', false, 'answered');
  } catch (e) {
    check('an unknown model is the SDK NotFoundError',
          e instanceof OpenAI.NotFoundError && e.status === 404, `${e.constructor.name} ${e.message}`);
  }

  try {
    const nobody = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'wk_not-a-key', maxRetries: 0 });
    await nobody.chat.completions.create({ model: 'quick', messages: [{ role: 'user', content: 'x' }] });
    check('an unknown key is the SDK AuthenticationError', false, 'answered');
  } catch (e) {
    check('an unknown key is the SDK AuthenticationError',
          e instanceof OpenAI.AuthenticationError, `${e.constructor.name} ${e.message}`);
  }

  try {
    await acme.chat.completions.create({
      model: 'quick', messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
    });
    check('client tools are a BadRequestError', false, 'answered');
  } catch (e) {
    check('client tools are a BadRequestError naming them',
          e instanceof OpenAI.BadRequestError && /tools/.test(e.message), `${e.constructor.name} ${e.message}`);
  }

  // Tenant tight is at its cap while a slow run holds its one slot: the
  // front door answers 429 with Retry-After, and the SDK waits and tries
  // again until the slot is free.
  const busy = await fetch(`${url}/v1/runs`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${keys.tight}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ agent: 'slow', input: 'hold the slot' }),
  });
  check('a slow run takes tenant tight its only slot', busy.status === 202, busy.status);
  const refused = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${keys.tight}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'quick', messages: [{ role: 'user', content: 'x' }] }),
  });
  const refusal = await refused.json();
  check('a tenant at its cap gets 429 with Retry-After in OpenAI shape',
        refused.status === 429 && Number(refused.headers.get('retry-after')) >= 1 &&
        refusal.error.type === 'rate_limit_error', `${refused.status} ${JSON.stringify(refusal)}`);
  const tight = new OpenAI({ baseURL: `${url}/v1`, apiKey: keys.tight, maxRetries: 8 });
  const started = Date.now();
  const retried = await tight.chat.completions.create({
    model: 'quick', messages: [{ role: 'user', content: 'after the wait' }],
  });
  check('the SDK retries a 429 after Retry-After and then gets its answer',
        retried.choices[0].message.content.includes('after the wait') && Date.now() - started >= 900,
        `${Date.now() - started} ms`);
}

main()
  .catch((e) => {
    failures += 1;
    console.log(`FAIL - the checks ran to the end: ${e && e.stack ? e.stack : e}`);
  })
  .then(() => process.exit(failures > 0 ? 1 : 0));
