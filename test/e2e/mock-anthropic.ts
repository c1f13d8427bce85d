/**
 * A scripted, local stand-in for the Anthropic Messages API, good enough to drive the real
 * Claude Code CLI (2.1.197) through tool calls with no network. Only `node:http`.
 *
 * How a script is played:
 * - Side calls (a request without `tools`, or `tools: []`: titles, topics, summaries) get a short
 *   text answer; when they ask for JSON (`output_config.format.type = 'json_schema'`, as the
 *   session-title call does) the text is a JSON object that fits the schema.
 * - A main-agent call (with `tools`) belongs to the turn of the last human message (a user message
 *   that is not a `tool_result`; the CLI puts a `role: "system"` message after the first prompt,
 *   so that is not always the last message). The first call seen for a human message starts a new
 *   turn: its text (without `<system-reminder>` blocks) is recorded in `userPrompts` and the next
 *   ScriptedTurn is taken (from the array, or from the function).
 * - Within a turn, each model call plays the next step. A tool step returns a `tool_use` block
 *   (stop_reason `tool_use`); text steps that come right before a tool step are sent in the same
 *   reply, before it (like "I'll read the file" + tool_use). A text step with no tool step after
 *   it ends the turn (stop_reason `end_turn`). When the steps are used up, the reply is the
 *   turn's `final` text (default "Done.") with `end_turn`.
 * - The step of a call is computed from the request itself (how many assistant messages follow
 *   the human prompt), so a retried request gets the same answer, not the next one.
 * - `delayMs` on a step (or `defaultDelayMs`) holds the reply back that long (pings are sent
 *   meanwhile on streams), which keeps the CLI busy for screen captures.
 * - An `{ error: {...} }` step answers with that HTTP status and the API's error body.
 * - Anything unexpected (bad JSON, unknown path) gets 200 with a short text message and a log line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedStep =
  | { tool: 'Read' | 'Edit' | 'Write' | 'Bash'; input: Record<string, unknown>; delayMs?: number }
  | { text: string; delayMs?: number }
  /**
   * Extra (not a content block): answer this call with an HTTP error in the Messages API's error
   * shape, e.g. `{ error: { status: 400, message: 'bad' } }`. The CLI does not retry a 400 and shows
   * an `API Error: 400 ...` line; it retries 429/5xx/529 with back-off (slow). Ends the turn.
   */
  | { error: { status: number; type?: string; message?: string; headers?: Record<string, string> }; delayMs?: number };

export interface ScriptedTurn {
  /** content blocks the assistant returns, in order, one per model call */
  steps: ScriptedStep[];
  /** text of the final reply once the steps are used up (default "Done.") */
  final?: string;
  /** delay before the final reply */
  finalDelayMs?: number;
}

export interface MockAnthropicOptions {
  turns: ScriptedTurn[] | ((userText: string, turnIndex: number) => ScriptedTurn);
  log?: (line: string) => void;
  /** delay applied to every main-agent reply that has no delayMs of its own */
  defaultDelayMs?: number;
  /** fixed port (default: any free port on 127.0.0.1) */
  port?: number;
  /**
   * Refuse the first main-agent calls with these HTTP errors, one call each, before the script plays (a retried
   * prompt sits where the refused one did, so the script alone would refuse it again).
   */
  refuseFirst?: Array<{ status: number; type?: string; message?: string; headers?: Record<string, string> | (() => Record<string, string>) }>;
}

export interface MockAnthropic {
  url: string;
  port: number;
  requests: Array<{ path: string; body: any }>;
  userPrompts: string[];
  close(): Promise<void>;
}

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

interface Reply {
  content: Block[];
  stopReason: 'end_turn' | 'tool_use';
  delayMs: number;
  /** answer with this HTTP error instead of a message */
  error?: { status: number; type?: string; message?: string; headers?: Record<string, string> };
}

const SIDE_TEXT = 'Scripted reply';

