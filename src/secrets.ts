// What a child process gets of the environment (no credentials), and redaction of secrets from what we keep.
const SECRET_NAME = /(^ANTHROPIC_|^CLAUDE_CODE_OAUTH|API_KEY$|_TOKEN$|^AR_SECRET)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function trainingEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!isSecretName(k)) env[k] = v;
  env.PYTHONUNBUFFERED = '1';
  return { ...env, ...extra };
}

/**
 * Replace the values of secret variables (API keys, tokens; 8 characters or more) in a text by a mark, and
 * anything shaped like an Anthropic key. For what an agent or a user may write where it is kept: a run's
 * description, a saved screen.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const [k, v] of Object.entries(env)) {
    if (v && v.length >= 8 && isSecretName(k) && out.includes(v)) out = out.split(v).join('[redacted]');
  }
  return out.replace(/\bsk-ant-[A-Za-z0-9_-]{4,}/g, 'sk-ant-[redacted]');
}

/**
 * redactSecrets with the secret values taken once (for a server that redacts every answer): also their
 * JSON-escaped form, so a key inside a JSON string is caught too.
 */
export function makeRedactor(env: NodeJS.ProcessEnv = process.env): (text: string) => string {
  const values = new Set<string>();
  for (const [k, v] of Object.entries(env)) {
    if (!v || v.length < 8 || !isSecretName(k)) continue;
    values.add(v);
    values.add(JSON.stringify(v).slice(1, -1));
  }
  const list = [...values].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const v of list) if (out.includes(v)) out = out.split(v).join('[redacted]');
    return out.replace(/\bsk-ant-[A-Za-z0-9_-]{4,}/g, 'sk-ant-[redacted]');
  };
}
