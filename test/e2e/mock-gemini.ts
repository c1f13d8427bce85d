/**
 * A scripted, local stand-in for the Gemini API (`POST /v1beta/models/<model>:streamGenerateContent?alt=sse`,
 * answered as `data: <json>` events; `:generateContent` side calls answered as JSON), good enough to drive the real
 * Gemini CLI (0.61.0) through its `run_shell_command` tool with no network. Only `node:http`.
 *
 * The turn is the last user message that is not a function response; its text is recorded in `userPrompts` the
 * first time it is seen. Each function response since then is one step done: the next command is sent as a
 * `run_shell_command` call, and when they are used up the final text ends the turn. Retries get the same answer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GeminiTurn {
  commands: string[];
  final?: string;
}

export interface MockGemini {
  /** For GOOGLE_GEMINI_BASE_URL. */
  url: string;
  userPrompts: string[];
  /** Model calls (streamGenerateContent) answered or refused. */
  calls: number;
  close(): Promise<void>;
}

const cand = (parts: unknown[]) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 10, totalTokenCount: 110 },
  modelVersion: 'scripted',
});

/** The user's prompt: the last text part (the CLI's first message also carries a <session_context> part with the memory file). */
const textOf = (c: any): string => {
  const texts = Array.isArray(c?.parts) ? c.parts.filter((p: any) => typeof p?.text === 'string').map((p: any) => p.text as string) : [];
  return texts[texts.length - 1] ?? '';
};

export async function startMockGemini(o: { turns: (userText: string) => GeminiTurn; refuse?: { status: number; body: unknown } }): Promise<MockGemini> {
  const prompts: string[] = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /\/models\/([^:?]+):(generateContent|streamGenerateContent|countTokens)/.exec(req.url ?? '');
      let body: any = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // answered as a side call
      }
      if (!m || m[2] !== 'streamGenerateContent') {
        // Side calls (the model router, token counts): a JSON answer that fits what they ask.
        const schema = JSON.stringify(body?.generationConfig?.responseJsonSchema ?? body?.generationConfig?.responseSchema ?? {});
        const text = schema.includes('complexity_score') ? JSON.stringify({ complexity_reasoning: 'scripted', complexity_score: 10 }) : 'ok';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(m?.[2] === 'countTokens' ? { totalTokens: 100 } : cand([{ text }])));
        return;
      }
      const contents: any[] = Array.isArray(body.contents) ? body.contents : [];
      let at = -1;
      for (let i = contents.length - 1; i >= 0; i--) {
        const c = contents[i];
        if (c?.role === 'user' && !(c.parts ?? []).some((p: any) => p?.functionResponse)) {
          at = i;
          break;
        }
      }
      const userText = at >= 0 ? textOf(contents[at]) : '';
      if (at >= 0 && prompts[prompts.length - 1] !== userText) prompts.push(userText);
      calls++;
      if (o.refuse) {
        res.writeHead(o.refuse.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(o.refuse.body));
        return;
      }
      const done = contents.slice(at + 1).filter((c) => (c?.parts ?? []).some((p: any) => p?.functionResponse)).length;
      const turn = o.turns(userText);
      const cmd = turn.commands[done];
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const part = cmd === undefined ? { text: turn.final ?? 'Done.' } : { functionCall: { name: 'run_shell_command', args: { command: cmd, description: 'scripted step' } } };
      res.write('data: ' + JSON.stringify(cand([part])) + '\r\n\r\n');
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    userPrompts: prompts,
    get calls() {
      return calls;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