/** True for a user message made only of tool results (the CLI answering a tool_use). */
function isToolResultMessage(msg: any): boolean {
  if (!msg || msg.role !== 'user' || !Array.isArray(msg.content)) return false;
  return msg.content.some((b: any) => b && b.type === 'tool_result');
}

function isHumanMessage(msg: any): boolean {
  return !!msg && msg.role === 'user' && !isToolResultMessage(msg);
}

/**
 * The human's text in a user message: text blocks, minus `<system-reminder>` sections and other
 * wrappers the CLI adds around it (hook context, command tags), trimmed.
 */
export function extractUserText(msg: any): string {
  if (!msg) return '';
  const parts: string[] = [];
  if (typeof msg.content === 'string') parts.push(msg.content);
  else if (Array.isArray(msg.content)) {
    for (const b of msg.content) {
      if (b && b.type === 'text' && typeof b.text === 'string') parts.push(b.text);
    }
  }
  const cleaned = parts
    .map((p) => p.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim())
    .filter((p) => p.length > 0);
  // When the CLI splits context and prompt into several blocks, the prompt is the last one.
  return cleaned.length ? cleaned[cleaned.length - 1] : '';
}

function estimateTokens(body: unknown): number {
  let n = 0;
  try {
    n = JSON.stringify(body ?? '').length;
  } catch {
    n = 100;
  }
  return Math.max(1, Math.ceil(n / 4));
}

/** The CLI's session id (metadata.user_id is a JSON string holding it); '' when absent. */
function sessionIdOf(body: any): string {
  const raw = body?.metadata?.user_id;
  if (typeof raw !== 'string') return '';
  try {
    const parsed = JSON.parse(raw);
    return typeof parsed?.session_id === 'string' ? parsed.session_id : '';
  } catch {
    return raw;
  }
}

/**
 * A value that fits a (simple) JSON schema. Side calls such as the session title ask for
 * `output_config.format = {type: 'json_schema', schema: {properties: {title: {type: 'string'}}}}`.
 */
function sampleForSchema(schema: any, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 6) return SIDE_TEXT;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries<any>(schema.properties ?? {})) out[k] = sampleForSchema(v, depth + 1);
      return out;
    }
    case 'array':
      return [];
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return SIDE_TEXT;
  }
}

