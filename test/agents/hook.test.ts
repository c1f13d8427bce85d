import { describe, it, expect } from 'vitest';
import { eventLine } from '../../src/agents/hook.js';

describe('the hook script', () => {
  it('keeps API keys out of the events file', () => {
    process.env.ANTHROPIC_API_KEY = 'sk-ant-PLANTED-0123456789';
    process.env.HF_TOKEN = 'hf_PLANTEDTOKEN0123';
    try {
      const line = eventLine(
        JSON.stringify({ hook_event_name: 'Stop', last_assistant_message: 'my key is sk-ant-PLANTED-0123456789 and hf_PLANTEDTOKEN0123', prompt: 'x' }),
        'Stop',
      );
      expect(line).not.toContain('PLANTED');
      expect(JSON.parse(line).last_message).toContain('[redacted]');
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
      delete process.env.HF_TOKEN;
    }
  });

  it('keeps the error type of a failed turn (StopFailure), and its details redacted', () => {
    process.env.ANTHROPIC_API_KEY = 'sk-ant-PLANTED-0123456789';
    try {
      const ev = JSON.parse(
        eventLine(
          JSON.stringify({ hook_event_name: 'StopFailure', error: 'rate_limit', error_details: '429 for sk-ant-PLANTED-0123456789', last_assistant_message: 'API Error: Request rejected (429)' }),
          'StopFailure',
        ),
      );
      expect(ev).toMatchObject({ event: 'StopFailure', error: 'rate_limit', last_message: 'API Error: Request rejected (429)' });
      expect(ev.error_details).toContain('[redacted]');
      expect(JSON.stringify(ev)).not.toContain('PLANTED');
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
  });
});

describe("Codex's notify program", () => {
  it('takes the event from its last argument: the turn, the prompt and the last message', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { runHook } = await import('../../src/agents/hook.js');
    const d = mkdtempSync(path.join(tmpdir(), 'ar-hook-'));
    const f = path.join(d, 'ev.jsonl');
    const payload = { type: 'agent-turn-complete', 'thread-id': 't1', 'input-messages': ['Next task'], 'last-assistant-message': 'Ran it.' };
    expect(runHook([f, 'notify', JSON.stringify(payload)])).toBe(0);
    expect(JSON.parse(readFileSync(f, 'utf8'))).toMatchObject({ event: 'agent-turn-complete', thread: 't1', prompt: 'Next task', last_message: 'Ran it.' });
    rmSync(d, { recursive: true, force: true });
  });
});
