// The training process gets the user's environment minus credentials it has no use for.
const SECRET_NAME = /(^ANTHROPIC_|^CLAUDE_CODE_OAUTH|API_KEY$|_TOKEN$|^AR_SECRET)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function trainingEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!isSecretName(k) && k !== 'CLAUDECODE') env[k] = v;
  env.PYTHONUNBUFFERED = '1';
  return { ...env, ...extra };
}