function sideReplyText(body: any): string {
  const format = body?.output_config?.format;
  if (format && format.type === 'json_schema' && format.schema) {
    return JSON.stringify(sampleForSchema(format.schema));
  }
  return SIDE_TEXT;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The main-agent model calls (with tools) a mock has answered: one per prompt the agent really worked on, plus its tool steps. */
export function mainCalls(mock: MockAnthropic): number {
  return mock.requests.filter((r) => r.path === '/v1/messages' && Array.isArray(r.body?.tools) && r.body.tools.length > 0).length;
}

export async function startMockAnthropic(opts: MockAnthropicOptions): Promise<MockAnthropic> {
  const log = opts.log ?? (() => {});
  const requests: Array<{ path: string; body: any }> = [];
  const userPrompts: string[] = [];
  const refusals = [...(opts.refuseFirst ?? [])];
  let idCounter = 0;
  const newId = (prefix: string) =>
    `${prefix}_mock${Date.now().toString(36)}${(++idCounter).toString().padStart(6, '0')}`;

  // Turn bookkeeping: a turn is keyed by where its human message sits in the conversation and
  // what it says, so a retry of the same request does not start another turn.
  const turnByKey = new Map<string, { index: number; turn: ScriptedTurn }>();
  let turnCount = 0;

  function scriptFor(userText: string, index: number): ScriptedTurn {
    try {
      if (typeof opts.turns === 'function') return opts.turns(userText, index) ?? { steps: [] };
      return opts.turns[index] ?? { steps: [] };
    } catch (err) {
      log(`turn script threw: ${String(err)}`);
      return { steps: [], final: `Script error: ${String(err)}` };
    }
  }

  function mainReply(body: any): Reply {
    const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
    let humanIdx = -1;
    for (let i = messages.length - 1; i >= 0; i--) {
      if (isHumanMessage(messages[i])) {
        humanIdx = i;
        break;
      }
    }
    if (humanIdx < 0) {
      log('main call without a human message; answering with text');
      return { content: [{ type: 'text', text: SIDE_TEXT }], stopReason: 'end_turn', delayMs: 0 };
    }
    const userText = extractUserText(messages[humanIdx]);
    const key = `${sessionIdOf(body)}\u0000${humanIdx}\u0000${userText}`;
    let entry = turnByKey.get(key);
    if (!entry) {
      const index = turnCount++;
      userPrompts.push(userText);
      log(`turn ${index} begins: ${JSON.stringify(userText).slice(0, 200)}`);
      entry = { index, turn: scriptFor(userText, index) };
      turnByKey.set(key, entry);
    }
    // Which call of the turn is this? One per assistant message after the human prompt.
    const callNo = messages.slice(humanIdx + 1).filter((m) => m?.role === 'assistant').length;
    // Group the steps into calls: text steps ride along with the tool (or error) step after them.
    const calls: ScriptedStep[][] = [];
    let pending: ScriptedStep[] = [];
    for (const step of entry.turn.steps) {
      pending.push(step);
      if (!('text' in step)) {
        calls.push(pending);
        pending = [];
      }
    }
    const trailingText = pending; // text steps with no tool after them: the final answer
    const defaultDelay = opts.defaultDelayMs ?? 0;
    const delayOf = (group: ScriptedStep[]) => group.reduce((acc, s) => acc + (s.delayMs ?? 0), 0) || defaultDelay;
    if (callNo < calls.length) {
      const group = calls[callNo];
      const last = group[group.length - 1];
      if ('error' in last) {
        log(`turn ${entry.index} call ${callNo}: HTTP error ${last.error.status}`);
        return { content: [], stopReason: 'end_turn', delayMs: delayOf(group), error: last.error };
      }
      const content: Block[] = group.map((s) =>
        'tool' in s
          ? { type: 'tool_use', id: newId('toolu'), name: s.tool, input: s.input ?? {} }
          : { type: 'text', text: 'text' in s ? s.text : '' },
      );
      log(`turn ${entry.index} call ${callNo}: ${group.map((s) => ('tool' in s ? s.tool : 'text')).join('+')}`);
      return { content, stopReason: 'tool_use', delayMs: delayOf(group) };
    }
    if (callNo === calls.length && trailingText.length > 0) {
      const content: Block[] = trailingText.map((s) => ({ type: 'text', text: 'text' in s ? s.text : '' }));
      log(`turn ${entry.index} call ${callNo}: final text`);
      return { content, stopReason: 'end_turn', delayMs: delayOf(trailingText) };
    }
    log(`turn ${entry.index} call ${callNo}: final`);
    return {
      content: [{ type: 'text', text: entry.turn.final ?? 'Done.' }],
      stopReason: 'end_turn',
      delayMs: entry.turn.finalDelayMs ?? defaultDelay,
    };
  }

  function messageJson(body: any, reply: Reply) {
    const outTokens = estimateTokens(reply.content);
    return {
      id: newId('msg'),
      type: 'message',
      role: 'assistant',
      model: typeof body?.model === 'string' ? body.model : 'claude-mock',
      content: reply.content,
      stop_reason: reply.stopReason,
      stop_sequence: null,
      usage: {
        input_tokens: estimateTokens(body?.messages),
        output_tokens: outTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    };
  }

  async function sendStream(res: http.ServerResponse, body: any, reply: Reply): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': newId('req'),
    });
    const send = (event: string, data: unknown) => {
      if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const msg = messageJson(body, reply);
    send('message_start', {
      type: 'message_start',
      message: { ...msg, content: [], stop_reason: null, usage: { ...msg.usage, output_tokens: 1 } },
    });
    // Hold the reply back (the CLI shows its spinner meanwhile); ping to keep the stream alive.
    let left = reply.delayMs;
    while (left > 0 && !res.destroyed) {
      const step = Math.min(left, 1000);
      await sleep(step);
      left -= step;
      send('ping', { type: 'ping' });
    }
    reply.content.forEach((block, index) => {
      if (block.type === 'text') {
        send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
      } else {
        send('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        send('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        });
      }
      send('content_block_stop', { type: 'content_block_stop', index });
    });
    send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: reply.stopReason, stop_sequence: null },
      usage: { output_tokens: msg.usage.output_tokens },
    });
    send('message_stop', { type: 'message_stop' });
    res.end();
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (method === 'HEAD' || (method === 'GET' && path === '/')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(method === 'HEAD' ? undefined : 'ok');
      return;
    }
    let body: any = undefined;
    if (raw.length) {
      try {
        body = JSON.parse(raw);
      } catch {
        log(`${method} ${req.url}: body is not JSON (${raw.length} bytes)`);
        body = { _raw: raw.slice(0, 2000) };
      }
    }
    requests.push({ path, body });

    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      const n = estimateTokens([body?.system, body?.messages, body?.tools]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ input_tokens: n }));
      return;
    }

    if (method === 'POST' && path === '/v1/messages') {
      const hasTools = Array.isArray(body?.tools) && body.tools.length > 0;
      const refusal = hasTools ? refusals.shift() : undefined;
      if (refusal) log(`main call refused: HTTP ${refusal.status}`);
      const reply: Reply = refusal
        ? { content: [], stopReason: 'end_turn', delayMs: 0, error: { ...refusal, headers: typeof refusal.headers === 'function' ? refusal.headers() : refusal.headers } }
        : hasTools
        ? mainReply(body)
        : { content: [{ type: 'text', text: sideReplyText(body) }], stopReason: 'end_turn', delayMs: 0 };
      if (!hasTools) log(`side call (no tools), ${Array.isArray(body?.messages) ? body.messages.length : 0} messages`);
      if (reply.error) {
        if (reply.delayMs > 0) await sleep(reply.delayMs);
        const status = reply.error.status;
        const type =
          reply.error.type ??
          (status === 401
            ? 'authentication_error'
            : status === 429
              ? 'rate_limit_error'
              : status === 529
                ? 'overloaded_error'
                : status >= 500
                  ? 'api_error'
                  : 'invalid_request_error');
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req'), ...(reply.error.headers ?? {}) });
        res.end(JSON.stringify({ type: 'error', error: { type, message: reply.error.message ?? `Scripted error ${status}` } }));
        return;
      }
      if (body?.stream === true) {
        await sendStream(res, body, reply);
      } else {
        if (reply.delayMs > 0) await sleep(reply.delayMs);
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': newId('req') });
        res.end(JSON.stringify(messageJson(body, reply)));
      }
      return;
    }

    log(`unexpected request: ${method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        messageJson(body, { content: [{ type: 'text', text: SIDE_TEXT }], stopReason: 'end_turn', delayMs: 0 }),
      ),
    );
  }

  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err) => log(`request error: ${String(err)}`));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      handle(req, res, raw).catch((err) => {
        log(`handler error on ${req.method} ${req.url}: ${String(err?.stack ?? err)}`);
        try {
          if (!res.headersSent) {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ type: 'message', role: 'assistant', content: [{ type: 'text', text: SIDE_TEXT }] }));
          } else if (!res.writableEnded) res.end();
        } catch {
          /* nothing more to do */
        }
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (err, socket) => {
    log(`client error: ${String(err)}`);
    try {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    } catch {
      /* ignore */
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  log(`mock Anthropic listening on ${url}`);

  return {
    url,
    port,
    requests,
    userPrompts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
