// The profile registry and how a session picks its agent: config, --agent, lanes with a list.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileNamed, profileNames } from '../../src/agents/index.js';
import { flagValue } from '../../src/agents/profile.js';
import { PROFILE_NAMES } from '../../src/config/agent-names.js';
import { defaultConfig } from '../../src/config.js';
import { UsageError } from '../../src/errors.js';
import { laneAgents } from '../../src/lanes/start.js';
import { resolveAgent } from '../../src/supervisor/session.js';

describe('agent profiles', () => {
  it('names each profile once; an unknown name is one sentence listing the known ones', () => {
    expect(new Set(profileNames()).size).toBe(profileNames().length);
    expect(profileNames()).toEqual([...PROFILE_NAMES]); // config validates against the list
    expect(profileNamed('claude').title).toBe('Claude Code');
    const err = (() => {
      try {
        profileNamed('gpt-cli');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.message).toBe(`the agent profile "gpt-cli" is not one we know; use one of ${profileNames().join(', ')}.`);
  });

  it("takes the launch line from config for the configured profile, else the profile's own", () => {
    const c = defaultConfig();
    expect(resolveAgent(c)).toMatchObject({ command: 'claude', args: ['--dangerously-skip-permissions'] });
    c.agent = { profile: 'claude', command: 'node', args: null };
    expect(resolveAgent(c)).toMatchObject({ command: 'node', args: [] });
    c.agent = { profile: 'claude', command: null, args: ['--model', 'opus'] };
    const r = resolveAgent(c);
    expect(r).toMatchObject({ command: 'claude', args: ['--model', 'opus'] });
    expect(r.profile.model(r.args, {})).toBe('opus');
    expect(() => resolveAgent(c, 'nope')).toThrow(/--agent "nope" is not one we know/);
  });

  it('lanes take one agent for all, or one per lane', () => {
    expect(laneAgents(undefined, 2)).toEqual([undefined, undefined]);
    expect(laneAgents('claude', 3)).toEqual(['claude', 'claude', 'claude']);
    expect(laneAgents('claude, claude', 2)).toEqual(['claude', 'claude']);
    expect(() => laneAgents('claude,claude,claude', 2)).toThrow('--agent names 3 agents for 2 lanes; give one, or one per lane.');
  });

  it('reads the screen after a signal only where it says so (the supervisor captures it only then)', () => {
    const root = path.join(import.meta.dirname, '..', 'fixtures', 'screens');
    const screens = readdirSync(root).flatMap((a) => readdirSync(path.join(root, a)).filter((f) => f.startsWith('failed-')).map((f) => readFileSync(path.join(root, a, f), 'utf8')));
    expect(screens.length).toBeGreaterThan(10);
    const events = [
      { event: 'Stop', time: 1, last_message: 'Done.' },
      { event: 'StopFailure', time: 1, error: 'rate_limit', last_message: 'API Error: 429' },
      { event: 'AfterAgent', time: 1, last_message: '[no response text]' },
      { event: 'AfterAgent', time: 1 },
      { event: 'agent-turn-complete', time: 1 },
    ];
    let read = 0;
    for (const name of profileNames()) {
      const p = profileNamed(name);
      for (const e of events) {
        for (const failed of [false, true]) {
          if (p.screenAfterSignal(e, failed)) {
            read++;
            continue;
          }
          for (const screen of screens) expect(p.failure({ event: e, failed, screen, now: 0 })).toEqual(p.failure({ event: e, failed, now: 0 }));
        }
      }
    }
    expect(read).toBeGreaterThan(0); // Gemini's AfterAgent without a reply
  });

  it('reads a flag value in either form', () => {
    expect(flagValue(['-m', 'a', '--model=b'], ['-m', '--model'])).toBe('b');
    expect(flagValue(['--yolo'], ['-m'])).toBeNull();
  });
});
