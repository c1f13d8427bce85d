/**
 * A scripted, local stand-in for the OpenAI Responses API (`POST <base>/responses`, `stream: true`, answered as
 * server-sent events `event: <type>\ndata: <json>`), good enough to drive the real Codex CLI (0.169.0) through
 * its `exec_command` tool with no network. Only `node:http`.
 *
 * - A request without tools is Codex's side request for a thread title: a short text.
 * - Otherwise the turn is the last user message that is not Codex's `<environment_context>`; its text is recorded
 *   in `userPrompts` the first time it is seen. Each tool output since that message is one step done: the next
 *   command of the turn is sent as an `exec_command` call, and when they are used up, the final text ends the turn.
 *   The step is computed from the request itself, so a retried request gets the same answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CodexTurn {
  /** Shell commands, one `exec_command` call each, in order. */
  commands: string[];
  final?: string;
}

export interface MockOpenAI {
  /** Base URL for a `model_providers` entry (ends in /v1). */
  url: string;
  userPrompts: string[];
  requests: number;
  close(): Promise<void>;
}

function textOf(item: any): string {
  const c = item?.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((p: any) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

/** An HTTP refusal of every model call (the API's JSON error body). */
export interface Refusal {
  status: number;
  body: unknown;
}

export async function startMockOpenAI(o: { turns: (userText: string) => CodexTurn; refuse?: Refusal }): Promise<MockOpenAI> {
  const prompts: string[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !/\/responses$/.test(req.url ?? '')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      let body: any = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // answered below as a side request
      }
      const input: any[] = Array.isArray(body.input) ? body.input : [];
      const k = ++n;
      if (o.refuse) {
        const user = input.filter((it) => it?.type === 'message' && it.role === 'user' && !textOf(it).includes('<environment_context>')).at(-1);
        if (Array.isArray(body.tools) && body.tools.length && user && prompts[prompts.length - 1] !== textOf(user)) prompts.push(textOf(user));
        res.writeHead(o.refuse.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(o.refuse.body));
        return;
      }
      const id = `resp_${k}`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const sse = (ev: Record<string, unknown>) => res.write(`event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`);
      sse({ type: 'response.created', response: { id } });
      let item: Record<string, unknown>;
      const message = (text: string) => {
        item = { type: 'message', role: 'assistant', id: `msg_${k}`, content: [{ type: 'output_text', text }] };
        sse({ type: 'response.output_item.added', output_index: 0, item: { ...item, content: [] } });
        sse({ type: 'response.output_text.delta', output_index: 0, content_index: 0, item_id: item.id, delta: text });
      };
      if (!Array.isArray(body.tools) || body.tools.length === 0) message('Scripted title');
      else {
        let at = -1;
        for (let i = input.length - 1; i >= 0; i--) {
          const it = input[i];
          if (it?.type === 'message' && it.role === 'user' && !textOf(it).includes('<environment_context>')) {
            at = i;
            break;
          }
        }
        const userText = at >= 0 ? textOf(input[at]) : '';
        if (at >= 0 && prompts[prompts.length - 1] !== userText) prompts.push(userText);
        const done = input.slice(at + 1).filter((it) => it?.type === 'function_call_output').length;
        const turn = o.turns(userText);
        const cmd = turn.commands[done];
        if (cmd === undefined) message(turn.final ?? 'Done.');
        else {
          item = {
            type: 'function_call',
            id: `fc_${k}`,
            call_id: `call_${k}`,
            name: 'exec_command',
            arguments: JSON.stringify({ cmd, yield_time_ms: 120000 }),
          };
          sse({ type: 'response.output_item.added', output_index: 0, item });
        }
      }
      sse({ type: 'response.output_item.done', output_index: 0, item: item! });
      sse({
        type: 'response.completed',
        response: { id, usage: { input_tokens: 100, input_tokens_details: null, output_tokens: 10, output_tokens_details: null, total_tokens: 110 } },
      });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    userPrompts: prompts,
    get requests() {
      return n;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
